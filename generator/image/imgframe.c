/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The main archive as independent zstd frames: compressed in parallel, and cached. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "compress.h"
#include "fileio.h"
#include "image-internal.h"
#include "util.h"

/*
 * The cpio stream is cut, only between entries, into groups of at least FRAME_TARGET
 * bytes; an entry that large is a group of its own (with the few small entries before
 * it when they make less than a quarter of that). Each group is one zstd frame (with
 * its content size and checksum) made by one call at the level and FRAME_WINDOW_LOG,
 * so a frame depends on its bytes only: the image is the same for any thread count
 * and whether a frame came from the cache or not, and decompressed it is the cpio the
 * single stream held. The kernel's unpacker decodes one frame per call and goes on
 * with the next bytes, wanting only that a frame ends between entries (its cpio state
 * machine at Reset: "junk at the end of compressed archive" otherwise).
 *
 * Each call allocates the frame's window, its block buffers and an output buffer, and
 * Debian's kernel zeroes every page it allocates (init_on_alloc): under TCG that costs
 * about as much as decoding. Measured on the explicit host image (2.9 MB, 6.1, -smp 1,
 * -icount shift=3): one stream with a 2 MiB window unpacks in 634.8 ms; 5 frames of
 * 256 KiB groups with their own windows 637-642 ms; 3 frames of 1 MiB groups with
 * 256 KiB windows 634.8-636.5 ms (with the inode numbers of imgwrite.c's entry_ino(),
 * 634.6-640.4 ms against 630.8-636.5 ms in alternate boots), and the image is 0.3%
 * larger than the one stream (a 256 KiB window loses little on modules: 2.6% at -19).
 */
#define FRAME_TARGET (1u << 20)
#define FRAME_WINDOW_LOG 18
#define FRAME_MAX_THREADS 8
/*
 * A group that grows past this (an entry of FILES that large: every module of a
 * kernel is smaller, amdgpu.ko 19 MB) is not held whole: once the frames before it are
 * written, it streams through a compressor of its own into one frame that ends with
 * its entry, uncached. The build's memory stays bounded whatever the files' sizes.
 */
#define FRAME_STREAM_MIN (32u << 20)

struct frame_job {
	uint8_t *owned; /* the buffer freed with the job (NULL: a later job's) */
	const uint8_t *in;
	size_t len;
	void *out;
	size_t out_len;
	int r;
	int done;
};

struct imgframe {
	int fd, level;
	struct imgcache *cache;
	/* the group being filled, and where its last entry starts */
	uint8_t *cur;
	size_t cur_len, cur_cap, last_entry;
	/* submitted jobs, in stream order: [written, claimed) are being compressed */
	struct frame_job **jobs;
	size_t njobs, cap, claimed, written;
	size_t window; /* the most jobs in memory at once */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t threads[FRAME_MAX_THREADS];
	unsigned nthreads;
	int stop, error;
	ZSTD_CCtx *cctx;   /* the caller's own, when no thread runs */
	ZSTD_CCtx *stream; /* a group past FRAME_STREAM_MIN, being streamed */
	uint8_t *stream_out;
};

static int zstd_errno(size_t n)
{
	return ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation ? -ENOMEM : -EIO;
}

/* One frame, from the cache or compressed (and then offered to the cache). */
static void job_run(struct imgframe *f, ZSTD_CCtx *cctx, struct frame_job *j)
{
	const uint8_t *in = j->in;
	struct imgcache_key key;
	size_t bound = ZSTD_compressBound(j->len), n;

	if (f->cache) {
		imgcache_key(f->level, FRAME_WINDOW_LOG, in, j->len, &key);
		if (imgcache_get(f->cache, &key, &j->out, &j->out_len) > 0)
			return;
	}
	if (!cctx) {
		j->r = -ENOMEM;
		return;
	}
	j->out = malloc(bound);
	if (!j->out) {
		j->r = -ENOMEM;
		return;
	}
	n = ZSTD_compress2(cctx, j->out, bound, in, j->len);
	if (ZSTD_isError(n)) {
		j->r = zstd_errno(n);
		return;
	}
	j->out_len = n;
	if (f->cache)
		imgcache_put(f->cache, &key, j->out, n);
}

static ZSTD_CCtx *new_cctx(int level)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();

	if (c &&
	    (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)) ||
	     ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)) ||
	     ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1)) ||
	     ZSTD_isError(
		     ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, FRAME_WINDOW_LOG)))) {
		ZSTD_freeCCtx(c);
		c = NULL;
	}
	return c;
}

