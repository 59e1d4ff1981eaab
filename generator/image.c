/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Images: write a stage as a compressed newc cpio atomically; read, list, extract. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cpio.h"
#include "crashpoint.h"
#include "image.h"
#include "log.h"
#include "util.h"

#define READ_BUF_SIZE (1u << 20)
#define EARLY_ALIGN 512
#define TEMP_SUFFIX_LEN 6

/* ---- the temporary file, visible to a signal handler ---- */

static volatile sig_atomic_t abort_armed;
static int abort_dirfd = -1;
static char abort_name[NAME_MAX + 1];

void image_abort_cleanup(void)
{
	/* Only async-signal-safe calls: a handler runs this, then _exit(). */
	if (abort_armed)
		unlinkat(abort_dirfd, abort_name, 0);
}

/*
 * A failure of image_write() is logged where it happens (a source file, the read-back
 * check) or, for the target itself, by image_write(); `logged` says which.
 */
struct report {
	const char *target;
	int logged;
};

static int source_failed(struct report *rep, const char *source, int r)
{
	log_error("cannot read '%s' for image '%s': %s; the previous image is kept",
		  source, rep->target,
		  r == -EBADMSG	 ? "corrupt compressed data"
		  : r == -ESTALE ? "it was replaced or moved while the image was built"
				 : strerror(-r));
	rep->logged = 1;
	return r;
}

/* ---- a content hash for the read-back check ---- */

/* Four independent multiply-rotate lanes: a few GB/s, enough to catch corruption. */
#define H_P1 0x9E3779B185EBCA87ull
#define H_P2 0xC2B2AE3D27D4EB4Full

