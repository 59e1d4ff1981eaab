/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the text module indexes written for busybox modprobe. */
#include <criterion/criterion.h>
#include <string.h>

#include "modules/modindex.h"

static const char *const ext4_deps[] = {"kernel/lib/crc16.ko", "kernel/fs/jbd2/jbd2.ko"};
static const char *const ext4_aliases[] = {"fs-ext4", "fs-ext3"};

static const struct modindex_module mods[] = {
	{.name = "jbd2", .relpath = "kernel/fs/jbd2/jbd2.ko", .softdep = "pre: crypto-crc32c"},
	{.name = "crc16", .relpath = "kernel/lib/crc16.ko"},
	{.name = "ext4",
	 .relpath = "kernel/fs/ext4/ext4.ko",
	 .deps = ext4_deps,
	 .ndeps = 2,
	 .aliases = ext4_aliases,
	 .naliases = 2},
};

Test(modindex, renders_depmod_text_formats)
{
	struct modindex_text t;
	cr_assert_eq(modindex_render(mods, 3, NULL, &t), 0);
	cr_assert_str_eq(t.dep, "kernel/fs/jbd2/jbd2.ko:\n"
				"kernel/lib/crc16.ko:\n"
				"kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/jbd2/jbd2.ko\n");
	cr_assert(strstr(t.alias, "\nalias fs-ext4 ext4\nalias fs-ext3 ext4\n"));
	cr_assert(strstr(t.softdep, "\nsoftdep jbd2 pre: crypto-crc32c\n"));
	cr_assert_str_eq(t.order,
			 "kernel/fs/jbd2/jbd2.ko\nkernel/lib/crc16.ko\nkernel/fs/ext4/ext4.ko\n");
	modindex_text_clear(&t);
}

Test(modindex, order_follows_the_tree_then_the_rest)
{
	struct modindex_text t;
	const char *order = "kernel/fs/ext4/ext4.ko\nkernel/other.ko\nkernel/lib/crc16.ko\n"
			    "kernel/fs/ext4/ext4.ko\n";
	cr_assert_eq(modindex_render(mods, 3, order, &t), 0);
	cr_assert_str_eq(t.order,
			 "kernel/fs/ext4/ext4.ko\nkernel/lib/crc16.ko\nkernel/fs/jbd2/jbd2.ko\n");
	modindex_text_clear(&t);
}
