/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The module files of a kernel tree, by path, for hooks that name whole directories. */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inputjournal.h"
#include "modtree.h"
#include "sysroot.h"
#include "util.h"

struct modtree {
	char *root, *kdir;  /* the root, and "/lib/modules/<kver>" in it */
	struct strv walked; /* directories walked so far, "" for the whole tree */
	struct strv paths;  /* "kernel/drivers/ata/ahci", sorted, of those walks */
};

static const char *const module_suffixes[] = {".ko", ".ko.gz", ".ko.xz", ".ko.zst"};

/* Length of `name` without a module suffix, or 0 when it is not a module file. */
static size_t module_stem(const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < ARRAY_SIZE(module_suffixes); i++) {
		size_t sl = strlen(module_suffixes[i]);
		if (len > sl && streq(name + len - sl, module_suffixes[i]))
			return len - sl;
	}
	return 0;
}

static int walk(const struct modtree *t, int dirfd, const char *prefix,
		struct strv *paths, int depth)
{
	_cleanup_free_ char *listed = NULL;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > 32)
		return -ELOOP;
	/* A module added or removed changes the directory's times. */
	if (asprintf(&listed, "%s/%s", t->kdir, prefix) < 0)
		return -ENOMEM;
	injournal_note_at(t->root, listed);
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return negative_errno();
	}
	while (r >= 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		/* The type readdir() gave, which saves a stat per module file; a file
		 * system that gives none is asked. */
		unsigned char type = de->d_type;
		struct stat st;
		if (type == DT_UNKNOWN) {
			if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = IFTODT(st.st_mode);
		}
		_cleanup_free_ char *rel = NULL;
		if (asprintf(&rel, "%s%s%s", prefix, *prefix ? "/" : "", de->d_name) <
		    0) {
			r = -ENOMEM;
			break;
		}
		if (type == DT_DIR) {
			int fd = openat(dirfd, de->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				r = walk(t, fd, rel, paths, depth + 1);
			continue;
		}
		size_t stem = module_stem(de->d_name);
		if (type != DT_REG || !stem)
			continue;
		rel[strlen(rel) - (strlen(de->d_name) - stem)] = '\0';
		r = strv_push_take(paths, TAKE_PTR(rel));
	}
	closedir(d);
	return r;
}

/* The kernel directory, opened again for each walk: the tree keeps no descriptor
 * open (a -P run forks builds from it). */
static int open_kernel_dir(const struct modtree *t)
{
	/* Inside the root: a ROOT/lib that is an absolute symlink stays in ROOT. */
	return sysroot_open(t->root, t->kdir, O_RDONLY | O_DIRECTORY);
}