static uint64_t rotl64(uint64_t v, unsigned n)
{
	return (v << n) | (v >> (64 - n));
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

struct hash {
	uint64_t lane[4];
	uint8_t tail[32];
	size_t tail_len;
	uint64_t total;
};

static void hash_init(struct hash *h)
{
	*h = (struct hash){.lane = {H_P1 + H_P2, H_P2, 0, -H_P1}};
}

static uint64_t hash_round(uint64_t acc, uint64_t v)
{
	return rotl64(acc + v * H_P2, 31) * H_P1;
}

static void hash_block(struct hash *h, const uint8_t *p)
{
	for (int i = 0; i < 4; i++)
		h->lane[i] = hash_round(h->lane[i], load64(p + 8 * i));
}

static void hash_update(struct hash *h, const void *data, size_t len)
{
	const uint8_t *p = data;
	h->total += len;
	if (h->tail_len) {
		size_t n = 32 - h->tail_len;
		if (n > len)
			n = len;
		memcpy(h->tail + h->tail_len, p, n);
		h->tail_len += n;
		p += n;
		len -= n;
		if (h->tail_len < 32)
			return;
		hash_block(h, h->tail);
		h->tail_len = 0;
	}
	for (; len >= 32; p += 32, len -= 32)
		hash_block(h, p);
	memcpy(h->tail, p, len);
	h->tail_len = len;
}

static uint64_t hash_final(struct hash *h)
{
	uint64_t v = rotl64(h->lane[0], 1) + rotl64(h->lane[1], 7) +
		     rotl64(h->lane[2], 12) + rotl64(h->lane[3], 18);
	v ^= h->total * H_P1;
	for (size_t i = 0; i < h->tail_len; i++)
		v = rotl64(v ^ (h->tail[i] * H_P2), 11) * H_P1;
	v ^= v >> 33;
	v *= H_P2;
	v ^= v >> 29;
	return v;
}

static uint64_t hash_buffer(const void *data, size_t len)
{
	struct hash h;
	hash_init(&h);
	hash_update(&h, data, len);
	return hash_final(&h);
}

/* ---- writing ---- */

/* What the read-back must find for one stage entry's data. */
struct expect {
	uint64_t size;
	uint64_t hash;
};

struct writer {
	struct compress *c;
	struct archive *ar;
	struct archive_entry *ae;
	uint8_t *buf;
	uint32_t mtime;
	uint64_t ino;
	int error; /* from the compressor, which libarchive cannot carry */
	struct prefetch *prefetch;
	struct report *report;
};

static la_ssize_t ar_write(struct archive *a, void *userdata, const void *buf, size_t len)
{
	struct writer *w = userdata;
	int r = compress_write(w->c, buf, len);
	if (r < 0) {
		w->error = r;
		archive_set_error(a, -r, "write failed");
		return -1;
	}
	return (la_ssize_t)len;
}

static int ar_error(struct writer *w)
{
	if (w->error)
		return w->error;
	int e = archive_errno(w->ar);
	return e > 0 ? -e : -EIO;
}

static int write_data(struct writer *w, const void *data, size_t len, struct hash *h)
{
	if (h)
		hash_update(h, data, len);
	la_ssize_t n = archive_write_data(w->ar, data, len);
	if (n < 0 || (size_t)n != len)
		return ar_error(w);
	return 0;
}

static int write_header(struct writer *w, const struct stage_entry *e, uint64_t size)
{
	struct archive_entry *ae = w->ae;

	if (size > UINT32_MAX)
		return -EFBIG; /* newc sizes are 32 bits wide */
	archive_entry_clear(ae);
	archive_entry_set_pathname(ae, e->path);
	archive_entry_set_mode(ae, e->mode);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_mtime(ae, (time_t)w->mtime, 0);
	/* Inodes numbered in order, not taken from the host: reproducible. */
	archive_entry_set_ino64(ae, (la_int64_t)++w->ino);
	archive_entry_set_nlink(ae, e->kind == STAGE_DIR ? 2 : 1);
	archive_entry_set_size(ae, (la_int64_t)size);
	if (e->kind == STAGE_SYMLINK)
		archive_entry_set_symlink(ae, e->target);
	if (e->kind == STAGE_DEVICE)
		archive_entry_set_rdev(ae, e->rdev);
	/* A warning (a name the locale cannot convert) is left to the read-back check. */
	if (archive_write_header(w->ar, ae) < ARCHIVE_WARN)
		return ar_error(w);
	return 0;
}

static int write_from_file(struct writer *w, const struct stage_entry *e,
			   struct expect *exp)
{
	/* A checked source replaced by a FIFO must not block the open (stage.h). */
	_cleanup_close_ int fd =
		open(e->source,
		     O_RDONLY | O_CLOEXEC | O_NOCTTY | (e->source_ino ? O_NONBLOCK : 0));
	struct stat st;
	struct hash h;
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
	hash_init(&h);
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
	exp->hash = hash_final(&h);
	return 0;
}

static int write_bytes(struct writer *w, const struct stage_entry *e, const void *data,
		       size_t size, struct expect *exp)
{
	int r = write_header(w, e, size);
	if (r < 0)
		return r;
	exp->size = size;
	exp->hash = hash_buffer(data, size);
	return size ? write_data(w, data, size, NULL) : 0;
}

/*
 * Compressed sources (modules) are decompressed ahead by a few threads, in stage order,
 * a bounded number of entries ahead: xz modules otherwise make the writer serial.
 */
#define PREFETCH_MAX_THREADS 8
#define PREFETCH_WINDOW 32

struct prefetch_slot {
	void *data;
	size_t size;
	uint64_t hash;
	int r;
	int done;
};

struct prefetch {
	const struct stage_entry **order; /* the compressed entries, in stage order */
	struct prefetch_slot *slots;
	size_t count;
	size_t next_claim; /* under lock, like everything below */
	size_t taken;	   /* the writer's progress */
	int stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t threads[PREFETCH_MAX_THREADS];
	unsigned nthreads;
};

static void *prefetch_run(void *arg)
{
	struct prefetch *pf = arg;
	pthread_mutex_lock(&pf->lock);
	for (;;) {
		while (!pf->stop && pf->next_claim < pf->count &&
		       pf->next_claim >= pf->taken + PREFETCH_WINDOW)
			pthread_cond_wait(&pf->cond, &pf->lock);
		if (pf->stop || pf->next_claim == pf->count)
			break;
		size_t i = pf->next_claim++;
		pthread_mutex_unlock(&pf->lock);

		struct prefetch_slot slot = {0};
		const struct stage_entry *e = pf->order[i];
		slot.r = compress_read_source(e->source, e->source_dev, e->source_ino,
					      &slot.data, &slot.size);
		if (slot.r >= 0)
			slot.hash = hash_buffer(slot.data, slot.size);
		slot.done = 1;

		pthread_mutex_lock(&pf->lock);
		pf->slots[i] = slot;
		pthread_cond_broadcast(&pf->cond);
	}
	pthread_mutex_unlock(&pf->lock);
	return NULL;
}

static void prefetch_free(struct prefetch *pf)
{
	if (!pf)
		return;
	pthread_mutex_lock(&pf->lock);
	pf->stop = 1;
	pthread_cond_broadcast(&pf->cond);
	pthread_mutex_unlock(&pf->lock);
	for (unsigned t = 0; t < pf->nthreads; t++)
		pthread_join(pf->threads[t], NULL);
	for (size_t i = 0; i < pf->count; i++)
		free(pf->slots[i].data);
	pthread_cond_destroy(&pf->cond);
	pthread_mutex_destroy(&pf->lock);
	free(pf->slots);
	free(pf->order);
	free(pf);
}

/* NULL (no error) when there is nothing to prefetch or no thread could start. */
static int prefetch_new(const struct stage_entry *entries, size_t count, int threads,
			struct prefetch **ret)
{
	struct prefetch *pf;
	size_t n = 0;

	*ret = NULL;
	for (size_t i = 0; i < count; i++)
		n += entries[i].kind == STAGE_FILE &&
		     entries[i].from == STAGE_FROM_COMPRESSED;
	if (n < 2)
		return 0;
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	pf->order = calloc(n, sizeof(*pf->order));
	pf->slots = calloc(n, sizeof(*pf->slots));
	if (!pf->order || !pf->slots) {
		free(pf->order);
		free(pf->slots);
		free(pf);
		return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++)
		if (entries[i].kind == STAGE_FILE &&
		    entries[i].from == STAGE_FROM_COMPRESSED)
			pf->order[pf->count++] = &entries[i];
	pthread_mutex_init(&pf->lock, NULL);
	pthread_cond_init(&pf->cond, NULL);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned want = threads > 0 ? (unsigned)threads : cpus > 0 ? (unsigned)cpus : 1;
	if (want > PREFETCH_MAX_THREADS)
		want = PREFETCH_MAX_THREADS;
	for (; pf->nthreads < want; pf->nthreads++)
		if (pthread_create(&pf->threads[pf->nthreads], NULL, prefetch_run, pf) !=
		    0)
			break;
	if (!pf->nthreads) {
		prefetch_free(pf);
		return 0;
	}
	*ret = pf;
	return 0;
}

/* The next compressed entry's bytes, in order; the caller frees *ret_data. */
static int prefetch_take(struct prefetch *pf, const struct stage_entry *e,
			 void **ret_data, size_t *ret_size, uint64_t *ret_hash)
{
	pthread_mutex_lock(&pf->lock);
	size_t i = pf->taken;
	if (i == pf->count || pf->order[i] != e) {
		pthread_mutex_unlock(&pf->lock);
		return -EINVAL; /* entries visited out of order: a bug */
	}
	while (!pf->slots[i].done)
		pthread_cond_wait(&pf->cond, &pf->lock);
	struct prefetch_slot slot = pf->slots[i];
	pf->slots[i].data = NULL;
	pf->taken++;
	pthread_cond_broadcast(&pf->cond);
	pthread_mutex_unlock(&pf->lock);
	if (slot.r < 0)
		return slot.r;
	*ret_data = slot.data;
	*ret_size = slot.size;
	*ret_hash = slot.hash;
	return 0;
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
		r = compress_read_source(e->source, e->source_dev, e->source_ino, &data,
					 &size);
	if (r < 0)
		return source_failed(w->report, e->source, r);
	r = write_header(w, e, size);
	if (r < 0)
		return r;
	exp->size = size;
	exp->hash = w->prefetch ? hash : hash_buffer(data, size);
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
		return write_compressed(w, e, exp);
	case STAGE_FROM_DATA:
		return write_bytes(w, e, e->data, e->size, exp);
	}
	return -EINVAL;
}

