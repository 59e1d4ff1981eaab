/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compressed-frame cache: a zstd frame of the image kept under its input's hash. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "fileio.h"
#include "image-internal.h"
#include "log.h"
#include "util.h"

/*
 * One file per frame, named by its key in hex, ".zfc" appended:
 *
 *   magic "MKIZFC01", le64 key[2], le32 level, le32 libzstd version, le64 input
 *   length, le64 frame length, le64 imghash of the frame bytes, the frame.
 *
 * A frame's bytes depend only on its input bytes, the level and the library that made
 * them, so the key hashes exactly those: the cpio bytes of the group (entry headers and
 * data, as the writer produced them), the level, the window, libzstd's version and
 * this format's.
 * A content hash rather than the sources' identities (device, inode, times): the writer
 * reads and hashes every source anyway for the read-back check, the key then covers
 * the headers (names, modes, mtime) as well as the data, and a file rewritten in place
 * with its times restored cannot hand back a stale frame. Everything read back is
 * checked (length, magic, key, level, version, the frame's own hash and its zstd
 * header's sizes); anything else is a miss. The read-back check of the image still
 * compares every entry with its source, so even a forged entry cannot reach an image
 * unnoticed (the cache directory is also refused unless only its owner, us, can write).
 */
#define CACHE_MAGIC "MKIZFC01"
#define CACHE_SUFFIX ".zfc"
#define CACHE_HEADER_SIZE 56
#define CACHE_FORMAT 1u
/* A temporary file older than this is from a build that died: removed by the prune. */
#define CACHE_STALE_TMP_SECONDS 600

struct imgcache {
	int dirfd;
	char *dir;
	uint64_t max_bytes;
	pthread_mutex_t lock;
	int write_error; /* the first failed store (a negative errno); stores stop */
	int stored;	 /* something was added: the prune has work */
	unsigned lookups, hits;
};

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void imgcache_key(int level, int window_log, const void *data, size_t len,
		  struct imgcache_key *ret)
{
	uint8_t prefix[16];
	struct imghash h;

	put_le(prefix, CACHE_FORMAT, 4);
	put_le(prefix + 4, (uint32_t)level, 4);
	put_le(prefix + 8, ZSTD_versionNumber(), 4);
	put_le(prefix + 12, (uint32_t)window_log, 4);
	imghash_init(&h);
	imghash_update(&h, prefix, sizeof(prefix));
	imghash_update(&h, data, len);
	imghash_final_wide(&h, ret->v);
	ret->level = level;
	ret->in_len = len;
}

static void key_name(const struct imgcache_key *k, char name[64])
{
	snprintf(name, 64, "%016" PRIx64 "%016" PRIx64 CACHE_SUFFIX, k->v[0], k->v[1]);
}

/* The directory: ours alone (owned by us, no group or other write), else refused. */
static int open_dir(const char *dir, int *ret_fd)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return log_warning_errno(
			errno, "cannot create compression cache '%s', ignoring", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return log_warning_errno(
			errno, "cannot open compression cache '%s', ignoring", dir);
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		log_warning(
			"compression cache '%s' is not a directory only its owner (uid %u) can write, ignoring",
			dir, (unsigned)geteuid());
		return -EPERM;
	}
	*ret_fd = fd;
	return 0;
}

int imgcache_open(const char *dir, uint64_t max_bytes, struct imgcache **ret)
{
	struct imgcache *c;
	int fd = -1, r;

	*ret = NULL;
	r = open_dir(dir, &fd);
	if (r < 0)
		return 0; /* warned: the build goes on without a cache */
	c = calloc(1, sizeof(*c));
	if (!c || !(c->dir = strdup(dir))) {
		free(c);
		close(fd);
		return -ENOMEM;
	}
	c->dirfd = fd;
	c->max_bytes = max_bytes;
	pthread_mutex_init(&c->lock, NULL);
	*ret = c;
	return 0;
}

/* A cached frame's header and bytes, all checked against the key. */
static int check_entry(const struct imgcache_key *k, const uint8_t *buf, size_t len)
{
	const uint8_t *frame = buf + CACHE_HEADER_SIZE;
	uint64_t flen;

	if (len < CACHE_HEADER_SIZE || memcmp(buf, CACHE_MAGIC, 8) != 0 ||
	    get_le(buf + 8, 8) != k->v[0] || get_le(buf + 16, 8) != k->v[1] ||
	    (int32_t)get_le(buf + 24, 4) != k->level ||
	    get_le(buf + 28, 4) != ZSTD_versionNumber() ||
	    get_le(buf + 32, 8) != k->in_len)
		return -EBADMSG;
	flen = get_le(buf + 40, 8);
	if (flen != len - CACHE_HEADER_SIZE ||
	    imghash_buffer(frame, flen) != get_le(buf + 48, 8))
		return -EBADMSG;
	/* One whole frame that says it holds exactly the input's length. */
	if (ZSTD_findFrameCompressedSize(frame, flen) != flen ||
	    ZSTD_getFrameContentSize(frame, flen) != k->in_len)
		return -EBADMSG;
	return 0;
}

