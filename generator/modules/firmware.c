/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Firmware files named by modules: found in the module root as the kernel would. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "firmware.h"
#include "kconfig.h"
#include "path.h"
#include "sysroot.h"
#include "util.h"

#define FIRMWARE_MAX_LINKS 16

int firmware_set_init(struct firmware_set *set, const char *root, const char *kver)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "/boot/config-%s", kver) < 0)
		return -ENOMEM;
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	int r = sysroot_read(root, path, SYSROOT_READ_MAX, &text, &size);
	if (r == -ENOMEM)
		return r;
	firmware_set_init_config(set, r < 0 ? NULL : text);
	return 0;
}

void firmware_set_init_config(struct firmware_set *set, const char *text)
{
	*set = (struct firmware_set){.xz_ok = 1, .zstd_ok = 1};
	/* No readable kernel config: keep the defaults (both compressions allowed). */
	if (!text)
		return;
	/* Before 5.19 CONFIG_FW_LOADER_COMPRESS alone meant xz. */
	int any = kconfig_has(text, "CONFIG_FW_LOADER_COMPRESS=y");
	int split = strstr(text, "CONFIG_FW_LOADER_COMPRESS_XZ") != NULL;
	set->xz_ok = split ? kconfig_has(text, "CONFIG_FW_LOADER_COMPRESS_XZ=y") : any;
	set->zstd_ok = kconfig_has(text, "CONFIG_FW_LOADER_COMPRESS_ZSTD=y");
}

static void file_clear(struct firmware_file *f)
{
	free(f->path);
	free(f->source);
	free(f->target);
}

void firmware_set_clear(struct firmware_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		file_clear(&set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = set->cap = 0;
}

/* Where a root-relative firmware path lives in the image: /usr/lib/firmware is merged. */
static int image_path(const char *rel, char **ret)
{
	const char *rest;
	if (!strncmp(rel, "usr/lib/firmware/", 17))
		rest = rel + 17;
	else if (!strncmp(rel, "lib/firmware/", 13))
		rest = rel + 13;
	else
		return -EXDEV;
	if (!*rest)
		return -EXDEV;
	return asprintf(ret, "lib/firmware/%s", rest) < 0 ? -ENOMEM : 0;
}

/* The relative symlink target that leads from `link` to `to` (both image paths). */
static int relative_target(const char *link, const char *to, char **ret)
{
	const char *l = link, *t = to;
	/* Skip the common directory components. */
	for (;;) {
		const char *ls = strchr(l, '/'), *ts = strchr(t, '/');
		if (!ls || !ts || ls - l != ts - t || strncmp(l, t, (size_t)(ls - l)))
			break;
		l = ls + 1;
		t = ts + 1;
	}
	size_t ups = 0;
	for (const char *s = l; (s = strchr(s, '/')); s++)
		ups++;
	char *out = malloc(ups * 3 + strlen(t) + 1);
	if (!out)
		return -ENOMEM;
	char *o = out;
	for (size_t i = 0; i < ups; i++)
		o = stpcpy(o, "../");
	strcpy(o, t);
	*ret = out;
	return 0;
}

static int set_push(struct firmware_set *set, struct firmware_file *f)
{
	for (size_t i = 0; i < set->n; i++)
		if (streq(set->v[i].path, f->path)) {
			file_clear(f);
			return 0;
		}
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		struct firmware_file *v = realloc(set->v, cap * sizeof(*v));
		if (!v) {
			file_clear(f);
			return -ENOMEM;
		}
		set->v = v;
		set->cap = cap;
	}
	set->v[set->n++] = *f;
	return 0;
}

static int is_compressed(const char *path, const char *suffix)
{
	size_t n = strlen(path), s = strlen(suffix);
	return n > s && streq(path + n - s, suffix);
}

/*
 * Follow `rel` (root-relative, exists) through its symlinks, adding every link and the
 * final file to `add` (a scratch set merged by the caller only on success).
 */
