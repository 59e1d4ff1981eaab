/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the alias index reader: what is not an index, damaged indexes, loops. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/modalias.h"
#include "testutil.h"

TESTUTIL_SCRATCH_SUITE(modalias);

static char *path_in(const char *name)
{
	char *p;
	cr_assert_neq(asprintf(&p, "%s/%s", dir, name), -1);
	return p;
}

static void write_bytes(const char *path, const void *bytes, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(bytes, 1, n, f), n);
	fclose(f);
}

Test(modalias, not_an_index)
{
	struct modalias_index *ix;
	char *p = path_in("text");

	write_bytes(p, "alias pci:v* x\n", 15);
	cr_assert_eq(modalias_open(p, &ix), -EBADMSG);
	write_bytes(p, "", 0);
	cr_assert_eq(modalias_open(p, &ix), -EBADMSG, "empty");
	cr_assert_eq(modalias_open(dir, &ix), -EBADMSG, "a directory");
	free(p);
	p = path_in("absent");
	cr_assert_eq(modalias_open(p, &ix), -ENOENT);
	free(p);
}

/* A node whose child is itself: the search stops at its budget, it does not loop. */
Test(modalias, a_loop_ends)
{
	/* magic, version 2.1, root at 12 with a prefix "a" and children '*'..'*'. */
	uint8_t b[] = {0xb0, 0x07, 0xf4, 0x57, 0, 2, 0, 1, 0xa0, 0, 0, 12, 'a', 0, '*', '*',
		       0xa0, 0, 0, 12};
	struct modalias_index *ix;
	struct strv names = STRV_INIT;
	char *p = path_in("loop.bin");

	write_bytes(p, b, sizeof(b));
	cr_assert_eq(modalias_open(p, &ix), 0);
	/* Each '*' tries every position: 2^40 paths without the budget. */
	cr_assert_eq(modalias_match(ix, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &names),
		     -E2BIG);
	modalias_free(ix);
	free(p);
}

/* Every truncation of a real index: a clean answer or -EBADMSG, never a crash. */
Test(modalias, truncated_indexes)
{
	char tree[4096];
	testutil_shared_tree("modalias", 1,
			     "module a alias=pci:v0001d*sv*,acpi*:PNP0A05:*,usb:v1p[0-2]*\n"
			     "module b alias=pci:v000?d0002*,platform:x\n",
			     "1.0-alias", tree, sizeof(tree));
	char *src, *p = path_in("cut.bin");
	cr_assert_neq(asprintf(&src, "%s/lib/modules/1.0-alias/modules.alias.bin", tree), -1);
	FILE *f = fopen(src, "rb");
	cr_assert_not_null(f);
	uint8_t buf[65536];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	cr_assert_gt(n, 12);
	static const char *const keys[] = {"pci:v0001d0002sv3", "acpi:PNP0A05:", "usb:v1p1",
					   "platform:x", "pci:v0009d0002"};
	static const size_t want[] = {2, 1, 1, 1, 1}; /* a and b, a, a, b, b */
	for (size_t len = 12; len <= n; len++) {
		struct modalias_index *ix;
		write_bytes(p, buf, len);
		cr_assert_eq(modalias_open(p, &ix), 0);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			struct strv names = STRV_INIT;
			int r = modalias_match(ix, keys[k], &names);
			cr_assert(r == 0 || r == -EBADMSG, "%zu bytes, '%s': %d", len, keys[k], r);
			if (len == n) {
				cr_assert_eq(r, 0);
				cr_assert_eq(names.n, want[k], "'%s' in the whole index", keys[k]);
			}
			strv_clear(&names);
		}
		modalias_free(ix);
	}
	free(src);
	free(p);
}
