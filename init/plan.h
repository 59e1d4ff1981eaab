/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The module plan written by the generator (format in abi.h), parsed in place. */
#ifndef INIT_PLAN_H
#define INIT_PLAN_H

#include <stddef.h>

#include "abi.h"

#define PLAN_MAX_ALIASES 65536

/* Bit i is the i-th letter of plan.c's flag_letters. */
enum {
	PLAN_ALWAYS = 1 << 0,
	PLAN_MATCH = 1 << 1,
	PLAN_OPTIONAL = 1 << 2,
	PLAN_SOFTDEP = 1 << 3,
	PLAN_COMPRESSED = 1 << 4, /* 'z': finit_module(MODULE_INIT_COMPRESSED_FILE) */
	PLAN_REQUEST = 1 << 5,	  /* 'r': only when asked for by name or alias */
	PLAN_CONSOLE = 1 << 6,	  /* 'k': only once a person must type */
	PLAN_UNZSTD = 1 << 7,	  /* 'u': .ko.zst, for ABI_UNZSTD_PATH before loading */
	PLAN_DEFERRED = 1 << 8,	  /* 'd': only for a late root or a person */
	PLAN_EARLY = 1 << 9,	  /* 'e': with 'm', at once, not queued behind the root */
};

enum plan_state {
	PLAN_PENDING,
	PLAN_LOADED,
	PLAN_FAILED,
	PLAN_SKIPPED, /* blacklisted */
	PLAN_QUEUED,  /* in a batch (modload.c), waiting for its deps */
	PLAN_LOADING, /* in a batch, its load running */
};

struct plan_module {
	const char *name;
	const char *path;
	const char *deps; /* "1,2" or "" */
	const char *params;
	unsigned flags;
	unsigned char state;
	int err; /* negative errno of the failed load */
};

struct plan_alias {
	const char *pattern;
	unsigned module;
};

struct plan {
	const char *kernel;
	struct plan_module *modules;
	size_t n_modules;
	struct plan_alias *aliases;
	size_t n_aliases;
	size_t line;	   /* the line of the first error, for the message */
	const char *mdadm; /* the R record: mdadm's in-image path, or NULL */
	/* V: the console helper and its four arguments, NULL-terminated; [0] NULL: none
	 */
	char *vconsole[6];
	/* The L record: lvm's in-image path and its --config text, or NULL. */
	const char *lvm, *lvm_config;
};

/*
 * Parse buf (len bytes, buf[len] must be writable: it becomes NUL) in place into
 * plan, whose module and alias arrays are static storage. Returns -EBADMSG on a
 * malformed record (plan->line says where), -EPROTO on an unknown version, -E2BIG
 * beyond the ABI limits.
 */
int plan_parse(struct plan *plan, char *buf, size_t len);
/* The next index in a deps list ("1,2,3"); -1 at the end. */
long plan_next_dep(const char **cursor);

#endif
