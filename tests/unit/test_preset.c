/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presets: mkinitcpio's shape, per-image options, and errors that name the file. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preset.h"
#include "testutil.h"

TESTUTIL_SCRATCH_SUITE(preset);

Test(preset, mkinitcpio_shape)
{
	testutil_write(dir, "linux.preset",
		       "ALL_kver=\"/boot/vmlinuz-linux\"\n"
		       "PRESETS=('default' 'fallback')\n"
		       "default_image=\"/boot/initramfs-linux.img\"\n"
		       "fallback_image=\"/boot/initramfs-linux-fallback.img\"\n"
		       "fallback_options=\"-S autodetect,keyboard -A shell -z xz\"\n");
	struct preset *p = NULL;
	struct conf_error err = {{0}};
	cr_assert_eq(preset_load("linux", dir, &p, &err), 0, "%s", err.message);
	cr_assert_str_eq(p->name, "linux");
	cr_assert_eq(p->count, 2);
	cr_assert_str_eq(p->images[0].name, "default");
	cr_assert_str_eq(p->images[0].image, "/boot/initramfs-linux.img");
	cr_assert_str_eq(p->images[0].kver, "/boot/vmlinuz-linux");
	cr_assert_null(p->images[0].config);
	cr_assert_eq(p->images[0].skip_hooks.n, 0);
	cr_assert_str_eq(p->images[1].image, "/boot/initramfs-linux-fallback.img");
	cr_assert_eq(p->images[1].skip_hooks.n, 2);
	cr_assert_str_eq(p->images[1].skip_hooks.v[0], "autodetect");
	cr_assert_str_eq(p->images[1].skip_hooks.v[1], "keyboard");
	cr_assert_str_eq(p->images[1].add_hooks.v[0], "shell");
	cr_assert_str_eq(p->images[1].compress, "xz");
	preset_free(p);
}

Test(preset, per_image_kver_and_config_override_all)
{
	testutil_write(dir, "x.preset",
		       "ALL_kver=6.1.0-1-amd64\nALL_config=/etc/a.conf\nPRESETS=(one)\n"
		       "one_image=/tmp/one.img\none_kver=6.2.0\none_config=/etc/b.conf\n");
	struct preset *p = NULL;
	struct conf_error err = {{0}};
	char *path;
	cr_assert(asprintf(&path, "%s/x.preset", dir) > 0);
	cr_assert_eq(preset_load(path, "/nonexistent", &p, &err), 0, "%s", err.message);
	cr_assert_str_eq(p->images[0].kver, "6.2.0");
	cr_assert_str_eq(p->images[0].config, "/etc/b.conf");
	preset_free(p);
	free(path);
}

static void expect_error(const char *text, const char *needle)
{
	testutil_write(dir, "bad.preset", text);
	struct preset *p = NULL;
	struct conf_error err = {{0}};
	cr_assert_lt(preset_load("bad", dir, &p, &err), 0);
	cr_assert_not_null(strstr(err.message, needle), "message '%s' lacks '%s'",
			   err.message, needle);
	cr_assert_not_null(strstr(err.message, "bad.preset"), "message '%s' lacks the file",
			   err.message);
}

Test(preset, errors_name_the_file_and_the_problem)
{
	expect_error("ALL_kver=x\n", "'PRESETS' is missing");
	expect_error("ALL_kver=x\nPRESETS=(a)\n", "has no 'a_image'");
	expect_error("PRESETS=(a)\na_image=/x\n", "set 'ALL_kver' or 'a_kver'");
	expect_error("ALL_kver=x\nPRESETS=(a)\na_image=/x\nb_image=/y\n", "unknown key 'b_image'");
	expect_error("ALL_kver=x\nPRESETS=(a)\na_image=/x\na_options=\"--frob\"\n",
		     "unsupported option '--frob'");
	expect_error("ALL_kver=x\nPRESETS=(a)\na_image=/x\na_options=\"-S\"\n",
		     "needs an argument");
	expect_error("ALL_kver=$(uname -r)\n", "bad.preset:1:");
}

Test(preset, missing_file_is_enoent)
{
	struct preset *p = NULL;
	struct conf_error err = {{0}};
	cr_assert_eq(preset_load("nope", dir, &p, &err), -ENOENT);
}

Test(preset, directory_listing_is_sorted_and_filtered)
{
	testutil_write(dir, "b.preset", "");
	testutil_write(dir, "a.preset", "");
	testutil_write(dir, "notes.txt", "");
	testutil_write(dir, ".hidden.preset", "");
	struct strv paths = STRV_INIT;
	cr_assert_eq(preset_list_dir(dir, &paths), 0);
	cr_assert_eq(paths.n, 2);
	cr_assert_not_null(strstr(paths.v[0], "/a.preset"));
	cr_assert_not_null(strstr(paths.v[1], "/b.preset"));
	strv_clear(&paths);
}
