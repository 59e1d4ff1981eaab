/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading initramfs images as the kernel does: segments, decompressors, cpio parser. */
#ifndef MKINITRAMFS_CPIO_H
#define MKINITRAMFS_CPIO_H

#include <stdint.h>
#include <sys/types.h>

struct cpio_entry {
	const char *name; /* exactly as stored in the archive */
	const char *path; /* leading '/' and "./" removed; "." for the root itself */
	mode_t mode;
	uint64_t size;	    /* data bytes; the target's length for symlinks */
	const char *target; /* symlinks */
	dev_t rdev;
	uint64_t ino;
	uint64_t mtime;
	uint32_t uid, gid, nlink;
	unsigned segment;	 /* 0-based, in file order */
	uint64_t segment_offset; /* file offset where that segment starts */
	const char *compression; /* of the segment: "none", "zstd", "gzip", ... */
};

/* `data`: a regular file's bytes (size of them), valid during the call; else NULL. */
typedef int (*cpio_entry_fn)(const struct cpio_entry *entry, const void *data,
			     void *userdata);

/*
 * Walk every entry of the image open at `fd` (read from offset 0), in order. Segments
 * are uncompressed newc/odc archives or compressed streams (zstd, gzip, xz, lzma,
 * lz4 legacy and frame, bzip2), separated by NUL padding; a compressed stream may hold
 * several archives. -EBADMSG on corrupt or truncated data, -EOPNOTSUPP for a known
 * but unsupported compression (lzo). A non-zero return of `fn` stops and is returned.
 */
int cpio_walk_fd(int fd, cpio_entry_fn fn, void *userdata);

#endif
