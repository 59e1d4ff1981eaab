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
struct image_sum {
	uint64_t size, crc64;
};
/* `sum`: the image's size and CRC-64 over every byte the read-back check read through
 * `fd` (NULL when that check did not run in step with the write: the hook reads fd). */
typedef void (*image_commit_fn)(const char *target, int fd, const struct stat *st,
				const struct image_sum *sum, void *userdata);

struct image_options {
	enum compress_kind compression;
	int level;   /* COMPRESS_LEVEL_DEFAULT for the compressor's default */
	int threads; /* compressor threads; 0 = all cores */
	/* zstd (without --long): the frames of the image are looked up here first and
	 * kept here (imgcache.c), NULL for none; the image's bytes are the same. */
	const char *cache_dir;
	time_t mtime; /* every entry's mtime: SOURCE_DATE_EPOCH or 0 */
	/* Optional uncompressed cpio placed before the compressed one (microcode). */
	const struct stage *early;
	image_commit_fn commit; /* optional */
	void *commit_userdata;
	/* When the target already holds exactly the bytes built (a regular file with the
	 * temporary file's mode and owner): leave it, drop the temporary file, let
	 * `commit` record the target as it is, and return 1. */
	int keep_same;
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
 * machine: entry metadata is fixed (uid/gid 0, inode numbers from the path) and the
 * compressors' output does not depend on the thread count. Every failure is logged,
 * naming what failed: a source file ("cannot read 'SOURCE' for image 'TARGET': ..."), the
 * read-back check, or the target and its directory. 1 (opts->keep_same): the target
 * had the same bytes and was left as it was.
 */
int image_write(const struct stage *stage, const char *target,
		const struct image_options *opts);

/*
 * Remove the temporary files that interrupted builds of `target` left (those no live
 * build holds locked), as image_write() does first: for a run that writes nothing.
 */
int image_clean_stale(const char *target);

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
	/* Names of one file share dev and ino within a segment (nlink > 1); newc stores
	 * the data once, with one of them (GNU cpio and dracut: the last), the others
	 * have size 0, as the kernel's unpacker expects. */
	dev_t dev;
	uint64_t ino;
	uint32_t nlink;
	unsigned segment; /* 0-based index of the concatenated archive it came from */
	uint64_t segment_offset; /* the file offset where that archive starts */
	const char *compression; /* of its segment: "none", "zstd", "gzip", "lz4"... */
};

/*
 * Called for every entry in archive order; `data` holds a regular file's bytes
 * (size bytes), NULL otherwise. A non-zero return stops the walk and is returned.
 */
typedef int (*image_entry_fn)(const struct image_entry *entry, const void *data,
			      void *userdata);

/*
 * Read an image made by any tool (a regular file: anything else, a FIFO say, is refused
 * without waiting on it): concatenated newc/odc cpio archives, each raw or
 * compressed (zstd, gzip, xz, lzma, lz4 legacy or frame, bzip2 where libarchive has it),
 * separated by zero padding, as the kernel reads them. `compression` names: "none",
 * "zstd", "gzip", "xz", "lzma", "lz4" (legacy), "lz4-frame", "bzip2". -EBADMSG for
 * corrupt, truncated or trailing junk data, -EFBIG for an entry larger than 1 GiB,
 * -EOPNOTSUPP for lzo. Logs nothing (callers and tests report).
 */
int image_read(const char *path, image_entry_fn fn, void *userdata);

/*
 * `-l`: one line per entry, "MODE SIZE /PATH[ -> TARGET]": MODE as ls -l shows it
 * ("drwxr-xr-x", "crw-------", "-rwsr-xr-x"), SIZE right-aligned in 10 columns (the
 * target's length for symlinks), PATH with a leading '/' ("/" for a "." entry). When
 * the image has more than one segment (an early uncompressed cpio before the compressed
 * one, say), each segment's entries follow a line "# segment N: COMPRESSION", N from 0.
 * File data is decoded and dropped, never held. Failures are logged ("cannot list image
 * 'PATH': ...").
 */
int image_list(const char *path, FILE *out);

/* image_extract() flags. */
#define IMAGE_EXTRACT_DEVICES 1u /* create device nodes (skipped and named otherwise) */
#define IMAGE_EXTRACT_SETID 2u	 /* keep set-user/group-ID bits (dropped otherwise) */

/*
 * `-x`: extract into `dir` (created if missing). Every entry is created, linked and
 * written inside `dir` at that moment: its parent directory is opened with openat2()
 * beneath `dir` through no symlink (a component walk with O_NOFOLLOW on kernels without
 * openat2), the entry itself with *at() calls that never follow a symlink. A symlink
 * the archive made on the way is followed only while it stays inside `dir` (merged
 * /usr: "lib -> usr/lib" then "lib/modules/..."); absolute paths, ".." components,
 * absolute symlinks and symlinks climbing out are refused, naming the entry; so is a
 * second name of a hard link whose first name is no longer the file extracted there.
 * What was extracted before a refused entry stays. An existing file or symlink in the
 * way is replaced (the link itself, never what it points to). Modes are kept except
 * set-user/group-ID bits of files (kept with IMAGE_EXTRACT_SETID); owners too when
 * running as root; mtimes except on directories. Device nodes are created only with
 * IMAGE_EXTRACT_DEVICES (and the privilege to), each skipped one named on stderr.
 * Hard links (entries with nlink > 1 sharing dev and inode) are recreated as such.
 * Failures are logged; returns -EINVAL for a refused entry.
 */
int image_extract(const char *path, const char *dir, unsigned flags);

/*
 * image_extract() with the decoders and buffers of `rd` (cpio_reader_new()), kept from
 * one call to the next: the fuzzer extracts thousands of images a second and would
 * otherwise allocate a reader's megabytes for each. NULL makes a temporary one.
 */
struct cpio_reader;
int image_extract_with(struct cpio_reader *rd, const char *path, const char *dir,
		       unsigned flags);

#endif
