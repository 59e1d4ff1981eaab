/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPU microcode for the kernel's early loader: an uncompressed cpio before the image. */
#ifndef MKINITRAMFS_MICROCODE_H
#define MKINITRAMFS_MICROCODE_H

#include "stage.h"

/*
 * Add kernel/x86/microcode/GenuineIntel.bin (every file of <root>/lib/firmware/
 * intel-ucode, concatenated in name order) and AuthenticAMD.bin (every amd-ucode/ *.bin)
 * to `early`. `vendor` ("GenuineIntel", "AuthenticAMD") limits it to one vendor; NULL
 * takes both. Returns the number of blobs added (0: no microcode in the root).
 */
int microcode_stage(struct stage *early, const char *root, const char *vendor);

/*
 * The one blob of a CPU: intel-ucode/FF-MM-SS, or amd-ucode/microcode_amd_famXXh.bin
 * (family 15h and later; microcode_amd.bin before), added as that vendor's file.
 * Returns 1 when added, 0 when the root has no blob for this CPU.
 */
int microcode_stage_cpu(struct stage *early, const char *root, const char *vendor,
			unsigned family, unsigned model, unsigned stepping);

/* "cpu family", "model" and "stepping" of the first CPU in a cpuinfo file, or -ENOENT. */
int microcode_cpu_signature(const char *cpuinfo, unsigned *family, unsigned *model,
			    unsigned *stepping);

/* The CPU vendor_id named in a cpuinfo file, or -ENOENT. */
int microcode_cpu_vendor(const char *cpuinfo, char **ret);

#endif
