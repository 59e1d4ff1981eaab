/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable, NULL-terminated vector of owned strings. */
#ifndef MKINITRAMFS_STRV_H
#define MKINITRAMFS_STRV_H

#include <stddef.h>

struct strv {
	char **v; /* NULL-terminated once non-empty; NULL when empty */
	size_t n;
	size_t cap;
};

#define STRV_INIT                                                                        \
	{                                                                                \
		NULL, 0, 0                                                               \
	}

int strv_push(struct strv *s, const char *str); /* copies str */
int strv_push_take(struct strv *s, char *str);	/* takes ownership, even on failure */
int strv_contains(const struct strv *s, const char *str);
int strv_push_unique(struct strv *s, const char *str); /* copies str unless it is there */
int strv_extend(struct strv *s, const struct strv *other); /* copies other's strings */
void strv_clear(struct strv *s); /* frees the strings, keeps the struct usable */
void strv_sort(struct strv *s);
/* Split `str` at any of `seps` and push each non-empty word not already present. */
int strv_push_split(struct strv *s, const char *str, const char *seps);

#endif