int modtree_new(const char *root, const char *kver, struct modtree **ret)
{
	struct modtree *t = calloc(1, sizeof(*t));

	if (!t || !(t->root = strdup(root)) ||
	    asprintf(&t->kdir, "/lib/modules/%s", kver) < 0) {
		if (t)
			t->kdir = NULL;
		modtree_free(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

void modtree_free(struct modtree *t)
{
	if (!t)
		return;
	free(t->root);
	free(t->kdir);
	strv_clear(&t->paths);
	strv_clear(&t->walked);
	free(t);
}

/* 1 when the directory `dir` ("" for the whole tree) lies in one walked already. */
static int is_walked(const struct modtree *t, const char *dir)
{
	for (size_t i = 0; i < t->walked.n; i++) {
		const char *w = t->walked.v[i];
		size_t len = strlen(w);
		if (!*w || (strncmp(dir, w, len) == 0 && (!dir[len] || dir[len] == '/')))
			return 1;
	}
	return 0;
}

/*
 * Open `dir` ("" for the kernel directory itself) below the kernel directory (taking
 * its descriptor) one component at a time, refusing symlinks as a whole walk does (it
 * never follows one).
 * -ENOENT when some component is missing, not a directory, a symlink, or "." or "..",
 * which no walked path contains.
 */
static int open_dir(int kernel_fd, const char *dir)
{
	_cleanup_free_ char *copy = strdup(dir);
	char *save = NULL;
	int fd = kernel_fd;

	if (!copy) {
		close(fd);
		return -ENOMEM;
	}
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int sub =
			streq(c, ".") || streq(c, "..")
				? -1
				: openat(fd, c,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (sub < 0)
			return -ENOENT;
		fd = sub;
	}
	return fd;
}

/* Sorted, each path once (a wider walk may repeat what a narrower one found). */
static void sort_unique(struct strv *s)
{
	size_t kept = 0;

	strv_sort(s);
	for (size_t i = 0; i < s->n; i++) {
		if (kept && streq(s->v[kept - 1], s->v[i])) {
			free(s->v[i]);
			continue;
		}
		s->v[kept++] = s->v[i];
	}
	s->n = kept;
	if (s->v)
		s->v[kept] = NULL;
}

/*
 * Walk `dir` once, when no walk so far covered it: a hook naming a few directories
 * costs those, not the 900 directories of a distribution kernel's tree.
 */
static int walk_dir(struct modtree *t, const char *dir)
{
	int depth = 0, r;

	if (is_walked(t, dir))
		return 0;
	/* The directories open_dir() goes through, the last one absent or not: each
	 * one's appearing or turning into a symlink changes the walk. */
	for (size_t i = 1, n = strlen(dir); n && i <= n; i++) {
		_cleanup_free_ char *path = NULL;
		if (dir[i] && dir[i] != '/')
			continue;
		if (asprintf(&path, "%s/%.*s", t->kdir, (int)i, dir) < 0)
			return -ENOMEM;
		injournal_note_at(t->root, path);
	}
	for (const char *p = dir; *dir && p; p = strchr(p + 1, '/'))
		depth++;
	int fd = open_kernel_dir(t);
	if (fd < 0)
		return fd; /* it was there when the tree was made: say what happened */
	fd = open_dir(fd, dir);
	if (fd >= 0) {
		r = walk(t, fd, dir, &t->paths, depth);
		if (r < 0)
			return r;
		sort_unique(&t->paths);
	} else if (fd != -ENOENT) {
		return fd;
	}
	return strv_push(&t->walked, dir);
}

int modtree_preload(struct modtree *t)
{
	return walk_dir(t, "");
}

static char *module_name_of(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name = strdup(base ? base + 1 : path);
	for (char *p = name; p && *p; p++)
		if (*p == '-')
			*p = '_';
	return name;
}

/* The first path not sorted before `prefix`: paths starting with it follow there. */
static size_t lower_bound(const struct strv *paths, const char *prefix)
{
	size_t lo = 0, hi = paths->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(paths->v[mid], prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int modtree_match(struct modtree *t, const char *pattern, struct strv *names)
{
	/* What the pattern spells literally before its first wildcard: every path it
	 * matches starts with that, and lies in the directory that ends it. */
	size_t lit = strcspn(pattern, "*?[\\");
	_cleanup_free_ char *prefix = strndup(pattern, lit);
	int added = 0;

	if (!prefix)
		return -ENOMEM;
	char *slash = strrchr(prefix, '/');
	if (slash)
		*slash = '\0';
	int r = walk_dir(t, slash ? prefix : "");
	if (r < 0)
		return r;
	if (slash)
		*slash = '/';
	for (size_t i = lower_bound(&t->paths, prefix);
	     i < t->paths.n && strncmp(t->paths.v[i], prefix, lit) == 0; i++) {
		if (fnmatch(pattern, t->paths.v[i], 0) != 0)
			continue;
		char *name = module_name_of(t->paths.v[i]);
		if (!name)
			return -ENOMEM;
		if (strv_contains(names, name)) {
			free(name);
			continue;
		}
		r = strv_push_take(names, name);
		if (r < 0)
			return r;
		added++;
	}
	return added;
}
