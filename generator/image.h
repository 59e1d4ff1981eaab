/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Images: write a stage as a compressed newc cpio atomically; read, list, extract. */
#ifndef MKINITRAMFS_IMAGE_H
#define MKINITRAMFS_IMAGE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "compress.h"
#include "stage.h"

/*
 * Called by image_write() right after the image is renamed over `target`, while it
 * holds an exclusive flock on the target's directory that every image_write() takes
 * around its rename: what the hook writes beside the image (its .inputs record) pairs
 * with this image even when builds to one target race. `fd` is the image, readable
 * with pread(); `st` its fstat after the rename. The hook reports its own failures:
 * the image stays in place.
 */
typedef void (*image_commit_fn)(const char *target, int fd, const struct stat *st,
				void *userdata);

struct image_options {
	enum compress_kind compression;
	int level;    /* COMPRESS_LEVEL_DEFAULT for the compressor's default */
	int threads;  /* compressor threads; 0 = all cores */
	time_t mtime; /* every entry's mtime: SOURCE_DATE_EPOCH or 0 */
	/* Optional uncompressed cpio placed before the compressed one (microcode). */
	const struct stage *early;
	image_commit_fn commit; /* optional */
	void *commit_userdata;
};

/*
 * Write `stage` (finished) to `target`: a temporary file in the target's directory,
 * mode 0600, O_EXCL|O_NOFOLLOW, fsynced, read back and compared with the stage, then
 * renamed over `target` and the directory fsynced. On any failure the temporary file is
 * removed and `target` is untouched. Returns 0 or a negative errno; -EBADMSG when the
 * read-back check finds a difference. The image keeps mode 0600. Temporary files of
 * interrupted builds of the same target (".NAME.tmp.XXXXXX" that no live build holds
 * locked) are removed first. An early stage is written first as an uncompressed newc
 * archive, zero-padded to 512 bytes. Same stage and options give the same bytes, on any
 * machine: entry metadata is fixed (uid/gid 0, inodes 1..N) and the compressors' output
 * does not depend on the thread count.
 */
int image_write(const struct stage *stage, const char *target,
		const struct image_options *opts);

/*
 * Remove the temporary files that interrupted builds of `target` left (those no live
 * build holds locked), as image_write() does first: for a run that writes nothing.
 */
int image_clean_stale(const char *target);

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
	const char *compression; /* of its segment: "none", "zstd", "gzip", "lz4"... */
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
 * separated by zero padding, as the kernel reads them. `compression` names: "none",
 * "zstd", "gzip", "xz", "lzma", "lz4" (legacy), "lz4-frame", "bzip2". -EBADMSG for
 * corrupt, truncated or trailing junk data, -EOPNOTSUPP for lzo.
 */
int image_read(const char *path, image_entry_fn fn, void *userdata);

/*
 * `-l`: one line per entry, "MODE SIZE /PATH[ -> TARGET]": MODE as ls -l shows it
 * ("drwxr-xr-x", "crw-------", "-rwsr-xr-x"), SIZE right-aligned in 10 columns (the
 * target's length for symlinks), PATH with a leading '/' ("/" for a "." entry). When
 * the image has more than one segment (an early uncompressed cpio before the compressed
 * one, say), each segment's entries follow a line "# segment N: COMPRESSION", N from 0.
 */
int image_list(const char *path, FILE *out);

/*
 * `-x`: extract into `dir` (created if missing). Refuses absolute paths, ".."
 * components and any write through a symlink (even one the archive itself created):
 * returns -EINVAL naming nothing; the caller reports the image. What was extracted
 * before the refused entry stays. Entries are created with openat(O_NOFOLLOW) relative
 * to the directory, never by path string; an existing file or symlink in the way is
 * replaced (the link itself, never what it points to). Modes are kept as in the archive,
 * set-id bits included; owners too when running as root; mtimes except on directories.
 * Hard links (newc entries with nlink > 1 sharing an inode) are recreated as such.
 * Without the privilege to make device nodes, they are skipped silently.
 */
int image_extract(const char *path, const char *dir);

#endif
