/* SPDX-License-Identifier: GPL-2.0-or-later */
/* FILES and BINARIES' private parts, only for the files of generator/files/. */
#ifndef MKINITRAMFS_FILES_INTERNAL_H
#define MKINITRAMFS_FILES_INTERNAL_H

#include <sys/stat.h>

#include "elf.h"
#include "stage.h"
#include "strset.h"
#include "strv.h"

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

/* One files_add_path() or files_add_binary() call: the root and what was done. */
struct filectx {
	struct stage *stage;
	char *prefix; /* the root's host path, "" for "/"; a source is prefix/canon */
	int rootfd;
	struct strset dirs; /* image directories already walked */
	/* DT_NEEDED names already resolved (ld.so reuses them too) */
	struct strset sonames;
	struct strset objects; /* canonical ELF files already parsed */
	struct strv ldconf;    /* absolute directories from the root's ld.so.conf */
	int ldconf_loaded;
	unsigned nesting; /* symlinks followed from symlinks: bounds loops through dirs */
	int needs_ldcache; /* a library came from a directory only ld.so.conf names */
	char *culprit;	   /* the first missing or bad file, absolute in the root */
};

/* files.c: the call's context, and FILES. */
int filectx_init(struct filectx *ctx, struct stage *stage, const char *root);
void filectx_done(struct filectx *ctx);
/* Record the first culprit only: it is the one the user can act on. */
void filectx_blame(struct filectx *ctx, const char *abs_path);
/*
 * The one message of a failed files_add_*() call: `name` as asked, the culprit the
 * call recorded (else `fallback`). Returns r.
 */
int filectx_log_failure(const struct filectx *ctx, const char *origin, const char *name,
			const char *fallback, unsigned quiet, int r);
/* Forget a culprit recorded by a failure we then ignored. */
void filectx_unblame(struct filectx *ctx, int had_culprit);

enum files_mode {
	/* inside a copied directory: a dangling symlink is copied as it is */
	FILES_LENIENT,
	FILES_STRICT, /* what the user listed: everything must exist */
};

/*
 * Add the absolute path `path` at the same place in the image. Its directories are
 * resolved physically; its last component, when a symlink, is copied and followed.
 * *ret_canon receives the host's canonical path of what it ends at.
 */
int files_add_lexical(struct filectx *ctx, const char *path, enum files_mode mode,
		      char **ret_canon);

/* fsroot.c: paths resolved inside the root, as chroot would. */
/* Where a physical resolution ends. */
struct fsroot_walk {
	char *canon;	/* canonical path, relative to the root */
	struct stat st; /* of what it names */
};

void fsroot_walk_done(struct fsroot_walk *w);
/* "a" + "b" -> "a/b"; "" + "b" -> "b". */
char *fsroot_join(const char *a, const char *b);
char *fsroot_host_path(const struct filectx *ctx, const char *canon);
/* Open a canonical path, one component at a time, never following a symlink. */
int fsroot_open(const struct filectx *ctx, const char *canon, int flags);
/*
 * Resolve `path` (absolute, or relative to the canonical directory `base`) physically
 * inside the root, following every symlink, also the last one, as chroot would.
 */
int fsroot_resolve(const struct filectx *ctx, const char *base, const char *path,
		   struct fsroot_walk *w);
/* Does the absolute path name a regular file in the root? Fills *w on success. */
int fsroot_find_regular(const struct filectx *ctx, const char *path,
			struct fsroot_walk *w);
/* "/a/./b/../c//" -> "/a/c", lexically; ".." of "/" is "/". NULL on ENOMEM. */
char *fsroot_normalize(const char *path);
int fsroot_has_dotdot(const char *path);

/* ldconf.c: the root's /etc/ld.so.conf. */
int ldconf_dirs(struct filectx *ctx, const struct strv **ret);

/* ldso.c: the library search ld.so makes. */
struct ldso_object {
	const struct elf_info *info;
	const char *origin; /* absolute directory it was found in, for $ORIGIN */
	/* DT_RPATH chain of the objects that loaded it */
	const struct strv *loader_rpaths;
	struct strv rpaths; /* own DT_RPATH (unless DT_RUNPATH) + loader_rpaths */
	struct strv search; /* the full search order for its DT_NEEDED */
	size_t ldconf_begin, ldconf_end; /* search[] from ld.so.conf, not built in */
};

int ldso_search_order(struct filectx *ctx, struct ldso_object *o);
/*
 * As ld.so: the first candidate that fits. When none fits but one exists that is not
 * ELF or of another kind, that one is named (-ENOEXEC): "not found" would send the
 * user looking for a file that is there.
 */
int ldso_find_library(struct filectx *ctx, const struct ldso_object *o, const char *name,
		      char **ret, size_t *ret_index);

#endif
