/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The module files of a kernel tree, by path, for hooks that name whole directories. */
#ifndef MKINITRAMFS_MODTREE_H
#define MKINITRAMFS_MODTREE_H

#include "strv.h"

struct modtree;

/* Open <root>/lib/modules/<kver>; its directories are walked as patterns need them
 * (symlinked directories are not followed), each once. */
int modtree_new(const char *root, const char *kver, struct modtree **ret);
void modtree_free(struct modtree *t);

/*
 * Append to `names` the module names (dashes as underscores) whose path relative to
 * the kernel directory, without ".ko" and a compression suffix, matches the fnmatch
 * pattern (no FNM_PATHNAME: '*' crosses '/'). Names already in `names` are skipped.
 * Returns how many were added.
 */
int modtree_match(struct modtree *t, const char *pattern, struct strv *names);

#endif