/* One newc archive of `entries` into the compressor, trailer included. */
static int write_archive(const struct stage_entry *entries, size_t count,
			 struct compress *c, uint32_t mtime, uint8_t *buf,
			 struct expect *exp, int threads, struct report *rep)
{
	struct writer w = {.c = c, .buf = buf, .mtime = mtime, .report = rep};
	int r = prefetch_new(entries, count, threads, &w.prefetch);

	if (r < 0)
		return r;

	w.ar = archive_write_new();
	w.ae = archive_entry_new();
	if (!w.ar || !w.ae) {
		r = -ENOMEM;
		goto out;
	}
	/*
	 * No libarchive filter and no blocking: its output goes straight to our
	 * compressor, which makes the formats the kernel accepts, with no padding.
	 */
	if (archive_write_set_format_cpio_newc(w.ar) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(w.ar, 0) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w.ar, 1) != ARCHIVE_OK ||
	    archive_write_open(w.ar, &w, NULL, ar_write, NULL) != ARCHIVE_OK) {
		r = ar_error(&w);
		goto out;
	}
	for (size_t i = 0; i < count && r >= 0; i++) {
		r = write_entry(&w, &entries[i], &exp[i]);
		crashpoint("compression: entry");
	}
	if (r >= 0 && archive_write_close(w.ar) != ARCHIVE_OK)
		r = ar_error(&w);
out:
	prefetch_free(w.prefetch);
	archive_entry_free(w.ae);
	if (w.ar)
		archive_write_free(w.ar);
	return r;
}

static int write_zeros(int fd, size_t n)
{
	static const uint8_t zeros[EARLY_ALIGN];
	while (n) {
		size_t k = n < sizeof(zeros) ? n : sizeof(zeros);
		ssize_t m = write(fd, zeros, k);
		if (m < 0 && errno == EINTR)
			continue;
		if (m < 0)
			return negative_errno();
		n -= (size_t)m;
	}
	return 0;
}

/* The early archive: uncompressed, so the kernel's microcode loader finds it. */
static int write_early(int fd, const struct stage_entry *entries, size_t count,
		       uint32_t mtime, uint8_t *buf, struct expect *exp,
		       struct report *rep)
{
	struct compress *c = NULL;
	int r = compress_new(COMPRESS_NONE, COMPRESS_LEVEL_DEFAULT, 1, fd, &c);
	if (r < 0)
		return r;
	r = write_archive(entries, count, c, mtime, buf, exp, 1, rep);
	if (r >= 0)
		r = compress_finish(c);
	compress_free(c);
	if (r < 0)
		return r;
	off_t end = lseek(fd, 0, SEEK_CUR);
	if (end < 0)
		return negative_errno();
	return write_zeros(fd, (size_t)((EARLY_ALIGN - end % EARLY_ALIGN) % EARLY_ALIGN));
}

/* ---- the read-back check ---- */

struct verify {
	const struct stage_entry *entries[2];
	size_t count[2];
	struct expect *exp[2];
	const char *compression[2];
	unsigned segment[2];
	int part; /* 0: early, 1: main */
	size_t index;
	uint32_t mtime;
	struct hash data; /* of the current entry's bytes, as they stream by */
};

/* The entry's header against the stage; its data is hashed as it comes. */
static int entry_matches(const struct verify *v, const struct cpio_entry *e)
{
	const struct stage_entry *se = &v->entries[v->part][v->index];
	const struct expect *exp = &v->exp[v->part][v->index];
	uint64_t size = se->kind == STAGE_FILE	    ? exp->size
			: se->kind == STAGE_SYMLINK ? strlen(se->target)
						    : 0;

	if (!streq(e->name, se->path) || e->mode != se->mode || e->size != size ||
	    e->uid || e->gid || e->mtime != v->mtime ||
	    e->segment != v->segment[v->part] ||
	    !streq(e->compression, v->compression[v->part]))
		return 0;
	switch (se->kind) {
	case STAGE_SYMLINK:
		return e->target && streq(e->target, se->target);
	case STAGE_DEVICE:
		return major(e->rdev) == major(se->rdev) &&
		       minor(e->rdev) == minor(se->rdev);
	case STAGE_FILE:
	case STAGE_DIR:
		return 1;
	}
	return 0;
}

static int verify_entry(const struct cpio_entry *e, void *userdata)
{
	struct verify *v = userdata;
	while (v->part < 2 && v->index == v->count[v->part]) {
		v->part++;
		v->index = 0;
	}
	if (v->part == 2 || !entry_matches(v, e))
		return -EBADMSG;
	hash_init(&v->data);
	return 0;
}

static int verify_data(const void *bytes, size_t len, void *userdata)
{
	struct verify *v = userdata;
	hash_update(&v->data, bytes, len);
	return 0;
}

static int verify_done(const struct cpio_entry *e _unused_, void *userdata)
{
	struct verify *v = userdata;
	const struct stage_entry *se = &v->entries[v->part][v->index];
	if (se->kind == STAGE_FILE &&
	    hash_final(&v->data) != v->exp[v->part][v->index].hash)
		return -EBADMSG;
	v->index++;
	return 0;
}

/* Read the image back as the kernel will, one piece at a time, and compare. */
static int verify_image(int fd, struct verify *v, struct report *rep)
{
	static const struct cpio_ops ops = {verify_entry, verify_data, verify_done};
	char err[CPIO_ERROR_MAX];
	int r = cpio_walk_fd(NULL, fd, &ops, v, err);
	if (r >= 0) {
		while (v->part < 2 && v->index == v->count[v->part]) {
			v->part++;
			v->index = 0;
		}
		r = v->part == 2 ? 0 : -EBADMSG;
	}
	if (r == -EBADMSG) {
		log_error(
			"image '%s' failed its read-back check; the previous image is kept",
			rep->target);
		rep->logged = 1;
	}
	return r;
}

/* ---- the temporary file ---- */

static int is_temp_name(const char *name, const char *base)
{
	size_t blen = strlen(base);
	if (name[0] != '.' || strncmp(name + 1, base, blen) != 0 ||
	    strncmp(name + 1 + blen, ".tmp.", 5) != 0)
		return 0;
	const char *s = name + 1 + blen + 5;
	size_t i = 0;
	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return i == TEMP_SUFFIX_LEN;
}

