/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration an image was built with, as text embedded in the image. */
#include <stdio.h>
#include <stdlib.h>

#include "confdump.h"
#include "util.h"

/* 'it'\''s': single quotes, each quote closed, escaped and reopened. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

static void put_array(FILE *f, const char *key, const struct strv *v)
{
	fprintf(f, "%s=(", key);
	for (size_t i = 0; v && i < v->n; i++) {
		if (i)
			fputc(' ', f);
		put_quoted(f, v->v[i]);
	}
	fputs(")\n", f);
}

int confdump_text(const struct conf *conf, const struct strv *hooks,
		  const char *compression, char **ret, size_t *ret_len)
{
	const struct strv *keys = conf_keys(conf);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -ENOMEM;
	fputs("# The configuration this image was built with: every key as the build saw\n"
	      "# it, HOOKS and COMPRESSION as it applied them (mkinitramfs --show-config).\n",
	      f);
	put_array(f, "HOOKS", hooks);
	fputs("COMPRESSION=", f);
	put_quoted(f, compression);
	fputc('\n', f);
	for (size_t i = 0; i < keys->n; i++) {
		if (streq(keys->v[i], "HOOKS") || streq(keys->v[i], "COMPRESSION"))
			continue;
		put_array(f, keys->v[i], conf_get(conf, keys->v[i]));
	}
	if (ferror(f) | fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	*ret_len = len;
	return 0;
}
