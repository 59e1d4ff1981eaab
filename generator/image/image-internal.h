/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The image writer's and reader's private parts, only for the files of generator/image/.
 */
#ifndef MKINITRAMFS_IMAGE_INTERNAL_H
#define MKINITRAMFS_IMAGE_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "cpio.h"
#include "image.h"
#include "stage.h"
#include "util.h"

/* imghash.c: a content hash for the read-back check (not cryptographic). Its two
 * odd 64-bit multipliers also mix the temporary names and the extractor's link table. */
#define IMGHASH_P1 0x9E3779B185EBCA87ull
#define IMGHASH_P2 0xC2B2AE3D27D4EB4Full
struct imghash {
	uint64_t lane[4];
	uint8_t tail[32];
	size_t tail_len;
	uint64_t total;
};

void imghash_init(struct imghash *h);
void imghash_update(struct imghash *h, const void *data, size_t len);
uint64_t imghash_final(struct imghash *h);
/* 128 bits of the state (the first is imghash_final()'s): the frame cache's keys. */
void imghash_final_wide(struct imghash *h, uint64_t ret[2]);
uint64_t imghash_buffer(const void *data, size_t len);

/*
 * imgwrite.c: a failure of image_write() is logged where it happens (a source file,
 * the read-back check) or, for the target itself, by image_write(); `logged` says which.
 */
struct imgreport {
	const char *target;
	int logged;
};

/* What the read-back must find for one stage entry's data. */
struct expect {
	uint64_t size;
	uint64_t hash;
};

/*
 * imgcache.c: zstd frames kept under a 128-bit hash of their input, the level and the
 * library's version, in a directory only its owner writes. Lookups and stores are
 * thread-safe; a store that fails stops the others, and imgcache_close() says so once,
 * then removes the least recently used entries past max_bytes when anything was added.
 */
struct imgcache;
struct imgcache_key {
	uint64_t v[2];
	int level;
	uint64_t in_len;
};
/* *ret NULL (after one warning) when the directory cannot be made or is not ours. */
int imgcache_open(const char *dir, uint64_t max_bytes, struct imgcache **ret);
void imgcache_close(struct imgcache *c);
void imgcache_key(int level, int window_log, const void *data, size_t len,
		  struct imgcache_key *ret);
/* 1 and the frame (the caller frees it) when a valid entry has the key, else 0. */
int imgcache_get(struct imgcache *c, const struct imgcache_key *k, void **ret_frame,
		 size_t *ret_len);
void imgcache_put(struct imgcache *c, const struct imgcache_key *k, const void *frame,
		  size_t len);

/*
 * imgframe.c: the zstd segment as independent frames, cut only between entries
 * (imgframe_boundary() after each entry's padding), compressed by `threads` threads
 * (0: every core) and looked up in `cache` (NULL: none) first. The bytes do not depend
 * on the thread count or the cache.
 */
struct imgframe;
int imgframe_new(int fd, int level, int threads, struct imgcache *cache,
		 struct imgframe **ret);
int imgframe_write(struct imgframe *f, const void *data, size_t len);
int imgframe_boundary(struct imgframe *f);
int imgframe_finish(struct imgframe *f);
void imgframe_free(struct imgframe *f);
DEFINE_FREEP(imgframe_free, struct imgframe)

/*
 * prefetch.c: compressed sources (modules) decompressed ahead by a few threads, in
 * stage order, a bounded number of entries ahead.
 */
struct prefetch;
/* *ret NULL (no error) when there is nothing to prefetch or no thread could start. */
int prefetch_new(const struct stage_entry *entries, size_t count, int threads,
		 struct imgcache *cache, struct prefetch **ret);
void prefetch_free(struct prefetch *pf);
/* The next compressed entry's bytes, in order; the caller frees *ret_data. */
/* The bytes of a STAGE_FROM_COMPRESSED or STAGE_FROM_ZSTD entry, read in place. */
int prefetch_read(const struct stage_entry *e, struct imgcache *cache, void **ret_data,
		  size_t *ret_size);
int prefetch_take(struct prefetch *pf, const struct stage_entry *e, void **ret_data,
		  size_t *ret_size, uint64_t *ret_hash);

/* imgverify.c: the written image read back as the kernel will, and compared. */

/*
 * The writer's progress, for a check that reads the image while it is written: how
 * many entries of each part have their expected size and hash final, a count bumped
 * after every write, and whether the writer finished (its file synced) or failed.
 */
struct imgfollow {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t ready[2];
	uint64_t writes, seen; /* seen: the reader's last look at writes */
	int finished, failed;
};

struct imgverify {
	const struct stage_entry *entries[2];
	size_t count[2];
	struct expect *exp[2];
	const char *compression[2];
	unsigned segment[2];
	int part; /* 0: early, 1: main */
	size_t index;
	uint32_t mtime;
	struct imghash data;	  /* of the current entry's bytes, as they stream by */
	struct imgfollow *follow; /* NULL: the image is complete */
	/* the concurrent check's thread and its result */
	pthread_t thread;
	int fd, result;
	char err[CPIO_ERROR_MAX];
	struct image_sum sum; /* of every byte the concurrent check read, in order */
};

int imgverify_image(int fd, struct imgverify *v, struct imgreport *rep);
/*
 * The same check, in a thread started before the image is written to `fd`: it decodes
 * what is written as it comes, so the read-back costs no time after the compression
 * on a machine with a core to spare. The writer publishes its progress with
 * imgverify_wrote(); imgverify_finish() (after the file is complete and synced, or on
 * failure with failed set) says that nothing more comes, joins the thread and reports.
 */
int imgverify_start(int fd, struct imgverify *v, struct imgfollow *f);
void imgverify_wrote(struct imgfollow *f, int part, size_t entries_done);
int imgverify_finish(struct imgverify *v, int failed, struct imgreport *rep);

/* imgtemp.c: the temporary file beside the target, and its rename over it. */
int imgtemp_split_target(const char *target, char **ret_dir, const char **ret_base);
/* Remove temporary files of interrupted builds of `base` (those nobody holds locked). */
void imgtemp_clean_stale(int dirfd, const char *base);
/* A new locked 0600 temporary file, its name in `name`, armed for image_abort_cleanup. */
int imgtemp_create(int dirfd, const char *base, char name[NAME_MAX + 1]);
/* image_abort_cleanup() has nothing to remove any more. */
void imgtemp_disarm(void);
/* 0 renamed, 1 kept (opts->keep_same: the target had the same bytes), negative errno. */
int imgtemp_commit(int dirfd, int fd, const char *name, const char *target,
		   const struct image_options *opts, const struct image_sum *sum);

/* imgread.c: open an image for reading (a regular file, else *ret_why says what it is).
 */
int imgread_open(const char *path, const char **ret_why);
/* One message for a failed read: `what` is "list image 'x.img'"... */
void imgread_log_error(const char *what, const char *why, int r, const char *err);

#endif
