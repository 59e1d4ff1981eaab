/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel modules: the ordered closure of what was asked for, through libkmod. */
#ifndef MKINITRAMFS_MODDEP_H
#define MKINITRAMFS_MODDEP_H

#include <stdio.h>

#include "modcompress.h"
#include "stage.h"
#include "strv.h"

struct moddep;

/* How a requested module is to be loaded by the init. */
enum moddep_load {
	MODDEP_LOAD_ALWAYS,   /* at boot, before looking for root */
	MODDEP_LOAD_ON_MATCH, /* when a device's modalias matches (generic images) */
	/* Generic images: only when asked for by name or alias (the root's filesystem,
	 * the kernel's request_module()), or every one when the root's type is unknown.
	 */
	MODDEP_LOAD_ON_REQUEST,
	/* ALWAYS and ON_MATCH, but only once a person must type (keyboards). */
	MODDEP_LOAD_CONSOLE,
	MODDEP_LOAD_CONSOLE_MATCH,
	/* Host images: a device's driver the root does not need: only if the root is
	 * late or a person must type (abi.h's 'd'). */
	MODDEP_LOAD_DEFERRED,
	/* Generic images: ON_MATCH, but loaded at once, not queued behind the root
	 * (abi.h's 'e': a hook's LOAD=early, kms). */
	MODDEP_LOAD_EARLY_MATCH,
};

/*
 * Open the module tree `<root>/lib/modules/<kver>` with its modprobe.d configuration
 * from `<root>/etc/modprobe.d`, `<root>/usr/lib/modprobe.d` and `<root>/lib/modprobe.d`.
 * -ENOENT: no such kernel directory; -ENOEXEC: the tree was never run through depmod
 * (no modules.dep.bin).
 */
int moddep_new(const char *root, const char *kver, struct moddep **ret);
void moddep_free(struct moddep *m);

/*
 * Ask for a module. `spec` is a MODULES entry: a module name or an alias, optionally
 * followed by parameters ("nbd nbds_max=1024"), optionally with a trailing '?' on the
 * name (optional: missing is fine). `origin` says who asked ("config", "hook 'block'").
 * -ENOENT when a required module is not in the tree (optional ones return 0). Logs
 * what failed, naming the module, the tree and who asked.
 */
int moddep_request(struct moddep *m, const char *spec, const char *origin,
		   enum moddep_load load);

/*
 * The module names (underscores) a name or alias stands for in this tree, after
 * modprobe.d aliases; none is not an error (returns 0 with nothing added). Builtin
 * modules are included, so a caller can tell "needed and builtin" from "unknown".
 */
int moddep_lookup(struct moddep *m, const char *name_or_alias, struct strv *names);
/*
 * The same names, without libkmod's lookup (which parses dependency lines and stats
 * every dependency's file) when the answer is known from the tree's modules.dep: a
 * plain module name that it lists, and that no modprobe.d alias matches, stands for
 * itself. Autodetect asks this of every module of the block and keyboard hooks.
 */
int moddep_names(struct moddep *m, const char *name_or_alias, struct strv *names);

/* 1 when `name` (a module name, underscores) is built into the tree's kernel, 0 if not.
 */
int moddep_is_builtin(struct moddep *m, const char *name);

/*
 * Compute the closure and load order. Idempotent; request more and resolve again.
 * Failures are logged, naming the module or file (the caller says nothing more).
 */
int moddep_resolve(struct moddep *m);

/*
 * Add to the stage: the module files (decompressed) under lib/modules/<kver>/, their
 * firmware under lib/firmware/, the plan at ABI_PLAN_PATH, and modules.dep, .alias,
 * .softdep, .builtin (+ .order) for the included subset so busybox modprobe works.
 * h (or NULL) adds the plan's handler records (plan_add_handlers).
 * Failures are logged, naming the module or file (the caller says nothing more).
 */
struct plan_handlers;
int moddep_stage(struct moddep *m, struct stage *stage, const struct plan_handlers *h);

/*
 * Keep the compressed module files that the kernel's config (read by moddep_new) and
 * `mode` (MODULES_DECOMPRESS) say the target kernel decompresses as they are, staged
 * into `segment` (the image's uncompressed first cpio, which must outlive
 * moddep_stage()) with the plan's 'z' flag. NULL or MODCOMPRESS_DECOMPRESS: decompress.
 */
void moddep_keep_compressed(struct moddep *m, enum modcompress_mode mode,
			    struct stage *segment);
/* What the kernel's config says about module decompression (config NULL: none found). */
const struct modcompress *moddep_kernel_compress(const struct moddep *m);
/* After moddep_stage(): how many module files were kept compressed. */
size_t moddep_kept_compressed(const struct moddep *m);
/*
 * After moddep_keep_compressed() with a segment and mode auto: the modules that are not
 * kept as they are and not loaded at every boot (flag 'a') go into that segment
 * compressed one by one (plan flag 'u'), for the image's unzstd helper to decompress
 * those that are loaded. For generic images.
 */
void moddep_lazy(struct moddep *m, bool lazy);
/* How many modules the last staging compressed for the unzstd helper. */
size_t moddep_lazy_count(const struct moddep *m);

/* -v: why each module is in (asked by X, dependency of Y, softdep of Z, alias A), then
 * the totals (modules, firmware files, bytes). */
void moddep_explain(const struct moddep *m, FILE *out);

/* Firmware files named by included modules that were not found (summary warning). */
size_t moddep_missing_firmware(const struct moddep *m);

/* The resolved closure in load order (tests and tools): count, names, host paths. */
size_t moddep_closure_size(const struct moddep *m);
const char *moddep_closure_name(const struct moddep *m, size_t i);
const char *moddep_closure_path(const struct moddep *m, size_t i);

/*
 * Read now the tree's files a build reads later (modules.dep, modules.alias,
 * modules.order, the builtin lists), so that builds forked from this context share
 * them instead of each reading them again. Holds no open file afterwards.
 */
int moddep_preload(struct moddep *m);

/* Forget every request (keeps libkmod and the caches): resolve many sets in one process.
 */
int moddep_reset(struct moddep *m);

#endif
