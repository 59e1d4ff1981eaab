/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Streaming compressors in the formats the kernel's initramfs decompressors accept. */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <lz4hc.h>
#include <lzma.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "codec.h"
#include "decode.h"
#include "fileio.h"
#include "compress.h"
#include "sysroot.h"
#include "util.h"

#define OUT_BUF_SIZE (1u << 20)
/* lib/decompress_unlz4.c decodes every legacy block into an 8 MiB buffer. */
#define LZ4_LEGACY_MAGIC 0x184C2102u
#define LZ4_LEGACY_BLOCK (8u << 20)
#define LZ4_MAX_THREADS 16

struct lz4_job {
	pthread_t thread;
	const uint8_t *in;
	size_t in_len;
	uint8_t *out; /* 4-byte size header + compressed block */
	int out_len;
	int level;
	int started;
};

struct compress {
	enum compress_kind kind;
	int fd;
	int error; /* first write error, sticky */
	uint8_t *out;
	size_t out_len;
	ZSTD_CCtx *zstd;
	z_stream gz;
	int gz_init;
	lzma_stream xz;
	int xz_init;
	/* lz4: blocks are independent, so a batch of them is compressed in parallel. */
	uint8_t *lz4_in;
	size_t lz4_in_len;
	size_t lz4_in_cap;
	unsigned lz4_threads;
	struct lz4_job *lz4_jobs;
	int level;
	int finished;
};

/* What each kind writes, named as the readers detect it (shared/codec.c). */
static const enum codec kind_codec[] = {
	[COMPRESS_NONE] = CODEC_RAW,	   [COMPRESS_ZSTD] = CODEC_ZSTD,
	[COMPRESS_GZIP] = CODEC_GZIP,	   [COMPRESS_XZ] = CODEC_XZ,
	[COMPRESS_LZ4] = CODEC_LZ4_LEGACY,
};

int compress_from_name(const char *name, enum compress_kind *ret)
{
	if (streq(name, "cat")) {
		*ret = COMPRESS_NONE;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kind_codec); i++)
		if (streq(name, codec_name(kind_codec[i]))) {
			*ret = (enum compress_kind)i;
			return 0;
		}
	return -EINVAL;
}

const char *compress_name(enum compress_kind kind)
{
	if ((size_t)kind >= ARRAY_SIZE(kind_codec))
		return NULL;
	return codec_name(kind_codec[kind]);
}

