/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Paths resolved inside a root one component at a time, as chroot would. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "path.h"
#include "files-internal.h"
#include "log.h"
#include "util.h"

/* "a" + "b" -> "a/b"; "" + "b" -> "b". */
char *fsroot_join(const char *a, const char *b)
{
	char *s;
	if (asprintf(&s, "%s%s%s", a, *a ? "/" : "", b) < 0)
		return NULL;
	return s;
}

char *fsroot_host_path(const struct filectx *ctx, const char *canon)
{
	char *s;
	if (asprintf(&s, "%s/%s", ctx->prefix, canon) < 0)
		return NULL;
	return s;
}

/* Open a canonical path, one component at a time, never following a symlink. */
int fsroot_open(const struct filectx *ctx, const char *canon, int flags)
{
	_cleanup_free_ char *copy = strdup(canon);
	_cleanup_close_ int fd = -1;
	char *save = NULL, *c, *next;

	if (!copy)
		return -ENOMEM;
	if (!*canon) {
		fd = openat(ctx->rootfd, ".", flags | O_CLOEXEC);
		return fd < 0 ? negative_errno() : TAKE_FD(fd);
	}
	c = strtok_r(copy, "/", &save);
	while (c) {
		int at = fd >= 0 ? fd : ctx->rootfd;
		int f = O_PATH | O_DIRECTORY;
		next = strtok_r(NULL, "/", &save);
		if (!next)
			f = flags;
		int nfd = openat(at, c, f | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return negative_errno();
		closep(&fd);
		fd = nfd;
		c = next;
	}
	return TAKE_FD(fd);
}

void fsroot_walk_done(struct fsroot_walk *w)
{
	free(w->canon);
}

/* The state of one resolution: where we are and what is left to walk. */
struct cursor {
	char *canon;
	int fd;	    /* O_PATH descriptor of canon (a directory) */
	char *rest; /* the components still to walk, '/'-separated */
	size_t pos;
};

static int cursor_enter_root(const struct filectx *ctx, struct cursor *c)
{
	char *empty = strdup("");
	int fd;

	if (!empty)
		return -ENOMEM;
	fd = openat(ctx->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		free(empty);
		return negative_errno();
	}
	free(c->canon);
	closep(&c->fd);
	c->canon = empty;
	c->fd = fd;
	return 0;
}

static int cursor_up(const struct filectx *ctx, struct cursor *c)
{
	char *slash = strrchr(c->canon, '/');
	int fd;

	if (!*c->canon)
		return 0; /* ".." of the root is the root */
	if (slash)
		*slash = '\0';
	else
		c->canon[0] = '\0';
	fd = fsroot_open(ctx, c->canon, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	closep(&c->fd);
	c->fd = fd;
	return 0;
}

static int follow_symlink(const struct filectx *ctx, struct cursor *c, const char *name)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(c->fd, name, target, sizeof(target) - 1);
	int r;

	if (n < 0)
		return negative_errno();
	if (n == 0)
		return -ENOENT;
	target[n] = '\0';
	r = path_splice(&c->rest, &c->pos, target);
	if (r < 0)
		return r;
	return target[0] == '/' ? cursor_enter_root(ctx, c) : 0;
}

static int step_into_dir(struct cursor *c, const char *name, char **child)
{
	int fd = openat(c->fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	closep(&c->fd);
	c->fd = fd;
	free(c->canon);
	c->canon = TAKE_PTR(*child);
	return 0;
}

/*
 * Resolve `path` (absolute, or relative to the canonical directory `base`) physically
 * inside the root, following every symlink, also the last one, as chroot would.
 */
int fsroot_resolve(const struct filectx *ctx, const char *base, const char *path,
		   struct fsroot_walk *w)
{
	struct cursor c = {.fd = -1};
	char name[NAME_MAX + 1];
	unsigned follows = 0;
	int at_file = 0;
	int r;

	c.rest = strdup(path);
	c.canon = strdup(path[0] == '/' ? "" : base);
	if (!c.rest || !c.canon) {
		r = -ENOMEM;
		goto out;
	}
	c.fd = fsroot_open(ctx, c.canon, O_PATH | O_DIRECTORY);
	if (c.fd < 0) {
		r = c.fd;
		goto out;
	}
	while ((r = path_next_component(c.rest, &c.pos, name, sizeof(name))) > 0) {
		_cleanup_free_ char *child = NULL;
		struct stat st;

		if (streq(name, "."))
			continue;
		if (streq(name, "..")) {
			if ((r = cursor_up(ctx, &c)) < 0)
				goto out;
			continue;
		}
		child = fsroot_join(c.canon, name);
		if (!child) {
			r = -ENOMEM;
			goto out;
		}
		if (fstatat(c.fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = negative_errno();
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			r = ++follows > SYMLINK_MAX_FOLLOW
				    ? -ELOOP
				    : follow_symlink(ctx, &c, name);
			if (r < 0)
				goto out;
		} else if (S_ISDIR(st.st_mode)) {
			if ((r = step_into_dir(&c, name, &child)) < 0)
				goto out;
		} else if (!path_at_end(c.rest, c.pos)) {
			r = -ENOTDIR;
			goto out;
		} else {
			free(c.canon);
			c.canon = TAKE_PTR(child);
			w->st = st;
			at_file = 1;
			break;
		}
	}
	if (r < 0)
		goto out;
	if (!at_file && fstat(c.fd, &w->st) < 0) {
		r = negative_errno();
		goto out;
	}
	w->canon = TAKE_PTR(c.canon);
	r = 0;
out:
	free(c.canon);
	free(c.rest);
	closep(&c.fd);
	return r;
}

/* "/a/./b/../c//" -> "/a/c", lexically; ".." of "/" is "/". NULL on ENOMEM. */
char *fsroot_normalize(const char *path)
{
	char *out = NULL;
	return path_normalise(path, PATH_ABSOLUTE | PATH_CLAMP, &out) < 0 ? NULL : out;
}

int fsroot_has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return 1;
	return 0;
}

/* Does the absolute path name a regular file in the root? Fills *w on success. */
int fsroot_find_regular(const struct filectx *ctx, const char *path,
			struct fsroot_walk *w)
{
	int r = fsroot_resolve(ctx, "", path, w);
	if (r < 0)
		return r;
	return S_ISREG(w->st.st_mode) ? 0 : -ENOENT;
}
