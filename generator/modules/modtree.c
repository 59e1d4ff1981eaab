/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The module files of a kernel tree, by path, for hooks that name whole directories. */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modtree.h"
#include "sysroot.h"
#include "util.h"

struct modtree {
	struct strv paths; /* "kernel/drivers/ata/ahci", sorted */
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

static int walk(int dirfd, const char *prefix, struct strv *paths, int depth)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > 32)
		return -ELOOP;
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
				r = walk(fd, rel, paths, depth + 1);
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

int modtree_new(const char *root, const char *kver, struct modtree **ret)
{
	_cleanup_free_ char *dir = NULL;
	struct modtree *t;
	int fd, r;

	if (asprintf(&dir, "/lib/modules/%s", kver) < 0)
		return -ENOMEM;
	/* Inside the root: a ROOT/lib that is an absolute symlink stays in ROOT. */
	fd = sysroot_open(root, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	t = calloc(1, sizeof(*t));
	if (!t) {
		close(fd);
		return -ENOMEM;
	}
	r = walk(fd, "", &t->paths, 0);
	if (r < 0) {
		modtree_free(t);
		return r;
	}
	strv_sort(&t->paths);
	*ret = t;
	return 0;
}

void modtree_free(struct modtree *t)
{
	if (!t)
		return;
	strv_clear(&t->paths);
	free(t);
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

int modtree_match(const struct modtree *t, const char *pattern, struct strv *names)
{
	int added = 0;

	for (size_t i = 0; i < t->paths.n; i++) {
		if (fnmatch(pattern, t->paths.v[i], 0) != 0)
			continue;
		char *name = module_name_of(t->paths.v[i]);
		if (!name)
			return -ENOMEM;
		if (strv_contains(names, name)) {
			free(name);
			continue;
		}
		int r = strv_push_take(names, name);
		if (r < 0)
			return r;
		added++;
	}
	return added;
}
