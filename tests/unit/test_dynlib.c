/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of dynlib: a table filled whole, or left alone with a one-line reason. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "dynlib.h"

struct table {
	size_t (*strlen)(const char *s);
	int (*strcmp)(const char *a, const char *b);
};

Test(dynlib, fills_every_slot)
{
	static const struct dynlib_symbol syms[] = {
		{"strlen", offsetof(struct table, strlen)},
		{"strcmp", offsetof(struct table, strcmp)},
	};
	struct table t = {0};
	char err[256] = "";

	cr_assert_eq(dynlib_open("libc.so.6", syms, 2, &t, sizeof(t), err, sizeof(err)), 0);
	cr_assert_eq(t.strlen("four"), 4);
	cr_assert_eq(t.strcmp("a", "a"), 0);
	cr_assert_str_empty(err);
}

Test(dynlib, a_missing_symbol_leaves_the_table_alone)
{
	static const struct dynlib_symbol syms[] = {
		{"strlen", offsetof(struct table, strlen)},
		{"mkinitramfs_no_such_symbol", offsetof(struct table, strcmp)},
	};
	struct table t = {0};
	char err[256];

	cr_assert_eq(dynlib_open("libc.so.6", syms, 2, &t, sizeof(t), err, sizeof(err)),
		     -ELIBACC);
	cr_assert_null(t.strlen, "nothing written when one symbol is missing");
	cr_assert_str_eq(err, "'libc.so.6' has no symbol 'mkinitramfs_no_such_symbol'");
}

Test(dynlib, a_missing_library_is_named)
{
	static const struct dynlib_symbol syms[] = {
		{"strlen", offsetof(struct table, strlen)},
	};
	struct table t = {0};
	char err[256];

	cr_assert_eq(dynlib_open("libmkinitramfs-absent.so.9", syms, 1, &t, sizeof(t), err,
				 sizeof(err)),
		     -ELIBACC);
	cr_assert_null(t.strlen);
	cr_assert(!strncmp(err, "cannot load 'libmkinitramfs-absent.so.9': ", 42), "%s", err);
	cr_assert_null(strchr(err, '\n'), "one line");
}
