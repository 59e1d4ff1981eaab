/* SPDX-License-Identifier: GPL-2.0-or-later */
/* BINARIES: ELF programs with their interpreter and DT_NEEDED closure. */
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
#include "files-internal.h"
#include "log.h"
#include "util.h"

static const char *const program_dirs[] = {
	"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

/* The program's absolute path: as given, or the first in program_dirs that exists. */
static int find_program(const struct filectx *ctx, const char *name, char **ret)
{
	char *path;

	if (name[0] == '/') {
		_cleanup_(fsroot_walk_done) struct fsroot_walk w = {0};
		int r = fsroot_resolve(ctx, "", name, &w);
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
		_cleanup_(fsroot_walk_done) struct fsroot_walk w = {0};
		if (asprintf(&path, "%s/%s", program_dirs[i], name) < 0)
			return -ENOMEM;
		if (fsroot_find_regular(ctx, path, &w) == 0) {
			*ret = path;
			return 0;
		}
		free(path);
	}
	return -ENOENT;
}

static int parse_canonical(const struct filectx *ctx, const char *canon,
			   struct elf_info **ret)
{
	_cleanup_close_ int fd = fsroot_open(ctx, canon, O_RDONLY);
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

static int add_needed(struct filectx *ctx, struct ldso_object *o);

/* Add one library found at `path` and, the first time it is seen, what it needs. */
static int add_library(struct filectx *ctx, const struct ldso_object *loader,
		       const char *path)
{
	_cleanup_(elf_info_freep) struct elf_info *info = NULL;
	_cleanup_free_ char *canon = NULL, *origin = NULL;
	struct ldso_object o;
	int r;

	r = files_add_lexical(ctx, path, FILES_STRICT, &canon);
	if (r < 0)
		return r;
	r = strset_add(&ctx->objects, canon);
	if (r <= 0)
		return r;
	r = parse_canonical(ctx, canon, &info);
	if (r < 0) {
		filectx_blame(ctx, path);
		return r;
	}
	origin = dirname_of(path);
	if (!origin)
		return -ENOMEM;
	o = (struct ldso_object){
		.info = info, .origin = origin, .loader_rpaths = &loader->rpaths};
	r = add_needed(ctx, &o);
	strv_clear(&o.rpaths);
	strv_clear(&o.search);
	return r;
}

static int add_needed(struct filectx *ctx, struct ldso_object *o)
{
	int r;

	if (o->info->needed.n == 0)
		return 0;
	r = ldso_search_order(ctx, o);
	if (r < 0)
		return r;
	for (size_t i = 0; i < o->info->needed.n; i++) {
		const char *name = o->info->needed.v[i];
		_cleanup_free_ char *path = NULL;
		size_t index;

		if (strset_contains(&ctx->sonames, name))
			continue;
		r = ldso_find_library(ctx, o, name, &path, &index);
		if (r < 0) {
			log_debug("library '%s' not found in the search path of '%s'",
				  name, o->origin);
			filectx_blame(ctx,
				      name); /* unless a file that is not ELF was named */
			return r;
		}
		if (index >= o->ldconf_begin && index < o->ldconf_end)
			ctx->needs_ldcache = 1;
		if ((r = strset_add(&ctx->sonames, name)) < 0 ||
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
static int add_ldcache(struct filectx *ctx)
{
	int had_culprit = ctx->culprit != NULL;
	int r;

	if (!ctx->needs_ldcache)
		return 0;
	r = files_add_lexical(ctx, "/etc/ld.so.cache", FILES_STRICT, NULL);
	if (r == -ENOENT) {
		filectx_unblame(ctx, had_culprit);
		return 0;
	}
	return r;
}

/* Parse the program at `canon`; *ret stays NULL when it is not ELF (a script). */
static int read_program(const struct filectx *ctx, const char *canon,
			struct elf_info **ret)
{
	_cleanup_close_ int fd = fsroot_open(ctx, canon, O_RDONLY);
	char head[4]; /* the ELF magic */

	if (fd < 0)
		return fd;
	if (pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    !elf_is_elf(head, sizeof(head)))
		return 0;
	return elf_read_fd(fd, ret);
}

/* A program's file is in the stage already: add its interpreter and libraries. */
static int add_program_needs(struct filectx *ctx, const char *path, const char *canon)
{
	_cleanup_(elf_info_freep) struct elf_info *info = NULL;
	_cleanup_free_ char *origin = NULL;
	struct ldso_object o;
	int r;

	r = read_program(ctx, canon, &info);
	if (r < 0) {
		filectx_blame(ctx, path);
		return r;
	}
	if (!info)
		return 0; /* a script or data: added as it is */
	if (info->interp &&
	    (r = files_add_lexical(ctx, info->interp, FILES_STRICT, NULL)) < 0)
		return r;
	r = strset_add(&ctx->objects, canon);
	if (r < 0)
		return r;
	/* A program's $ORIGIN is its real directory: ld.so asks the kernel for it. */
	if (asprintf(&origin, "/%s", canon) < 0)
		return -ENOMEM;
	*strrchr(origin, '/') = '\0';
	o = (struct ldso_object){.info = info, .origin = *origin ? origin : "/"};
	r = add_needed(ctx, &o);
	strv_clear(&o.rpaths);
	strv_clear(&o.search);
	return r;
}

/* The program, its interpreter and libraries, and ld.so.cache when it is needed. */
static int add_program_steps(struct filectx *ctx, const char *name, char **ret_path)
{
	_cleanup_free_ char *path = NULL, *canon = NULL;
	int r;

	r = find_program(ctx, name, &path);
	if (r < 0)
		return r;
	r = files_add_lexical(ctx, path, FILES_STRICT, &canon);
	if (r < 0)
		return r;
	r = add_program_needs(ctx, path, canon);
	if (r < 0)
		return r;
	r = add_ldcache(ctx);
	if (r < 0)
		return r;
	if (ret_path)
		*ret_path = TAKE_PTR(path);
	return 0;
}

static int open_and_add_program(struct filectx *ctx, struct stage *stage,
				const char *root, const char *name, char **ret_path)
{
	int r = filectx_init(ctx, stage, root);

	if (r < 0)
		return r;
	return add_program_steps(ctx, name, ret_path);
}

static int add_program(struct stage *stage, const char *root, const char *name,
		       const char *origin, unsigned quiet, const char *package,
		       char **ret_path)
{
	_cleanup_(filectx_done) struct filectx ctx = {.rootfd = -1};
	int r = open_and_add_program(&ctx, stage, root, name, ret_path);

	if (r == -ENOENT && package && (!ctx.culprit || streq(ctx.culprit, name)))
		log_error("%s: no '%s' in the programs of '%s/' (install %s)", origin,
			  name, streq(root, "/") ? "" : root, package);
	else if (r < 0)
		filectx_log_failure(&ctx, origin, name, name, quiet, r);
	return r;
}

int files_add_binary(struct stage *stage, const char *root, const char *name,
		     const char *origin, unsigned quiet)
{
	injournal_incomplete(FILES_UNJOURNALLED);
	return add_program(stage, root, name, origin, quiet, NULL, NULL);
}

int files_add_program(struct stage *stage, const char *root, const char *name,
		      const char *origin, const char *package, char **ret_path)
{
	injournal_incomplete(FILES_UNJOURNALLED);
	return add_program(stage, root, name, origin, 0, package, ret_path);
}
