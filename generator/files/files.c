/* SPDX-License-Identifier: GPL-2.0-or-later */
/* FILES: host paths, with their symlinks' targets and directories, into the stage. */
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

#include "inputjournal.h"
#include "files.h"
#include "path.h"
#include "files-internal.h"
#include "log.h"
#include "util.h"

int filectx_init(struct filectx *ctx, struct stage *stage, const char *root)
{
	size_t len = strlen(root);

	*ctx = (struct filectx){.stage = stage, .rootfd = -1};
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

void filectx_done(struct filectx *ctx)
{
	free(ctx->prefix);
	if (ctx->rootfd >= 0)
		close(ctx->rootfd);
	strset_clear(&ctx->dirs);
	strset_clear(&ctx->sonames);
	strset_clear(&ctx->objects);
	strv_clear(&ctx->ldconf);
	free(ctx->culprit);
}

/* Record the first culprit only: it is the one the user can act on. */
void filectx_blame(struct filectx *ctx, const char *abs_path)
{
	if (!ctx->culprit)
		ctx->culprit = strdup(abs_path);
}

/* The same for an image path without its leading '/'. */
static void ctx_blame_image(struct filectx *ctx, const char *image)
{
	if (!ctx->culprit && asprintf(&ctx->culprit, "/%s", image) < 0)
		ctx->culprit = NULL;
}

/* procfs and sysfs files say size 0 or 4096 whatever they hold: no file's contents. */
static int is_pseudo_file(const struct filectx *ctx, const char *canon)
{
	_cleanup_close_ int fd = fsroot_open(ctx, canon, O_PATH);
	struct statfs fs;

	return fd >= 0 && fstatfs(fd, &fs) == 0 &&
	       (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC);
}

/*
 * The stage keeps the inode checked here: the writer opens the host path again and
 * refuses another inode, so a directory swapped for a symlink meanwhile cannot bring a
 * host file in (the path has no symlink now; a later one changes what it reaches).
 */
static int add_regular(struct filectx *ctx, const char *image, const char *canon,
		       const struct stat *st)
{
	_cleanup_free_ char *source = fsroot_host_path(ctx, canon);
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

/* Resolve the directory part of a symlink's target physically: where the host goes. */
static int physical_destination(const struct filectx *ctx, const char *canon_dir,
				const char *target, char **ret)
{
	_cleanup_(fsroot_walk_done) struct fsroot_walk w = {0};
	_cleanup_free_ char *dir = NULL;
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	int r;

	if (!*base || streq(base, ".") || streq(base, "..")) {
		r = fsroot_resolve(ctx, canon_dir, target, &w);
		base = "";
	} else {
		dir = !slash		? strdup(".")
		      : slash == target ? strdup("/")
					: strndup(target, (size_t)(slash - target));
		if (!dir)
			return -ENOMEM;
		r = fsroot_resolve(ctx, canon_dir, dir, &w);
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
static int link_destination(const struct filectx *ctx, const char *dir,
			    const char *canon_dir, const char *target, char **ret_path,
			    char **ret_text)
{
	_cleanup_free_ char *joined = NULL;

	if (!fsroot_has_dotdot(target) || streq(dir + 1, canon_dir)) {
		if (target[0] == '/')
			joined = strdup(target);
		else if (asprintf(&joined, "%s/%s", dir, target) < 0)
			joined = NULL;
		*ret_path = joined ? fsroot_normalize(joined) : NULL;
		*ret_text = strdup(target);
	} else {
		int r = physical_destination(ctx, canon_dir, target, &joined);
		if (r < 0)
			return r;
		*ret_path = fsroot_normalize(joined);
		*ret_text = fsroot_normalize(joined);
	}
	if (!*ret_path || !*ret_text) {
		free(*ret_path);
		free(*ret_text);
		return -ENOMEM;
	}
	return 0;
}

/* Forget a culprit recorded by a failure we then ignored. */
void filectx_unblame(struct filectx *ctx, int had_culprit)
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
static int add_link(struct filectx *ctx, const char *image, const char *dir,
		    const char *canon_dir, int dfd, const char *name,
		    enum files_mode mode, char **ret_canon)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	int had_culprit = ctx->culprit != NULL;
	char target[PATH_MAX];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
	int r;

	injournal_incomplete(FILES_UNJOURNALLED); /* its target is resolved elsewhere */
	if (n <= 0) {
		r = n < 0 ? negative_errno() : -ENOENT;
		ctx_blame_image(ctx, image);
		return r;
	}
	target[n] = '\0';
	r = link_destination(ctx, dir, canon_dir, target, &path, &text);
	if (r < 0) {
		if (mode == FILES_LENIENT && is_dangling_error(r))
			return stage_add_symlink(ctx->stage, image, target);
		return r;
	}
	r = stage_add_symlink(ctx->stage, image, text);
	if (r < 0)
		return r;
	if (++ctx->nesting > SYMLINK_MAX_FOLLOW)
		r = -ELOOP;
	else
		r = files_add_lexical(ctx, path, mode, ret_canon);
	ctx->nesting--;
	if (mode == FILES_LENIENT && is_dangling_error(r)) {
		filectx_unblame(ctx, had_culprit);
		return 0;
	}
	return r;
}

static int add_object(struct filectx *ctx, const char *image, const char *canon,
		      const struct stat *st);

static int add_dir_entry(struct filectx *ctx, int dfd, const char *image,
			 const char *canon, const char *name)
{
	_cleanup_free_ char *child_image = fsroot_join(image, name), *child_canon = NULL;
	_cleanup_free_ char *dir = NULL;
	struct stat st;

	if (!child_image || !(dir = fsroot_join(canon, name)))
		return -ENOMEM;
	injournal_note_at(ctx->prefix, dir); /* a device node has no other record */
	free(dir);
	dir = NULL;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		ctx_blame_image(ctx, child_image);
		return negative_errno();
	}
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		return 0; /* nothing an image can carry */
	if (S_ISLNK(st.st_mode)) {
		if (asprintf(&dir, "/%s", image) < 0)
			return -ENOMEM;
		return add_link(ctx, child_image, dir, canon, dfd, name, FILES_LENIENT,
				NULL);
	}
	child_canon = fsroot_join(canon, name);
	if (!child_canon)
		return -ENOMEM;
	return add_object(ctx, child_image, child_canon, &st);
}

/* A directory with everything under it; each image path is walked once. */
static int add_dir(struct filectx *ctx, const char *image, const char *canon,
		   const struct stat *st)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int fd, r;

	r = strset_add(&ctx->dirs, image);
	if (r <= 0)
		return r;
	if (*image && (r = stage_add_dir(ctx->stage, image, st->st_mode & 07777)) < 0)
		return r;
	fd = fsroot_open(ctx, canon, O_RDONLY | O_DIRECTORY);
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
	injournal_note_at(ctx->prefix, canon); /* an entry added or removed */
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
static int add_object(struct filectx *ctx, const char *image, const char *canon,
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

static int add_root(struct filectx *ctx)
{
	struct stat st;
	if (fstat(ctx->rootfd, &st) < 0)
		return negative_errno();
	return add_dir(ctx, "", "", &st);
}

/* The entry `name` of the directory `dir` (the normalized path `p` split). */
static int add_in_dir(struct filectx *ctx, const char *p, const char *dir,
		      const char *name, enum files_mode mode, char **ret_canon)
{
	_cleanup_(fsroot_walk_done) struct fsroot_walk w = {0};
	_cleanup_free_ char *canon = NULL;
	_cleanup_close_ int dfd = -1;
	struct stat st;
	int r = fsroot_resolve(ctx, "", dir, &w);

	if (r < 0)
		return r;
	if (!S_ISDIR(w.st.st_mode))
		return -ENOTDIR;
	/* Its directories' symlinks were followed inside the root, to paths the lexical
	 * prefixes files_add_path() noted do not name. */
	if (!streq(w.canon + strspn(w.canon, "/"), dir + strspn(dir, "/")))
		injournal_incomplete(FILES_UNJOURNALLED);
	dfd = fsroot_open(ctx, w.canon, O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	if (S_ISLNK(st.st_mode))
		return add_link(ctx, p + 1, dir, w.canon, dfd, name, mode, ret_canon);
	canon = fsroot_join(w.canon, name);
	if (!canon)
		return -ENOMEM;
	r = add_object(ctx, p + 1, canon, &st);
	if (r < 0)
		return r;
	if (ret_canon)
		*ret_canon = TAKE_PTR(canon);
	return 0;
}

/*
 * Add the absolute path `path` at the same place in the image. Its directories are
 * resolved physically; its last component, when a symlink, is copied and followed.
 * *ret_canon receives the host's canonical path of what it ends at.
 */
int files_add_lexical(struct filectx *ctx, const char *path, enum files_mode mode,
		      char **ret_canon)
{
	_cleanup_free_ char *p = fsroot_normalize(path), *dir = NULL;
	const char *name;
	int r;

	if (!p)
		return -ENOMEM;
	if (streq(p, "/"))
		return add_root(ctx);
	name = strrchr(p, '/') + 1;
	dir = name - 1 == p ? strdup("/") : strndup(p, (size_t)(name - 1 - p));
	if (!dir)
		return -ENOMEM;
	r = add_in_dir(ctx, p, dir, name, mode, ret_canon);
	if (r < 0) {
		filectx_blame(ctx, p);
		return r;
	}
	return 0;
}

int filectx_log_failure(const struct filectx *ctx, const char *origin, const char *name,
			const char *fallback, unsigned quiet, int r)
{
	const char *culprit = ctx->culprit ? ctx->culprit : fallback;

	if (r == -ENOENT && (quiet & FILES_QUIET_MISSING))
		return r;
	log_error("%s: cannot add '%s': '%s': %s", origin, name, culprit, strerror(-r));
	return r;
}

static int open_and_add_path(struct filectx *ctx, struct stage *stage, const char *root,
			     const char *path)
{
	int r = filectx_init(ctx, stage, root);

	if (r < 0)
		return r;
	if (path[0] != '/')
		return -EINVAL;
	return files_add_lexical(ctx, path, FILES_STRICT, NULL);
}

/* The input journal's view of a FILES path: each of its lexical prefixes, the last one
 * absent or not; what is under it is noted as add_dir() walks it. */
static void note_prefixes(const char *root, const char *path)
{
	_cleanup_free_ char *copy = strdup(path);

	if (!copy) {
		injournal_incomplete("out of memory");
		return;
	}
	for (char *slash = strchr(copy + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		injournal_note_at(root, copy);
		if (!slash)
			return;
		*slash = '/';
	}
}

int files_add_path(struct stage *stage, const char *root, const char *path,
		   const char *origin, unsigned quiet)
{
	_cleanup_(filectx_done) struct filectx ctx = {.rootfd = -1};
	int r;

	note_prefixes(root, path);
	r = open_and_add_path(&ctx, stage, root, path);
	if (r == -ELOOP)
		filectx_unblame(&ctx, 0); /* a loop: the path asked for is the culprit */
	if (r < 0)
		return filectx_log_failure(&ctx, origin, path, path, quiet, r);
	return 0;
}
