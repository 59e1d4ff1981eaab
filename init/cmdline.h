/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel command line: what the init needs of it, parsed once from a copy. */
#ifndef INIT_CMDLINE_H
#define INIT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_MAX 4096
#define CMDLINE_MAX_ARGS 256
#define CMDLINE_MAX_BLACKLIST 64

struct cmdline {
	char buf[CMDLINE_MAX];
	/* Every word, quotes kept (the kernel's module parameter parser wants them). */
	const char *args[CMDLINE_MAX_ARGS];
	size_t n_args;
	const char *root;
	const char *rootfstype;
	const char *rootflags;
	const char *init;
	bool rw;
	bool rootwait;
	/* rootdelay=N in seconds; -1 when not given. */
	long rootdelay;
	bool quiet;
	bool debug;
	bool rd_break;
	/* resume= (a root= style spec), resume_offset= in pages, noresume. */
	const char *resume;
	const char *resume_offset;
	bool noresume;
	const char *blacklist[CMDLINE_MAX_BLACKLIST];
	size_t n_blacklist;
	/* Set when the line or a list did not fit: reported, never silently cut. */
	bool truncated;
};

/* Parse text (the content of /proc/cmdline). Never fails: it keeps what fits. */
void cmdline_parse(struct cmdline *c, const char *text);
bool cmdline_blacklisted(const struct cmdline *c, const char *module);
/*
 * Iterate over "module.param=value" words for module (dash/underscore equivalent):
 * start with *pos = 0; returns "param=value" (quotes kept) or NULL at the end.
 */
const char *cmdline_next_modparam(const struct cmdline *c, const char *module,
				  size_t *pos);

#endif
