/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The diff of images: hard links of a newc archive read as the kernel unpacks them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "testutil.h"

TESTUTIL_SCRATCH_SUITE(inspect);

/* The diff of A and B as text (static), and its return value in *ret. */
static const char *diff_text(const char *a, const char *b, int *ret)
{
	static char text[8192];
	char pa[512], pb[512];
	int which;
	FILE *out = fmemopen(text, sizeof(text), "w");

	cr_assert_not_null(out);
	snprintf(pa, sizeof(pa), "%s/%s", dir, a);
	snprintf(pb, sizeof(pb), "%s/%s", dir, b);
	*ret = inspect_diff(pa, pb, INSPECT_ALL, out, &which);
	fclose(out);
	return text;
}

/*
 * GNU cpio writes a hard-linked file's data with its last name only, the others with
 * size 0: the same tree with two copies instead must diff as equal, and a change of the
 * linked content shows on both names.
 */
Test(inspect, hard_links_have_their_files_content)
{
	const char *text;
	int r;

	cr_assert_eq(testutil_sh("cd '%s' && mkdir -p l/bin c/bin d/bin && "
				 "printf 'tool-v1' >l/bin/a && ln l/bin/a l/bin/b && "
				 "printf 'tool-v1' >c/bin/a && printf 'tool-v1' >c/bin/b && "
				 "printf 'tool-v2' >d/bin/a && ln d/bin/a d/bin/b && "
				 "for t in l c d; do (cd $t && find . | LC_ALL=C sort | "
				 "cpio -o -H newc --quiet) >$t.img || exit 1; done",
				 dir),
		     0);
	text = diff_text("l.img", "c.img", &r);
	cr_assert_eq(r, 0);
	cr_assert_not_null(strstr(text, "files: 0 added, 0 removed, 0 changed"), "%s", text);
	text = diff_text("l.img", "d.img", &r);
	cr_assert_eq(r, 0);
	cr_assert_not_null(strstr(text, "~ file /bin/a: content\n~ file /bin/b: content\n"),
			   "%s", text);
	cr_assert_not_null(strstr(text, "files: 0 added, 0 removed, 2 changed"), "%s", text);
}
