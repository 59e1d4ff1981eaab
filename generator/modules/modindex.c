/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The text indexes of the image's module subset, for busybox modprobe in a rescue shell.
 */
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modindex.h"
#include "util.h"

void modindex_text_clear(struct modindex_text *t)
{
	free(t->dep);
	free(t->alias);
	free(t->softdep);
	free(t->order);
	*t = (struct modindex_text){0};
}

static int close_stream(FILE *f, char **buf)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(*buf);
		*buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int render_dep(const struct modindex_module *mods, size_t n, char **ret)
{
	size_t size;
	FILE *f = open_memstream(ret, &size);
	if (!f)
		return -ENOMEM;
	/* modprobe loads the dependencies of a line from the last one to the first. */
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s:", mods[i].relpath);
		for (size_t d = 0; d < mods[i].ndeps; d++)
			fprintf(f, " %s", mods[i].deps[d]);
		fputc('\n', f);
	}
	return close_stream(f, ret);
}

static int render_alias(const struct modindex_module *mods, size_t n, char **ret)
{
	size_t size;
	FILE *f = open_memstream(ret, &size);
	if (!f)
		return -ENOMEM;
	fputs("# Aliases extracted from modules themselves.\n", f);
	for (size_t i = 0; i < n; i++)
		for (size_t a = 0; a < mods[i].naliases; a++)
			fprintf(f, "alias %s %s\n", mods[i].aliases[a], mods[i].name);
	return close_stream(f, ret);
}

static int render_softdep(const struct modindex_module *mods, size_t n, char **ret)
{
	size_t size;
	FILE *f = open_memstream(ret, &size);
	if (!f)
		return -ENOMEM;
	fputs("# Soft dependencies of the modules in this image.\n", f);
	for (size_t i = 0; i < n; i++)
		if (mods[i].softdep && *mods[i].softdep)
			fprintf(f, "softdep %s %s\n", mods[i].name, mods[i].softdep);
	return close_stream(f, ret);
}

static void free_nothing(void *p)
{
	(void)p;
}

static int compare_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int render_order(const struct modindex_module *mods, size_t n, const char *order,
			char **ret)
{
	void *included = NULL, *listed = NULL;
	size_t size;
	int r = 0;
	for (size_t i = 0; i < n; i++)
		if (!tsearch(mods[i].relpath, &included, compare_str))
			r = -ENOMEM;
	FILE *f = open_memstream(ret, &size);
	if (!f)
		r = -ENOMEM;
	for (const char *p = order; r >= 0 && p && *p;) {
		const char *end = strchrnul(p, '\n');
		_cleanup_free_ char *line = strndup(p, (size_t)(end - p));
		if (!line) {
			r = -ENOMEM;
			break;
		}
		/* The tree may list "x.ko" for an installed "x.ko.zst". */
		const char **hit = tfind(line, &included, compare_str);
		if (hit && !tfind(*hit, &listed, compare_str)) {
			if (!tsearch(*hit, &listed, compare_str))
				r = -ENOMEM;
			fprintf(f, "%s\n", *hit);
		}
		p = *end ? end + 1 : end;
	}
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (!tfind(mods[i].relpath, &listed, compare_str))
			fprintf(f, "%s\n", mods[i].relpath);
	tdestroy(included, free_nothing); /* the keys are borrowed */
	tdestroy(listed, free_nothing);
	if (f) {
		int q = close_stream(f, ret);
		if (r >= 0)
			r = q;
		else {
			free(*ret);
			*ret = NULL;
		}
	}
	return r;
}

int modindex_render(const struct modindex_module *mods, size_t n, const char *order,
		    struct modindex_text *ret)
{
	struct modindex_text t = {0};
	int r = render_dep(mods, n, &t.dep);
	if (r >= 0)
		r = render_alias(mods, n, &t.alias);
	if (r >= 0)
		r = render_softdep(mods, n, &t.softdep);
	if (r >= 0)
		r = render_order(mods, n, order, &t.order);
	if (r < 0) {
		modindex_text_clear(&t);
		return r;
	}
	*ret = t;
	return 0;
}
