/* SPDX-License-Identifier: GPL-2.0-or-later */
/* image_write(): a stage as a compressed newc cpio, written beside the target, read back,
 * renamed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "compress.h"
#include "cpio.h"
#include "crashpoint.h"
#include "fileio.h"
#include "hashindex.h"
#include "image-internal.h"
#include "log.h"
#include "util.h"

#define READ_BUF_SIZE (1u << 20)
#define EARLY_ALIGN 512
/* What the frame cache may hold: two kernels' default and fallback images, and more. */
#define CACHE_MAX_BYTES (256ull << 20)

static int source_failed(struct imgreport *rep, const char *source, int r)
{
	log_error("cannot read '%s' for image '%s': %s; the previous image is kept",
		  source, rep->target,
		  r == -EBADMSG	 ? "corrupt compressed data"
		  : r == -ESTALE ? "it was replaced or moved while the image was built"
				 : strerror(-r));
	rep->logged = 1;
	return r;
}

/* ---- writing ---- */

/*
 * The newc container is written here, not by libarchive: it is 110 bytes of hex
 * fields, a name and padding, and linking libarchive (with its libxml2, ICU, libstdc++
 * and libcrypto) cost every run of the program, a no-op included, milliseconds of
 * dynamic loading for a formatter this small. The bytes are the ones libarchive's newc
 * writer made (but for the inode numbers, see entry_ino()): no device number, check 0,
 * the trailer with nlink 1 and everything else 0.
 */
struct writer {
	struct compress *c;
	struct imgframe *frames; /* instead of c: zstd as independent frames */
	struct imgcache *cache;
	uint8_t *buf;
	uint32_t mtime;
	uint64_t ino;
	uint64_t pad; /* zeros owed after the data written so far: newc aligns to 4 */
	struct prefetch *prefetch;
	struct imgreport *report;
	struct imgfollow *follow; /* the concurrent read-back check, told of each entry */
	int part;		  /* 0: the early archive, 1: the main one */
};

static int sink_write(struct writer *w, const void *data, size_t len)
{
	return w->frames ? imgframe_write(w->frames, data, len)
			 : compress_write(w->c, data, len);
}

static int write_data(struct writer *w, const void *data, size_t len, struct imghash *h)
{
	if (h)
		imghash_update(h, data, len);
	w->pad = (w->pad + 4 - len % 4) % 4;
	return sink_write(w, data, len);
}

/* After an entry: its padding now rather than before the next header (the same bytes),
 * so that a frame may end here. */
static int entry_end(struct writer *w)
{
	static const uint8_t zeros[4];
	size_t pad = (size_t)w->pad;
	int r;

	if (!w->frames)
		return 0;
	w->pad = 0;
	r = pad ? imgframe_write(w->frames, zeros, pad) : 0;
	return r < 0 ? r : imgframe_boundary(w->frames);
}

/* The padding owed by the previous entry's data, then this header, name and padding. */
static int newc_header(struct writer *w, const char *name, uint32_t ino, uint32_t mode,
		       uint32_t mtime, uint32_t nlink, uint32_t size, dev_t rdev)
{
	size_t namesize = strlen(name) + 1;
	size_t len = (size_t)w->pad;
	uint8_t *p = w->buf;

	if (namesize > PATH_MAX)
		return -ENAMETOOLONG;
	memset(p, 0, len);
	len += (size_t)snprintf(
		(char *)p + len, CPIO_NEWC_HEADER_SIZE + 1,
		CPIO_NEWC_MAGIC "%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		ino, mode, 0u, 0u, nlink, mtime, size, 0u, 0u, (uint32_t)major(rdev),
		(uint32_t)minor(rdev), (uint32_t)namesize, 0u);
	memcpy(p + len, name, namesize);
	len += namesize;
	while ((len - (size_t)w->pad) % 4)
		p[len++] = 0;
	w->pad = 0;
	return sink_write(w, p, len);
}

/*
 * An entry's inode number, from its path alone (not the host's, not its rank): an
 * entry's bytes then depend on nothing but itself, so adding a module leaves the frames
 * of the entries after it as they were, for the frame cache. The kernel and every cpio
 * reader look at inode numbers only for hard links (regular files with nlink > 1,
 * which these images never have), so two paths that hash alike do no harm. 0 is the
 * trailer's.
 */
static uint32_t entry_ino(const char *path)
{
	uint64_t h = hashindex_hash(path);
	uint32_t ino = (uint32_t)(h ^ h >> 32);
	return ino ? ino : 1;
}