/*
 * Remove temporary files of interrupted builds of the same image. A live build holds
 * an exclusive flock on its file, so only files nobody holds are removed.
 */
static void clean_stale(int dirfd, const char *base)
{
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_temp_name(de->d_name, base))
			continue;
		int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
		int fd = openat(dirfd, de->d_name, flags);
		if (fd < 0) {
			/* A symlink is nobody's build: drop the link itself. */
			if (errno == ELOOP)
				unlinkat(dirfd, de->d_name, 0);
			continue;
		}
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlinkat(dirfd, de->d_name, 0);
		close(fd);
	}
	closedir(d);
}

static void random_suffix(char out[TEMP_SUFFIX_LEN + 1])
{
	static const char chars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static unsigned counter;
	uint8_t rnd[TEMP_SUFFIX_LEN];
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
		uint64_t x = (uint64_t)getpid() * H_P1 ^ (uint64_t)time(NULL) * H_P2 ^
			     ++counter;
		for (size_t i = 0; i < sizeof(rnd); i++, x >>= 8)
			rnd[i] = (uint8_t)x;
	}
	for (size_t i = 0; i < TEMP_SUFFIX_LEN; i++)
		out[i] = chars[rnd[i] % (sizeof(chars) - 1)];
	out[TEMP_SUFFIX_LEN] = '\0';
}

static int create_temp(int dirfd, const char *base, char name[NAME_MAX + 1])
{
	for (int attempt = 0; attempt < 100; attempt++) {
		char suffix[TEMP_SUFFIX_LEN + 1];
		random_suffix(suffix);
		if (snprintf(name, NAME_MAX + 1, ".%s.tmp.%s", base, suffix) > NAME_MAX)
			return -ENAMETOOLONG;
		/* O_EXCL: never through a symlink or into an existing file. */
		int fd = openat(dirfd, name,
				O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return negative_errno();
		struct stat st, now;
		/* 0600 whatever the umask; the lock tells other builds it is alive. */
		if (fchmod(fd, 0600) < 0 || flock(fd, LOCK_EX) < 0 ||
		    fstat(fd, &st) < 0) {
			int r = negative_errno();
			unlinkat(dirfd, name, 0);
			close(fd);
			return r;
		}
		/* A concurrent clean_stale() may have removed it before the lock. */
		if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
		    now.st_ino != st.st_ino || now.st_dev != st.st_dev) {
			close(fd);
			continue;
		}
		return fd;
	}
	return -EEXIST;
}

static int split_target(const char *target, char **ret_dir, const char **ret_base)
{
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	if (!*base || streq(base, ".") || streq(base, ".."))
		return -EINVAL;
	char *dir =
		slash ? strndup(target, slash == target ? 1 : (size_t)(slash - target))
		      : strdup(".");
	if (!dir)
		return -ENOMEM;
	*ret_dir = dir;
	*ret_base = base;
	return 0;
}

static int write_image_file(int fd, const struct image_options *opts, struct verify *v,
			    uint8_t *buf, struct report *rep)
{
	struct compress *c = NULL;
	uint32_t mtime = (uint32_t)opts->mtime;
	int r;

	if (v->count[0]) {
		r = write_early(fd, v->entries[0], v->count[0], mtime, buf, v->exp[0],
				rep);
		if (r < 0)
			return r;
	}
	r = compress_new(opts->compression, opts->level, opts->threads, fd, &c);
	if (r < 0)
		return r;
	r = write_archive(v->entries[1], v->count[1], c, mtime, buf, v->exp[1],
			  opts->threads, rep);
	if (r >= 0)
		r = compress_finish(c);
	compress_free(c);
	if (r < 0)
		return r;
	crashpoint("compression: finished");
	if (fsync(fd) < 0)
		return negative_errno();
	crashpoint("image: synced");
	r = verify_image(fd, v, rep);
	crashpoint("image: verified");
	return r;
}

/*
 * Rename the finished image over its target and let opts->commit record it, under an
 * exclusive flock on the directory that every build takes around its rename: two
 * builds racing to one target cannot pair one's record with the other's image. A
 * filesystem without flock (EOPNOTSUPP, an NFS directory opened read-only) goes on
 * without it.
 */
static int commit_image(int dirfd, int fd, const char *name, const char *target,
			const struct image_options *opts)
{
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	int locked = flock(dirfd, LOCK_EX) == 0;
	int r = 0;

	if (renameat(dirfd, name, dirfd, base) < 0)
		r = negative_errno();
	crashpoint("image: renamed");
	struct stat st;
	if (r >= 0 && opts->commit && fstat(fd, &st) == 0)
		opts->commit(target, fd, &st, opts->commit_userdata);
	if (locked)
		flock(dirfd, LOCK_UN);
	return r;
}

int image_clean_stale(const char *target)
{
	_cleanup_free_ char *dir = NULL;
	const char *base;
	int r = split_target(target, &dir, &base);

	if (r < 0)
		return r;
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return negative_errno();
	clean_stale(dirfd, base);
	return 0;
}

static int write_target(const struct stage *stage, const char *target,
			const struct image_options *opts, struct report *rep)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_free_ struct expect *exp = NULL;
	_cleanup_close_ int dirfd = -1;
	const char *base;
	char name[NAME_MAX + 1];
	struct verify v = {0};
	int r, fd;

	if (!compress_name(opts->compression) || opts->mtime < 0 ||
	    (uint64_t)opts->mtime > UINT32_MAX)
		return -EINVAL;
	r = split_target(target, &dir, &base);
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
	clean_stale(dirfd, base);
	fd = create_temp(dirfd, base, name);
	if (fd < 0)
		return fd;
	memcpy(abort_name, name, sizeof(abort_name));
	abort_dirfd = dirfd;
	abort_armed = 1;
	crashpoint("image: temporary file");

	r = write_image_file(fd, opts, &v, buf, rep);
	if (r >= 0)
		r = commit_image(dirfd, fd, name, target, opts);
	if (r < 0)
		unlinkat(dirfd, name, 0);
	abort_armed = 0;
	close(fd);
	if (r < 0)
		return r;
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
	struct report rep = {.target = target};
	int r = write_target(stage, target, opts, &rep);
	if (r < 0 && !rep.logged)
		log_target_error(target, r);
	return r;
}

