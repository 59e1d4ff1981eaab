/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The embedded configuration: what the parser reads back is what the build used. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "confdump.h"

static struct conf *parse(const char *text, size_t len)
{
	struct conf *c = NULL;
	struct conf_error err = {{0}};
	cr_assert_eq(conf_new(&c), 0);
	cr_assert_eq(conf_load_string(c, text, len, "dump", NULL, &err), 0, "%s\n%.*s",
		     err.message, (int)len, text);
	return c;
}

Test(confdump, round_trips_through_the_parser)
{
	static const char src[] = "MODULES=(virtio_blk \"nbd nbds_max=4\" \"it's\")\n"
				  "FILES=('/etc/a b' '$HOME' 'back\\\\slash')\n"
				  "HOOKS=(base autodetect)\nCOMPRESSION=xz\nEMPTY=()\n";
	struct conf *in = parse(src, strlen(src));
	struct strv hooks = STRV_INIT;
	char *text = NULL;
	size_t len = 0;

	strv_push(&hooks, "base");
	strv_push(&hooks, "microcode");
	cr_assert_eq(confdump_text(in, &hooks, "zstd", &text, &len), 0);
	struct conf *out = parse(text, len);
	const struct strv *m = conf_get(out, "MODULES");
	cr_assert_eq(m->n, 3);
	cr_assert_str_eq(m->v[1], "nbd nbds_max=4");
	cr_assert_str_eq(m->v[2], "it's");
	const struct strv *f = conf_get(out, "FILES");
	cr_assert_str_eq(f->v[0], "/etc/a b");
	cr_assert_str_eq(f->v[1], "$HOME");
	cr_assert_str_eq(f->v[2], conf_get(in, "FILES")->v[2]);
	cr_assert(strchr(f->v[2], '\\'));
	/* HOOKS and COMPRESSION are what the build applied, not what the file said. */
	cr_assert_str_eq(conf_get(out, "HOOKS")->v[1], "microcode");
	cr_assert_str_eq(conf_get_string(out, "COMPRESSION"), "zstd");
	cr_assert_eq(conf_get(out, "EMPTY")->n, 0);
	free(text);
	strv_clear(&hooks);
	conf_free(in);
	conf_free(out);
}
