/* SPDX-License-Identifier: GPL-2.0-or-later */
/* FILES and BINARIES: host files and ELF programs, with what they need, into the stage.
 */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "elf.h"
#include "files.h"
#include "path.h"
#include "log.h"
#include "strv.h"
#include "util.h"

/*
 * Paths come in two spellings here: image paths, absolute as the user and the programs
 * write them ("/lib64/ld-linux-x86-64.so.2"), and canonical host paths, relative to the
 * root, without symlinks, "." or ".." ("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
 * "" for the root itself). Every host lookup walks one component at a time from a
 * descriptor of the root with O_NOFOLLOW and reads symlinks itself, as chroot would
 * resolve them: ".." stops at the root and absolute targets restart from it, so no path
 * ever leaves the root. openat2(RESOLVE_IN_ROOT) does the same in one call, but we need
 * to see the last symlink of a path anyway (it is copied), and this works everywhere.
 */

#define SYMLINK_MAX_FOLLOW 40 /* as the kernel's MAXSYMLINKS */
#define LDCONF_MAX_DEPTH 8

/* A set of strings: open addressing, so big directory trees stay linear. */
struct set {
	char **slots;
	size_t count, cap;
};

static uint64_t set_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static char **set_slot(const struct set *set, const char *s)
{
	size_t i = set_hash(s) & (set->cap - 1);
	while (set->slots[i] && !streq(set->slots[i], s))
		i = (i + 1) & (set->cap - 1);
	return &set->slots[i];
}

static int set_contains(const struct set *set, const char *s)
{
	return set->cap && *set_slot(set, s) != NULL;
}

static int set_grow(struct set *set)
{
	struct set bigger = {.cap = set->cap ? set->cap * 2 : 64};
	bigger.slots = calloc(bigger.cap, sizeof(char *));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i])
			*set_slot(&bigger, set->slots[i]) = set->slots[i];
	bigger.count = set->count;
	free(set->slots);
	*set = bigger;
	return 0;
}

/* 1 when added, 0 when already there. */
static int set_add(struct set *set, const char *s)
{
	char **slot;
	int r;

	if ((set->count + 1) * 2 > set->cap) {
		r = set_grow(set);
		if (r < 0)
			return r;
	}
	slot = set_slot(set, s);
	if (*slot)
		return 0;
	*slot = strdup(s);
	if (!*slot)
		return -ENOMEM;
	set->count++;
	return 1;
}

static void set_clear(struct set *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	*set = (struct set){0};
}

struct ctx {
	struct stage *stage;
	char *prefix; /* the root's host path, "" for "/"; a source is prefix/canon */
	int rootfd;
	struct set dirs;    /* image directories already walked */
	struct set sonames; /* DT_NEEDED names already resolved (ld.so reuses them too) */
	struct set objects; /* canonical ELF files already parsed */
	struct strv ldconf; /* absolute directories from the root's ld.so.conf */
	int ldconf_loaded;
	unsigned nesting; /* symlinks followed from symlinks: bounds loops through dirs */
	int needs_ldcache; /* a library came from a directory only ld.so.conf names */
	char *culprit;	   /* the first missing or bad file, absolute in the root */
};

static int ctx_init(struct ctx *ctx, struct stage *stage, const char *root)
{
	size_t len = strlen(root);

	*ctx = (struct ctx){.stage = stage, .rootfd = -1};
	while (len > 0 && root[len - 1] == '/')
		len--;
	ctx->prefix = strndup(root, len);
	if (!ctx->prefix)
		return -ENOMEM;
	ctx->rootfd = open(len ? ctx->prefix : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->rootfd < 0)
		return negative_errno();
	return 0;
}

static void ctx_done(struct ctx *ctx)
{
	free(ctx->prefix);
	if (ctx->rootfd >= 0)
		close(ctx->rootfd);
	set_clear(&ctx->dirs);
	set_clear(&ctx->sonames);
	set_clear(&ctx->objects);
	strv_clear(&ctx->ldconf);
	free(ctx->culprit);
}

/* Record the first culprit only: it is the one the user can act on. */
static void ctx_blame(struct ctx *ctx, const char *abs_path)
{
	if (!ctx->culprit)
		ctx->culprit = strdup(abs_path);
}

/* The same for an image path without its leading '/'. */
static void ctx_blame_image(struct ctx *ctx, const char *image)
{
	if (!ctx->culprit && asprintf(&ctx->culprit, "/%s", image) < 0)
		ctx->culprit = NULL;
}

