/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Paths, lexically: normalisation, and the component walk the chroot-style resolvers
 * share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "util.h"

/* Drop the last component of out[0..*o), with its separating slash. */
static int pop_component(char *out, size_t *o, unsigned flags)
{
	if (*o == 0)
		return flags & PATH_CLAMP ? 0 : -EXDEV;
	while (*o > 0 && out[*o - 1] != '/')
		(*o)--;
	if (*o > 0)
		(*o)--;
	return 0;
}

int path_normalise(const char *path, unsigned flags, char **ret)
{
	char *out = malloc(strlen(path) + 2);
	const char *p = path;
	size_t o = 0;

	if (!out)
		return -ENOMEM;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		int dot = n == 1 && p[0] == '.',
		    dotdot = n == 2 && p[0] == '.' && p[1] == '.';
		int r = 0;
		if ((dot || dotdot) && (flags & PATH_STRICT))
			r = -EINVAL;
		else if (dotdot)
			r = pop_component(out, &o, flags);
		else if (!dot) {
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		if (r < 0) {
			free(out);
			return r;
		}
		p = end;
	}
	if (o == 0 && (flags & PATH_STRICT)) {
		free(out);
		return -EINVAL;
	}
	out[o] = '\0';
	if (flags & PATH_ABSOLUTE) {
		memmove(out + 1, out, o + 1);
		out[0] = '/';
	}
	*ret = out;
	return 0;
}

/* One component of `rest` from *pos into buf; 0 when none is left. */
int path_next_component(const char *rest, size_t *pos, char *buf, size_t size)
{
	const char *p = rest + *pos, *end;

	while (*p == '/')
		p++;
	if (!*p)
		return 0;
	end = strchrnul(p, '/');
	if ((size_t)(end - p) >= size)
		return -ENAMETOOLONG;
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
	*pos = (size_t)(end - rest);
	return 1;
}

int path_at_end(const char *rest, size_t pos)
{
	while (rest[pos] == '/')
		pos++;
	return !rest[pos];
}

/* Replace the walked part of *rest with a symlink's target. */
int path_splice(char **rest, size_t *pos, const char *target)
{
	const char *tail = *rest + *pos;
	char *s;

	while (*tail == '/')
		tail++;
	if (asprintf(&s, "%s%s%s", target, *tail ? "/" : "", tail) < 0)
		return -ENOMEM;
	free(*rest);
	*rest = s;
	*pos = 0;
	return 0;
}
