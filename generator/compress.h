/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compressors whose output the Linux kernel's initramfs decompressors accept. */
#ifndef MKINITRAMFS_COMPRESS_H
#define MKINITRAMFS_COMPRESS_H

#include <sys/types.h>

#include <stddef.h>

#include "util.h"

enum compress_kind {
	COMPRESS_NONE,
	COMPRESS_ZSTD,
	COMPRESS_GZIP,
	COMPRESS_XZ,  /* CRC32 check, LZMA2: what lib/decompress_unxz.c accepts */
	COMPRESS_LZ4, /* legacy frame: what lib/decompress_unlz4.c accepts */
};

#define COMPRESS_LEVEL_DEFAULT (-1000)
/* Or'ed into an xz level 0-9: the extreme preset (xz -9e). */
#define COMPRESS_XZ_EXTREME 0x100
/*
 * Or'ed into a zstd level: long-distance matching with a window of 2^wlog bytes (zstd
 * --long=wlog). The kernel allocates that window when it unpacks the image.
 */
#define COMPRESS_ZSTD_LONG_SHIFT 16
#define COMPRESS_ZSTD_LONG(wlog) ((wlog) << COMPRESS_ZSTD_LONG_SHIFT)
#define COMPRESS_ZSTD_LONG_MAX 27

/* "zstd", "gzip", "xz", "lz4", "none" (also "cat"); -EINVAL otherwise. */
int compress_from_name(const char *name, enum compress_kind *ret);
const char *compress_name(enum compress_kind kind);

/*
 * A streaming compressor writing to a file descriptor. Levels are clamped to the
 * compressor's range; defaults: zstd 3, gzip 6, xz 6, lz4 9 (HC). threads: 0 = all
 * online CPUs; the output is the same for any thread count (zstd and xz always run in
 * their multi-threaded formats, lz4 compresses independent 8 MiB blocks in parallel).
 */
struct compress;

int compress_new(enum compress_kind kind, int level, int threads, int fd,
		 struct compress **ret);
int compress_write(struct compress *c, const void *buf, size_t len);
/* Flush and end the stream; the compressor is still to be freed. */
int compress_finish(struct compress *c);
void compress_free(struct compress *c);
DEFINE_FREEP(compress_free, struct compress)

/*
 * Decompress a whole gzip/xz/zstd (or uncompressed) file into memory, as needed for
 * compressed kernel modules. -EBADMSG when the data is corrupt. Only a regular file is
 * read (else -EINVAL, -EISDIR; a FIFO never blocks the open), and at most
 * SYSROOT_READ_MAX bytes (256 MiB) either side of the decompression: -EFBIG beyond.
 */
int compress_read_file(const char *path, void **ret_data, size_t *ret_size);
/* The same from an open descriptor (read from its current offset). */
int compress_read_fd(int fd, void **ret_data, size_t *ret_size);
/*
 * The same for a file checked earlier: when `ino` is not 0, the file opened at `path`
 * must still be that inode (else -ESTALE: it was replaced or moved since).
 */
int compress_read_source(const char *path, dev_t dev, ino_t ino, void **ret_data,
			 size_t *ret_size);
/*
 * A module for a generic image: `size` bytes of `raw` as one zstd frame that says its
 * size (the format the image's unzstd helper takes), at COMPRESS_FRAME_LEVEL.
 */
#define COMPRESS_FRAME_LEVEL 3
#define COMPRESS_FRAME_NAME "zstd-frame-3" /* for the no-op digest: the bytes' recipe */
int compress_frame(const void *raw, size_t size, void **ret_data, size_t *ret_size);

#endif