static int follow(struct firmware_set *add, const struct firmware_set *caps,
		  const char *root, const char *rel_in)
{
	_cleanup_free_ char *rel = strdup(rel_in);
	if (!rel)
		return -ENOMEM;
	for (int hops = 0; hops <= FIRMWARE_MAX_LINKS; hops++) {
		_cleanup_free_ char *host = NULL, *ipath = NULL;
		_cleanup_close_ int fd = -1;
		struct stat st;
		int r = image_path(rel, &ipath);
		if (r < 0)
			return r;
		/* Its directories resolved inside the root, the last link read here. */
		fd = sysroot_open(root, rel, O_PATH | O_NOFOLLOW);
		if (fd < 0 || fstat(fd, &st) < 0)
			return fd < 0 ? fd : negative_errno();
		if (S_ISREG(st.st_mode)) {
			_cleanup_close_ int in =
				sysroot_open_input(root, rel, &st, &host);
			if (in < 0)
				return in;
			struct firmware_file f = {
				.path = TAKE_PTR(ipath), .size = st.st_size, .st = st};
			f.source = TAKE_PTR(host);
			f.decompress = (is_compressed(f.path, ".xz") && !caps->xz_ok) ||
				       (is_compressed(f.path, ".zst") && !caps->zstd_ok);
			if (f.decompress)
				f.path[strlen(f.path) -
				       (is_compressed(f.path, ".xz") ? 3 : 4)] = '\0';
			return set_push(add, &f);
		}
		if (!S_ISLNK(st.st_mode))
			return -EINVAL;
		char target[PATH_MAX];
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
		if (n < 0)
			return negative_errno();
		target[n] = '\0';
		/* Inside the root an absolute target means the root's own '/'. */
		_cleanup_free_ char *joined = NULL, *next = NULL, *inext = NULL;
		if (target[0] == '/')
			joined = strdup(target);
		else {
			const char *slash = strrchr(rel, '/');
			int dirlen = slash ? (int)(slash - rel) : 0;
			if (asprintf(&joined, "%.*s/%s", dirlen, rel, target) < 0)
				joined = NULL;
		}
		if (!joined)
			return -ENOMEM;
		r = path_normalise(joined, 0, &next);
		if (r < 0)
			return r;
		r = image_path(next, &inext);
		if (r < 0)
			return r;
		struct firmware_file f = {.path = TAKE_PTR(ipath)};
		r = relative_target(f.path, inext, &f.target);
		if (r < 0) {
			file_clear(&f);
			return r;
		}
		r = set_push(add, &f);
		if (r < 0)
			return r;
		free(rel);
		rel = TAKE_PTR(next);
	}
	return -ELOOP;
}

int firmware_find(struct firmware_set *set, const char *root, const char *kver,
		  const char *name)
{
	static const char *const suffixes[] = {"", ".zst", ".xz"};
	static const char *const prefixes[] = {"lib", "usr/lib"};
	if (!*name || name[0] == '/' || strstr(name, ".."))
		return -EINVAL;
	for (size_t s = 0; s < ARRAY_SIZE(suffixes); s++)
		for (int d = 0; d < 4; d++)
			for (size_t p = 0; p < ARRAY_SIZE(prefixes); p++) {
				_cleanup_free_ char *rel = NULL;
				int r;
				/* The kernel's own order of directories. */
				if (d == 0)
					r = asprintf(&rel, "%s/firmware/updates/%s/%s%s",
						     prefixes[p], kver, name,
						     suffixes[s]);
				else if (d == 1)
					r = asprintf(&rel, "%s/firmware/updates/%s%s",
						     prefixes[p], name, suffixes[s]);
				else if (d == 2)
					r = asprintf(&rel, "%s/firmware/%s/%s%s",
						     prefixes[p], kver, name,
						     suffixes[s]);
				else
					r = asprintf(&rel, "%s/firmware/%s%s",
						     prefixes[p], name, suffixes[s]);
				if (r < 0)
					return -ENOMEM;
				int fd = sysroot_open(root, rel, O_PATH | O_NOFOLLOW);
				if (fd < 0)
					continue;
				close(fd);
				struct firmware_set add = {0};
				struct firmware_set caps = {.xz_ok = set->xz_ok,
							    .zstd_ok = set->zstd_ok};
				r = follow(&add, &caps, root, rel);
				for (size_t i = 0; r >= 0 && i < add.n; i++) {
					r = set_push(set, &add.v[i]);
					add.v[i] = (struct firmware_file){0};
				}
				firmware_set_clear(&add);
				return r;
			}
	return -ENOENT;
}

int firmware_stage(const struct firmware_set *set, struct stage *stage)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct firmware_file *f = &set->v[i];
		int r;
		if (f->target)
			r = stage_add_symlink(stage, f->path, f->target);
		else if (f->decompress)
			r = stage_add_compressed_checked(stage, f->path, 0644, f->source,
							 &f->st);
		else
			r = stage_add_file_checked(stage, f->path, 0644, f->source,
						   &f->st);
		if (r < 0)
			return r;
	}
	return 0;
}