static int write_header(struct writer *w, const struct stage_entry *e, uint64_t size)
{
	if (size > UINT32_MAX)
		return -EFBIG; /* newc sizes are 32 bits wide */
	if (w->ino++ >= UINT32_MAX)
		return -EOVERFLOW;
	int r = newc_header(w, e->path, entry_ino(e->path), (uint32_t)e->mode, w->mtime,
			    e->kind == STAGE_DIR ? 2 : 1,
			    e->kind == STAGE_SYMLINK ? (uint32_t)strlen(e->target)
						     : (uint32_t)size,
			    e->kind == STAGE_DEVICE ? e->rdev : 0);
	if (r < 0 || e->kind != STAGE_SYMLINK)
		return r;
	return write_data(w, e->target, strlen(e->target), NULL);
}

static int write_trailer(struct writer *w)
{
	return newc_header(w, "TRAILER!!!", 0, 0, 0, 1, 0, 0);
}

static int write_from_file(struct writer *w, const struct stage_entry *e,
			   struct expect *exp)
{
	/* A checked source replaced by a FIFO must not block the open (stage.h). */
	_cleanup_close_ int fd =
		open(e->source,
		     O_RDONLY | O_CLOEXEC | O_NOCTTY | (e->source_ino ? O_NONBLOCK : 0));
	struct stat st;
	struct imghash h;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return source_failed(w->report, e->source, negative_errno());
	/* Not the inode that was checked (stage.h): replaced or moved since. */
	if (e->source_ino && (st.st_dev != e->source_dev || st.st_ino != e->source_ino))
		return source_failed(w->report, e->source, -ESTALE);
	if (!S_ISREG(st.st_mode))
		return source_failed(w->report, e->source, -EINVAL);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r = write_header(w, e, (uint64_t)st.st_size);
	if (r == -EFBIG)
		return source_failed(w->report, e->source, r);
	if (r < 0)
		return r;
	imghash_init(&h);
	for (uint64_t left = (uint64_t)st.st_size; left;) {
		ssize_t n = read(fd, w->buf, left < READ_BUF_SIZE ? left : READ_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* n == 0: the file shrank while we copied it. */
			return source_failed(w->report, e->source,
					     n < 0 ? negative_errno() : -EIO);
		}
		r = write_data(w, w->buf, (size_t)n, &h);
		if (r < 0)
			return r;
		left -= (uint64_t)n;
	}
	exp->size = (uint64_t)st.st_size;
	exp->hash = imghash_final(&h);
	return 0;
}

static int write_bytes(struct writer *w, const struct stage_entry *e, const void *data,
		       size_t size, struct expect *exp)
{
	int r = write_header(w, e, size);
	if (r < 0)
		return r;
	exp->size = size;
	exp->hash = imghash_buffer(data, size);
	return size ? write_data(w, data, size, NULL) : 0;
}

static int write_compressed(struct writer *w, const struct stage_entry *e,
			    struct expect *exp)
{
	_cleanup_free_ void *data = NULL;
	size_t size;
	uint64_t hash = 0;
	int r;

	if (w->prefetch)
		r = prefetch_take(w->prefetch, e, &data, &size, &hash);
	else
		r = prefetch_read(e, w->cache, &data, &size);
	if (r < 0)
		return source_failed(w->report, e->source, r);
	r = write_header(w, e, size);
	if (r < 0)
		return r;
	exp->size = size;
	exp->hash = w->prefetch ? hash : imghash_buffer(data, size);
	return size ? write_data(w, data, size, NULL) : 0;
}

static int write_entry(struct writer *w, const struct stage_entry *e, struct expect *exp)
{
	*exp = (struct expect){0};
	if (e->kind != STAGE_FILE)
		return write_header(w, e, 0);
	switch (e->from) {
	case STAGE_FROM_FILE:
		return write_from_file(w, e, exp);
	case STAGE_FROM_COMPRESSED:
	case STAGE_FROM_ZSTD:
		return write_compressed(w, e, exp);
	case STAGE_FROM_DATA:
		return write_bytes(w, e, e->data, e->size, exp);
	}
	return -EINVAL;
}