/* ---- reading, listing, extracting ---- */

static const char *file_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	default:
		return "not a regular file";
	}
}

/*
 * Open an image for reading: O_NONBLOCK so a FIFO without a writer cannot hang us, then
 * anything but a regular file is refused with *ret_why saying what it is.
 */
static int open_image(const char *path, const char **ret_why)
{
	*ret_why = NULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = negative_errno();
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		*ret_why = file_type(st.st_mode);
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	return fd;
}

/* One message for a failed read of an image: `verb` is "list", "extract"... */
/*
 * One message for a failed read of an image: `what` says what was done to it
 * ("list image 'x.img'", "extract image 'x.img' into 'dir'").
 */
static void log_read_error(const char *what, const char *why, int r, const char *err)
{
	if (why)
		log_error("cannot %s: it is %s, not an image file", what, why);
	else if (err[0] && r == -EBADMSG)
		log_error("cannot %s: not a valid initramfs (%s)", what, err);
	else if (err[0])
		log_error("cannot %s: %s", what, err);
	else
		log_error("cannot %s: %s", what, strerror(-r));
}

/* image_read(): each regular file's bytes gathered, the entry handed over at its end. */
struct read_ctx {
	image_entry_fn fn;
	void *userdata;
	uint8_t *data;
	size_t len, cap;
};

static int gather_entry(const struct cpio_entry *e _unused_, void *userdata)
{
	struct read_ctx *ctx = userdata;
	ctx->len = 0;
	return 0;
}

static int gather_data(const void *bytes, size_t len, void *userdata)
{
	struct read_ctx *ctx = userdata;
	if (ctx->len + len > ctx->cap) {
		size_t cap = ctx->cap ? ctx->cap : 4096;
		while (cap < ctx->len + len)
			cap *= 2;
		uint8_t *p = realloc(ctx->data, cap);
		if (!p)
			return -ENOMEM;
		ctx->data = p;
		ctx->cap = cap;
	}
	memcpy(ctx->data + ctx->len, bytes, len);
	ctx->len += len;
	return 0;
}

static int gather_done(const struct cpio_entry *e, void *userdata)
{
	struct read_ctx *ctx = userdata;
	struct image_entry ie = {
		.path = e->path,
		.mode = e->mode,
		.size = e->size,
		.target = e->target,
		.rdev = e->rdev,
		.dev = e->dev,
		.ino = e->ino,
		.nlink = e->nlink,
		.segment = e->segment,
		.segment_offset = e->segment_offset,
		.compression = e->compression,
	};
	const void *data = S_ISREG(e->mode) ? (ctx->data ? (void *)ctx->data : "") : NULL;
	return ctx->fn(&ie, data, ctx->userdata);
}

int image_read(const char *path, image_entry_fn fn, void *userdata)
{
	static const struct cpio_ops ops = {gather_entry, gather_data, gather_done};
	struct read_ctx ctx = {fn, userdata, NULL, 0, 0};
	char err[CPIO_ERROR_MAX];
	const char *why;
	_cleanup_close_ int fd = open_image(path, &why);

	if (fd < 0)
		return fd;
	int r = cpio_walk_fd(NULL, fd, &ops, &ctx, err);
	free(ctx.data);
	return r;
}

