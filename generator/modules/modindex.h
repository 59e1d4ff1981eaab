/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The text indexes of the image's module subset, for busybox modprobe in a rescue shell.
 */
#ifndef MKINITRAMFS_MODINDEX_H
#define MKINITRAMFS_MODINDEX_H

#include <stddef.h>

struct modindex_module {
	const char *name;    /* normalised */
	const char *relpath; /* under lib/modules/<kver>/, compression suffix removed */
	const char *const
		*deps; /* relpaths of its hard dependencies, load order reversed */
	size_t ndeps;
	const char *const *aliases; /* modalias patterns */
	size_t naliases;
	const char *softdep; /* "pre: a b post: c", or NULL */
};

/* What busybox (and kmod's text readers) expect, one allocated string each. */
struct modindex_text {
	char *dep;     /* "kernel/a.ko: kernel/b.ko kernel/c.ko" */
	char *alias;   /* "alias PATTERN NAME" */
	char *softdep; /* "softdep NAME pre: ... post: ..." */
	char *order;   /* one relpath a line */
};

/*
 * Render the four files for `mods` (in load order). `order` is the tree's modules.order
 * text or NULL: the subset keeps its order there, and modules it does not list follow
 * in load order.
 */
int modindex_render(const struct modindex_module *mods, size_t n, const char *order,
		    struct modindex_text *ret);
void modindex_text_clear(struct modindex_text *t);

#endif
