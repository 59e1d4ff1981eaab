/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a whole text file into memory: one implementation for every subsystem. */
#ifndef MKINITRAMFS_TEXTFILE_H
#define MKINITRAMFS_TEXTFILE_H

#include <stddef.h>

/*
 * The contents of `path`, NUL-terminated, and their size. Returns 0, -ENOENT when there
 * is no such file, -EINVAL or -EISDIR when it is no regular file (a FIFO does not block),
 * -EFBIG over SYSROOT_READ_MAX (256 MiB), -ENOMEM, or the open(2) or read(2) error.
 */
int textfile_read(const char *path, char **ret, size_t *ret_size);

#endif
