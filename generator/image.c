/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Images: write a stage as a compressed newc cpio atomically; read, list, extract. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cpio.h"
#include "crashpoint.h"
#include "image.h"
#include "util.h"

#define READ_BUF_SIZE (1u << 20)
#define EARLY_ALIGN 512
#define TEMP_SUFFIX_LEN 6

/* ---- the temporary file, visible to a signal handler ---- */

static volatile sig_atomic_t abort_armed;
static int abort_dirfd = -1;
static char abort_name[NAME_MAX + 1];
static __thread char failed_source[PATH_MAX];

void image_abort_cleanup(void)
{
	/* Only async-signal-safe calls: a handler runs this, then _exit(). */
	if (abort_armed)
		unlinkat(abort_dirfd, abort_name, 0);
}

const char *image_write_failed_source(void)
{
	return failed_source[0] ? failed_source : NULL;
}

static void note_failed_source(const char *path)
{
	snprintf(failed_source, sizeof(failed_source), "%s", path);
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
	_cleanup_close_ int fd = open(e->source, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	struct hash h;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0) {
		r = negative_errno();
		note_failed_source(e->source);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		note_failed_source(e->source);
		return -EINVAL;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r = write_header(w, e, (uint64_t)st.st_size);
	if (r == -EFBIG)
		note_failed_source(e->source);
	if (r < 0)
		return r;
	hash_init(&h);
	for (uint64_t left = (uint64_t)st.st_size; left;) {
		ssize_t n = read(fd, w->buf, left < READ_BUF_SIZE ? left : READ_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* n == 0: the file shrank while we copied it. */
			r = n < 0 ? negative_errno() : -EIO;
			note_failed_source(e->source);
			return r;
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
		slot.r = compress_read_file(pf->order[i]->source, &slot.data, &slot.size);
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
		r = compress_read_file(e->source, &data, &size);
	if (r < 0) {
		note_failed_source(e->source);
		return r;
	}
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
			 struct expect *exp, int threads)
{
	struct writer w = {.c = c, .buf = buf, .mtime = mtime};
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
		       uint32_t mtime, uint8_t *buf, struct expect *exp)
{
	struct compress *c = NULL;
	int r = compress_new(COMPRESS_NONE, COMPRESS_LEVEL_DEFAULT, 1, fd, &c);
	if (r < 0)
		return r;
	r = write_archive(entries, count, c, mtime, buf, exp, 1);
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
};

static int entry_matches(const struct verify *v, const struct cpio_entry *e,
			 const void *data)
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
		return data && hash_buffer(data, size) == exp->hash;
	case STAGE_DIR:
		return 1;
	}
	return 0;
}

static int verify_entry(const struct cpio_entry *e, const void *data, void *userdata)
{
	struct verify *v = userdata;
	while (v->part < 2 && v->index == v->count[v->part]) {
		v->part++;
		v->index = 0;
	}
	if (v->part == 2 || !entry_matches(v, e, data))
		return -EBADMSG;
	v->index++;
	return 0;
}

static int verify_image(int fd, struct verify *v)
{
	int r = cpio_walk_fd(fd, verify_entry, v);
	if (r < 0)
		return r;
	while (v->part < 2 && v->index == v->count[v->part]) {
		v->part++;
		v->index = 0;
	}
	return v->part == 2 ? 0 : -EBADMSG;
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
			    uint8_t *buf)
{
	struct compress *c = NULL;
	uint32_t mtime = (uint32_t)opts->mtime;
	int r;

	if (v->count[0]) {
		r = write_early(fd, v->entries[0], v->count[0], mtime, buf, v->exp[0]);
		if (r < 0)
			return r;
	}
	r = compress_new(opts->compression, opts->level, opts->threads, fd, &c);
	if (r < 0)
		return r;
	r = write_archive(v->entries[1], v->count[1], c, mtime, buf, v->exp[1],
			  opts->threads);
	if (r >= 0)
		r = compress_finish(c);
	compress_free(c);
	if (r < 0)
		return r;
	crashpoint("compression: finished");
	if (fsync(fd) < 0)
		return negative_errno();
	crashpoint("image: synced");
	r = verify_image(fd, v);
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

int image_write(const struct stage *stage, const char *target,
		const struct image_options *opts)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_free_ struct expect *exp = NULL;
	_cleanup_close_ int dirfd = -1;
	const char *base;
	char name[NAME_MAX + 1];
	struct verify v = {0};
	int r, fd;

	failed_source[0] = '\0';
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

	r = write_image_file(fd, opts, &v, buf);
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

/* ---- reading, listing, extracting ---- */

struct read_ctx {
	image_entry_fn fn;
	void *userdata;
};

static int read_entry(const struct cpio_entry *e, const void *data, void *userdata)
{
	struct read_ctx *ctx = userdata;
	struct image_entry ie = {
		.path = e->path,
		.mode = e->mode,
		.size = e->size,
		.target = e->target,
		.rdev = e->rdev,
		.segment = e->segment,
		.compression = e->compression,
	};
	return ctx->fn(&ie, data, ctx->userdata);
}

int image_read(const char *path, image_entry_fn fn, void *userdata)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct read_ctx ctx = {fn, userdata};

	if (fd < 0)
		return negative_errno();
	return cpio_walk_fd(fd, read_entry, &ctx);
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

static int list_entry(const struct image_entry *e, const void *data _unused_,
		      void *userdata)
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
	struct list_ctx l = {.out = out};
	int r;

	l.hold = open_memstream(&l.held, &l.held_len);
	if (!l.hold)
		return -ENOMEM;
	r = image_read(path, list_entry, &l);
	if (fclose(l.hold) != 0 && r >= 0)
		r = -ENOMEM;
	/* On a corrupt image, what came before the damage is still shown. */
	if (!l.multi && l.held_len)
		fwrite(l.held, 1, l.held_len, out);
	free(l.held);
	if (r >= 0 && (fflush(out) != 0 || ferror(out)))
		r = -EIO;
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

/* Open the directory `name` under dirfd, creating it; never through a symlink. */
static int open_subdir(int dirfd, const char *name)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = openat(dirfd, name,
				O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno == ELOOP || errno == ENOTDIR)
			return -EINVAL; /* a symlink or a file where a directory must be
					 */
		if (errno != ENOENT || attempt)
			return negative_errno();
		if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
			return negative_errno();
	}
	return -ENOENT;
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

static int extract_file(int dirfd, const char *name, const struct cpio_entry *e,
			const void *data)
{
	int r = remove_existing(dirfd, name);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = openat(
		dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	r = write_all_fd(fd, data, e->size);
	if (r < 0)
		return r;
	if (geteuid() == 0 && fchown(fd, e->uid, e->gid) < 0)
		return negative_errno();
	/* After chown, which clears set-id bits. */
	if (fchmod(fd, e->mode & 07777) < 0)
		return negative_errno();
	struct timespec ts[2] = {{(time_t)e->mtime, 0}, {(time_t)e->mtime, 0}};
	(void)futimens(fd, ts);
	return 0;
}

static int extract_other(int dirfd, const char *name, const struct cpio_entry *e)
{
	int r = remove_existing(dirfd, name);
	if (r < 0)
		return r;
	if (S_ISLNK(e->mode)) {
		if (symlinkat(e->target, dirfd, name) < 0)
			return negative_errno();
	} else {
		if (mknodat(dirfd, name, e->mode & (S_IFMT | 0600), e->rdev) < 0) {
			/* Unprivileged: device nodes are left out, the rest goes on. */
			if (errno == EPERM && (S_ISCHR(e->mode) || S_ISBLK(e->mode)))
				return 0;
			return negative_errno();
		}
		/* We just made it: not a symlink, so chmod may name it. */
		if (fchmodat(dirfd, name, e->mode & 07777, 0) < 0)
			return negative_errno();
	}
	if (geteuid() == 0 &&
	    fchownat(dirfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	struct timespec ts[2] = {{(time_t)e->mtime, 0}, {(time_t)e->mtime, 0}};
	(void)utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* The first name extracted for a hard-linked inode, to link later names to. */
struct hardlink {
	unsigned segment;
	uint64_t ino;
	char *path;
};

struct extract_ctx {
	int root;
	struct hardlink *links;
	size_t nlinks;
};

static const struct hardlink *find_link(const struct extract_ctx *x,
					const struct cpio_entry *e)
{
	for (size_t i = 0; i < x->nlinks; i++)
		if (x->links[i].ino == e->ino && x->links[i].segment == e->segment)
			return &x->links[i];
	return NULL;
}

static int remember_link(struct extract_ctx *x, const struct cpio_entry *e,
			 const char *path)
{
	struct hardlink *v = realloc(x->links, (x->nlinks + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	x->links = v;
	v[x->nlinks].path = strdup(path);
	if (!v[x->nlinks].path)
		return -ENOMEM;
	v[x->nlinks].segment = e->segment;
	v[x->nlinks].ino = e->ino;
	x->nlinks++;
	return 0;
}

/* Another name of an inode extracted before; newc carries the data on one of them. */
static int extract_hardlink(struct extract_ctx *x, const struct hardlink *l, int dirfd,
			    const char *name, const struct cpio_entry *e,
			    const void *data)
{
	int r = remove_existing(dirfd, name);
	if (r < 0)
		return r;
	if (linkat(x->root, l->path, dirfd, name, 0) < 0)
		return negative_errno();
	if (!e->size)
		return 0;
	_cleanup_close_ int fd =
		openat(dirfd, name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	return write_all_fd(fd, data, e->size);
}

static int extract_entry(const struct cpio_entry *e, const void *data, void *userdata)
{
	struct extract_ctx *x = userdata;
	char path[PATH_MAX + 1], clean[PATH_MAX + 1];
	size_t clean_len = 0;
	int r;

	if (e->name[0] == '/')
		return -EINVAL;
	snprintf(path, sizeof(path), "%s", e->name);

	/* Walk the parents one component at a time, each opened O_NOFOLLOW. */
	_cleanup_close_ int dirfd = fcntl(x->root, F_DUPFD_CLOEXEC, 3);
	if (dirfd < 0)
		return negative_errno();
	char *save = NULL, *comp = strtok_r(path, "/", &save), *last = NULL;
	for (; comp; comp = strtok_r(NULL, "/", &save)) {
		if (streq(comp, ".."))
			return -EINVAL;
		if (streq(comp, "."))
			continue;
		clean_len +=
			(size_t)snprintf(clean + clean_len, sizeof(clean) - clean_len,
					 "%s%s", clean_len ? "/" : "", comp);
		if (last) {
			int fd = open_subdir(dirfd, last);
			if (fd < 0)
				return fd;
			close(dirfd);
			dirfd = fd;
		}
		last = comp;
	}
	if (!last) /* the root itself, "." */
		return S_ISDIR(e->mode) ? 0 : -EINVAL;

	switch (e->mode & S_IFMT) {
	case S_IFDIR:
		r = extract_dir(dirfd, last, e->mode);
		break;
	case S_IFREG:
		if (e->nlink < 2) {
			r = extract_file(dirfd, last, e, data);
			break;
		}
		const struct hardlink *l = find_link(x, e);
		if (l) {
			r = extract_hardlink(x, l, dirfd, last, e, data);
			break;
		}
		r = extract_file(dirfd, last, e, data);
		if (r >= 0)
			r = remember_link(x, e, clean);
		break;
	case S_IFLNK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		r = extract_other(dirfd, last, e);
		break;
	default:
		r = -EBADMSG;
	}
	return r;
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

int image_extract(const char *path, const char *dir)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_close_ int root = -1;
	int r;

	if (fd < 0)
		return negative_errno();
	r = mkdir_p(dir);
	if (r < 0)
		return r;
	root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return negative_errno();
	struct extract_ctx x = {.root = root};
	r = cpio_walk_fd(fd, extract_entry, &x);
	for (size_t i = 0; i < x.nlinks; i++)
		free(x.links[i].path);
	free(x.links);
	return r;
}
