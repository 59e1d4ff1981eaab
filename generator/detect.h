/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Autodetect's part of a build: the host's modules, root stacks and the journal's facts.
 */
#ifndef MKINITRAMFS_DETECT_H
#define MKINITRAMFS_DETECT_H

#include <stddef.h>

#include "build.h"
#include "hooks.h"
#include "modules/moddep.h"
#include "rootstack.h"
#include "strv.h"

/*
 * What the autodetect hook found, for the hooks applied after it (detect_filter()), the
 * stack proof, -M and the input journal. Filled by detect_run(); the build owns it.
 */
struct detect {
	int ran; /* an autodetect hook has run: filter later hooks' modules */
	struct strv detected; /* module names the host's devices and mounts need */
	struct strv on_stack; /* those the root's and resume's stacks need themselves */
	char *rootfs;	      /* the root's filesystem type */
	struct rootstack stacks[2]; /* root's and resume's */
	size_t nstacks;
	char *facts; /* what was read (sysfs, mountinfo), for the journal */
	const struct build_request *req; /* borrowed from the build */
	struct moddep *moddep;		 /* borrowed: its names and requests */
};

void detect_clear(struct detect *d);

/*
 * Read the host (req->sysfs, mountinfo, the command line): the modules its devices and
 * loaded modules stand for, the root's filesystem, the root's and resume's stacks, whose
 * modules are requested from `m` at boot. Logs its failures. A second autodetect hook
 * in one build reads the devices again but keeps the stacks of the first.
 */
int detect_run(struct detect *d, const struct build_request *req, struct moddep *m);

/*
 * A hook's module after autodetect: 1 kept (the host needs it), loading as *ret_load
 * says (at boot for what the root's or resume's stack needs or LOAD=early, else
 * deferred), 0 left out, or a negative errno (logged). spec is looked up once for both.
 */
int detect_filter(const struct detect *d, const struct hook *hook, const char *spec,
		  const char *origin, enum moddep_load *ret_load);

/*
 * The facts as they are now (userdata: the build_request), for the fast no-op: the same
 * reads as detect_run()'s, without libkmod. Quiet: when anything fails, the full build
 * says it (negative errno; -EAGAIN when reading them warned).
 */
int detect_facts_now(void *userdata, char **ret);

#endif