static void mode_string(mode_t mode, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	char t;
	switch (mode & S_IFMT) {
	case S_IFDIR:
		t = 'd';
		break;
	case S_IFLNK:
		t = 'l';
		break;
	case S_IFCHR:
		t = 'c';
		break;
	case S_IFBLK:
		t = 'b';
		break;
	case S_IFIFO:
		t = 'p';
		break;
	case S_IFSOCK:
		t = 's';
		break;
	case S_IFREG:
		t = '-';
		break;
	default:
		t = '?';
	}
	out[0] = t;
	for (int i = 0; i < 9; i++)
		out[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		out[3] = (mode & S_IXUSR) ? 's' : 'S';
	if (mode & S_ISGID)
		out[6] = (mode & S_IXGRP) ? 's' : 'S';
	if (mode & S_ISVTX)
		out[9] = (mode & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

struct list_ctx {
	FILE *out;
	/* The first segment is held back until we know whether others follow. */
	char *held;
	size_t held_len;
	FILE *hold;
	const char *first_compression;
	unsigned segment;
	int multi;
};

/* Listing needs no file data: the walk decodes and drops it. */
static int list_entry(const struct cpio_entry *e, void *userdata)
{
	struct list_ctx *l = userdata;
	char mode[11];

	if (!l->first_compression)
		l->first_compression = e->compression;
	if (e->segment != 0 && !l->multi) {
		l->multi = 1;
		if (fflush(l->hold) != 0)
			return -ENOMEM;
		fprintf(l->out, "# segment 0: %s\n", l->first_compression);
		fwrite(l->held, 1, l->held_len, l->out);
	}
	if (l->multi && e->segment != l->segment)
		fprintf(l->out, "# segment %u: %s\n", e->segment, e->compression);
	l->segment = e->segment;
	mode_string(e->mode, mode);
	fprintf(l->multi ? l->out : l->hold, "%s %10llu /%s%s%s\n", mode,
		(unsigned long long)e->size, streq(e->path, ".") ? "" : e->path,
		e->target ? " -> " : "", e->target ? e->target : "");
	return 0;
}

/*
 * Output: one line per entry, "MODE SIZE /PATH[ -> TARGET]" with the size right-aligned
 * in 10 columns. When the image has more than one segment (an early uncompressed cpio
 * before the compressed one, say), each segment's entries follow a line
 * "# segment N: COMPRESSION", N counting from 0.
 */
int image_list(const char *path, FILE *out)
{
	static const struct cpio_ops ops = {list_entry, NULL, NULL};
	struct list_ctx l = {.out = out};
	char err[CPIO_ERROR_MAX] = "", what[PATH_MAX + 32];
	const char *why;
	int r;

	snprintf(what, sizeof(what), "list image '%s'", path);

	_cleanup_close_ int fd = open_image(path, &why);
	if (fd < 0) {
		log_read_error(what, why, fd, err);
		return fd;
	}
	l.hold = open_memstream(&l.held, &l.held_len);
	if (!l.hold)
		return log_error_errno(-ENOMEM, "cannot list image '%s'", path);
	r = cpio_walk_fd(NULL, fd, &ops, &l, err);
	if (fclose(l.hold) != 0 && r >= 0)
		r = -ENOMEM;
	/* On a corrupt image, what came before the damage is still shown. */
	if (!l.multi && l.held_len)
		fwrite(l.held, 1, l.held_len, out);
	free(l.held);
	if (r >= 0 && (fflush(out) != 0 || ferror(out)))
		r = -EIO;
	if (r < 0)
		log_read_error(what, NULL, r, err);
	return r;
}

static int write_all_fd(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Open the directory `path` (relative, no "..") under dirfd, at this moment, through no
 * symlink: openat2() resolves it beneath dirfd refusing every symlink; where the kernel
 * lacks openat2 (before 5.6), one component at a time with O_NOFOLLOW. A symlink on the
 * way gives -ELOOP, a non-directory -ENOTDIR.
 */
static int open_beneath(int dirfd, const char *path)
{
	static int no_openat2;
	if (!no_openat2) {
		struct open_how how = {
			.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				   RESOLVE_NO_MAGICLINKS,
		};
		int fd;
		do
			fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		while (fd < 0 && errno == EAGAIN);
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS)
			return negative_errno();
		no_openat2 = 1;
	}
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	int cur = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return negative_errno();
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			close(cur);
			return -EXDEV;
		}
		int fd = openat(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int r = fd < 0 ? negative_errno() : 0;
		close(cur);
		if (r < 0)
			return r == -ENOTDIR && faccessat(dirfd, path, F_OK,
							  AT_SYMLINK_NOFOLLOW) == 0
				       ? -ELOOP
				       : r;
		cur = fd;
	}
	return cur;
}

/* Make room for a new entry: remove what is there, but not a non-empty directory. */
static int remove_existing(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno == EISDIR && unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
		return 0;
	return negative_errno();
}

/* The file extracted first for a hard-linked inode, to link later names to. */
struct link_slot {
	char *path; /* resolved, below the target directory; NULL: slot free */
	unsigned segment;
	dev_t dev;
	uint64_t ino;
	dev_t st_dev; /* what we created, to link nothing else */
	ino_t st_ino;
};

/* Open addressing on (segment, dev, ino): linear in the number of links. */
struct link_table {
	struct link_slot *slots;
	size_t cap, count;
};

static size_t link_hash(unsigned segment, dev_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ (uint64_t)dev * H_P2 ^ (uint64_t)segment << 48) * H_P1;
	return (size_t)(h ^ h >> 29);
}

static struct link_slot *link_find(struct link_table *t, const struct cpio_entry *e)
{
	if (!t->cap)
		return NULL;
	for (size_t i = link_hash(e->segment, e->dev, e->ino) & (t->cap - 1);;
	     i = (i + 1) & (t->cap - 1)) {
		struct link_slot *s = &t->slots[i];
		if (!s->path ||
		    (s->ino == e->ino && s->dev == e->dev && s->segment == e->segment))
			return s;
	}
}

static int link_grow(struct link_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct link_slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	struct link_table n = {slots, cap, 0};
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].path)
			continue;
		struct cpio_entry key = {.segment = t->slots[i].segment,
					 .dev = t->slots[i].dev,
					 .ino = t->slots[i].ino};
		*link_find(&n, &key) = t->slots[i];
		n.count++;
	}
	free(t->slots);
	*t = n;
	return 0;
}

static int link_remember(struct link_table *t, const struct cpio_entry *e,
			 const char *path, const struct stat *st)
{
	if ((t->count + 1) * 2 > t->cap) {
		int r = link_grow(t);
		if (r < 0)
			return r;
	}
	struct link_slot *s = link_find(t, e);
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	if (s->path)
		free(s->path);
	else
		t->count++;
	*s = (struct link_slot){copy, e->segment, e->dev, e->ino, st->st_dev, st->st_ino};
	return 0;
}

static void link_table_free(struct link_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].path);
	free(t->slots);
}

struct extract_ctx {
	const char *image, *dir;
	unsigned flags;
	int root;
	struct link_table links;
	int fd; /* the regular file whose data comes next, or -1 */
	int logged;
	/* The current entry: its parent directory and name, its path below root. */
	int parent;
	const char *last;
	char resolved[PATH_MAX + 1];
	char queue[2 * PATH_MAX + 2];
	char link[2 * PATH_MAX + 2]; /* the last symlink followed, for messages */
};

/* A refused entry: named, escaped, and the walk stops. */
static int refuse(struct extract_ctx *x, const struct cpio_entry *e, const char *fmt, ...)
	_printf_(3, 4);
static int refuse(struct extract_ctx *x, const struct cpio_entry *e, const char *fmt, ...)
{
	char name[512], why[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_error("refusing to extract '%s': entry '%s' %s", x->image,
		  log_escape(e->name, name, sizeof(name)), why);
	x->logged = 1;
	return -EINVAL;
}

static int extract_failed(struct extract_ctx *x, const struct cpio_entry *e, int r)
{
	char name[512];
	log_error("cannot extract entry '%s' of '%s' into '%s': %s",
		  log_escape(e->name, name, sizeof(name)), x->image, x->dir,
		  strerror(-r));
	x->logged = 1;
	return r;
}

/* The next component of *rest that is not empty or "."; NULL when none is left. */
static char *next_component(char **rest)
{
	char *p = *rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			*rest = p;
			return NULL;
		}
		char *end = strchrnul(p, '/');
		char *next = *end ? end + 1 : end;
		*end = '\0';
		if (!streq(p, ".")) {
			*rest = next;
			return p;
		}
		p = next;
	}
}

static int has_component(const char *rest)
{
	char tmp[PATH_MAX + 1];
	snprintf(tmp, sizeof(tmp), "%s", rest);
	char *p = tmp;
	return next_component(&p) != NULL;
}

/*
 * Find the directory an entry goes into, creating missing directories, and open it
 * beneath the target at this moment through no symlink. A symlink on the way that the
 * archive made (merged /usr: "lib -> usr/lib", then "lib/modules/...") is followed as
 * the kernel would inside the initramfs, but only while it stays inside the target
 * directory: absolute symlinks and ones that climb out are refused.
 */
