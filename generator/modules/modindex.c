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

/* A tree whose keys are borrowed: only its nodes are freed. */
static void tree_forget(void **root)
{
	tdestroy(*root, free_nothing);
}

static int write_order(FILE *f, const struct modindex_module *mods, size_t n,
		       const char *order, void **included, void **listed)
{
	for (size_t i = 0; i < n; i++)
		if (!tsearch(mods[i].relpath, included, compare_str))
			return -ENOMEM;
	for (const char *p = order; p && *p;) {
		const char *end = strchrnul(p, '\n');
		_cleanup_free_ char *line = strndup(p, (size_t)(end - p));
		if (!line)
			return -ENOMEM;
		/* The tree may list "x.ko" for an installed "x.ko.zst". */
		const char **hit = tfind(line, included, compare_str);
		if (hit && !tfind(*hit, listed, compare_str)) {
			if (!tsearch(*hit, listed, compare_str))
				return -ENOMEM;
			fprintf(f, "%s\n", *hit);
		}
		p = *end ? end + 1 : end;
	}
	for (size_t i = 0; i < n; i++)
		if (!tfind(mods[i].relpath, listed, compare_str))
			fprintf(f, "%s\n", mods[i].relpath);
	return 0;
}

static int render_order(const struct modindex_module *mods, size_t n, const char *order,
			char **ret)
{
	_cleanup_(tree_forget) void *included = NULL;
	_cleanup_(tree_forget) void *listed = NULL;
	size_t size;
	FILE *f = open_memstream(ret, &size);

	if (!f)
		return -ENOMEM;
	int r = write_order(f, mods, n, order, &included, &listed);
	int q = close_stream(f, ret);
	if (r < 0) {
		free(*ret);
		*ret = NULL;
		return r;
	}
	return q;
}

int modindex_render(const struct modindex_module *mods, size_t n, const char *order,
		    struct modindex_text *ret)
{
	_cleanup_(modindex_text_clear) struct modindex_text t = {0};
	int r = render_dep(mods, n, &t.dep);

	if (r < 0)
		return r;
	r = render_alias(mods, n, &t.alias);
	if (r < 0)
		return r;
	r = render_softdep(mods, n, &t.softdep);
	if (r < 0)
		return r;
	r = render_order(mods, n, order, &t.order);
	if (r < 0)
		return r;
	*ret = t;
	t = (struct modindex_text){0}; /* now the caller's */
	return 0;
}
