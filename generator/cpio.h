/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading initramfs images as the kernel does: segments, decompressors, cpio parser. */
#ifndef MKINITRAMFS_CPIO_H
#define MKINITRAMFS_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * No entry may be larger than this: a real initramfs holds modules of a few MB and
 * firmware of tens of MB; a bigger size comes from a hostile or broken image.
 */
#define CPIO_ENTRY_MAX (1ull << 30)
/* newc, the format the kernel unpacks and image_write() writes: this magic, then 13
 * fields of 8 hex digits (110 bytes in all), the name, padding to 4. */
#define CPIO_NEWC_MAGIC "070701"
#define CPIO_NEWC_HEADER_SIZE 110
/* The room for a failure's description (cpio_walk_fd() never prints). */
#define CPIO_ERROR_MAX 512

struct cpio_entry {
	const char *name; /* exactly as stored in the archive */
	const char *path; /* leading '/' and "./" removed; "." for the root itself */
	mode_t mode;
	uint64_t size;	    /* data bytes; the target's length for symlinks */
	const char *target; /* symlinks */
	dev_t rdev;
	dev_t dev; /* with ino: which entries are names of one file */
	uint64_t ino;
	uint64_t mtime;
	uint32_t uid, gid, nlink;
	unsigned segment;	 /* 0-based, in file order */
	uint64_t segment_offset; /* file offset where that segment starts */
	const char *compression; /* of the segment: "none", "zstd", "gzip", ... */
};

/*
 * What a walk calls, in archive order. For every entry: entry(), then for a regular
 * file data() with its bytes in pieces of at most 1 MiB (never called when NULL: the
 * bytes are decoded and dropped), then done() when not NULL. A non-zero return of any
 * of them stops the walk and is returned.
 */
struct cpio_ops {
	int (*entry)(const struct cpio_entry *e, void *userdata);
	int (*data)(const void *bytes, size_t len, void *userdata);
	int (*done)(const struct cpio_entry *e, void *userdata);
};

/*
 * Decoder contexts and buffers kept from one walk to the next (the fuzzer walks
 * thousands of images a second). NULL to cpio_walk_fd() makes a temporary one.
 */
struct cpio_reader;
int cpio_reader_new(struct cpio_reader **ret);
void cpio_reader_free(struct cpio_reader *rd);

/*
 * Walk every entry of the image open at `fd` (a regular file, read from offset 0 with
 * pread(), never mapped: a file cut short while we read it is a truncated image, not a
 * SIGBUS). Segments are uncompressed newc/odc archives or compressed streams (zstd,
 * gzip, xz, lzma, lz4 legacy and frame, bzip2), separated by NUL padding; a compressed
 * stream may hold several archives. Memory stays bounded whatever the image says:
 * decoders' dictionaries are limited (xz/lzma 128 MiB, zstd windows 128 MiB) and entries
 * larger than CPIO_ENTRY_MAX are refused. Errors: -EBADMSG corrupt, truncated or
 * trailing junk data, -EFBIG an entry over the limit, -EOPNOTSUPP a known but
 * unsupported compression (lzo), with a one-line description in `err` (empty when the
 * error came from an op, which reports its own).
 */
int cpio_walk_fd(struct cpio_reader *rd, int fd, const struct cpio_ops *ops,
		 void *userdata, char err[CPIO_ERROR_MAX]);

/*
 * The same over a file another thread is still writing through the same descriptor
 * (read with pread: the writer's offset stays its own). Where the file ends for now,
 * grow(userdata) is asked: 1 when more bytes may have been written since it last
 * returned (read again), 0 when the writer finished (the end is the end), a negative
 * errno to abandon the walk (returned). bytes(), when set, sees every byte of the
 * file read, once, in order.
 */
struct cpio_follow {
	int (*grow)(void *userdata);
	void (*bytes)(const void *data, size_t len, void *userdata);
	void *userdata;
};
int cpio_walk_growing(int fd, const struct cpio_ops *ops, void *userdata,
		      const struct cpio_follow *follow, char err[CPIO_ERROR_MAX]);

#endif
