/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "Did you mean": the closest known word to a misspelt one. */
#ifndef MKINITRAMFS_SUGGEST_H
#define MKINITRAMFS_SUGGEST_H

#include <stddef.h>

/* Edit distance (insert, delete, substitute one byte; case-insensitive), capped at 255.
 */
unsigned suggest_distance(const char *a, const char *b);

/*
 * The candidate closest to `word`, or NULL when none is close enough to be a plausible
 * misspelling (distance at most a third of the longer word, rounded up; or one is a
 * prefix of the other, as HOOK for HOOKS). `n` candidates, or NULL-terminated when
 * `n` is (size_t)-1.
 */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif
