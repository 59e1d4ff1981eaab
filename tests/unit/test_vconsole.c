/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of generator/vconsole.c without loadkeys: vconsole.conf of a root, the
 * font found by name, decompressed and checked, the V record's fields, and the refusals.
 * The keymap conversion runs the real loadkeys in tests/integration/vconsole_build.sh.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "stage.h"
#include "testutil.h"
#include "vconsole.h"

static char *root;
static struct stage *st;

static void setup(void)
{
	root = testutil_mkdtemp();
	cr_assert_eq(stage_new(&st), 0);
}

static void teardown(void)
{
	stage_free(st);
	testutil_rmrf(root);
	free(root);
}

TestSuite(vconsole, .init = setup, .fini = teardown);

/* A PSF1 font of 256 glyphs of 8x10, gzipped like the distributions' fonts. */
static void write_font(const char *name)
{
	cr_assert_eq(testutil_sh("mkdir -p '%s/usr/share/consolefonts' && "
				 "{ printf '\\066\\004\\000\\012'; head -c 2560 /dev/zero; } | "
				 "gzip >'%s/usr/share/consolefonts/%s.psf.gz'",
				 root, root, name),
		     0);
}

static const struct stage_entry *entry(const char *path)
{
	size_t n;
	const struct stage_entry *e;

	cr_assert_eq(stage_finish(st), 0);
	e = stage_entries(st, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].path, path) == 0)
			return &e[i];
	return NULL;
}

Test(vconsole, the_font_of_vconsole_conf)
{
	struct vconsole_want want = {.font = VCONSOLE_FROM_CONF};
	struct strv fields = STRV_INIT;
	const struct stage_entry *e;

	write_font("ter-v10");
	testutil_write(root, "etc/vconsole.conf", "# the console\nFONT=\"ter-v10\"\n");
	cr_assert_eq(vconsole_stage(st, root, &want, &fields), 0);
	cr_assert_eq(fields.n, 5);
	cr_assert_str_eq(fields.v[0], ABI_VCONSOLE_PATH);
	cr_assert_str_eq(fields.v[1], "-");
	cr_assert_str_eq(fields.v[2], "-");
	cr_assert_str_eq(fields.v[3], ABI_FONT_PATH);
	cr_assert_str_eq(fields.v[4], "ter-v10");
	e = entry(ABI_FONT_PATH + 1);
	cr_assert_not_null(e);
	cr_assert_eq(e->size, 4 + 2560, "decompressed");
	cr_assert_eq(((unsigned char *)e->data)[0], 0x36);
	strv_clear(&fields);
}

Test(vconsole, a_hook_names_its_own_font)
{
	struct vconsole_want want = {.font = "lat1-10"};
	struct strv fields = STRV_INIT;

	write_font("lat1-10");
	cr_assert_eq(vconsole_stage(st, root, &want, &fields), 0, "no vconsole.conf needed");
	cr_assert_str_eq(fields.v[4], "lat1-10");
	strv_clear(&fields);
}

Test(vconsole, nothing_set_is_nothing_to_do)
{
	struct vconsole_want want = {.font = VCONSOLE_FROM_CONF};
	struct strv fields = STRV_INIT;

	cr_assert_eq(vconsole_stage(st, root, &want, &fields), 0);
	cr_assert_eq(fields.n, 0);
	cr_assert_null(entry(ABI_FONT_PATH + 1));
}

Test(vconsole, refuses_a_missing_font_and_one_that_is_no_psf)
{
	struct vconsole_want want = {.font = "nosuch"};
	struct strv fields = STRV_INIT;

	cr_assert_eq(vconsole_stage(st, root, &want, &fields), -ENOENT);
	cr_assert_eq(testutil_sh("mkdir -p '%s/usr/share/kbd/consolefonts' && "
				 "echo text >'%s/usr/share/kbd/consolefonts/bad.psfu'",
				 root, root),
		     0);
	want.font = "bad";
	cr_assert_eq(vconsole_stage(st, root, &want, &fields), -EINVAL);
	want.font = "a b";
	cr_assert_eq(vconsole_stage(st, root, &want, &fields), -EINVAL, "not a font name");
	cr_assert_eq(fields.n, 0);
}
