/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bounded strings without stdio or malloc: a builder that records truncation. */
#ifndef INIT_STR_H
#define INIT_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A builder over a caller's buffer; always NUL-terminated, never overflows. */
struct str {
	char *buf;
	size_t len;
	size_t cap;
	bool truncated;
};

void str_init(struct str *s, char *buf, size_t cap);
void str_add(struct str *s, const char *text);
void str_addn(struct str *s, const char *text, size_t n);
void str_addc(struct str *s, char c);
/* A small printf: %s %c %d %u %x %%, with l/ll/z modifiers. */
void str_addf(struct str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void str_vaddf(struct str *s, const char *fmt, va_list ap);

/* Copy into a fixed buffer; returns -ENAMETOOLONG (and a cut copy) on truncation. */
int str_copy(char *dst, size_t cap, const char *src);
/* Parse a decimal unsigned number that must end at the end of the string. */
int str_to_uint(const char *text, unsigned long *ret);
bool str_startswith(const char *s, const char *prefix);
/* Module names compare with '-' and '_' equivalent, as kmod does. */
bool str_modname_eq(const char *a, const char *b, size_t blen);
/* ASCII case-insensitive equality, for UUIDs. */
bool str_caseeq(const char *a, const char *b);
/*
 * fnmatch(3) without flags, as modules.alias patterns use it: '*', '?', '[a-z]',
 * '[!x]' and backslash escapes. musl's fnmatch would pull in 12 KiB of wide-char tables.
 */
bool str_glob(const char *pattern, const char *text);
/* Strip one trailing newline and trailing spaces in place. */
void str_chomp(char *s);

#endif
