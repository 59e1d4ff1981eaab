/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A kmod alias index (modules.alias.bin) searched as a trie of glob patterns. */
#ifndef MKINITRAMFS_MODALIAS_H
#define MKINITRAMFS_MODALIAS_H

#include "strv.h"

/*
 * depmod's binary index: a trie whose keys are modalias patterns (fnmatch globs) and
 * whose values are module names. libkmod answers a device's modalias by collecting
 * every pattern below the first wildcard of the key's path and fnmatch()ing each: the
 * 2,000 patterns under "acpi*" for each ACPI device, 130 us a lookup. Here a '*' is
 * tried at each position of the key and the trie below it is followed literally, so
 * only the patterns that can still match are visited.
 */
struct modalias_index;

/* Map `path` (a regular file); -EBADMSG when it is not a kmod index of version 2. */
int modalias_open(const char *path, struct modalias_index **ret);
void modalias_free(struct modalias_index *ix);

/*
 * Add to `names` (once each) the value of every pattern P of the index with
 * fnmatch(P, key, 0) == 0: the set libkmod's wildcard search returns for `key`.
 * 0, -ENOMEM, -EBADMSG (a corrupt index), or -E2BIG when the search grew too large
 * (patterns with many wildcards): the caller asks libkmod instead.
 */
int modalias_match(const struct modalias_index *ix, const char *key, struct strv *names);

#endif
