/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bounded string building and small parsers used everywhere in the init. */
#include <errno.h>
#include <string.h>

#include "str.h"

void str_init(struct str *s, char *buf, size_t cap)
{
	s->buf = buf;
	s->len = 0;
	s->cap = cap;
	s->truncated = cap == 0;
	if (cap)
		buf[0] = '\0';
}

void str_addn(struct str *s, const char *text, size_t n)
{
	size_t room;

	if (!s->cap)
		return;
	room = s->cap - 1 - s->len;
	if (n > room) {
		n = room;
		s->truncated = true;
	}
	memcpy(s->buf + s->len, text, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

void str_add(struct str *s, const char *text)
{
	str_addn(s, text ? text : "(null)", strlen(text ? text : "(null)"));
}

void str_addc(struct str *s, char c)
{
	str_addn(s, &c, 1);
}

static void add_unsigned(struct str *s, unsigned long long v, unsigned base)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	str_addn(s, tmp + i, sizeof(tmp) - i);
}

void str_vaddf(struct str *s, const char *fmt, va_list ap)
{
	for (const char *p = fmt; *p; p++) {
		unsigned long long u;
		long long d;
		int lng = 0;

		if (*p != '%') {
			const char *q = strchr(p, '%');
			size_t n = q ? (size_t)(q - p) : strlen(p);

			str_addn(s, p, n);
			p += n - 1;
			continue;
		}
		p++;
		while (*p == 'l' || *p == 'z') {
			lng += *p == 'z' ? 2 : 1;
			p++;
		}
		switch (*p) {
		case 's':
			str_add(s, va_arg(ap, const char *));
			break;
		case 'c':
			str_addc(s, (char)va_arg(ap, int));
			break;
		case 'd':
			d = lng >= 2   ? va_arg(ap, long long)
			    : lng == 1 ? va_arg(ap, long)
				       : va_arg(ap, int);
			if (d < 0) {
				str_addc(s, '-');
				u = 0ull - (unsigned long long)d;
			} else {
				u = (unsigned long long)d;
			}
			add_unsigned(s, u, 10);
			break;
		case 'u':
		case 'x':
			u = lng >= 2   ? va_arg(ap, unsigned long long)
			    : lng == 1 ? va_arg(ap, unsigned long)
				       : va_arg(ap, unsigned);
			add_unsigned(s, u, *p == 'x' ? 16 : 10);
			break;
		case '%':
			str_addc(s, '%');
			break;
		default:
			/* An unknown conversion is a bug in the caller: show it. */
			str_addc(s, '%');
			if (*p)
				str_addc(s, *p);
			else
				p--;
			break;
		}
	}
}

void str_addf(struct str *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	str_vaddf(s, fmt, ap);
	va_end(ap);
}

int str_copy(char *dst, size_t cap, const char *src)
{
	struct str s;

	str_init(&s, dst, cap);
	str_add(&s, src);
	return s.truncated ? -ENAMETOOLONG : 0;
}

int str_to_uint(const char *text, unsigned long *ret)
{
	unsigned long v = 0;

	if (!text || !*text)
		return -EINVAL;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (~0ul - 9) / 10)
			return -ERANGE;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	*ret = v;
	return 0;
}

bool str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static char modchar(char c)
{
	return c == '-' ? '_' : c;
}

bool str_modname_eq(const char *a, const char *b, size_t blen)
{
	size_t i;

	for (i = 0; i < blen && a[i]; i++)
		if (modchar(a[i]) != modchar(b[i]))
			return false;
	return i == blen && a[i] == '\0';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool str_caseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower(*a) != lower(*b))
			return false;
	return *a == *b;
}

void str_chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* One [...] class at p (just after '['); NULL when unterminated ('[' is then literal). */
static const char *glob_class(const char *p, unsigned char c, bool *ret_match)
{
	const char *start;
	bool neg = false, hit = false;

	if (*p == '!' || *p == '^') {
		neg = true;
		p++;
	}
	start = p;
	while (*p && (*p != ']' || p == start)) {
		unsigned char lo = (unsigned char)*p, hi;

		if (lo == '\\' && p[1])
			lo = (unsigned char)*++p;
		p++;
		hi = lo;
		if (*p == '-' && p[1] && p[1] != ']') {
			p++;
			if (*p == '\\' && p[1])
				p++;
			hi = (unsigned char)*p++;
		}
		if (c >= lo && c <= hi)
			hit = true;
	}
	if (*p != ']')
		return NULL;
	*ret_match = hit != neg;
	return p + 1;
}

bool str_glob(const char *p, const char *t)
{
	const char *star_p = NULL, *star_t = NULL;

	while (*t) {
		if (*p == '*') {
			star_p = ++p;
			star_t = t;
			continue;
		}
		if (*p == '?') {
			p++;
			t++;
			continue;
		}
		if (*p == '[') {
			bool match;
			const char *next = glob_class(p + 1, (unsigned char)*t, &match);

			if (next && match) {
				p = next;
				t++;
				continue;
			}
			if (next)
				goto backtrack;
		}
		{
			char c = *p;
			const char *np = p + 1;

			if (c == '\\' && p[1]) {
				c = p[1];
				np = p + 2;
			}
			if (c && c == *t) {
				p = np;
				t++;
				continue;
			}
		}
	backtrack:
		/* Let the last '*' swallow one more character and retry from there. */
		if (!star_p)
			return false;
		p = star_p;
		t = ++star_t;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
