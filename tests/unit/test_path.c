/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of lexical path normalisation and its three flags. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "path.h"

static void expect(const char *in, unsigned flags, const char *want)
{
	char *out = NULL;
	int r = path_normalise(in, flags, &out);

	cr_assert_eq(r, 0, "'%s' (flags %u): %d", in, flags, r);
	cr_assert_str_eq(out, want, "'%s' (flags %u) gave '%s'", in, flags, out);
	free(out);
}

static void expect_error(const char *in, unsigned flags, int want)
{
	char *out = (char *)"untouched";
	int r = path_normalise(in, flags, &out);

	cr_assert_eq(r, want, "'%s' (flags %u): got %d, want %d", in, flags, r, want);
	cr_assert_str_eq(out, "untouched", "the result is written only on success");
}

Test(path, lexical_normalisation)
{
	expect("/a//./b/../c/", 0, "a/c");
	expect("/a//./b/../c/", PATH_ABSOLUTE, "/a/c");
	expect("usr/lib/modules", 0, "usr/lib/modules");
	expect("///", 0, "");
	expect("///", PATH_ABSOLUTE, "/");
	expect("a/..", PATH_ABSOLUTE, "/");
}

Test(path, dotdot_above_the_root)
{
	expect_error("../etc/passwd", 0, -EXDEV);
	expect_error("/a/../../b", 0, -EXDEV);
	expect("../etc/passwd", PATH_CLAMP, "etc/passwd");
	expect("/a/../../../b", PATH_CLAMP | PATH_ABSOLUTE, "/b");
}

Test(path, strict_refuses_dots_and_empty)
{
	expect_error("a/./b", PATH_STRICT, -EINVAL);
	expect_error("a/../b", PATH_STRICT, -EINVAL);
	expect_error("", PATH_STRICT, -EINVAL);
	expect_error("//", PATH_STRICT, -EINVAL);
	expect("a//b/", PATH_STRICT, "a/b");
}
