/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files of the module root (-r ROOT) opened inside it: nothing of the host gets in. */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "fileio.h"
#include "inputjournal.h"
#include "path.h"
#include "sysroot.h"
#include "util.h"

#define SYMLINK_MAX_FOLLOW 40 /* as the kernel's MAXSYMLINKS */

static int open_root(const char *root)
{
	int fd = open(root && *root ? root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

/* "." for the root itself: openat2 and openat refuse an empty path. */
static const char *relative(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static int same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int replace_fd(int *fd, int nfd)
{
	if (nfd < 0)
		return negative_errno();
	closep(fd);
	*fd = nfd;
	return 0;
}

/*
 * Without openat2: walk from the root one component at a time, never letting the kernel
 * follow a symlink, reading each link ourselves as chroot would.
 */
static int walk_open(int rootfd, const char *path, int flags)
{
	_cleanup_close_ int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *rest = strdup(path);
	char name[NAME_MAX + 1];
	unsigned follows = 0;
	struct stat root_st;
	size_t pos = 0;
	int r;

	if (cur < 0 || fstat(rootfd, &root_st) < 0)
		return negative_errno();
	if (!rest)
		return -ENOMEM;
	while ((r = path_next_component(rest, &pos, name, sizeof(name))) > 0) {
		int last = path_at_end(rest, pos);
		struct stat st;

		if (streq(name, ".") && !last)
			continue;
		if (streq(name, "..")) {
			if (fstat(cur, &st) < 0)
				return negative_errno();
			if (!same_inode(&st, &root_st) &&
			    (r = replace_fd(
				     &cur, openat(cur, "..",
						  O_PATH | O_DIRECTORY | O_CLOEXEC))) < 0)
				return r;
			if (last)
				break;
			continue;
		}
		if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return negative_errno();
		if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(cur, name, target, sizeof(target) - 1);
			if (++follows > SYMLINK_MAX_FOLLOW)
				return -ELOOP;
			if (n <= 0)
				return n < 0 ? negative_errno() : -ENOENT;
			target[n] = '\0';
			if ((r = path_splice(&rest, &pos, target)) < 0)
				return r;
			if (target[0] == '/' &&
			    (r = replace_fd(
				     &cur, openat(rootfd, ".",
						  O_PATH | O_DIRECTORY | O_CLOEXEC))) < 0)
				return r;
			if (path_at_end(rest, pos))
				break; /* a link to "/" */
			continue;
		}
		if (last) {
			int fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC);
			return fd < 0 ? negative_errno() : fd;
		}
		r = replace_fd(
			&cur,
			openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	/* The path ended on a directory (".", "..", a link to a directory). */
	r = openat(cur, ".", flags | O_CLOEXEC);
	return r < 0 ? negative_errno() : r;
}

static int open_beneath(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	for (int tries = 0; tries < 8; tries++) {
		long fd = syscall(SYS_openat2, rootfd, relative(path), &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		/* EAGAIN: something was renamed during the walk; the kernel asks to
		 * retry. */
		if (errno == EAGAIN)
			continue;
		if (errno == ENOSYS || errno == EPERM)
			break; /* an old kernel, or a seccomp filter that does not know it
				*/
		return negative_errno();
	}
	return walk_open(rootfd, relative(path), flags);
}

int sysroot_open(const char *root, const char *path, int flags)
{
	_cleanup_close_ int rootfd = open_root(root);

	injournal_note_at(root, path);
	if (rootfd < 0)
		return rootfd;
	return open_beneath(rootfd, path, flags);
}

int sysroot_open_walk(const char *root, const char *path, int flags)
{
	_cleanup_close_ int rootfd = open_root(root);

	injournal_note_at(root, path);
	if (rootfd < 0)
		return rootfd;
	return walk_open(rootfd, relative(path), flags);
}

/*
 * The host path of an open file, from the kernel: symlink-free. Without /proc (a
 * chroot that has none, as pacman's hooks may run in), the path as given under the
 * root: whoever opens it again compares st_dev and st_ino with what was checked, so a
 * symlink it may cross cannot bring in another file.
 */
static int real_path(int fd, const char *root, const char *path, char **ret)
{
	char link[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n > 0 && buf[0] == '/') {
		buf[n] = '\0';
		*ret = strdup(buf);
		return *ret ? 0 : -ENOMEM;
	}
	if (asprintf(ret, "%s/%s", root && *root ? root : "", relative(path)) < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

int sysroot_open_input(const char *root, const char *path, struct stat *ret_st,
		       char **ret_real)
{
	_cleanup_close_ int fd =
		sysroot_open(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	int r;

	if (fd < 0)
		return fd;
	r = fileio_check_input(fd, ret_st);
	if (r >= 0 && ret_real)
		r = real_path(fd, root, path, ret_real);
	return r < 0 ? r : TAKE_FD(fd);
}

int sysroot_read(const char *root, const char *path, size_t max, char **ret,
		 size_t *ret_size)
{
	struct stat st;
	_cleanup_close_ int fd = sysroot_open_input(root, path, &st, NULL);

	if (fd < 0)
		return fd;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	return fileio_read_fd(fd, max, ret, ret_size);
}

const char *sysroot_strerror(int r)
{
	switch (r) {
	case -EINVAL:
		return "not a regular file (a device, FIFO, socket, or a procfs or sysfs file)";
	case -EISDIR:
		return "a directory, not a file";
	case -EFBIG:
		return "larger than the 256 MiB an input may hold";
	}
	return strerror(-r);
}
