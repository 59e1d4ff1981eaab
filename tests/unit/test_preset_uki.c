/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presets' UKI keys: <p>_uki alone, the deprecated <p>_efi_image, ALL_ and per-image
 * command line and splash. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "preset.h"
#include "testutil.h"

TESTUTIL_SCRATCH_SUITE(preset_uki);

static struct preset *load(const char *text)
{
	struct preset *p = NULL;
	struct conf_error err = {{0}};
	testutil_write(dir, "u.preset", text);
	cr_assert_eq(preset_load("u", dir, &p, &err), 0, "%s", err.message);
	return p;
}

Test(preset_uki, uki_alone_is_an_image)
{
	struct preset *p = load("ALL_kver=/boot/vmlinuz\nPRESETS=(default)\n"
				"default_uki=/efi/EFI/Linux/linux.efi\n");
	cr_assert_null(p->images[0].image);
	cr_assert_str_eq(p->images[0].uki, "/efi/EFI/Linux/linux.efi");
	cr_assert_eq(p->warnings.n, 0);
	preset_free(p);
}

Test(preset_uki, efi_image_is_a_deprecated_alias)
{
	struct preset *p = load("ALL_kver=/boot/vmlinuz\nPRESETS=(default)\n"
				"default_efi_image=/efi/old.efi\n");
	cr_assert_str_eq(p->images[0].uki, "/efi/old.efi");
	cr_assert_eq(p->warnings.n, 1);
	cr_assert(strstr(p->warnings.v[0], "'default_efi_image' is deprecated, use "
					   "'default_uki'"));
	preset_free(p);
}

Test(preset_uki, uki_wins_over_efi_image)
{
	struct preset *p = load("ALL_kver=/boot/vmlinuz\nPRESETS=(default)\n"
				"default_uki=/efi/new.efi\ndefault_efi_image=/efi/old.efi\n");
	cr_assert_str_eq(p->images[0].uki, "/efi/new.efi");
	cr_assert(strstr(p->warnings.v[0], "(which wins here)"));
	preset_free(p);
}

Test(preset_uki, cmdline_and_splash_all_and_per_image)
{
	struct preset *p = load("ALL_kver=/boot/vmlinuz\nALL_cmdline=/etc/kernel/cmdline\n"
				"ALL_splash=/usr/share/splash.bmp\nPRESETS=(a b)\n"
				"a_image=/boot/a.img\na_uki=/efi/a.efi\n"
				"b_uki=/efi/b.efi\nb_cmdline=/etc/kernel/b\nb_splash=/b.bmp\n");
	cr_assert_str_eq(p->images[0].image, "/boot/a.img");
	cr_assert_str_eq(p->images[0].cmdline, "/etc/kernel/cmdline");
	cr_assert_str_eq(p->images[0].splash, "/usr/share/splash.bmp");
	cr_assert_str_eq(p->images[1].cmdline, "/etc/kernel/b");
	cr_assert_str_eq(p->images[1].splash, "/b.bmp");
	preset_free(p);
}

Test(preset_uki, neither_image_nor_uki_is_an_error)
{
	struct preset *p = NULL;
	struct conf_error err = {{0}};
	testutil_write(dir, "u.preset", "ALL_kver=x\nPRESETS=(a)\na_cmdline=/c\n");
	cr_assert_eq(preset_load("u", dir, &p, &err), -EINVAL);
	cr_assert(strstr(err.message, "preset 'a' has no 'a_image' nor 'a_uki'"), "%s",
		  err.message);
}