/* One newc archive of `entries` into the compressor, trailer included. */
static int write_archive(struct writer *w, const struct stage_entry *entries,
			 size_t count, struct expect *exp, int threads)
{
	int r = prefetch_new(entries, count, threads, w->cache, &w->prefetch);

	if (r < 0)
		return r;
	w->ino = 0; /* entries of this archive */
	w->pad = 0;
	for (size_t i = 0; i < count && r >= 0; i++) {
		r = write_entry(w, &entries[i], &exp[i]);
		if (r >= 0)
			r = entry_end(w);
		if (r >= 0)
			imgverify_wrote(w->follow, w->part, i + 1);
		crashpoint("compression: entry");
	}
	if (r >= 0)
		r = write_trailer(w);
	prefetch_free(w->prefetch);
	w->prefetch = NULL;
	return r;
}

/* The zero padding after the early archive: less than EARLY_ALIGN bytes. */
static int write_zeros(int fd, size_t n)
{
	static const uint8_t zeros[EARLY_ALIGN];
	return fileio_write_all(fd, zeros, n);
}

/* The frame cache's bound: CACHE_MAX_BYTES, or $MKINITRAMFS_CACHE_MAX bytes (tests). */
static uint64_t cache_max_bytes(void)
{
	const char *s = getenv("MKINITRAMFS_CACHE_MAX");
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return CACHE_MAX_BYTES;
	errno = 0;
	v = strtoull(s, &end, 10);
	return errno || *end ? CACHE_MAX_BYTES : v;
}

/* zstd without long-distance matching (whose window spans frames) is written as frames.
 */
static int is_framed(enum compress_kind kind, int level)
{
	return kind == COMPRESS_ZSTD && (level == COMPRESS_LEVEL_DEFAULT || level < 0 ||
					 !(level >> COMPRESS_ZSTD_LONG_SHIFT));
}

/*
 * One archive through a compressor of its own (independent frames for zstd), finished
 * (and freed) before return.
 */
static int write_segment(int fd, enum compress_kind kind, int level, int threads,
			 const struct stage_entry *entries, size_t count,
			 struct expect *exp, struct writer *w)
{
	_cleanup_(compress_freep) struct compress *c = NULL;
	_cleanup_(imgframe_freep) struct imgframe *f = NULL;
	int r = is_framed(kind, level) ? imgframe_new(fd, level, threads, w->cache, &f)
				       : compress_new(kind, level, threads, fd, &c);

	if (r < 0)
		return r;
	w->c = c;
	w->frames = f;
	r = write_archive(w, entries, count, exp, threads);
	if (r >= 0)
		r = f ? imgframe_finish(f) : compress_finish(c);
	w->c = NULL;
	w->frames = NULL;
	return r;
}

/*
 * The early archive: uncompressed, so the kernel's microcode loader finds it. threads
 * read its sources ahead (a generic image's modules are compressed one by one here).
 */
static int write_early(int fd, const struct stage_entry *entries, size_t count,
		       struct expect *exp, int threads, struct writer *w)
{
	int r = write_segment(fd, COMPRESS_NONE, COMPRESS_LEVEL_DEFAULT, threads, entries,
			      count, exp, w);
	if (r < 0)
		return r;
	off_t end = lseek(fd, 0, SEEK_CUR);
	if (end < 0)
		return negative_errno();
	return write_zeros(fd, (size_t)((EARLY_ALIGN - end % EARLY_ALIGN) % EARLY_ALIGN));
}

/* Both archives into fd, synced; what the check reads is told as it is written. */
static int write_and_sync(int fd, const struct image_options *opts, struct imgverify *v,
			  struct writer *w)
{
	int r;

	if (v->count[0]) {
		w->part = 0;
		r = write_early(fd, v->entries[0], v->count[0], v->exp[0], opts->threads,
				w);
		if (r < 0)
			return r;
	}
	w->part = 1;
	r = write_segment(fd, opts->compression, opts->level, opts->threads,
			  v->entries[1], v->count[1], v->exp[1], w);
	if (r < 0)
		return r;
	crashpoint("compression: finished");
	if (fsync(fd) < 0)
		return negative_errno();
	crashpoint("image: synced");
	return 0;
}

/* Anything for the frame cache: a framed zstd archive, or modules stored as frames. */
static int wants_cache(const struct image_options *opts, const struct imgverify *v)
{
	if (is_framed(opts->compression, opts->level))
		return 1;
	for (int part = 0; part < 2; part++)
		for (size_t i = 0; i < v->count[part]; i++)
			if (v->entries[part][i].kind == STAGE_FILE &&
			    v->entries[part][i].from == STAGE_FROM_ZSTD)
				return 1;
	return 0;
}

