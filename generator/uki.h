/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unified kernel images: the EFI stub, the kernel, the initramfs and their metadata. */
#ifndef MKINITRAMFS_UKI_H
#define MKINITRAMFS_UKI_H

#include <stddef.h>

#define UKI_DEFAULT_STUB "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"

/* What -U and the preset's <p>_uki, <p>_cmdline, <p>_splash ask for. */
struct uki_request {
	const char *output;	  /* the UKI to write; NULL: none */
	const char *stub;	  /* --uefistub; NULL: UKI_DEFAULT_STUB (on the host) */
	const char *kernel_image; /* --kernelimage; NULL: <root>/boot/vmlinuz-KVER */
	const char *cmdline;	  /* --cmdline FILE; NULL: <root>/etc/kernel/cmdline,
				     else /proc/cmdline when the root is "/" */
	int no_cmdline;		  /* --no-cmdline: no .cmdline section */
	const char *splash;	  /* --splash FILE (a BMP); NULL: no .splash */
	const char *osrelease;	  /* --osrelease FILE; NULL: <root>/etc/os-release,
				     else <root>/usr/lib/os-release */
};

/*
 * Build the UKI req->output from the stub, the kernel image, the initramfs file
 * `initrd` (the whole image as written, early microcode archive included) and the
 * metadata sections .osrel, .cmdline, .uname (kver), .splash. Written as images are:
 * a temporary file in the target's directory, fsynced, read back and compared, renamed,
 * the directory fsynced; on failure the previous file stays. Logs its own errors, one
 * line naming the input or output at fault. Returns 0 or a negative errno.
 */
int uki_build(const struct uki_request *req, const char *root, const char *kver,
	      const char *initrd);

/*
 * Where a build that writes only a UKI puts its initramfs meanwhile: a hidden file
 * next to the UKI (same filesystem, removed afterwards). Returns 0 or -ENOMEM.
 */
int uki_scratch_initrd(const char *uki_output, char **ret);

/*
 * Before the image is built: every input of the UKI is there and of the right kind, and
 * its directory exists, so that a bad input fails the build before anything is written.
 * Logs its own errors.
 */
int uki_check(const struct uki_request *req, const char *root, const char *kver);

/* Can the UKI be written there (its directory exists)? Logs why not. */
int uki_check_target(const char *uki_output);

/* The command line as a UKI stores it: lines joined by spaces, no trailing blanks. */
size_t uki_normalize_cmdline(char *text, size_t len);

#endif