int imgcache_get(struct imgcache *c, const struct imgcache_key *k, void **ret_frame,
		 size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	char name[64];
	struct stat st;
	size_t len;

	key_name(k, name);
	fd = openat(c->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	pthread_mutex_lock(&c->lock);
	c->lookups++;
	pthread_mutex_unlock(&c->lock);
	if (fd < 0 || fileio_check_input(fd, &st) < 0)
		return 0;
	if (fileio_read_fd(fd, CACHE_HEADER_SIZE + ZSTD_compressBound(k->in_len), &buf,
			   &len) < 0 ||
	    check_entry(k, (const uint8_t *)buf, len) < 0)
		return 0; /* a miss: recompressed, and the entry replaced */
	pthread_mutex_lock(&c->lock);
	c->hits++;
	pthread_mutex_unlock(&c->lock);
	/* Used now: what the prune keeps longest. */
	(void)futimens(fd, NULL);
	memmove(buf, buf + CACHE_HEADER_SIZE, len - CACHE_HEADER_SIZE);
	*ret_len = len - CACHE_HEADER_SIZE;
	*ret_frame = TAKE_PTR(buf);
	return 1;
}

static int write_entry(struct imgcache *c, const char *name, const uint8_t *header,
		       const void *frame, size_t len)
{
	char tmp[80];
	int fd, r;

	snprintf(tmp, sizeof(tmp), ".%.40s.%d.%lx.tmp", name, (int)getpid(),
		 (unsigned long)pthread_self());
	fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	if (fd < 0)
		return negative_errno();
	/* No fsync: a torn entry after a crash fails its checks and is a miss. */
	r = fileio_write_all(fd, header, CACHE_HEADER_SIZE);
	if (r >= 0)
		r = fileio_write_all(fd, frame, len);
	if (close(fd) < 0 && r >= 0)
		r = negative_errno();
	if (r >= 0 && renameat(c->dirfd, tmp, c->dirfd, name) < 0)
		r = negative_errno();
	if (r < 0)
		unlinkat(c->dirfd, tmp, 0);
	return r;
}

void imgcache_put(struct imgcache *c, const struct imgcache_key *k, const void *frame,
		  size_t len)
{
	uint8_t header[CACHE_HEADER_SIZE];
	char name[64];
	int stop, r;

	pthread_mutex_lock(&c->lock);
	stop = c->write_error;
	pthread_mutex_unlock(&c->lock);
	if (stop)
		return;
	memcpy(header, CACHE_MAGIC, 8);
	put_le(header + 8, k->v[0], 8);
	put_le(header + 16, k->v[1], 8);
	put_le(header + 24, (uint32_t)k->level, 4);
	put_le(header + 28, ZSTD_versionNumber(), 4);
	put_le(header + 32, k->in_len, 8);
	put_le(header + 40, len, 8);
	put_le(header + 48, imghash_buffer(frame, len), 8);
	key_name(k, name);
	r = write_entry(c, name, header, frame, len);
	pthread_mutex_lock(&c->lock);
	if (r < 0 && !c->write_error)
		c->write_error = r;
	if (r >= 0)
		c->stored = 1;
	pthread_mutex_unlock(&c->lock);
}

struct cache_file {
	char name[64];
	uint64_t size;
	struct timespec used;
};

static int by_use(const void *a, const void *b)
{
	const struct cache_file *x = a, *y = b;
	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	if (x->used.tv_nsec != y->used.tv_nsec)
		return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int is_entry_name(const char *n)
{
	size_t len = strlen(n);
	return len == 32 + strlen(CACHE_SUFFIX) && streq(n + 32, CACHE_SUFFIX) &&
	       strspn(n, "0123456789abcdef") == 32;
}

/* Collect the entries (and drop stale temporary files); *ret_total their size. */
static int scan(struct imgcache *c, struct cache_file **ret, size_t *ret_n,
		uint64_t *ret_total)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct cache_file *files = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	time_t now = time(NULL);
	struct dirent *de;
	int fd = dup(c->dirfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return negative_errno();
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		struct stat st;
		int entry = is_entry_name(de->d_name);
		if ((!entry && de->d_name[0] != '.') || streq(de->d_name, ".") ||
		    streq(de->d_name, "..") ||
		    fstatat(c->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (!entry) {
			if (strstr(de->d_name, ".tmp") &&
			    now - st.st_mtim.tv_sec > CACHE_STALE_TMP_SECONDS)
				unlinkat(c->dirfd, de->d_name, 0);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct cache_file *p = realloc(files, cap * sizeof(*files));
			if (!p) {
				free(files);
				return -ENOMEM;
			}
			files = p;
		}
		snprintf(files[n].name, sizeof(files[n].name), "%s", de->d_name);
		files[n].size = (uint64_t)st.st_blocks * 512;
		files[n].used = st.st_mtim;
		total += files[n].size;
		n++;
	}
	*ret = files;
	*ret_n = n;
	*ret_total = total;
	return 0;
}

/* Least recently used entries first, until the cache fits its bound. */
static void prune(struct imgcache *c)
{
	_cleanup_free_ struct cache_file *files = NULL;
	uint64_t total;
	size_t n;

	if (scan(c, &files, &n, &total) < 0 || total <= c->max_bytes)
		return;
	qsort(files, n, sizeof(*files), by_use);
	for (size_t i = 0; i < n && total > c->max_bytes; i++)
		if (unlinkat(c->dirfd, files[i].name, 0) == 0)
			total -= files[i].size;
}

void imgcache_close(struct imgcache *c)
{
	if (!c)
		return;
	log_verbose("compression cache '%s': %u of %u frames reused", c->dir, c->hits,
		    c->lookups);
	if (c->write_error)
		log_warning_errno(c->write_error,
				  "cannot write to compression cache '%s', ignoring",
				  c->dir);
	if (c->stored)
		prune(c);
	pthread_mutex_destroy(&c->lock);
	close(c->dirfd);
	free(c->dir);
	free(c);
}
