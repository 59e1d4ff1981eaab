/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The stage: the sorted set of entries an image will hold, collected before any write. */
#ifndef MKINITRAMFS_STAGE_H
#define MKINITRAMFS_STAGE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

enum stage_kind {
	STAGE_DIR,
	STAGE_FILE,
	STAGE_SYMLINK,
	STAGE_DEVICE, /* character or block device: the type is in mode */
};

/* Where a regular file's bytes come from. */
enum stage_source {
	STAGE_FROM_FILE,       /* copy the host file `source` as it is */
	STAGE_FROM_COMPRESSED, /* `source` is gzip/xz/zstd compressed: store it
				  decompressed */
	STAGE_FROM_DATA,       /* the bytes in `data` */
	STAGE_FROM_ZSTD,       /* `source`, decompressed if it is, stored as one zstd
				  frame that says its size (abi.h's 'u' modules) */
};

struct stage_entry {
	char *path; /* in-image path, no leading '/', no "." or ".." components */
	enum stage_kind kind;
	mode_t mode;		/* full st_mode: type bits and permissions */
	enum stage_source from; /* STAGE_FILE only */
	char *source;		/* host path (STAGE_FROM_FILE, STAGE_FROM_COMPRESSED) */
	dev_t source_dev;	/* with source_ino (0: not checked): the inode that was */
	ino_t source_ino;	/* checked; a writer reading another one refuses it */
	void *data;		/* STAGE_FROM_DATA */
	size_t size;		/* STAGE_FROM_DATA */
	char *target;		/* STAGE_SYMLINK */
	dev_t rdev;		/* STAGE_DEVICE */
};

struct stage;

int stage_new(struct stage **ret);
void stage_free(struct stage *stage);

/*
 * Adders take in-image paths with or without a leading '/'; they are normalised.
 * Adding a path twice is fine when both describe the same entry (same kind, mode and
 * source, data or target); otherwise -EEXIST. A path with ".." or an empty component
 * is -EINVAL. Parent directories need not be added: stage_finish() creates them 0755.
 */
int stage_add_dir(struct stage *stage, const char *path, mode_t perm);
int stage_add_file(struct stage *stage, const char *path, mode_t perm,
		   const char *source);
int stage_add_compressed(struct stage *stage, const char *path, mode_t perm,
			 const char *source);
/*
 * The same for a source that was checked through a descriptor (`st` its fstat): the
 * writer reads it only if `source` still names that inode (else -ESTALE), so a file
 * swapped after the check (a directory turned into a symlink to the host) never gets in.
 */
int stage_add_file_checked(struct stage *stage, const char *path, mode_t perm,
			   const char *source, const struct stat *st);
int stage_add_compressed_checked(struct stage *stage, const char *path, mode_t perm,
				 const char *source, const struct stat *st);
/* The same as one zstd frame (STAGE_FROM_ZSTD), compressed when the image is written. */
int stage_add_zstd_checked(struct stage *stage, const char *path, mode_t perm,
			   const char *source, const struct stat *st);
int stage_add_data(struct stage *stage, const char *path, mode_t perm, const void *data,
		   size_t size);
int stage_add_symlink(struct stage *stage, const char *path, const char *target);
int stage_add_device(struct stage *stage, const char *path, mode_t mode, dev_t rdev);

/* Does the stage already hold this path (normalised like the adders)? */
int stage_contains(const struct stage *stage, const char *path);

/* Add missing parent directories and sort by path (byte order). Idempotent. */
int stage_finish(struct stage *stage);

/* The entries, sorted after stage_finish(). */
const struct stage_entry *stage_entries(const struct stage *stage, size_t *ret_count);

#endif
