/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The image's temporary file: created beside the target, removed on abort, renamed over
 * it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crashpoint.h"
#include "image-internal.h"
#include "util.h"

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
void imgtemp_clean_stale(int dirfd, const char *base)
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
		uint64_t x = (uint64_t)getpid() * IMGHASH_P1 ^
			     (uint64_t)time(NULL) * IMGHASH_P2 ^ ++counter;
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
		/* A concurrent imgtemp_clean_stale() may have removed it before the lock.
		 */
		if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
		    now.st_ino != st.st_ino || now.st_dev != st.st_dev) {
			close(fd);
			continue;
		}
		return fd;
	}
	return -EEXIST;
}

int imgtemp_split_target(const char *target, char **ret_dir, const char **ret_base)
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

/* 1 when both descriptors read the same bytes to their end, else 0. */
static int same_bytes(int a, int b, uint64_t size)
{
	enum { CHUNK = 65536 };
	_cleanup_free_ uint8_t *buf = malloc(2 * CHUNK);

	if (!buf)
		return 0;
	for (uint64_t off = 0; off < size;) {
		size_t want = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		ssize_t na = pread(a, buf, want, (off_t)off);
		ssize_t nb = pread(b, buf + CHUNK, want, (off_t)off);
		if (na <= 0 || na != nb || memcmp(buf, buf + CHUNK, (size_t)na))
			return 0;
		off += (uint64_t)na;
	}
	return 1;
}

/*
 * The target, open, when it is a regular file (never followed) of one name with the
 * temporary file's size, mode and owner, holding the same bytes; else -1. Then renaming
 * would change nothing but its inode and times.
 */
static int open_same_target(int dirfd, const char *base, int fd)
{
	struct stat have, want;
	int old = openat(dirfd, base,
			 O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (old < 0)
		return -1;
	if (fstat(old, &have) < 0 || fstat(fd, &want) < 0 || !S_ISREG(have.st_mode) ||
	    have.st_nlink != 1 || have.st_size != want.st_size ||
	    (have.st_mode & 07777) != (want.st_mode & 07777) ||
	    have.st_uid != want.st_uid || have.st_gid != want.st_gid ||
	    !same_bytes(old, fd, (uint64_t)want.st_size)) {
		close(old);
		return -1;
	}
	return old;
}

/* The target stays: the temporary file goes, the record describes the target. */
static int keep_target(int dirfd, int old, const char *name, const char *target,
		       const struct image_options *opts, const struct image_sum *sum)
{
	struct stat st;

	unlinkat(dirfd, name, 0);
	if (opts->commit && fstat(old, &st) == 0)
		opts->commit(target, old, &st, sum, opts->commit_userdata);
	close(old);
	return 1;
}

/*
 * Rename the finished image over its target, or keep a target of the same bytes
 * (opts->keep_same), and let opts->commit record it, under an exclusive flock on the
 * directory that every build takes around its rename: two builds racing to one target
 * cannot pair one's record with the other's image. A filesystem without flock
 * (EOPNOTSUPP, an NFS directory opened read-only) goes on without it.
 */
int imgtemp_commit(int dirfd, int fd, const char *name, const char *target,
		   const struct image_options *opts, const struct image_sum *sum)
{
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	int locked = flock(dirfd, LOCK_EX) == 0;
	int old = opts->keep_same ? open_same_target(dirfd, base, fd) : -1;
	int r = 0;

	if (old >= 0) {
		r = keep_target(dirfd, old, name, target, opts, sum);
		goto out;
	}
	if (renameat(dirfd, name, dirfd, base) < 0)
		r = negative_errno();
	crashpoint("image: renamed");
	struct stat st;
	if (r >= 0 && opts->commit && fstat(fd, &st) == 0)
		opts->commit(target, fd, &st, sum, opts->commit_userdata);
out:
	if (locked)
		flock(dirfd, LOCK_UN);
	return r;
}

int image_clean_stale(const char *target)
{
	_cleanup_free_ char *dir = NULL;
	const char *base;
	int r = imgtemp_split_target(target, &dir, &base);

	if (r < 0)
		return r;
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return negative_errno();
	imgtemp_clean_stale(dirfd, base);
	return 0;
}

int imgtemp_create(int dirfd, const char *base, char name[NAME_MAX + 1])
{
	int fd = create_temp(dirfd, base, name);

	if (fd < 0)
		return fd;
	memcpy(abort_name, name, sizeof(abort_name));
	abort_dirfd = dirfd;
	abort_armed = 1;
	return fd;
}

void imgtemp_disarm(void)
{
	abort_armed = 0;
}
