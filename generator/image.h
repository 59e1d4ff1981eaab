/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Images: write a stage as a compressed newc cpio atomically; read, list, extract. */
#ifndef MKINITRAMFS_IMAGE_H
#define MKINITRAMFS_IMAGE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "compress.h"
#include "stage.h"

struct image_options {
	enum compress_kind compression;
	int level; /* COMPRESS_LEVEL_DEFAULT for the compressor's default */
	int threads; /* compressor threads; 0 = all cores */
	time_t mtime; /* every entry's mtime: SOURCE_DATE_EPOCH or 0 */
	/* Optional uncompressed cpio placed before the compressed one (microcode). */
	const struct stage *early;
};

/*
 * Write `stage` (finished) to `target`: a temporary file in the target's directory,
 * mode 0600, O_EXCL|O_NOFOLLOW, fsynced, read back and compared with the stage, then
 * renamed over `target` and the directory fsynced. On any failure the temporary file is
 * removed and `target` is untouched. Returns 0 or a negative errno; -EBADMSG when the
 * read-back check finds a difference.
 */
int image_write(const struct stage *stage, const char *target,
		const struct image_options *opts);

/*
 * After image_write() failed because a source file could not be read (missing,
 * unreadable, corrupt compressed data, not a regular file): that file's host path, for
 * the caller's message; NULL when the failure was elsewhere (the target, the disk).
 */
const char *image_write_failed_source(void);

/*
 * Remove the temporary file of an image_write() in progress, if any. Async-signal-safe:
 * meant for SIGINT/SIGTERM handlers, which then _exit().
 */
void image_abort_cleanup(void);

/* One entry of an image, as read back. */
struct image_entry {
	const char *path; /* without leading '/' */
	mode_t mode;
	uint64_t size;
	const char *target; /* symlinks */
	dev_t rdev;
	unsigned segment; /* 0-based index of the concatenated archive it came from */
	const char *compression; /* of its segment: "none", "zstd", "gzip", "xz", "lz4"... */
};

/*
 * Called for every entry in archive order; `data` holds a regular file's bytes
 * (size bytes), NULL otherwise. A non-zero return stops the walk and is returned.
 */
typedef int (*image_entry_fn)(const struct image_entry *entry, const void *data,
			      void *userdata);

/*
 * Read an image made by any tool: concatenated newc/odc cpio archives, each raw or
 * compressed (zstd, gzip, xz, lzma, lz4 legacy or frame, bzip2 where libarchive has it),
 * separated by zero padding, as the kernel reads them.
 */
int image_read(const char *path, image_entry_fn fn, void *userdata);

/* `-l`: one line per entry: mode, size, path, " -> target" for symlinks. */
int image_list(const char *path, FILE *out);

/*
 * `-x`: extract into `dir` (created if missing). Refuses absolute paths, ".."
 * components and any write through a symlink (even one the archive itself created):
 * returns -EINVAL naming nothing; the caller reports the image. Entries are created with
 * openat(O_NOFOLLOW) relative to the directory, never by path string.
 */
int image_extract(const char *path, const char *dir);

#endif
