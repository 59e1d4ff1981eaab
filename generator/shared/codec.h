/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The compression formats an initramfs may use, keyed by their magic: one table for
 * the writer (compress.c names what it writes by it) and the readers (cpio.c and
 * compress_read_fd() detect a stream by it), so the name the read-back check finds is
 * by construction the name the writer wrote.
 */
#ifndef MKINITRAMFS_CODEC_H
#define MKINITRAMFS_CODEC_H

#include <stddef.h>
#include <stdint.h>

enum codec {
	CODEC_RAW, /* no magic: an uncompressed cpio (or not compressed at all) */
	CODEC_ZSTD,
	CODEC_GZIP,
	CODEC_XZ,
	CODEC_LZMA,
	CODEC_LZ4_LEGACY, /* what the kernel's lib/decompress_unlz4.c reads */
	CODEC_LZ4_FRAME,
	CODEC_BZIP2,
	CODEC_LZO, /* recognised, never decoded */
	_CODEC_MAX,
};

/* "none", "zstd", "gzip", "xz", "lzma", "lz4", "lz4-frame", "bzip2", "lzo"; NULL if out
 * of range. */
const char *codec_name(enum codec codec);

/*
 * The format whose magic `p` (`len` bytes available) starts with, CODEC_RAW for none.
 * *ret_variant (when not NULL) is 1 for gzip's old magic 1f 9e, which the kernel
 * accepts and zlib does not, else 0.
 */
enum codec codec_detect(const uint8_t *p, size_t len, int *ret_variant);

#endif
