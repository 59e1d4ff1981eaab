/* SPDX-License-Identifier: GPL-2.0-or-later */
/* modtree: module paths by pattern, each directory walked once and only when needed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modules/modtree.h"
#include "testutil.h"

TESTUTIL_SCRATCH_SUITE(modtree);

#define KVER "6.1.0-test"

/* A small tree: modules in several directories, compressed or not, plus what is not a
 * module (a text file, a symlinked directory). */
static struct modtree *tree(void)
{
	static const char *const files[] = {
		"kernel/drivers/ata/ahci.ko",
		"kernel/drivers/ata/libata.ko.xz",
		"kernel/drivers/ata/README",
		"kernel/drivers/scsi/sd_mod.ko.zst",
		"kernel/drivers/usb/storage/usb-storage.ko",
		"kernel/drivers/usb/host/xhci-pci.ko.gz",
		"kernel/fs/ext4/ext4.ko",
	};
	char base[4096];
	struct modtree *t;

	snprintf(base, sizeof(base), "%s/lib/modules/" KVER, dir);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		testutil_write(base, files[i], "x");
	cr_assert_eq(testutil_sh("ln -s ata '%s/kernel/drivers/link'", base), 0);
	cr_assert_eq(modtree_new(dir, KVER, &t), 0);
	return t;
}

/* The names `pattern` adds to an empty list, joined by spaces. */
static char *match(struct modtree *t, const char *pattern, int *ret_added)
{
	struct strv names = STRV_INIT;
	char *out = calloc(1, 4096);

	*ret_added = modtree_match(t, pattern, &names);
	for (size_t i = 0; i < names.n; i++)
		snprintf(out + strlen(out), 4096 - strlen(out), "%s%s", i ? " " : "",
			 names.v[i]);
	strv_clear(&names);
	return out;
}

static void expect_match(struct modtree *t, const char *pattern, const char *want)
{
	int added;
	char *got = match(t, pattern, &added);
	cr_expect_str_eq(got, want, "'%s': '%s'", pattern, got);
	cr_expect_geq(added, 0);
	free(got);
}

Test(modtree, a_directory_pattern_names_its_modules_in_path_order)
{
	struct modtree *t = tree();
	expect_match(t, "kernel/drivers/ata/*", "ahci libata");
	expect_match(t, "kernel/drivers/usb/storage/*", "usb_storage");
	modtree_free(t);
}

Test(modtree, a_wider_pattern_after_a_narrower_one_lists_each_module_once)
{
	struct modtree *t = tree();
	expect_match(t, "kernel/drivers/usb/storage/*", "usb_storage");
	expect_match(t, "kernel/drivers/usb/*", "xhci_pci usb_storage");
	expect_match(t, "*", "ahci libata sd_mod xhci_pci usb_storage ext4");
	/* Narrower again, after the whole tree: from what was walked. */
	expect_match(t, "kernel/fs/*", "ext4");
	modtree_free(t);
}

Test(modtree, the_literal_prefix_bounds_the_match_not_only_the_directory)
{
	struct modtree *t = tree();
	expect_match(t, "kernel/drivers/ata/li*", "libata");
	expect_match(t, "kernel/drivers/a*", "ahci libata");
	expect_match(t, "kernel/fs/ext4/ext4", "ext4");
	modtree_free(t);
}

Test(modtree, symlinks_dots_and_missing_directories_match_nothing)
{
	struct modtree *t = tree();
	expect_match(t, "kernel/drivers/link/*", "");
	expect_match(t, "kernel/../kernel/drivers/ata/*", "");
	expect_match(t, "kernel/drivers/./ata/*", "");
	expect_match(t, "kernel/drivers/nvme/host/*", "");
	expect_match(t, "kernel/drivers/ata/README/*", "");
	/* The whole tree does not follow the link either. */
	expect_match(t, "*link*", "");
	modtree_free(t);
}

Test(modtree, a_missing_kernel_directory_is_an_error)
{
	struct modtree *t;
	struct strv names = STRV_INIT;
	cr_assert_eq(modtree_new(dir, "9.9.9-none", &t), 0);
	cr_expect_eq(modtree_match(t, "kernel/drivers/ata/*", &names), -ENOENT);
	cr_expect_eq(modtree_preload(t), -ENOENT);
	modtree_free(t);
}