static void *worker(void *arg)
{
	struct imgframe *f = arg;
	ZSTD_CCtx *cctx = new_cctx(f->level);

	pthread_mutex_lock(&f->lock);
	for (;;) {
		while (!f->stop && f->claimed == f->njobs)
			pthread_cond_wait(&f->cond, &f->lock);
		if (f->claimed == f->njobs)
			break;
		struct frame_job *j = f->jobs[f->claimed++];
		pthread_mutex_unlock(&f->lock);
		job_run(f, cctx, j);
		pthread_mutex_lock(&f->lock);
		j->done = 1;
		pthread_cond_broadcast(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
	ZSTD_freeCCtx(cctx);
	return NULL;
}

/*
 * The oldest job to the file, its memory freed: once done, or (wait 0) only if done
 * already (0 when not). Frames go out as soon as they are ready, so that the read-back
 * check, which follows the file, decodes them while the rest is compressed.
 */
static int write_oldest(struct imgframe *f, int wait)
{
	struct frame_job *j;
	int r;

	pthread_mutex_lock(&f->lock);
	j = f->jobs[f->written];
	while (wait && !j->done)
		pthread_cond_wait(&f->cond, &f->lock);
	if (!j->done) {
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	f->jobs[f->written++] = NULL;
	pthread_mutex_unlock(&f->lock);
	r = j->r < 0 ? j->r : fileio_write_all(f->fd, j->out, j->out_len);
	free(j->out);
	free(j->owned);
	free(j);
	return r;
}

/* Every frame done in order, without waiting for the others. */
static int write_ready(struct imgframe *f)
{
	size_t before;
	int r;

	do {
		before = f->written;
		r = f->written < f->njobs ? write_oldest(f, 0) : 0;
	} while (r >= 0 && f->written != before);
	return r;
}

/*
 * Hand `len` bytes at `in` to the workers, or compress them here; `owned` is freed
 * with the job. Jobs are written and freed in order, so a job may read the buffer of a
 * later one. When the job cannot be queued, `owned` goes back to the group, freed by
 * imgframe_free() after the workers stopped: an earlier job may still read it.
 */
static int submit(struct imgframe *f, uint8_t *owned, const uint8_t *in, size_t len)
{
	struct frame_job *j = calloc(1, sizeof(*j));
	int r;

	if (!j) {
		f->cur = owned ? owned : f->cur;
		return -ENOMEM;
	}
	*j = (struct frame_job){.owned = owned, .in = in, .len = len};
	pthread_mutex_lock(&f->lock);
	if (f->njobs == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct frame_job **p = realloc(f->jobs, cap * sizeof(*p));
		if (!p) {
			pthread_mutex_unlock(&f->lock);
			f->cur = owned ? owned : f->cur;
			free(j);
			return -ENOMEM;
		}
		f->jobs = p;
		f->cap = cap;
	}
	f->jobs[f->njobs++] = j;
	if (!f->nthreads) {
		f->claimed++;
		pthread_mutex_unlock(&f->lock);
		job_run(f, f->cctx, j);
		j->done = 1;
	} else {
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->lock);
	}
	/* Bounded memory: past the window, wait for the oldest and write it. */
	while (f->njobs - f->written > f->window) {
		r = write_oldest(f, 1);
		if (r < 0)
			return r;
	}
	return write_ready(f);
}

/*
 * The group so far becomes frames: [0, split) and [split, end) when split is not 0 (a
 * large entry after smaller ones), else one. The buffer goes to the last frame.
 */
static int cut(struct imgframe *f, size_t split)
{
	uint8_t *buf = f->cur;
	size_t len = f->cur_len;
	int r = 0;

	if (!len)
		return 0;
	if (split)
		r = submit(f, NULL, buf, split);
	if (r < 0)
		return r; /* buf is still the group's: freed with it */
	f->cur = NULL;
	f->cur_len = f->cur_cap = f->last_entry = 0;
	return submit(f, buf, buf + split, len - split);
}

int imgframe_new(int fd, int level, int threads, struct imgcache *cache,
		 struct imgframe **ret)
{
	struct imgframe *f = calloc(1, sizeof(*f));
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned want = threads > 0 ? (unsigned)threads : cpus > 0 ? (unsigned)cpus : 1;

	if (!f)
		return -ENOMEM;
	f->fd = fd;
	f->level = level == COMPRESS_LEVEL_DEFAULT ? 3 : level;
	if (f->level < ZSTD_minCLevel())
		f->level = ZSTD_minCLevel();
	if (f->level > ZSTD_maxCLevel())
		f->level = ZSTD_maxCLevel();
	f->cache = cache;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	if (want > FRAME_MAX_THREADS)
		want = FRAME_MAX_THREADS;
	f->window = 2 * (size_t)want + 2;
	/* One thread: the caller compresses, no worker to hand off to. */
	for (; want > 1 && f->nthreads < want; f->nthreads++)
		if (pthread_create(&f->threads[f->nthreads], NULL, worker, f) != 0)
			break;
	if (!f->nthreads) {
		f->cctx = new_cctx(f->level);
		if (!f->cctx) {
			imgframe_free(f);
			return -ENOMEM;
		}
	}
	*ret = f;
	return 0;
}

/* Feed the streamed frame (ZSTD_e_end: and end it), its output to the file. */
static int stream_feed(struct imgframe *f, const void *data, size_t len,
		       ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = {data, len, 0};
	size_t left;

	do {
		ZSTD_outBuffer out = {f->stream_out, ZSTD_CStreamOutSize(), 0};
		int r;

		left = ZSTD_compressStream2(f->stream, &out, &in, mode);
		if (ZSTD_isError(left))
			return zstd_errno(left);
		r = fileio_write_all(f->fd, f->stream_out, out.pos);
		if (r < 0)
			return r;
	} while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
	return 0;
}

/* The group turns into a stream: the frames before it to the file first (in order),
 * then what it holds so far into the stream. */
static int stream_start(struct imgframe *f)
{
	int r = 0;

	while (r >= 0 && f->written < f->njobs)
		r = write_oldest(f, 1);
	if (r < 0)
		return r;
	if (!f->stream)
		f->stream = new_cctx(f->level);
	if (!f->stream_out)
		f->stream_out = malloc(ZSTD_CStreamOutSize());
	if (!f->stream || !f->stream_out)
		return -ENOMEM;
	r = stream_feed(f, f->cur, f->cur_len, ZSTD_e_continue);
	free(f->cur);
	f->cur = NULL;
	f->cur_len = f->cur_cap = f->last_entry = 0;
	return r < 0 ? r : 1;
}

static int stream_end(struct imgframe *f)
{
	int r = stream_feed(f, NULL, 0, ZSTD_e_end);

	ZSTD_freeCCtx(f->stream);
	f->stream = NULL;
	return r;
}

int imgframe_write(struct imgframe *f, const void *data, size_t len)
{
	if (f->error)
		return f->error;
	if (!f->stream && f->cur_len + len > FRAME_STREAM_MIN) {
		int r = stream_start(f);
		if (r < 0)
			return f->error = r;
	}
	if (f->stream) {
		int r = stream_feed(f, data, len, ZSTD_e_continue);
		return r < 0 ? (f->error = r) : 0;
	}
	if (f->cur_cap - f->cur_len < len) {
		size_t cap = f->cur_cap ? f->cur_cap : FRAME_TARGET;
		while (cap - f->cur_len < len)
			cap *= 2;
		uint8_t *p = realloc(f->cur, cap);
		if (!p)
			return f->error = -ENOMEM;
		f->cur = p;
		f->cur_cap = cap;
	}
	memcpy(f->cur + f->cur_len, data, len);
	f->cur_len += len;
	return 0;
}

int imgframe_boundary(struct imgframe *f)
{
	size_t entry = f->cur_len - f->last_entry;
	int r = 0;

	if (f->error)
		return f->error;
	if (f->stream) /* its entry ends: so does its frame */
		return f->error = stream_end(f);
	/* A large entry alone: what came before it is a frame, then the entry (unless
	 * that is a few small entries: a directory or two ride along with it). */
	if (entry >= FRAME_TARGET && f->last_entry >= FRAME_TARGET / 4)
		r = cut(f, f->last_entry);
	else if (f->cur_len >= FRAME_TARGET)
		r = cut(f, 0);
	else
		r = write_ready(f);
	f->last_entry = f->cur_len;
	if (r < 0)
		f->error = r;
	return r;
}

int imgframe_finish(struct imgframe *f)
{
	int r = f->error;

	if (r >= 0 && f->stream)
		r = stream_end(f);
	if (r >= 0)
		r = cut(f, 0);
	while (r >= 0 && f->written < f->njobs)
		r = write_oldest(f, 1);
	if (r < 0)
		f->error = r;
	return r;
}

void imgframe_free(struct imgframe *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = 1;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	for (unsigned t = 0; t < f->nthreads; t++)
		pthread_join(f->threads[t], NULL);
	for (size_t i = f->written; i < f->njobs; i++) {
		if (!f->jobs[i])
			continue;
		free(f->jobs[i]->out);
		free(f->jobs[i]->owned);
		free(f->jobs[i]);
	}
	free(f->jobs);
	free(f->cur);
	ZSTD_freeCCtx(f->cctx);
	ZSTD_freeCCtx(f->stream);
	free(f->stream_out);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
