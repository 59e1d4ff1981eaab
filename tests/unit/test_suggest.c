/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of "did you mean": edit distance and the closest plausible candidate. */
#include <criterion/criterion.h>
#include <string.h>

#include "conf.h"
#include "suggest.h"

Test(suggest, distance_counts_single_byte_edits)
{
	cr_assert_eq(suggest_distance("udev", "udev"), 0);
	cr_assert_eq(suggest_distance("udv", "udev"), 1);
	cr_assert_eq(suggest_distance("blokc", "block"), 2);
	cr_assert_eq(suggest_distance("", "kms"), 3);
	cr_assert_eq(suggest_distance("HOOKS", "hooks"), 0, "case is ignored");
	char longword[100];
	memset(longword, 'a', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	cr_assert_eq(suggest_distance(longword, "a"), 255, "too long: capped");
}

static const char *const hooks[] = {"base", "udev", "block", "filesystems", "fsck",
				    "keymap", "sd-vconsole", NULL};

Test(suggest, closest_plausible_name)
{
	cr_assert_str_eq(suggest_closest("udv", hooks, (size_t)-1), "udev");
	cr_assert_str_eq(suggest_closest("filesystem", hooks, (size_t)-1), "filesystems");
	cr_assert_str_eq(suggest_closest("sd-vconsol", hooks, (size_t)-1), "sd-vconsole");
	cr_assert_str_eq(suggest_closest("keymaps", hooks, 7), "keymap");
	cr_assert_null(suggest_closest("zzzzzzz", hooks, (size_t)-1), "nothing close");
	cr_assert_null(suggest_closest("lvm", hooks, (size_t)-1), "lvm is not base");
	cr_assert_null(suggest_closest("udv", hooks, 0), "no candidates");
}

Test(suggest, misspelt_configuration_keys)
{
	cr_assert_str_eq(suggest_closest("HOOK", conf_main_keys, (size_t)-1), "HOOKS");
	cr_assert_str_eq(suggest_closest("MODULE", conf_main_keys, (size_t)-1), "MODULES");
	cr_assert_str_eq(suggest_closest("COMPRESION", conf_main_keys, (size_t)-1),
			 "COMPRESSION");
	cr_assert_str_eq(suggest_closest("BINARY", conf_main_keys, (size_t)-1),
			 "BINARIES");
	cr_assert_null(suggest_closest("KEYMAP", conf_main_keys, (size_t)-1));
}
