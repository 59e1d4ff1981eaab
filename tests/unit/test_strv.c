/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the string vector: growth, ownership, order, de-duplicating split. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

Test(strv, starts_empty_and_grows_null_terminated)
{
	struct strv s = STRV_INIT;
	char name[16];

	cr_assert_null(s.v);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "m%03d", i);
		cr_assert_eq(strv_push(&s, name), 0);
		cr_assert_null(s.v[s.n]);
	}
	cr_assert_eq(s.n, 100);
	cr_assert_str_eq(s.v[0], "m000");
	cr_assert_str_eq(s.v[99], "m099");
	strv_clear(&s);
	cr_assert_null(s.v);
	cr_assert_eq(s.n, 0);
	cr_assert_eq(strv_push(&s, "again"), 0, "usable after clear");
	strv_clear(&s);
}

Test(strv, push_copies_and_push_take_owns)
{
	struct strv s = STRV_INIT;
	char buf[] = "ext4";

	cr_assert_eq(strv_push(&s, buf), 0);
	buf[0] = 'X';
	cr_assert_str_eq(s.v[0], "ext4", "push keeps its own copy");
	cr_assert_eq(strv_push_take(&s, strdup("xfs")), 0);
	cr_assert_eq(strv_push_take(&s, NULL), -ENOMEM, "a failed strdup is reported");
	cr_assert_eq(s.n, 2);
	strv_clear(&s);
}

Test(strv, contains_and_sort)
{
	struct strv s = STRV_INIT;

	cr_assert_not(strv_contains(&s, "a"), "an empty vector contains nothing");
	strv_push(&s, "virtio_blk");
	strv_push(&s, "ext4");
	strv_push(&s, "nvme");
	cr_assert(strv_contains(&s, "ext4"));
	cr_assert_not(strv_contains(&s, "ext"), "whole strings only");
	strv_sort(&s);
	cr_assert_str_eq(s.v[0], "ext4");
	cr_assert_str_eq(s.v[1], "nvme");
	cr_assert_str_eq(s.v[2], "virtio_blk");
	cr_assert_null(s.v[3]);
	strv_clear(&s);
}

Test(strv, split_skips_empty_words_and_duplicates)
{
	struct strv s = STRV_INIT;

	strv_push(&s, "b");
	cr_assert_eq(strv_push_split(&s, ",a,,b c,a ,", ", "), 0);
	cr_assert_eq(s.n, 3, "got %zu words", s.n);
	cr_assert_str_eq(s.v[0], "b");
	cr_assert_str_eq(s.v[1], "a");
	cr_assert_str_eq(s.v[2], "c");
	cr_assert_eq(strv_push_split(&s, "", ","), 0, "an empty string adds nothing");
	cr_assert_eq(s.n, 3);
	strv_clear(&s);
}
