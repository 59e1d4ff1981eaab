/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The module pipeline's private tables, only for the files of generator/modules/. */
#ifndef MKINITRAMFS_MODULES_INTERNAL_H
#define MKINITRAMFS_MODULES_INTERNAL_H

#include <sys/stat.h>

#include "kmodlib.h"
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "firmware.h"
#include "modcompress.h"
#include "modalias.h"
#include "modconf.h"
#include "moddep.h"
#include "modname.h"
#include "stage.h"
#include "strv.h"
#include "util.h"

enum edge_kind {
	EDGE_HARD,
	EDGE_PRE,
	EDGE_POST,
	EDGE_WEAK,
};

#define EDGE_BIT(k) (1u << (k))

struct mod;

struct edge {
	struct mod *to;
	enum edge_kind kind;
	const char *via; /* the softdep word when it was an alias (owned by its lookup) */
};

struct mod {
	char *name; /* normalised by libkmod: '-' is '_' */
	struct kmod_module *km;
	char *path; /* the file libkmod (so depmod) chose, as the user sees it (ROOT/...);
		       NULL for a builtin */
	char *inroot;	/* the same inside the root ("/lib/modules/..."), for sysroot_open
			 */
	char *real;	/* the host path it was read from, symlink-free, and its inode: */
	struct stat st; /* the image gets that inode or nothing (stage.h) */
	char *relpath;	/* under lib/modules/<kver>/, compression suffix removed */
	int compressed;
	int builtin;
	int absent; /* no file and not builtin: a modprobe.d alias to nothing */
	struct edge *edges;
	size_t nedges;
	int expanded;
	struct strv firmware;
	struct strv aliases; /* its modinfo's, which depmod copies into modules.alias */
	bool firmware_read;  /* modinfo read (and the file checked) */
	off_t size;

	/* Per resolve. */
	int included;
	int root_always, root_match, root_required, root_optional;
	int root_request, root_console, root_console_match, root_deferred;
	int root_early; /* matched early ('e'), not queued behind the root */
	int in_required, in_optional, in_always, match;
	int request, in_console, match_console; /* plan flags 'r', 'ak', 'mk' */
	int in_deferred;			/* 'ad' unless loaded sooner */
	struct strv reasons;
	size_t more_reasons;
	struct strv params;	/* from requests, after the options */
	struct mod *match_root; /* for a post softdep of an on-match module */
	int state;		/* ordering: 0 new, 1 visiting, 2 placed */
	int hstate;		/* the same for the hard dependency cycle check */
	size_t index;
	unsigned stamp;
	unsigned weak_stamp; /* moddep.c: is a weak target placed before it? */
	/* Per stage: the path in the image when the file is kept compressed (the
	 * kernel decompresses it; modcompress.c), else NULL and relpath is used. */
	char *image_relpath;
	bool lazy; /* per stage: compressed one by one for the image's unzstd ('u') */
};

/* "weakdep PATTERN WORD...", from modules.weakdep or modprobe.d (modweak.c). */
struct weak_rule {
	char *pattern;
	struct strv words;
};

/* A file of the tree read whole, once: the same bytes for every image built from it. */
struct tree_file {
	char *data; /* NUL-terminated; NULL when the tree has no such file */
	size_t size;
	int loaded;
};

enum {
	TREE_ORDER,
	TREE_BUILTIN,
	TREE_BUILTIN_MODINFO,
	_TREE_FILES,
};

struct request;
struct missing_fw;
struct depline;

/*
 * The tree the modules come from, as the user names it and as libkmod reads it, with
 * the caches of its files that staging copies into the image.
 */
struct modsource {
	char *root;
	char *kver;
	char *moddir;  /* ROOT/lib/modules/KVER, as the user names it */
	char *kmoddir; /* as libkmod reports it (a snapshot under -r), for its paths */
	struct tree_file files[_TREE_FILES];
};

/*
 * What a resolve produces and staging consumes: the modules in load order with their
 * firmware, and how they are to go into the image (moddep_keep_compressed()).
 */
struct modclosure {
	struct mod **order;
	size_t norder;
	struct firmware_set fw;
	/* The kernel config's word on module decompression when this build keeps
	 * compressed modules (else NULL), and the segment they go into. */
	const struct modcompress *keep;
	struct stage *keep_stage;
	/* A generic image: the modules not kept as they are and not loaded at every
	 * boot are compressed one by one into keep_stage, for the image's unzstd
	 * helper (plan flag 'u'). */
	bool lazy;
};

struct moddep {
	struct modsource src;
	struct kmod_ctx *ctx;

	void *mods_by_name; /* tsearch tree of struct mod * */
	struct mod **mods;
	size_t nmods, capmods;
	void *lookups; /* tsearch tree of struct lookup * */

	struct request *reqs;
	size_t nreqs, capreqs;

	struct modconf *conf; /* the root's modprobe.d, read once by moddep_new */

	/* modules.dep split in place, its lines found by relpath in an open-addressing
	 * table (a kernel has thousands; a build looks up a few). */
	char *deptext;
	struct depline *deplines;
	size_t ndeplines;
	struct depline **deptable;
	size_t deptable_size; /* a power of two, at least twice ndeplines */
	int deplines_loaded;
	/* The same lines by module name (moddep_names()), made on first use. */
	struct depline **nametable; /* deptable_size slots */
	int names_loaded;
	/* modules.alias.bin and modules.builtin.alias.bin (modalias.h), mapped on first
	 * use; NULL when absent (no builtin aliases) or unreadable (libkmod answers). */
	struct modalias_index *alias_index, *builtin_alias_index;
	int alias_indexes_loaded, builtin_aliases_absent;

	/* The result of the last resolve. */
	int resolved;
	struct modclosure closure;
	void *fw_seen; /* names already looked up */
	struct missing_fw *missing;
	size_t nmissing, capmissing;
	unsigned long long module_bytes;
	size_t install_commands;

	/* Weak dependencies (modweak.c). */
	struct weak_rule *weak_rules;
	size_t nweak_rules;
	bool weak_tree_file; /* the tree has modules.weakdep (depmod of kmod 33+) */

	/* The kernel config's word on module decompression, read once (modcompress.c). */
	struct modcompress kernel;
};

/*
 * modstage.c: a resolved closure into the image: module files, firmware, the plan and
 * the indexes busybox modprobe reads. Reads the configuration for options and softdep
 * lines, the source for its files; logs its failures.
 */
struct plan_handlers;
int modstage_closure(struct modsource *src, const struct modconf *conf,
		     const struct modclosure *closure, struct stage *stage,
		     const struct plan_handlers *h); /* h (or NULL): plan_add_handlers */
int modstage_preload(struct modsource *src); /* modules.alias and the tree files */
void modstage_clear(struct modsource *src);  /* frees what staging read */

/* modplan.c: a module's flags in the plan (abi.h), for the plan and for -v. */
int modplan_flags(const struct mod *mod, char *buf);

/* modweak.c: weak dependencies, read from the files libkmod 33+ reads them from. */
int modweak_load(struct moddep *m, const char *const *confdirs); /* NULL-terminated */
/* The words of the next weakdep rule matching `name` from *pos on (start at 0), or NULL.
 */
const struct strv *modweak_next(const struct moddep *m, const char *name, size_t *pos);
void modweak_clear(struct moddep *m);

#endif
