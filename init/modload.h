/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load the plan's modules with their parameters, on order and on modalias match. */
#ifndef INIT_MODLOAD_H
#define INIT_MODLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "plan.h"

#define MODLOAD_PARAMS_MAX 4096
/* finit_module(2)'s MODULE_INIT_COMPRESSED_FILE (linux/module.h, Linux 5.17): the
 * kernel decompresses the file; musl ships no kernel headers. */
#define MODLOAD_COMPRESSED_FILE 4

struct modload_stats {
	unsigned loaded;
	unsigned failed_required;
	unsigned failed_optional;
	unsigned skipped;
};

void modload_init(struct plan *plan, const struct cmdline *cmd);
/*
 * Open a batch: until modload_batch_run(), modload_always() and modload_match() queue
 * modules (after their deps) instead of loading them. No-op on a machine with one CPU:
 * modules then load at once, one at a time.
 */
void modload_batch_begin(void);
/*
 * Load the batch's modules, up to one per CPU at once, each after its deps are done
 * (loaded or failed: a failed dep's module is tried anyway, the kernel says why it
 * cannot load), logging as loading in place does. Closes the batch. Returns the number
 * of devices' matches loaded in it.
 */
int modload_batch_run(void);
/* Load every 'a' module, in plan order ('k' ones only after modload_console()). Returns
 * -ENOENT-like error of the first required failure (the boot goes on anyway: the root may
 * not need it); in a batch, 0. */
int modload_always(void);
/* Load every 'm' module that has an A record matching a device's modalias, with its
 * deps ('k' ones only once modload_console() was called). Returns the number loaded. */
int modload_match(const char *modalias);
/*
 * The kernel's request_module(): a module by its name, else every module with an A
 * record matching name (modules.alias, such as "crypto-xts"), with its deps. Returns
 * the number loaded, 0 when the plan has none, or the error of a failed load.
 */
int modload_name(const char *name);
/*
 * A person is about to type (a passphrase prompt, the shell): load the 'k' modules
 * (keyboards) now, and match devices to 'k' ones from now on; every driver queued root
 * first loads now, and none waits from now on. Once; no-op without plan.
 */
void modload_console(void);
/*
 * For the shell: modload_console(), then every module still compressed for unzstd
 * ('u') decompressed, since a person's modprobe reads the image's modules.dep, which
 * names the .ko files.
 */
void modload_shell(void);
/*
 * The root has not appeared after `seconds`: load the 'd' modules (drivers of devices
 * the generator saw off the root's path), in case it is behind one after all. Once;
 * logs one line. Returns how many were waiting.
 */
int modload_deferred(unsigned seconds);
/* The filesystem `type` is about to be mounted: its module on request ("fs-TYPE", the
 * name the kernel asks for), when the plan has it and it is not loaded yet. */
void modload_fs(const char *type);
/* The root's type is unknown: every module the plan loads only on request. */
void modload_requested_all(void);
/*
 * Root first: from now (on) devices' matches of 'm' modules (not 'e') wait in a queue
 * (devqueue.c) instead of loading; a network root's image does not hold them.
 */
void modload_hold(bool on);
/*
 * Load the cheapest queued driver (with its deps), up to one per CPU at once. Returns
 * how many were taken from the queue: 0 when it is empty.
 */
int modload_queue_step(void);
/* Whether any module waits for a modalias match (a generic image). */
bool modload_has_match(void);
/* The parameter string for module i: the plan's, then the kernel command line's. */
int modload_params(size_t i, char *buf, size_t cap);
const struct modload_stats *modload_stats(void);
/* Log one line naming the modules that failed, with their errno names. */
void modload_log_failures(int level);

#endif