/*
 * The image, then its read-back check: in a thread that decodes the file as it grows
 * (the compressor keeps one core busy, the check another), or after the write when no
 * thread can be made. Either way it reads the file through the descriptor, and it
 * ends after the file was synced. 1 when the check in step with the write summed the
 * image's bytes (v->sum), 0 when not.
 */
static int write_image_file(int fd, const struct image_options *opts, struct imgverify *v,
			    uint8_t *buf, struct imgreport *rep)
{
	struct writer w = {.buf = buf, .mtime = (uint32_t)opts->mtime, .report = rep};
	struct imgfollow follow;
	int concurrent, r;

	if (opts->cache_dir && wants_cache(opts, v)) {
		r = imgcache_open(opts->cache_dir, cache_max_bytes(), &w.cache);
		if (r < 0)
			return r;
	}
	concurrent = imgverify_start(fd, v, &follow) == 0;
	w.follow = concurrent ? &follow : NULL;
	r = write_and_sync(fd, opts, v, &w);
	imgcache_close(w.cache);
	if (concurrent) {
		int k = imgverify_finish(v, r < 0, rep);
		if (r >= 0)
			r = k;
	} else if (r >= 0) {
		r = imgverify_image(fd, v, rep);
	}
	if (r < 0)
		return r;
	crashpoint("image: verified");
	return concurrent;
}

static int write_and_commit(int dirfd, int fd, const char *name, const char *target,
			    const struct image_options *opts, struct imgverify *v,
			    uint8_t *buf, struct imgreport *rep)
{
	int r = write_image_file(fd, opts, v, buf, rep);

	if (r < 0)
		return r;
	return imgtemp_commit(dirfd, fd, name, target, opts, r ? &v->sum : NULL);
}

static int write_target(const struct stage *stage, const char *target,
			const struct image_options *opts, struct imgreport *rep)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_free_ struct expect *exp = NULL;
	_cleanup_close_ int dirfd = -1;
	const char *base;
	char name[NAME_MAX + 1];
	struct imgverify v = {0};
	int r, fd;

	if (!compress_name(opts->compression) || opts->mtime < 0 ||
	    (uint64_t)opts->mtime > UINT32_MAX)
		return -EINVAL;
	r = imgtemp_split_target(target, &dir, &base);
	if (r < 0)
		return r;

	v.entries[0] = opts->early ? stage_entries(opts->early, &v.count[0]) : NULL;
	v.entries[1] = stage_entries(stage, &v.count[1]);
	v.compression[0] = "none";
	v.compression[1] = compress_name(opts->compression);
	v.segment[1] = v.count[0] ? 1 : 0;
	v.mtime = (uint32_t)opts->mtime;
	exp = calloc(v.count[0] + v.count[1] + 1, sizeof(*exp));
	buf = malloc(READ_BUF_SIZE);
	if (!exp || !buf)
		return -ENOMEM;
	v.exp[0] = exp;
	v.exp[1] = exp + v.count[0];

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return negative_errno();
	imgtemp_clean_stale(dirfd, base);
	fd = imgtemp_create(dirfd, base, name);
	if (fd < 0)
		return fd;
	crashpoint("image: temporary file");

	r = write_and_commit(dirfd, fd, name, target, opts, &v, buf, rep);
	if (r < 0)
		unlinkat(dirfd, name, 0);
	imgtemp_disarm();
	close(fd);
	if (r != 0)
		return r; /* failed, or kept the target: nothing renamed */
	/* The rename is durable only once the directory is; EINVAL: no fsync there. */
	if (fsync(dirfd) < 0 && errno != EINVAL)
		return negative_errno();
	crashpoint("image: directory synced");
	return 0;
}

/* A failure of the target itself (its directory, the disk): what the user can fix. */
static void log_target_error(const char *out, int r)
{
	const char *slash = strrchr(out, '/');

	if (r == -ENOENT)
		log_error("cannot write image '%s': the directory '%.*s' does not exist",
			  out, slash ? (int)(slash == out ? 1 : slash - out) : 1,
			  slash ? out : ".");
	else if (r == -EISDIR || (r == -EINVAL && slash && !slash[1]))
		log_error("cannot write image '%s': that is a directory", out);
	else
		log_error("cannot write image '%s': %s; the previous image is kept", out,
			  strerror(-r));
}

int image_write(const struct stage *stage, const char *target,
		const struct image_options *opts)
{
	struct imgreport rep = {.target = target};
	int r = write_target(stage, target, opts, &rep);
	if (r < 0 && !rep.logged)
		log_target_error(target, r);
	return r;
}
