/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable, NULL-terminated vector of owned strings. */
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "util.h"

int strv_push_take(struct strv *s, char *str)
{
	if (!str)
		return -ENOMEM;
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			free(str);
			return -ENOMEM;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
	return 0;
}

int strv_push(struct strv *s, const char *str)
{
	return strv_push_take(s, strdup(str));
}

int strv_contains(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->v[i], str))
			return 1;
	return 0;
}

void strv_clear(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort(struct strv *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), compare_strings);
}

int strv_push_split(struct strv *s, const char *str, const char *seps)
{
	char *copy = strdup(str), *save = NULL;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (char *w = strtok_r(copy, seps, &save); w && r >= 0;
	     w = strtok_r(NULL, seps, &save))
		if (!strv_contains(s, w))
			r = strv_push(s, w);
	free(copy);
	return r;
}

int strv_push_unique(struct strv *s, const char *str)
{
	return strv_contains(s, str) ? 0 : strv_push(s, str);
}

int strv_extend(struct strv *s, const struct strv *other)
{
	for (size_t i = 0; i < other->n; i++) {
		int r = strv_push(s, other->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}
