/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A set of strings: the names in insertion order, indexed by hashindex. */
#ifndef MKINITRAMFS_STRSET_H
#define MKINITRAMFS_STRSET_H

#include "hashindex.h"
#include "strv.h"

struct strset {
	struct strv items; /* owned copies, in the order they were added */
	struct hashindex index;
};

/* 1 when `s` was added (copied), 0 when it was there already, or -ENOMEM. */
int strset_add(struct strset *set, const char *s);
int strset_contains(const struct strset *set, const char *s);
void strset_clear(struct strset *set);

#endif
