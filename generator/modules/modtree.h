/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The module files of a kernel tree, by path, for hooks that name whole directories. */
#ifndef MKINITRAMFS_MODTREE_H
#define MKINITRAMFS_MODTREE_H

#include "strv.h"

struct modtree;

/* The tree of <root>/lib/modules/<kver>, opened by the first walk (a missing one is
 * that walk's error); its directories are walked as patterns need them (symlinked
 * directories are not followed), each once. No descriptor stays open between calls. */
int modtree_new(const char *root, const char *kver, struct modtree **ret);
void modtree_free(struct modtree *t);
/* Walk the whole tree now: for a context shared by several builds (-P), which then
 * read it and open nothing of it again. */
int modtree_preload(struct modtree *t);

/*
 * Append to `names` the module names (dashes as underscores) whose path relative to
 * the kernel directory, without ".ko" and a compression suffix, matches the fnmatch
 * pattern (no FNM_PATHNAME: '*' crosses '/'). Names already in `names` are skipped.
 * Returns how many were added.
 */
int modtree_match(struct modtree *t, const char *pattern, struct strv *names);

#endif
