/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one string hash table: FNV-1a, open addressing over the caller's positions. */
#include <errno.h>
#include <stdlib.h>

#include "hashindex.h"
#include "util.h"

#define FNV1A64_OFFSET_BASIS 14695981039346656037ull
#define FNV1A64_PRIME 1099511628211ull
#define HASHINDEX_MIN_SLOTS 32

uint64_t hashindex_hash(const char *s)
{
	uint64_t h = FNV1A64_OFFSET_BASIS;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * FNV1A64_PRIME;
	return h;
}

/* The slot holding `key`, or the empty slot where it would go. */
static size_t slot_of(const struct hashindex *h, const char *key, hashindex_key_fn key_of,
		      const void *userdata)
{
	size_t mask = h->nslots - 1, i = hashindex_hash(key) & mask;

	while (h->slots[i] && !streq(key_of(h->slots[i] - 1, userdata), key))
		i = (i + 1) & mask;
	return i;
}

ptrdiff_t hashindex_find(const struct hashindex *h, const char *key,
			 hashindex_key_fn key_of, const void *userdata)
{
	if (!h->nslots)
		return -1;
	return (ptrdiff_t)h->slots[slot_of(h, key, key_of, userdata)] - 1;
}

static int reindex(struct hashindex *h, size_t nslots, size_t count,
		   hashindex_key_fn key_of, const void *userdata)
{
	struct hashindex bigger = {.slots = calloc(nslots, sizeof(size_t)),
				   .nslots = nslots};

	if (!bigger.slots)
		return -ENOMEM;
	for (size_t pos = 0; pos < count; pos++)
		bigger.slots[slot_of(&bigger, key_of(pos, userdata), key_of, userdata)] =
			pos + 1;
	free(h->slots);
	*h = bigger;
	return 0;
}

int hashindex_add(struct hashindex *h, const char *key, size_t count,
		  hashindex_key_fn key_of, const void *userdata)
{
	int r;

	if (count * 2 > h->nslots) {
		size_t n = h->nslots ? h->nslots * 2 : HASHINDEX_MIN_SLOTS;
		while (count * 2 > n)
			n *= 2;
		r = reindex(h, n, count - 1, key_of, userdata);
		if (r < 0)
			return r;
	}
	h->slots[slot_of(h, key, key_of, userdata)] = count;
	return 0;
}

int hashindex_rebuild(struct hashindex *h, size_t count, hashindex_key_fn key_of,
		      const void *userdata)
{
	size_t n = h->nslots ? h->nslots : HASHINDEX_MIN_SLOTS;

	while (count * 2 > n)
		n *= 2;
	return reindex(h, n, count, key_of, userdata);
}

void hashindex_clear(struct hashindex *h)
{
	free(h->slots);
	*h = (struct hashindex){0};
}
