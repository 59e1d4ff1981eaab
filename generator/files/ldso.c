/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The library search ld.so makes: RPATH, RUNPATH, ld.so.conf, the built-in directories.
 */
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

#include "files-internal.h"
#include "log.h"
#include "util.h"

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
/* The ld.so.conf directories that are not built into ld.so: only its cache finds them. */
static int append_ldconf_only(struct filectx *ctx, struct ldso_object *o,
			      const struct strv *std)
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

int ldso_search_order(struct filectx *ctx, struct ldso_object *o)
{
	_cleanup_(strv_clear) struct strv std = STRV_INIT;
	int r;

	/* As ld.so: with DT_RUNPATH, no DT_RPATH at all, not even the loaders'. */
	if (!o->info->runpath) {
		if (o->info->rpath &&
		    (r = expand_path_list(o->info->rpath, o->origin, &o->rpaths)) < 0)
			return r;
		if (o->loader_rpaths &&
		    (r = strv_extend(&o->rpaths, o->loader_rpaths)) < 0)
			return r;
		if ((r = strv_extend(&o->search, &o->rpaths)) < 0)
			return r;
	} else if ((r = expand_path_list(o->info->runpath, o->origin, &o->search)) < 0) {
		return r;
	}
	/* ld.so.cache (built from ld.so.conf) comes before the built-in directories. */
	if ((r = standard_dirs(&o->info->kind, &std)) < 0 ||
	    (r = append_ldconf_only(ctx, o, &std)) < 0)
		return r;
	return strv_extend(&o->search, &std);
}

/*
 * Is the candidate a regular ELF file of the right class, byte order and machine? 1 when
 * it fits, 0 when there is no such file, -ENOEXEC when there is one that does not fit.
 */
static int library_fits(const struct filectx *ctx, const char *path,
			const struct elf_kind *kind)
{
	_cleanup_(fsroot_walk_done) struct fsroot_walk w = {0};
	_cleanup_close_ int fd = -1;
	struct elf_kind k;

	if (fsroot_find_regular(ctx, path, &w) < 0)
		return 0;
	fd = fsroot_open(ctx, w.canon, O_RDONLY | O_NONBLOCK);
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
int ldso_find_library(struct filectx *ctx, const struct ldso_object *o, const char *name,
		      char **ret, size_t *ret_index)
{
	_cleanup_free_ char *unfit = NULL;

	*ret_index = SIZE_MAX;
	if (strchr(name, '/')) {
		/* A path in DT_NEEDED is used as it is (relative ones are cwd-dependent).
		 */
		int r = name[0] == '/' ? library_fits(ctx, name, &o->info->kind) : 0;
		if (r < 0)
			filectx_blame(ctx, name);
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
		filectx_blame(ctx, unfit);
		return -ENOEXEC;
	}
	return -ENOENT;
}
