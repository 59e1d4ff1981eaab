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
/* Load every 'a' module, in plan order. Returns -ENOENT-like error of the first
 * required failure (the boot goes on anyway: the root may not need it). */
int modload_always(void);
/* Load every 'm' module that has an A record matching modalias, with its deps.
 * Returns the number of modules loaded. */
int modload_match(const char *modalias);
/*
 * The kernel's request_module(): a module by its name, else every module with an A
 * record matching name (modules.alias, such as "crypto-xts"), with its deps. Returns
 * the number loaded, 0 when the plan has none, or the error of a failed load.
 */
int modload_name(const char *name);
/* Whether any module waits for a modalias match (a generic image). */
bool modload_has_match(void);
/* The parameter string for module i: the plan's, then the kernel command line's. */
int modload_params(size_t i, char *buf, size_t cap);
const struct modload_stats *modload_stats(void);
/* Log one line naming the modules that failed, with their errno names. */
void modload_log_failures(int level);

#endif