static int flush_out(struct compress *c)
{
	int r = fileio_write_all(c->fd, c->out, c->out_len);
	c->out_len = 0;
	return r;
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int zstd_init(struct compress *c, int level, int threads)
{
	int wlog = level >= 0 ? level >> COMPRESS_ZSTD_LONG_SHIFT : 0;

	c->zstd = ZSTD_createCCtx();
	if (!c->zstd)
		return -ENOMEM;
	if (level == COMPRESS_LEVEL_DEFAULT)
		level = 3;
	if (wlog)
		level &= (1 << COMPRESS_ZSTD_LONG_SHIFT) - 1;
	/*
	 * Levels up to 22 use windows up to 128 MiB, which the kernel's unzstd accepts;
	 * long-distance matching only when asked (--long), with a window as large.
	 */
	level = clamp(level, ZSTD_minCLevel(), 22);
	if (wlog && (ZSTD_isError(ZSTD_CCtx_setParameter(
			     c->zstd, ZSTD_c_enableLongDistanceMatching, 1)) ||
		     ZSTD_isError(ZSTD_CCtx_setParameter(
			     c->zstd, ZSTD_c_windowLog,
			     clamp(wlog, 10, COMPRESS_ZSTD_LONG_MAX)))))
		return -EINVAL;
	/*
	 * Always at least one worker: multi-threaded output depends only on the
	 * parameters, not on the worker count, so every machine makes the same bytes.
	 */
	unsigned workers = threads > 0 ? (unsigned)threads : online_cpus();
	if (workers > 64)
		workers = 64; /* within libzstd's bounds, so the setting never fails */
	if (ZSTD_isError(
		    ZSTD_CCtx_setParameter(c->zstd, ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c->zstd, ZSTD_c_checksumFlag, 1)))
		return -EINVAL;
	/* A libzstd built without threads refuses workers: compress in this thread. */
	(void)ZSTD_CCtx_setParameter(c->zstd, ZSTD_c_nbWorkers, (int)workers);
	return 0;
}

static int gzip_init(struct compress *c, int level)
{
	if (level == COMPRESS_LEVEL_DEFAULT)
		level = 6;
	level = clamp(level, 1, 9);
	/* windowBits 15 + 16: a gzip wrapper with mtime 0 and no name: reproducible. */
	if (deflateInit2(&c->gz, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -ENOMEM;
	c->gz_init = 1;
	return 0;
}

static int xz_init(struct compress *c, int level, int threads)
{
	uint32_t extreme = 0;
	if (level == COMPRESS_LEVEL_DEFAULT)
		level = 6;
	if (level >= 0 && (level & COMPRESS_XZ_EXTREME)) {
		extreme = LZMA_PRESET_EXTREME;
		level &= ~COMPRESS_XZ_EXTREME;
	}
	level = clamp(level, 0, 9);
	/*
	 * The multi-threaded encoder cuts the input into blocks of a size fixed by the
	 * preset, whatever the thread count, so its output is reproducible. The kernel's
	 * xz decoder only verifies CRC32 (or no check).
	 */
	lzma_mt mt = {
		.threads = threads > 0 ? (uint32_t)threads : online_cpus(),
		.preset = (uint32_t)level | extreme,
		.check = LZMA_CHECK_CRC32,
	};
	/* Fewer threads on small machines: the blocks, hence the bytes, stay the same. */
	uint64_t limit = lzma_physmem() / 4;
	while (mt.threads > 1 && lzma_stream_encoder_mt_memusage(&mt) > limit)
		mt.threads--;
	lzma_ret ret = lzma_stream_encoder_mt(&c->xz, &mt);
	if (ret == LZMA_OPTIONS_ERROR || ret == LZMA_UNSUPPORTED_CHECK)
		return -EINVAL;
	if (ret != LZMA_OK)
		return -ENOMEM;
	c->xz_init = 1;
	return 0;
}

static int lz4_init(struct compress *c, int level, int threads)
{
	if (level == COMPRESS_LEVEL_DEFAULT)
		level = 9;
	c->level = clamp(level, 1, LZ4HC_CLEVEL_MAX);
	c->lz4_threads = threads > 0 ? (unsigned)threads : online_cpus();
	if (c->lz4_threads > LZ4_MAX_THREADS)
		c->lz4_threads = LZ4_MAX_THREADS;
	c->lz4_in_cap = (size_t)LZ4_LEGACY_BLOCK * c->lz4_threads;
	c->lz4_in = malloc(c->lz4_in_cap);
	c->lz4_jobs = calloc(c->lz4_threads, sizeof(*c->lz4_jobs));
	if (!c->lz4_in || !c->lz4_jobs)
		return -ENOMEM;
	for (unsigned i = 0; i < c->lz4_threads; i++) {
		c->lz4_jobs[i].out =
			malloc(4 + (size_t)LZ4_compressBound(LZ4_LEGACY_BLOCK));
		if (!c->lz4_jobs[i].out)
			return -ENOMEM;
	}
	uint8_t magic[4] = {0x02, 0x21, 0x4c, 0x18};
	memcpy(c->out, magic, 4);
	c->out_len = 4;
	return 0;
}

int compress_new(enum compress_kind kind, int level, int threads, int fd,
		 struct compress **ret)
{
	struct compress *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->kind = kind;
	c->fd = fd;
	c->out = malloc(OUT_BUF_SIZE);
	if (!c->out) {
		free(c);
		return -ENOMEM;
	}
	switch (kind) {
	case COMPRESS_NONE:
		r = 0;
		break;
	case COMPRESS_ZSTD:
		r = zstd_init(c, level, threads);
		break;
	case COMPRESS_GZIP:
		r = gzip_init(c, level);
		break;
	case COMPRESS_XZ:
		r = xz_init(c, level, threads);
		break;
	case COMPRESS_LZ4:
		r = lz4_init(c, level, threads);
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0) {
		compress_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

static int none_write(struct compress *c, const void *buf, size_t len)
{
	if (c->out_len + len <= OUT_BUF_SIZE) {
		memcpy(c->out + c->out_len, buf, len);
		c->out_len += len;
		return 0;
	}
	int r = flush_out(c);
	if (r < 0)
		return r;
	/* Large chunks go straight to the file: no copy. */
	if (len >= OUT_BUF_SIZE / 2)
		return fileio_write_all(c->fd, buf, len);
	memcpy(c->out, buf, len);
	c->out_len = len;
	return 0;
}

static int zstd_run(struct compress *c, const void *buf, size_t len, ZSTD_EndDirective op)
{
	ZSTD_inBuffer in = {buf, len, 0};
	for (;;) {
		ZSTD_outBuffer out = {c->out, OUT_BUF_SIZE, 0};
		size_t left = ZSTD_compressStream2(c->zstd, &out, &in, op);
		/* Out of memory is said as such, not as an I/O error of the image. */
		if (ZSTD_isError(left))
			return ZSTD_getErrorCode(left) == ZSTD_error_memory_allocation
				       ? -ENOMEM
				       : -EIO;
		if (out.pos) {
			int r = fileio_write_all(c->fd, c->out, out.pos);
			if (r < 0)
				return r;
		}
		if (op == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

static int gzip_run(struct compress *c, const void *buf, size_t len, int flush)
{
	c->gz.next_in = (Bytef *)(uintptr_t)buf;
	c->gz.avail_in = 0;
	for (;;) {
		/* avail_in is 32 bits wide: feed huge buffers in slices. */
		if (!c->gz.avail_in && len) {
			size_t n = len > (1u << 30) ? (1u << 30) : len;
			c->gz.avail_in = (uInt)n;
			len -= n;
		}
		c->gz.next_out = c->out;
		c->gz.avail_out = OUT_BUF_SIZE;
		int ret = deflate(&c->gz, len ? Z_NO_FLUSH : flush);
		if (ret == Z_STREAM_ERROR)
			return -EIO;
		size_t produced = OUT_BUF_SIZE - c->gz.avail_out;
		if (produced) {
			int r = fileio_write_all(c->fd, c->out, produced);
			if (r < 0)
				return r;
		}
		if (flush == Z_FINISH ? ret == Z_STREAM_END
				      : (!c->gz.avail_in && !len && c->gz.avail_out))
			return 0;
	}
}

static int xz_run(struct compress *c, const void *buf, size_t len, lzma_action action)
{
	c->xz.next_in = buf;
	c->xz.avail_in = len;
	for (;;) {
		c->xz.next_out = c->out;
		c->xz.avail_out = OUT_BUF_SIZE;
		lzma_ret ret = lzma_code(&c->xz, action);
		if (ret != LZMA_OK && ret != LZMA_STREAM_END)
			return ret == LZMA_MEM_ERROR ? -ENOMEM : -EIO;
		size_t produced = OUT_BUF_SIZE - c->xz.avail_out;
		if (produced) {
			int r = fileio_write_all(c->fd, c->out, produced);
			if (r < 0)
				return r;
		}
		if (action == LZMA_FINISH ? ret == LZMA_STREAM_END
					  : (!c->xz.avail_in && c->xz.avail_out))
			return 0;
	}
}

static void *lz4_job_run(void *arg)
{
	struct lz4_job *j = arg;
	int n = LZ4_compress_HC((const char *)j->in, (char *)j->out + 4, (int)j->in_len,
				LZ4_compressBound(LZ4_LEGACY_BLOCK), j->level);
	j->out_len = n;
	if (n > 0) {
		uint32_t size = (uint32_t)n;
		j->out[0] = size & 0xff;
		j->out[1] = (size >> 8) & 0xff;
		j->out[2] = (size >> 16) & 0xff;
		j->out[3] = size >> 24;
		j->out_len = n + 4;
	}
	return NULL;
}

/* Compress the buffered input, one thread per 8 MiB block, and write in order. */
static int lz4_flush_blocks(struct compress *c)
{
	size_t nblocks = (c->lz4_in_len + LZ4_LEGACY_BLOCK - 1) / LZ4_LEGACY_BLOCK;
	int r = flush_out(c), failed = 0;

	if (r < 0)
		return r;
	for (size_t i = 0; i < nblocks; i++) {
		struct lz4_job *j = &c->lz4_jobs[i];
		j->in = c->lz4_in + i * LZ4_LEGACY_BLOCK;
		j->in_len = c->lz4_in_len - i * LZ4_LEGACY_BLOCK;
		if (j->in_len > LZ4_LEGACY_BLOCK)
			j->in_len = LZ4_LEGACY_BLOCK;
		j->level = c->level;
		/* The last block runs here; fall back to this thread if spawning fails.
		 */
		j->started = i + 1 < nblocks &&
			     pthread_create(&j->thread, NULL, lz4_job_run, j) == 0;
		if (!j->started)
			lz4_job_run(j);
	}
	for (size_t i = 0; i < nblocks; i++) {
		struct lz4_job *j = &c->lz4_jobs[i];
		if (j->started)
			pthread_join(j->thread, NULL);
		j->started = 0;
		if (j->out_len <= 0)
			failed = 1;
	}
	c->lz4_in_len = 0;
	if (failed)
		return -EIO;
	for (size_t i = 0; i < nblocks; i++) {
		r = fileio_write_all(c->fd, c->lz4_jobs[i].out,
				     (size_t)c->lz4_jobs[i].out_len);
		if (r < 0)
			return r;
	}
	return 0;
}

static int lz4_write(struct compress *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		size_t n = c->lz4_in_cap - c->lz4_in_len;
		if (n > len)
			n = len;
		memcpy(c->lz4_in + c->lz4_in_len, p, n);
		c->lz4_in_len += n;
		p += n;
		len -= n;
		if (c->lz4_in_len == c->lz4_in_cap) {
			int r = lz4_flush_blocks(c);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int compress_write(struct compress *c, const void *buf, size_t len)
{
	int r;

	if (c->error)
		return c->error;
	if (c->finished)
		return -EINVAL;
	if (!len)
		return 0;
	switch (c->kind) {
	case COMPRESS_NONE:
		r = none_write(c, buf, len);
		break;
	case COMPRESS_ZSTD:
		r = zstd_run(c, buf, len, ZSTD_e_continue);
		break;
	case COMPRESS_GZIP:
		r = gzip_run(c, buf, len, Z_NO_FLUSH);
		break;
	case COMPRESS_XZ:
		r = xz_run(c, buf, len, LZMA_RUN);
		break;
	case COMPRESS_LZ4:
		r = lz4_write(c, buf, len);
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0)
		c->error = r;
	return r;
}

static int lz4_finish(struct compress *c)
{
	if (c->lz4_in_len) {
		int r = lz4_flush_blocks(c);
		if (r < 0)
			return r;
	}
	return flush_out(c); /* the magic alone, for an empty stream */
}

int compress_finish(struct compress *c)
{
	int r;

	if (c->error)
		return c->error;
	if (c->finished)
		return 0;
	switch (c->kind) {
	case COMPRESS_NONE:
		r = flush_out(c);
		break;
	case COMPRESS_ZSTD:
		r = zstd_run(c, NULL, 0, ZSTD_e_end);
		break;
	case COMPRESS_GZIP:
		r = gzip_run(c, NULL, 0, Z_FINISH);
		break;
	case COMPRESS_XZ:
		r = xz_run(c, NULL, 0, LZMA_FINISH);
		break;
	case COMPRESS_LZ4:
		r = lz4_finish(c);
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0) {
		c->error = r;
		return r;
	}
	c->finished = 1;
	return 0;
}

void compress_free(struct compress *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->zstd);
	if (c->gz_init)
		deflateEnd(&c->gz);
	if (c->xz_init)
		lzma_end(&c->xz);
	if (c->lz4_jobs)
		for (unsigned i = 0; i < c->lz4_threads; i++)
			free(c->lz4_jobs[i].out);
	free(c->lz4_jobs);
	free(c->lz4_in);
	free(c->out);
	free(c);
}

/* A growable output buffer for whole-file decompression. */
struct membuf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max; /* the most the output may hold: never allocate more than max + 1 */
};

static int membuf_reserve(struct membuf *m, size_t want)
{
	if (m->cap - m->len >= want)
		return 0;
	size_t cap = m->cap ? m->cap : 1u << 16;
	while (cap - m->len < want) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	/* One byte over the bound tells "more than max" from "exactly max". */
	if (m->max && cap > m->max + 1)
		cap = m->max + 1;
	if (cap <= m->len)
		return -EFBIG;
	if (cap == m->cap)
		return 0;
	uint8_t *p = realloc(m->data, cap);
	if (!p)
		return -ENOMEM;
	m->data = p;
	m->cap = cap;
	return 0;
}

/*
 * One decompression context per thread, freed when the thread ends: modules are
 * decompressed by the thousand, by several threads.
 */
static pthread_key_t dctx_key;
static pthread_once_t dctx_once = PTHREAD_ONCE_INIT;
static int dctx_key_ok;

static void dctx_free(void *p)
{
	ZSTD_freeDCtx(p);
}

static void dctx_key_init(void)
{
	dctx_key_ok = pthread_key_create(&dctx_key, dctx_free) == 0;
}

static ZSTD_DCtx *thread_dctx(void)
{
	pthread_once(&dctx_once, dctx_key_init);
	ZSTD_DCtx *d = dctx_key_ok ? pthread_getspecific(dctx_key) : NULL;
	if (d)
		return d;
	d = ZSTD_createDCtx();
	if (d && dctx_key_ok && pthread_setspecific(dctx_key, d) != 0) {
		ZSTD_freeDCtx(d);
		d = NULL;
	}
	return d;
}

/*
 * Decode all of `in` into m. zstd frames one after the other and xz streams one
 * after the other are one file; gzip ends at its first member.
 */
static int decode_all(struct decoder *d, const uint8_t *in, size_t len, struct membuf *m)
{
	size_t chunk = len * 2 > (1u << 20) ? (1u << 20) : len * 2 + 64;
	int r;

	if (d->codec == CODEC_ZSTD) {
		unsigned long long hint = ZSTD_getFrameContentSize(in, len);
		/* A frame that says it holds more than the bound: refused before
		 * allocating. */
		if (m->max && hint != ZSTD_CONTENTSIZE_UNKNOWN &&
		    hint != ZSTD_CONTENTSIZE_ERROR && hint > m->max)
			return -EFBIG;
		r = membuf_reserve(m, hint < (1ull << 32) ? (size_t)hint + 1 : len * 4);
		if (r < 0)
			return r;
		chunk = 1;
	}
	for (;;) {
		size_t produced;

		r = membuf_reserve(m, chunk);
		if (r < 0)
			return r;
		size_t room = m->cap - m->len;
		r = decoder_step(d, &in, &len, m->data + m->len, room, &produced, 1);
		m->len += produced;
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return -EBADMSG;
		if (r == DECODE_END && (len == 0 || d->codec != CODEC_ZSTD))
			return 0;
		/* zstd, all input used, room left and no end: a truncated frame (zlib and
		 * liblzma say so themselves on the next step). */
		if (d->codec == CODEC_ZSTD && len == 0 && produced < room)
			return -EBADMSG;
	}
}

static int decode_file(enum codec codec, const uint8_t *in, size_t len, struct membuf *m)
{
	static const struct decode_opts opts = {
		.gzip_any_header = 1,
		.xz_memlimit = UINT64_MAX,
		.xz_concatenated = 1,
	};
	_cleanup_(decoder_free) struct decoder d;
	int r;

	decoder_init(&d); /* before any return: decoder_free() runs on the way out */
	if (codec == CODEC_ZSTD) {
		d.zstd = thread_dctx();
		if (!d.zstd)
			return -ENOMEM;
		d.zstd_lent = dctx_key_ok; /* no thread-specific slot: not cached */
	}
	r = decoder_start(&d, codec, &opts);
	if (r < 0)
		return r;
	return decode_all(&d, in, len, m);
}

int compress_read_fd(int fd, void **ret_data, size_t *ret_size)
{
	_cleanup_free_ char *text = NULL;
	struct membuf m = {.max = SYSROOT_READ_MAX};
	struct stat st;
	uint8_t *raw;
	enum codec codec;
	size_t len;
	int variant, r;

	/* Only a regular file: a device or FIFO would never end or never answer. */
	r = fileio_check_input(fd, &st);
	if (r < 0)
		return r;
	if ((uint64_t)st.st_size > SYSROOT_READ_MAX)
		return -EFBIG;
	r = fileio_read_fd(fd, SYSROOT_READ_MAX, &text, &len);
	if (r < 0)
		return r;
	raw = (uint8_t *)text;
	/* Module and firmware files: zstd, gzip (zlib's magic only) or xz; else raw. */
	codec = codec_detect(raw, len, &variant);
	if (codec != CODEC_ZSTD && (codec != CODEC_GZIP || variant) &&
	    codec != CODEC_XZ) {
		*ret_data = TAKE_PTR(text);
		*ret_size = len;
		return 0;
	}
	r = decode_file(codec, raw, len, &m);
	if (r >= 0 && m.len > m.max)
		r = -EFBIG;
	if (r < 0) {
		free(m.data);
		return r;
	}
	*ret_data = m.data ? m.data : malloc(1);
	if (!*ret_data)
		return -ENOMEM;
	*ret_size = m.len;
	return 0;
}

int compress_read_source(const char *path, dev_t dev, ino_t ino, void **ret_data,
			 size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return negative_errno();
	if (ino && (fstat(fd, &st) < 0 || st.st_dev != dev || st.st_ino != ino))
		return -ESTALE; /* not the file that was checked: replaced or moved */
	return compress_read_fd(fd, ret_data, ret_size);
}

int compress_read_file(const char *path, void **ret_data, size_t *ret_size)
{
	return compress_read_source(path, 0, 0, ret_data, ret_size);
}

/* One compression context per thread, as for decompression: many small files. */
static pthread_key_t cctx_key;
static pthread_once_t cctx_once = PTHREAD_ONCE_INIT;
static int cctx_key_ok;

static void cctx_free(void *p)
{
	ZSTD_freeCCtx(p);
}

static void cctx_key_init(void)
{
	cctx_key_ok = pthread_key_create(&cctx_key, cctx_free) == 0;
}

static ZSTD_CCtx *thread_cctx(void)
{
	ZSTD_CCtx *c;

	pthread_once(&cctx_once, cctx_key_init);
	if (!cctx_key_ok)
		return NULL;
	c = pthread_getspecific(cctx_key);
	if (!c) {
		c = ZSTD_createCCtx();
		if (c && pthread_setspecific(cctx_key, c) != 0) {
			ZSTD_freeCCtx(c);
			c = NULL;
		}
	}
	return c;
}

int compress_frame(const void *raw, size_t size, void **ret_data, size_t *ret_size)
{
	_cleanup_free_ void *out = NULL;
	ZSTD_CCtx *cctx = thread_cctx();
	size_t bound, n;

	if (!cctx)
		return -ENOMEM;
	bound = ZSTD_compressBound(size);
	out = malloc(bound ? bound : 1);
	if (!out)
		return -ENOMEM;
	/* ZSTD_compressCCtx writes the content size into the frame header. */
	n = ZSTD_compressCCtx(cctx, out, bound, raw, size, COMPRESS_FRAME_LEVEL);
	if (ZSTD_isError(n))
		return -EIO;
	*ret_data = TAKE_PTR(out);
	*ret_size = n;
	return 0;
}
