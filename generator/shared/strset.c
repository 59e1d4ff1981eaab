/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A set of strings: the names in insertion order, indexed by hashindex. */
#include <errno.h>
#include <stdlib.h>

#include "strset.h"

static const char *item_at(size_t pos, const void *userdata)
{
	const struct strset *set = userdata;
	return set->items.v[pos];
}

int strset_contains(const struct strset *set, const char *s)
{
	return hashindex_find(&set->index, s, item_at, set) >= 0;
}

int strset_add(struct strset *set, const char *s)
{
	int r;

	if (strset_contains(set, s))
		return 0;
	r = strv_push(&set->items, s);
	if (r < 0)
		return r;
	r = hashindex_add(&set->index, s, set->items.n, item_at, set);
	if (r < 0) {
		free(set->items.v[--set->items.n]);
		set->items.v[set->items.n] = NULL;
		return r;
	}
	return 1;
}

void strset_clear(struct strset *set)
{
	strv_clear(&set->items);
	hashindex_clear(&set->index);
}
