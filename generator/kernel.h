/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel versions: from a bzImage's setup header, from uname, or as given by the user. */
#ifndef MKINITRAMFS_KERNEL_H
#define MKINITRAMFS_KERNEL_H

#include <stddef.h>

/*
 * The release ("6.1.0-56-amd64") of the x86 bzImage at `path`, read from the boot
 * protocol's setup header: "HdrS" at 0x202 and, at 0x20E, the offset from 0x200 of the
 * "RELEASE (builder) #N ..." string. Only the first word is returned. A file that is not
 * a bzImage, or whose string is missing, empty or unterminated, is -ENOEXEC; a path
 * that is not a regular file (a FIFO, a device) -ENOTTY, without waiting for a writer.
 */
int kernel_version_from_image(const char *path, char **ret);

/* The same, on a buffer holding the start of the image. */
int kernel_version_from_buffer(const void *buf, size_t size, char **ret);

/* The release of the running kernel (uname -r). */
int kernel_running_version(char **ret);

/*
 * Could `s` be a kernel release as used under /lib/modules? Non-empty, at most 64
 * bytes, no '/', no whitespace, not "." or "..". The caller (main) takes -k ARG as a
 * path when it contains a '/' or names an existing file, else as a release.
 */
int kernel_is_version_string(const char *s);

#endif
