/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The modprobe.d configuration of the root, as an object of its own: read once from
 * libkmod's view of it (less what libkmod took from the build host's kernel command
 * line), then only read by the resolution (softdeps, blacklist) and the staging
 * (options). It knows nothing of the closure.
 */
#ifndef MKINITRAMFS_MODCONF_H
#define MKINITRAMFS_MODCONF_H

#include <libkmod.h>
#include <stddef.h>

#include "strv.h"

struct softdep_rule {
	char *pattern;
	char *text; /* "pre: a b post: c" */
	struct strv pre, post;
};

struct option {
	char *name;
	char *value;
};

struct modconf {
	struct softdep_rule *rules;
	size_t nrules;
	struct option *options;
	size_t noptions;
	void *blacklist;      /* tsearch tree of char * */
	struct strv aliases;  /* modprobe.d's alias names: fnmatch patterns */
	struct strv commands; /* the names of its install and remove commands */
};

/* The softdep rules, options and blacklist of the configuration `ctx` read. */
int modconf_new(struct kmod_ctx *ctx, struct modconf **ret);
void modconf_free(struct modconf *conf);
/* `name` (normalised) is blacklisted. */
int modconf_blacklisted(const struct modconf *conf, const char *name);
/* 1 when a modprobe.d alias matches `name`: libkmod's lookup answers those before any
 * module of that name. */
int modconf_aliased(const struct modconf *conf, const char *name);
/* 1 when an install or remove command is named `name`: libkmod's lookup answers it with
 * that name before any modules.alias pattern. */
int modconf_commanded(const struct modconf *conf, const char *name);
/* libkmod uses the first softdep rule whose pattern matches, and only that one. */
const struct softdep_rule *modconf_find_rule(const struct modconf *conf,
					     const char *name);

#endif
