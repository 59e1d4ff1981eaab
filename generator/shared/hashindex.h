/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one string hash table: an index from a key to its position in the caller's array.
 */
#ifndef MKINITRAMFS_HASHINDEX_H
#define MKINITRAMFS_HASHINDEX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Open addressing over positions in an array the caller owns (the stage's entries, the
 * configuration's keys, a set's strings), so the array can grow and be reallocated
 * while the index stays valid: it stores positions, never pointers, and asks the caller
 * for the key at a position. Kept at most half full, so lookups and adds stay O(1).
 */
struct hashindex {
	size_t *slots; /* position + 1; 0 = empty */
	size_t nslots; /* 0 or a power of two */
};

/* The key stored at position `pos` of the caller's array. */
typedef const char *(*hashindex_key_fn)(size_t pos, const void *userdata);

/* FNV-1a, 64 bits, over the bytes of `s` up to its NUL. */
uint64_t hashindex_hash(const char *s);

/* The position of `key`, or -1 when it is not indexed. */
ptrdiff_t hashindex_find(const struct hashindex *h, const char *key,
			 hashindex_key_fn key_of, const void *userdata);

/*
 * Make room for `count` positions (grows and re-indexes positions 0..count-2, the
 * ones already there), then index `key` at position count - 1. The caller checked with
 * hashindex_find() that the key is not there.
 */
int hashindex_add(struct hashindex *h, const char *key, size_t count,
		  hashindex_key_fn key_of, const void *userdata);

/* Re-index positions 0..count-1 from scratch (after the caller reordered its array). */
int hashindex_rebuild(struct hashindex *h, size_t count, hashindex_key_fn key_of,
		      const void *userdata);

void hashindex_clear(struct hashindex *h);

#endif
