/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `-x`: an image extracted into a directory, every entry created beneath it, no symlink
 * followed out. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "cpio.h"
#include "image-internal.h"
#include "log.h"
#include "util.h"

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
	uint64_t h =
		(ino ^ (uint64_t)dev * IMGHASH_P2 ^ (uint64_t)segment << 48) * IMGHASH_P1;
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
	int r = fileio_write_all(x->fd, bytes, len);
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
	return image_extract_with(NULL, path, dir, flags);
}

int image_extract_with(struct cpio_reader *rd, const char *path, const char *dir,
		       unsigned flags)
{
	static const struct cpio_ops ops = {extract_entry, extract_data, extract_done};
	char err[CPIO_ERROR_MAX] = "", what[2 * PATH_MAX + 32];
	const char *why;
	int r;

	snprintf(what, sizeof(what), "extract image '%s' into '%s'", path, dir);

	_cleanup_close_ int fd = imgread_open(path, &why);
	if (fd < 0) {
		imgread_log_error(what, why, fd, err);
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
	r = cpio_walk_fd(rd, fd, &ops, x, err);
	if (r < 0 && !x->logged)
		imgread_log_error(what, NULL, r, err);
	if (x->fd >= 0)
		close(x->fd);
	if (x->parent >= 0)
		close(x->parent);
	link_table_free(&x->links);
	free(x);
	return r;
}
