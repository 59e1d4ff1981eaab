/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The .modinfo of a kernel module file (plain, gzip, xz, zstd), read without libkmod. */
#ifndef MKINITRAMFS_MODINFO_H
#define MKINITRAMFS_MODINFO_H

#include <stddef.h>

#include "strv.h"

/*
 * The "key=value" strings of the .modinfo section of the module image in `buf`, in file
 * order (the NUL padding between them skipped), into `*ret` (which should be empty:
 * it is overwritten, only on success; free with strv_clear). -ENOEXEC when `buf`
 * is not a relocatable ELF file whose sections all lie inside it, has no .modinfo, or
 * its last string is not terminated inside the section.
 */
int modinfo_parse(const void *buf, size_t size, struct strv *ret);

/*
 * Decompress the module file at `path` with our own decompressors (libkmod may lack
 * one: Debian's has no zlib) and parse it. -EBADMSG when it does not decompress.
 */
int modinfo_read(const char *path, struct strv *ret);

/*
 * The same for the open module file `fd` (read with pread: its offset is left alone).
 * A plain ELF file is not read whole: only its header, section table, section names
 * and .modinfo (elf_read_section_fd), into zero pages the size of the file; anything
 * else goes through compress_read_fd(), whose errors (-EINVAL, -EISDIR, -EFBIG) it
 * returns as they are.
 */
int modinfo_read_fd(int fd, struct strv *ret);

/* The value of `entry` ("key=value") when its key is `key`, else NULL. */
const char *modinfo_value(const char *entry, const char *key);

#endif