/* "a" + "b" -> "a/b"; "" + "b" -> "b". */
static char *join(const char *a, const char *b)
{
	char *s;
	if (asprintf(&s, "%s%s%s", a, *a ? "/" : "", b) < 0)
		return NULL;
	return s;
}

static char *host_path(const struct ctx *ctx, const char *canon)
{
	char *s;
	if (asprintf(&s, "%s/%s", ctx->prefix, canon) < 0)
		return NULL;
	return s;
}

/* Open a canonical path, one component at a time, never following a symlink. */
static int open_canonical(const struct ctx *ctx, const char *canon, int flags)
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

/* Where a physical resolution ends. */
struct walk {
	char *canon;	/* canonical path, relative to the root */
	struct stat st; /* of what it names */
};

static void walk_done(struct walk *w)
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

static int cursor_enter_root(const struct ctx *ctx, struct cursor *c)
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

static int cursor_up(const struct ctx *ctx, struct cursor *c)
{
	char *slash = strrchr(c->canon, '/');
	int fd;

	if (!*c->canon)
		return 0; /* ".." of the root is the root */
	if (slash)
		*slash = '\0';
	else
		c->canon[0] = '\0';
	fd = open_canonical(ctx, c->canon, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	closep(&c->fd);
	c->fd = fd;
	return 0;
}

/* Replace the walked part of rest with the symlink's target. */
static int cursor_splice(struct cursor *c, const char *target)
{
	const char *tail = c->rest + c->pos;
	char *rest;

	while (*tail == '/')
		tail++;
	if (asprintf(&rest, "%s%s%s", target, *tail ? "/" : "", tail) < 0)
		return -ENOMEM;
	free(c->rest);
	c->rest = rest;
	c->pos = 0;
	return 0;
}

/* The next component of rest into `buf`; 0 when none is left. */
static int cursor_next(struct cursor *c, char *buf, size_t size)
{
	const char *p = c->rest + c->pos, *end;

	while (*p == '/')
		p++;
	if (!*p)
		return 0;
	end = strchrnul(p, '/');
	if ((size_t)(end - p) >= size)
		return -ENAMETOOLONG;
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
	c->pos = (size_t)(end - c->rest);
	return 1;
}

static int cursor_at_end(const struct cursor *c)
{
	const char *p = c->rest + c->pos;
	while (*p == '/')
		p++;
	return !*p;
}

static int follow_symlink(const struct ctx *ctx, struct cursor *c, const char *name)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(c->fd, name, target, sizeof(target) - 1);
	int r;

	if (n < 0)
		return negative_errno();
	if (n == 0)
		return -ENOENT;
	target[n] = '\0';
	r = cursor_splice(c, target);
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
static int resolve(const struct ctx *ctx, const char *base, const char *path,
		   struct walk *w)
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
	c.fd = open_canonical(ctx, c.canon, O_PATH | O_DIRECTORY);
	if (c.fd < 0) {
		r = c.fd;
		goto out;
	}
	while ((r = cursor_next(&c, name, sizeof(name))) > 0) {
		_cleanup_free_ char *child = NULL;
		struct stat st;

		if (streq(name, "."))
			continue;
		if (streq(name, "..")) {
			if ((r = cursor_up(ctx, &c)) < 0)
				goto out;
			continue;
		}
		child = join(c.canon, name);
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
		} else if (!cursor_at_end(&c)) {
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
static char *normalize(const char *path)
{
	char *out = NULL;
	return path_normalise(path, PATH_ABSOLUTE | PATH_CLAMP, &out) < 0 ? NULL : out;
}

static int has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return 1;
	return 0;
}

/* procfs and sysfs files say size 0 or 4096 whatever they hold: no file's contents. */
static int is_pseudo_file(const struct ctx *ctx, const char *canon)
{
	_cleanup_close_ int fd = open_canonical(ctx, canon, O_PATH);
	struct statfs fs;

	return fd >= 0 && fstatfs(fd, &fs) == 0 &&
	       (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC);
}

/*
 * The stage keeps the inode checked here: the writer opens the host path again and
 * refuses another inode, so a directory swapped for a symlink meanwhile cannot bring a
 * host file in (the path has no symlink now; a later one changes what it reaches).
 */
static int add_regular(struct ctx *ctx, const char *image, const char *canon,
		       const struct stat *st)
{
	_cleanup_free_ char *source = host_path(ctx, canon);
	char buf[256];

	if (!source)
		return -ENOMEM;
	if (is_pseudo_file(ctx, canon)) {
		log_warning(
			"'/%s' is a file of procfs or sysfs, not a file to copy, ignoring",
			log_escape(image, buf, sizeof(buf)));
		return 0;
	}
	return stage_add_file_checked(ctx->stage, image, st->st_mode & 07777, source, st);
}

/* Errors of a symlink's target that leave the symlink dangling, as it is in the root. */
static int is_dangling_error(int r)
{
	return r == -ENOENT || r == -ELOOP || r == -ENOTDIR || r == -ENAMETOOLONG;
}

enum mode {
	LENIENT, /* inside a copied directory: a dangling symlink is copied as it is */
	STRICT,	 /* what the user listed: everything must exist */
};

static int add_lexical(struct ctx *ctx, const char *path, enum mode mode,
		       char **ret_canon);

/* Resolve the directory part of a symlink's target physically: where the host goes. */
static int physical_destination(const struct ctx *ctx, const char *canon_dir,
				const char *target, char **ret)
{
	_cleanup_(walk_done) struct walk w = {0};
	_cleanup_free_ char *dir = NULL;
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	int r;

	if (!*base || streq(base, ".") || streq(base, "..")) {
		r = resolve(ctx, canon_dir, target, &w);
		base = "";
	} else {
		dir = !slash		? strdup(".")
		      : slash == target ? strdup("/")
					: strndup(target, (size_t)(slash - target));
		if (!dir)
			return -ENOMEM;
		r = resolve(ctx, canon_dir, dir, &w);
	}
	if (r < 0)
		return r;
	if (asprintf(ret, "/%s%s%s", w.canon, *w.canon && *base ? "/" : "", base) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * Where a symlink found in the image directory `dir` (absolute, as written), stored in
 * the host directory `canon_dir`, leads in the image, and the target to store. The
 * image has real directories where the root has symlinked ones (see files.h), so a
 * ".." after such a directory would climb elsewhere in the image than on the host:
 * then the link is stored with the absolute real path instead.
 */
static int link_destination(const struct ctx *ctx, const char *dir, const char *canon_dir,
			    const char *target, char **ret_path, char **ret_text)
{
	_cleanup_free_ char *joined = NULL;

	if (!has_dotdot(target) || streq(dir + 1, canon_dir)) {
		if (target[0] == '/')
			joined = strdup(target);
		else if (asprintf(&joined, "%s/%s", dir, target) < 0)
			joined = NULL;
		*ret_path = joined ? normalize(joined) : NULL;
		*ret_text = strdup(target);
	} else {
		int r = physical_destination(ctx, canon_dir, target, &joined);
		if (r < 0)
			return r;
		*ret_path = normalize(joined);
		*ret_text = normalize(joined);
	}
	if (!*ret_path || !*ret_text) {
		free(*ret_path);
		free(*ret_text);
		return -ENOMEM;
	}
	return 0;
}

/* Forget a culprit recorded by a failure we then ignored. */
static void ctx_unblame(struct ctx *ctx, int had_culprit)
{
	if (!had_culprit) {
		free(ctx->culprit);
		ctx->culprit = NULL;
	}
}

/*
 * The symlink `name` of the host directory `dfd` (canonical `canon_dir`), at `image`
 * in the image whose directory is `dir`: copy it and add what it points to.
 */
static int add_link(struct ctx *ctx, const char *image, const char *dir,
		    const char *canon_dir, int dfd, const char *name, enum mode mode,
		    char **ret_canon)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	int had_culprit = ctx->culprit != NULL;
	char target[PATH_MAX];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
	int r;

	if (n <= 0) {
		r = n < 0 ? negative_errno() : -ENOENT;
		ctx_blame_image(ctx, image);
		return r;
	}
	target[n] = '\0';
	r = link_destination(ctx, dir, canon_dir, target, &path, &text);
	if (r < 0) {
		if (mode == LENIENT && is_dangling_error(r))
			return stage_add_symlink(ctx->stage, image, target);
		return r;
	}
	r = stage_add_symlink(ctx->stage, image, text);
	if (r < 0)
		return r;
	if (++ctx->nesting > SYMLINK_MAX_FOLLOW)
		r = -ELOOP;
	else
		r = add_lexical(ctx, path, mode, ret_canon);
	ctx->nesting--;
	if (mode == LENIENT && is_dangling_error(r)) {
		ctx_unblame(ctx, had_culprit);
		return 0;
	}
	return r;
}

static int add_object(struct ctx *ctx, const char *image, const char *canon,
		      const struct stat *st);

static int add_dir_entry(struct ctx *ctx, int dfd, const char *image, const char *canon,
			 const char *name)
{
	_cleanup_free_ char *child_image = join(image, name), *child_canon = NULL;
	_cleanup_free_ char *dir = NULL;
	struct stat st;

	if (!child_image)
		return -ENOMEM;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		ctx_blame_image(ctx, child_image);
		return negative_errno();
	}
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		return 0; /* nothing an image can carry */
	if (S_ISLNK(st.st_mode)) {
		if (asprintf(&dir, "/%s", image) < 0)
			return -ENOMEM;
		return add_link(ctx, child_image, dir, canon, dfd, name, LENIENT, NULL);
	}
	child_canon = join(canon, name);
	if (!child_canon)
		return -ENOMEM;
	return add_object(ctx, child_image, child_canon, &st);
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* A directory with everything under it; each image path is walked once. */
static int add_dir(struct ctx *ctx, const char *image, const char *canon,
		   const struct stat *st)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int fd, r;

	r = set_add(&ctx->dirs, image);
	if (r <= 0)
		return r;
	if (*image && (r = stage_add_dir(ctx->stage, image, st->st_mode & 07777)) < 0)
		return r;
	fd = open_canonical(ctx, canon, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		ctx_blame_image(ctx, image);
		return fd;
	}
	d = fdopendir(fd);
	if (!d) {
		r = negative_errno();
		close(fd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		r = add_dir_entry(ctx, dirfd(d), image, canon, de->d_name);
		if (r < 0)
			return r;
	}
	return errno ? negative_errno() : 0;
}

/* A file, a directory (recursively) or a device, at `image`, from the host's `canon`. */
static int add_object(struct ctx *ctx, const char *image, const char *canon,
		      const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return add_regular(ctx, image, canon, st);
	if (S_ISDIR(st->st_mode))
		return add_dir(ctx, image, canon, st);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		return stage_add_device(ctx->stage, image, st->st_mode, st->st_rdev);
	return -EINVAL;
}

static int add_root(struct ctx *ctx)
{
	struct stat st;
	if (fstat(ctx->rootfd, &st) < 0)
		return negative_errno();
	return add_dir(ctx, "", "", &st);
}

/*
 * Add the absolute path `path` at the same place in the image. Its directories are
 * resolved physically; its last component, when a symlink, is copied and followed.
 * *ret_canon receives the host's canonical path of what it ends at.
 */
static int add_lexical(struct ctx *ctx, const char *path, enum mode mode,
		       char **ret_canon)
{
	_cleanup_free_ char *p = normalize(path), *dir = NULL, *canon = NULL;
	_cleanup_(walk_done) struct walk w = {0};
	_cleanup_close_ int dfd = -1;
	const char *name;
	struct stat st;
	int r;

	if (!p)
		return -ENOMEM;
	if (streq(p, "/"))
		return add_root(ctx);
	name = strrchr(p, '/') + 1;
	dir = name - 1 == p ? strdup("/") : strndup(p, (size_t)(name - 1 - p));
	if (!dir)
		return -ENOMEM;
	r = resolve(ctx, "", dir, &w);
	if (r >= 0 && !S_ISDIR(w.st.st_mode))
		r = -ENOTDIR;
	if (r >= 0 && (dfd = open_canonical(ctx, w.canon, O_PATH | O_DIRECTORY)) < 0)
		r = dfd;
	if (r >= 0 && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = negative_errno();
	if (r >= 0 && S_ISLNK(st.st_mode))
		r = add_link(ctx, p + 1, dir, w.canon, dfd, name, mode, ret_canon);
	else if (r >= 0 && !(canon = join(w.canon, name)))
		r = -ENOMEM;
	else if (r >= 0)
		r = add_object(ctx, p + 1, canon, &st);
	if (r < 0) {
		ctx_blame(ctx, p);
		return r;
	}
	if (ret_canon && canon)
		*ret_canon = TAKE_PTR(canon);
	return 0;
}

int files_add_path(struct stage *stage, const char *root, const char *path,
		   char **ret_culprit)
{
	struct ctx ctx;
	int r;

	r = ctx_init(&ctx, stage, root);
	if (r >= 0)
		r = path[0] == '/' ? add_lexical(&ctx, path, STRICT, NULL) : -EINVAL;
	if (r < 0 && ret_culprit)
		*ret_culprit = strdup(r != -ELOOP && ctx.culprit ? ctx.culprit : path);
	ctx_done(&ctx);
	return r;
}

/* --- BINARIES --- */

static const char *const program_dirs[] = {
	"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

static void elf_info_freep(struct elf_info **p)
{
	elf_info_free(*p);
}

static int strv_push_unique(struct strv *s, const char *str)
{
	return strv_contains(s, str) ? 0 : strv_push(s, str);
}

static int strv_append(struct strv *s, const struct strv *other)
{
	for (size_t i = 0; i < other->n; i++) {
		int r = strv_push(s, other->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Does the absolute path name a regular file in the root? Fills *w on success. */
static int find_regular(const struct ctx *ctx, const char *path, struct walk *w)
{
	int r = resolve(ctx, "", path, w);
	if (r < 0)
		return r;
	return S_ISREG(w->st.st_mode) ? 0 : -ENOENT;
}

/* The program's absolute path: as given, or the first in program_dirs that exists. */
static int find_program(const struct ctx *ctx, const char *name, char **ret)
{
	char *path;

	if (name[0] == '/') {
		_cleanup_(walk_done) struct walk w = {0};
		int r = resolve(ctx, "", name, &w);
		if (r < 0)
			return r;
		if (!S_ISREG(w.st.st_mode))
			return S_ISDIR(w.st.st_mode) ? -EISDIR : -EINVAL;
		path = strdup(name);
		if (!path)
			return -ENOMEM;
		*ret = path;
		return 0;
	}
	if (!*name || strchr(name, '/'))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(program_dirs); i++) {
		_cleanup_(walk_done) struct walk w = {0};
		if (asprintf(&path, "%s/%s", program_dirs[i], name) < 0)
			return -ENOMEM;
		if (find_regular(ctx, path, &w) == 0) {
			*ret = path;
			return 0;
		}
		free(path);
	}
	return -ENOENT;
}

/* --- the root's /etc/ld.so.conf --- */

static int ldconf_load_file(struct ctx *ctx, const char *path, unsigned depth);

static void strv_clearp(struct strv *s)
{
	strv_clear(s);
}

/* "include PATTERN": a glob in the last component only, as every distribution uses. */
static int ldconf_include(struct ctx *ctx, const char *conf, const char *pattern,
			  unsigned depth)
{
	_cleanup_(strv_clearp) struct strv names = STRV_INIT;
	_cleanup_(walk_done) struct walk w = {0};
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_free_ char *full = NULL;
	struct dirent *de;
	char *slash;
	int fd, r;

	if (pattern[0] == '/')
		full = strdup(pattern);
	else if (asprintf(&full, "%.*s/%s", (int)(strrchr(conf, '/') - conf), conf,
			  pattern) < 0)
		full = NULL;
	if (!full)
		return -ENOMEM;
	slash = strrchr(full, '/');
	*slash = '\0';
	if (strpbrk(full, "*?[") || resolve(ctx, "", *full ? full : "/", &w) < 0 ||
	    !S_ISDIR(w.st.st_mode))
		return 0; /* nothing to include */
	fd = open_canonical(ctx, w.canon, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while ((de = readdir(d)))
		if (fnmatch(slash + 1, de->d_name, FNM_PERIOD) == 0 &&
		    (r = strv_push(&names, de->d_name)) < 0)
			return r;
	strv_sort(&names); /* glob(3) order, as ldconfig reads them */
	for (size_t i = 0; i < names.n; i++) {
		_cleanup_free_ char *file = NULL;
		if (asprintf(&file, "%s/%s", full, names.v[i]) < 0)
			return -ENOMEM;
		r = ldconf_load_file(ctx, file, depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One line: "include GLOB...", "hwcap ..." (ignored), or directories. */
static int ldconf_line(struct ctx *ctx, const char *conf, char *line, unsigned depth)
{
	static const char seps[] = " \t\r\n:,";
	char *save = NULL, *word;
	int include = 0;
	int r;

	line[strcspn(line, "#")] = '\0';
	word = strtok_r(line, seps, &save);
	if (word && streq(word, "hwcap"))
		return 0;
	if (word && streq(word, "include")) {
		include = 1;
		word = strtok_r(NULL, seps, &save);
	}
	for (; word; word = strtok_r(NULL, seps, &save)) {
		if (include) {
			r = ldconf_include(ctx, conf, word, depth);
		} else {
			word[strcspn(word, "=")] = '\0'; /* old "DIR=TYPE" syntax */
			r = word[0] == '/' ? strv_push_unique(&ctx->ldconf, word) : 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static int ldconf_load_file(struct ctx *ctx, const char *path, unsigned depth)
{
	_cleanup_(walk_done) struct walk w = {0};
	_cleanup_(fclosep) FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t size = 0;
	int fd, r;

	if (depth > LDCONF_MAX_DEPTH || find_regular(ctx, path, &w) < 0)
		return 0; /* a missing ld.so.conf means no extra directories */
	fd = open_canonical(ctx, w.canon, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (getline(&line, &size, f) >= 0) {
		r = ldconf_line(ctx, path, line, depth);
		if (r < 0)
			return r;
	}
	return 0;
}

static int ldconf_dirs(struct ctx *ctx, const struct strv **ret)
{
	if (!ctx->ldconf_loaded) {
		int r = ldconf_load_file(ctx, "/etc/ld.so.conf", 0);
		if (r < 0)
			return r;
		ctx->ldconf_loaded = 1;
	}
	*ret = &ctx->ldconf;
	return 0;
}

/* --- library search --- */

static const char *multiarch_triplet(const struct elf_kind *kind)
{
	int is64 = kind->elf_class == ELF_CLASS_64, le = kind->data == ELF_DATA_LSB;

	switch (kind->machine) {
	case ELF_MACHINE_X86_64:
		return is64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32";
	case ELF_MACHINE_386:
		return "i386-linux-gnu";
	case ELF_MACHINE_AARCH64:
		return "aarch64-linux-gnu";
	case ELF_MACHINE_ARM:
		return "arm-linux-gnueabihf";
	case ELF_MACHINE_RISCV:
		return is64 ? "riscv64-linux-gnu" : NULL;
	case ELF_MACHINE_PPC64:
		return le ? "powerpc64le-linux-gnu" : "powerpc64-linux-gnu";
	case ELF_MACHINE_S390:
		return "s390x-linux-gnu";
	}
	return NULL;
}

static int push_lib_dirs(struct strv *dirs, const char *sub)
{
	char *d;
	int r;

	if (asprintf(&d, "/lib/%s", sub) < 0)
		return -ENOMEM;
	if ((r = strv_push_take(dirs, d)) < 0)
		return r;
	if (asprintf(&d, "/usr/lib/%s", sub) < 0)
		return -ENOMEM;
	return strv_push_take(dirs, d);
}

/* The dynamic loader's built-in directories, multiarch first (Debian) then lib64. */
static int standard_dirs(const struct elf_kind *kind, struct strv *dirs)
{
	const char *triplet = multiarch_triplet(kind);
	int is64 = kind->elf_class == ELF_CLASS_64;
	const char *const plain[] = {
		is64 ? "/lib64" : "/lib32",
		is64 ? "/usr/lib64" : "/usr/lib32",
		"/lib",
		"/usr/lib",
	};
	int r;

	if (triplet && (r = push_lib_dirs(dirs, triplet)) < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		if ((r = strv_push(dirs, plain[i])) < 0)
			return r;
	return 0;
}

/* "$ORIGIN/../lib" -> "/opt/app/bin/../lib". Other tokens are not expanded: NULL. */
static char *expand_origin(const char *entry, const char *origin)
{
	const char *tokens[] = {"${ORIGIN}", "$ORIGIN"};

	for (size_t i = 0; i < ARRAY_SIZE(tokens); i++) {
		size_t n = strlen(tokens[i]);
		if (strncmp(entry, tokens[i], n) == 0) {
			char *s;
			if (strchr(entry + n, '$') ||
			    asprintf(&s, "%s%s", origin, entry + n) < 0)
				return NULL;
			return s;
		}
	}
	return strchr(entry, '$') ? NULL : strdup(entry);
}

/* Append the absolute directories of a DT_RPATH/DT_RUNPATH list to dirs. */
static int expand_path_list(const char *list, const char *origin, struct strv *dirs)
{
	_cleanup_free_ char *copy = strdup(list);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *e = strtok_r(copy, ":", &save); e; e = strtok_r(NULL, ":", &save)) {
		char *dir = expand_origin(e, origin);
		int r;
		if (!dir || dir[0] != '/') {
			free(dir); /* relative (to the cwd at run time) or unknown:
				      skipped */
			continue;
		}
		if ((r = strv_push_take(dirs, dir)) < 0)
			return r;
	}
	return 0;
}

/* An object being processed: what it needs and where ld.so would look for it. */
struct object {
	const struct elf_info *info;
	const char *origin; /* absolute directory it was found in, for $ORIGIN */
	const struct strv
		*loader_rpaths; /* DT_RPATH chain of the objects that loaded it */
	struct strv rpaths;	/* own DT_RPATH (unless DT_RUNPATH) + loader_rpaths */
	struct strv search;	/* the full search order for its DT_NEEDED */
	size_t ldconf_begin, ldconf_end; /* search[] from ld.so.conf, not built in */
};

/* The ld.so.conf directories that are not built into ld.so: only its cache finds them. */
static int append_ldconf_only(struct ctx *ctx, struct object *o, const struct strv *std)
{
	const struct strv *ldconf;
	int r;

	r = ldconf_dirs(ctx, &ldconf);
	if (r < 0)
		return r;
	o->ldconf_begin = o->search.n;
	for (size_t i = 0; i < ldconf->n; i++)
		if (!strv_contains(std, ldconf->v[i]) &&
		    (r = strv_push(&o->search, ldconf->v[i])) < 0)
			return r;
	o->ldconf_end = o->search.n;
	return 0;
}

static int object_search_order(struct ctx *ctx, struct object *o)
{
	_cleanup_(strv_clearp) struct strv std = STRV_INIT;
	int r;

	/* As ld.so: with DT_RUNPATH, no DT_RPATH at all, not even the loaders'. */
	if (!o->info->runpath) {
		if (o->info->rpath &&
		    (r = expand_path_list(o->info->rpath, o->origin, &o->rpaths)) < 0)
			return r;
		if (o->loader_rpaths &&
		    (r = strv_append(&o->rpaths, o->loader_rpaths)) < 0)
			return r;
		if ((r = strv_append(&o->search, &o->rpaths)) < 0)
			return r;
	} else if ((r = expand_path_list(o->info->runpath, o->origin, &o->search)) < 0) {
		return r;
	}
	/* ld.so.cache (built from ld.so.conf) comes before the built-in directories. */
	if ((r = standard_dirs(&o->info->kind, &std)) < 0 ||
	    (r = append_ldconf_only(ctx, o, &std)) < 0)
		return r;
	return strv_append(&o->search, &std);
}

/*
 * Is the candidate a regular ELF file of the right class, byte order and machine? 1 when
 * it fits, 0 when there is no such file, -ENOEXEC when there is one that does not fit.
 */
static int library_fits(const struct ctx *ctx, const char *path,
			const struct elf_kind *kind)
{
	_cleanup_(walk_done) struct walk w = {0};
	_cleanup_close_ int fd = -1;
	struct elf_kind k;

	if (find_regular(ctx, path, &w) < 0)
		return 0;
	fd = open_canonical(ctx, w.canon, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (elf_kind_of_fd(fd, &k) < 0)
		return -ENOEXEC;
	return elf_kind_equal(&k, kind) ? 1 : -ENOEXEC;
}

/*
 * As ld.so: the first candidate that fits. When none fits but one exists that is not
 * ELF or of another kind, that one is named (-ENOEXEC): "not found" would send the
 * user looking for a file that is there.
 */
static int find_library(struct ctx *ctx, const struct object *o, const char *name,
			char **ret, size_t *ret_index)
{
	_cleanup_free_ char *unfit = NULL;

	*ret_index = SIZE_MAX;
	if (strchr(name, '/')) {
		/* A path in DT_NEEDED is used as it is (relative ones are cwd-dependent).
		 */
		int r = name[0] == '/' ? library_fits(ctx, name, &o->info->kind) : 0;
		if (r < 0)
			ctx_blame(ctx, name);
		if (r <= 0)
			return r < 0 ? r : -ENOENT;
		*ret = strdup(name);
		return *ret ? 0 : -ENOMEM;
	}
	for (size_t i = 0; i < o->search.n; i++) {
		char *path;
		int r;
		if (asprintf(&path, "%s/%s", o->search.v[i], name) < 0)
			return -ENOMEM;
		r = library_fits(ctx, path, &o->info->kind);
		if (r > 0) {
			*ret = path;
			*ret_index = i;
			return 0;
		}
		if (r < 0 && !unfit)
			unfit = TAKE_PTR(path);
		free(path);
	}
	if (unfit) {
		ctx_blame(ctx, unfit);
		return -ENOEXEC;
	}
	return -ENOENT;
}

static int parse_canonical(const struct ctx *ctx, const char *canon,
			   struct elf_info **ret)
{
	_cleanup_close_ int fd = open_canonical(ctx, canon, O_RDONLY);
	if (fd < 0)
		return fd;
	return elf_read_fd(fd, ret);
}

static char *dirname_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int add_needed(struct ctx *ctx, struct object *o);

/* Add one library found at `path` and, the first time it is seen, what it needs. */
static int add_library(struct ctx *ctx, const struct object *loader, const char *path)
{
	_cleanup_(elf_info_freep) struct elf_info *info = NULL;
	_cleanup_free_ char *canon = NULL, *origin = NULL;
	struct object o;
	int r;

	r = add_lexical(ctx, path, STRICT, &canon);
	if (r < 0)
		return r;
	r = set_add(&ctx->objects, canon);
	if (r <= 0)
		return r;
	r = parse_canonical(ctx, canon, &info);
	if (r < 0) {
		ctx_blame(ctx, path);
		return r;
	}
	origin = dirname_of(path);
	if (!origin)
		return -ENOMEM;
	o = (struct object){
		.info = info, .origin = origin, .loader_rpaths = &loader->rpaths};
	r = add_needed(ctx, &o);
	strv_clear(&o.rpaths);
	strv_clear(&o.search);
	return r;
}

static int add_needed(struct ctx *ctx, struct object *o)
{
	int r;

	if (o->info->needed.n == 0)
		return 0;
	r = object_search_order(ctx, o);
	if (r < 0)
		return r;
	for (size_t i = 0; i < o->info->needed.n; i++) {
		const char *name = o->info->needed.v[i];
		_cleanup_free_ char *path = NULL;
		size_t index;

		if (set_contains(&ctx->sonames, name))
			continue;
		r = find_library(ctx, o, name, &path, &index);
		if (r < 0) {
			log_debug("library '%s' not found in the search path of '%s'",
				  name, o->origin);
			ctx_blame(ctx,
				  name); /* unless a file that is not ELF was named */
			return r;
		}
		if (index >= o->ldconf_begin && index < o->ldconf_end)
			ctx->needs_ldcache = 1;
		if ((r = set_add(&ctx->sonames, name)) < 0 ||
		    (r = add_library(ctx, o, path)) < 0)
			return r;
	}
	return 0;
}

/*
 * A library found only through ld.so.conf is found at run time only through the root's
 * /etc/ld.so.cache, so that comes along. Its entries for libraries the image does not
 * hold are harmless: ld.so falls back to its search when an entry cannot be opened.
 */
static int add_ldcache(struct ctx *ctx)
{
	int had_culprit = ctx->culprit != NULL;
	int r;

	if (!ctx->needs_ldcache)
		return 0;
	r = add_lexical(ctx, "/etc/ld.so.cache", STRICT, NULL);
	if (r == -ENOENT) {
		ctx_unblame(ctx, had_culprit);
		return 0;
	}
	return r;
}

/* Parse the program at `canon`; *ret stays NULL when it is not ELF (a script). */
static int read_program(const struct ctx *ctx, const char *canon, struct elf_info **ret)
{
	_cleanup_close_ int fd = open_canonical(ctx, canon, O_RDONLY);
	char head[4]; /* the ELF magic */

	if (fd < 0)
		return fd;
	if (pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    !elf_is_elf(head, sizeof(head)))
		return 0;
	return elf_read_fd(fd, ret);
}

/* A program's file is in the stage already: add its interpreter and libraries. */
static int add_program_needs(struct ctx *ctx, const char *path, const char *canon)
{
	_cleanup_(elf_info_freep) struct elf_info *info = NULL;
	_cleanup_free_ char *origin = NULL;
	struct object o;
	int r;

	r = read_program(ctx, canon, &info);
	if (r < 0) {
		ctx_blame(ctx, path);
		return r;
	}
	if (!info)
		return 0; /* a script or data: added as it is */
	if (info->interp && (r = add_lexical(ctx, info->interp, STRICT, NULL)) < 0)
		return r;
	r = set_add(&ctx->objects, canon);
	if (r < 0)
		return r;
	/* A program's $ORIGIN is its real directory: ld.so asks the kernel for it. */
	if (asprintf(&origin, "/%s", canon) < 0)
		return -ENOMEM;
	*strrchr(origin, '/') = '\0';
	o = (struct object){.info = info, .origin = *origin ? origin : "/"};
	r = add_needed(ctx, &o);
	strv_clear(&o.rpaths);
	strv_clear(&o.search);
	return r;
}

int files_add_binary(struct stage *stage, const char *root, const char *name,
		     char **ret_culprit)
{
	return files_add_program(stage, root, name, NULL, ret_culprit);
}

int files_add_program(struct stage *stage, const char *root, const char *name,
		      char **ret_path, char **ret_culprit)
{
	_cleanup_free_ char *path = NULL, *canon = NULL;
	struct ctx ctx;
	int r;

	r = ctx_init(&ctx, stage, root);
	if (r >= 0)
		r = find_program(&ctx, name, &path);
	if (r >= 0)
		r = add_lexical(&ctx, path, STRICT, &canon);
	if (r >= 0)
		r = add_program_needs(&ctx, path, canon);
	if (r >= 0)
		r = add_ldcache(&ctx);
	if (r < 0 && ret_culprit)
		*ret_culprit = strdup(ctx.culprit ? ctx.culprit : name);
	if (r >= 0 && ret_path)
		*ret_path = TAKE_PTR(path);
	ctx_done(&ctx);
	return r;
}