static int resolve_parent(struct extract_ctx *x, const struct cpio_entry *e)
{
	size_t depth_len[PATH_MAX / 2];
	size_t depth = 0, len = 0;
	int followed = 0;
	char *rest = x->queue;

	if (e->name[0] == '/')
		return refuse(x, e, "would land outside '%s'", x->dir);
	snprintf(x->queue, sizeof(x->queue), "%s", e->name);
	for (char *p = x->queue; *p;) {
		char *end = strchrnul(p, '/');
		if (end - p == 2 && p[0] == '.' && p[1] == '.')
			return refuse(x, e, "would land outside '%s'", x->dir);
		p = *end ? end + 1 : end;
	}
	x->resolved[0] = '\0';
	int cur = fcntl(x->root, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return extract_failed(x, e, negative_errno());
	for (;;) {
		char *comp = next_component(&rest);
		if (!comp) { /* the root itself */
			close(cur);
			x->parent = -1;
			x->last = NULL;
			return 0;
		}
		if (streq(comp, "..")) { /* only from a symlink's target */
			if (!depth) {
				close(cur);
				return refuse(
					x, e,
					"goes through the symlink '%s', which points outside '%s'",
					x->link, x->dir);
			}
			len = depth_len[--depth];
			x->resolved[len] = '\0';
			close(cur);
			cur = open_beneath(x->root, len ? x->resolved : ".");
			if (cur < 0)
				return refuse(x, e,
					      "would go through a symlink or a file (%s)",
					      strerror(-cur));
			continue;
		}
		if (!has_component(rest)) {
			size_t n = strlen(comp);
			if (len + 1 + n > PATH_MAX) {
				close(cur);
				return extract_failed(x, e, -ENAMETOOLONG);
			}
			if (len)
				x->resolved[len++] = '/';
			memcpy(x->resolved + len, comp, n + 1);
			x->last = x->resolved + len;
			x->parent = cur;
			return 0;
		}
		struct stat st;
		int r = fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0
				? negative_errno()
				: 0;
		if (r == -ENOENT) {
			if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST)
				r = negative_errno();
			else
				r = fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0
					    ? negative_errno()
					    : 0;
		}
		if (r < 0) {
			close(cur);
			return extract_failed(x, e, r);
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX + 1];
			ssize_t n = readlinkat(cur, comp, target, sizeof(target) - 1);
			if (n < 0) {
				close(cur);
				return extract_failed(x, e, negative_errno());
			}
			if (++followed > 40) {
				close(cur);
				return refuse(x, e, "goes through more than 40 symlinks");
			}
			if (target[0] == '/') {
				close(cur);
				return refuse(
					x, e,
					"goes through the symlink '%s%s%s', which points outside '%s'",
					x->resolved, len ? "/" : "", comp, x->dir);
			}
			target[n] = '\0';
			snprintf(x->link, sizeof(x->link), "%s%s%s", x->resolved,
				 len ? "/" : "", comp);
			char tmp[sizeof(x->queue)];
			if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", target, rest) >=
			    sizeof(tmp)) {
				close(cur);
				return extract_failed(x, e, -ENAMETOOLONG);
			}
			memcpy(x->queue, tmp, sizeof(tmp));
			rest = x->queue;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(cur);
			return refuse(x, e, "needs '%s%s%s' to be a directory",
				      x->resolved, len ? "/" : "", comp);
		}
		int fd = open_beneath(cur, comp);
		close(cur);
		if (fd < 0)
			return refuse(x, e, "would go through a symlink or a file (%s)",
				      strerror(-fd));
		size_t n = strlen(comp);
		if (len + 1 + n > PATH_MAX || depth == ARRAY_SIZE(depth_len)) {
			close(fd);
			return extract_failed(x, e, -ENAMETOOLONG);
		}
		depth_len[depth++] = len;
		if (len)
			x->resolved[len++] = '/';
		memcpy(x->resolved + len, comp, n + 1);
		len += n;
		cur = fd;
	}
}

/* The mode an extracted file gets: set-id bits only when asked for. */
static mode_t extract_mode(const struct extract_ctx *x, const struct cpio_entry *e)
{
	mode_t mode = e->mode & 07777;
	if (!(x->flags & IMAGE_EXTRACT_SETID) && !S_ISDIR(e->mode) &&
	    (mode & (S_ISUID | S_ISGID))) {
		char name[512];
		log_info(
			"dropping the set-user/group-ID bits of '%s' (--keep-setid keeps them)",
			log_escape(e->name, name, sizeof(name)));
		mode &= ~(mode_t)(S_ISUID | S_ISGID);
	}
	return mode;
}

static int extract_dir(int dirfd, const char *name, mode_t mode)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
		/* Replace a file or symlink (the link, not what it points to). */
		int r = remove_existing(dirfd, name);
		if (r < 0)
			return r;
		if (mkdirat(dirfd, name, 0700) < 0)
			return negative_errno();
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return negative_errno();
	int r = fchmod(fd, mode & 07777) < 0 ? negative_errno() : 0;
	close(fd);
	return r;
}

static int extract_other(struct extract_ctx *x, const struct cpio_entry *e)
{
	int dirfd = x->parent;
	const char *name = x->last;
	char esc[512];

	if ((S_ISCHR(e->mode) || S_ISBLK(e->mode)) &&
	    !(x->flags & IMAGE_EXTRACT_DEVICES)) {
		log_info("skipping device node '%s' (--devices creates device nodes)",
			 log_escape(e->name, esc, sizeof(esc)));
		return 0;
	}
	int r = remove_existing(dirfd, name);
	if (r < 0)
		return r;
	if (S_ISLNK(e->mode)) {
		if (symlinkat(e->target, dirfd, name) < 0)
			return negative_errno();
	} else {
		if (mknodat(dirfd, name, e->mode & (S_IFMT | 0600), e->rdev) < 0) {
			if (errno == EPERM && (S_ISCHR(e->mode) || S_ISBLK(e->mode))) {
				log_warning(
					"cannot create device node '%s': %s, ignoring",
					log_escape(e->name, esc, sizeof(esc)),
					strerror(EPERM));
				return 0;
			}
			return negative_errno();
		}
		/* We just made it: not a symlink, so chmod may name it. */
		if (fchmodat(dirfd, name, extract_mode(x, e), 0) < 0)
			return negative_errno();
	}
	if (geteuid() == 0 &&
	    fchownat(dirfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	struct timespec ts[2] = {{(time_t)e->mtime, 0}, {(time_t)e->mtime, 0}};
	(void)utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* A new regular file: its data follows through x->fd. */
static int extract_file(struct extract_ctx *x, const struct cpio_entry *e)
{
	int r = remove_existing(x->parent, x->last);
	if (r < 0)
		return r;
	int fd = openat(x->parent, x->last,
			O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	x->fd = fd;
	if (e->nlink < 2)
		return 0;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	return link_remember(&x->links, e, x->resolved, &st);
}

/*
 * Another name of an inode extracted before (newc carries the data on one of them):
 * the first name is found again beneath the target through no symlink, and must still
 * be the very file we created, before it is linked.
 */
static int extract_hardlink(struct extract_ctx *x, const struct cpio_entry *e,
			    const struct link_slot *l)
{
	char esc[512];
	const char *slash = strrchr(l->path, '/');
	_cleanup_free_ char *dir =
		slash ? strndup(l->path, (size_t)(slash - l->path)) : strdup(".");
	const char *base = slash ? slash + 1 : l->path;
	struct stat st;
	if (!dir)
		return -ENOMEM;
	_cleanup_close_ int from = open_beneath(x->root, dir);
	/* The type too: a freed inode number comes back for the next file made. */
	if (from < 0 || fstatat(from, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_dev != l->st_dev || st.st_ino != l->st_ino)
		return refuse(
			x, e,
			"is a hard link to '%s', which is no longer the file extracted there",
			log_escape(l->path, esc, sizeof(esc)));
	if (fstatat(x->parent, x->last, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_dev != l->st_dev || st.st_ino != l->st_ino) {
		int r = remove_existing(x->parent, x->last);
		if (r < 0)
			return r;
		if (linkat(from, base, x->parent, x->last, 0) < 0)
			return negative_errno();
	}
	if (!e->size)
		return 0;
	int fd = openat(x->parent, x->last, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	x->fd = fd;
	return 0;
}

static int extract_entry(const struct cpio_entry *e, void *userdata)
{
	struct extract_ctx *x = userdata;
	int r = resolve_parent(x, e);
	if (r < 0)
		return r;
	if (!x->last) /* the root itself, "." */
		return S_ISDIR(e->mode)
			       ? 0
			       : refuse(x, e, "is not a directory but names '%s' itself",
					x->dir);

	switch (e->mode & S_IFMT) {
	case S_IFDIR:
		r = extract_dir(x->parent, x->last, e->mode);
		break;
	case S_IFREG: {
		const struct link_slot *l =
			e->nlink >= 2 ? link_find(&x->links, e) : NULL;
		r = l && l->path ? extract_hardlink(x, e, l) : extract_file(x, e);
		break;
	}
	case S_IFLNK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		r = extract_other(x, e);
		break;
	default:
		r = refuse(x, e, "has an unknown file type (mode %o)", (unsigned)e->mode);
	}
	if (r < 0 && !x->logged)
		r = extract_failed(x, e, r);
	return r;
}

static int extract_data(const void *bytes, size_t len, void *userdata)
{
	struct extract_ctx *x = userdata;
	if (x->fd < 0)
		return 0;
	int r = write_all_fd(x->fd, bytes, len);
	if (r < 0) {
		log_error("cannot write into '%s' below '%s': %s", x->resolved, x->dir,
			  strerror(-r));
		x->logged = 1;
	}
	return r;
}

/* After a regular file's data: owner, mode (after chown, which clears set-id), mtime. */
static int extract_done(const struct cpio_entry *e, void *userdata)
{
	struct extract_ctx *x = userdata;
	int r = 0;
	if (x->parent >= 0) {
		close(x->parent);
		x->parent = -1;
	}
	if (x->fd < 0)
		return 0;
	if (geteuid() == 0 && fchown(x->fd, e->uid, e->gid) < 0)
		r = negative_errno();
	if (r >= 0 && fchmod(x->fd, extract_mode(x, e)) < 0)
		r = negative_errno();
	struct timespec ts[2] = {{(time_t)e->mtime, 0}, {(time_t)e->mtime, 0}};
	(void)futimens(x->fd, ts);
	close(x->fd);
	x->fd = -1;
	return r < 0 ? extract_failed(x, e, r) : 0;
}

static int mkdir_p(const char *dir)
{
	_cleanup_free_ char *p = strdup(dir);
	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return negative_errno();
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

int image_extract(const char *path, const char *dir, unsigned flags)
{
	static const struct cpio_ops ops = {extract_entry, extract_data, extract_done};
	char err[CPIO_ERROR_MAX] = "", what[2 * PATH_MAX + 32];
	const char *why;
	int r;

	snprintf(what, sizeof(what), "extract image '%s' into '%s'", path, dir);

	_cleanup_close_ int fd = open_image(path, &why);
	if (fd < 0) {
		log_read_error(what, why, fd, err);
		return fd;
	}
	r = mkdir_p(dir);
	if (r < 0)
		return log_error_errno(r, "cannot create the directory '%s'", dir);
	_cleanup_close_ int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return log_error_errno(negative_errno(), "cannot open the directory '%s'",
				       dir);
	struct extract_ctx *x = calloc(1, sizeof(*x));
	if (!x)
		return log_error_errno(-ENOMEM, "cannot extract image '%s'", path);
	*x = (struct extract_ctx){.image = path,
				  .dir = dir,
				  .flags = flags,
				  .root = root,
				  .fd = -1,
				  .parent = -1};
	r = cpio_walk_fd(NULL, fd, &ops, x, err);
	if (r < 0 && !x->logged)
		log_read_error(what, NULL, r, err);
	if (x->fd >= 0)
		close(x->fd);
	if (x->parent >= 0)
		close(x->parent);
	link_table_free(&x->links);
	free(x);
	return r;
}
