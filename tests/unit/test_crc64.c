/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the CRC-64: the table and carry-less versions against liblzma's. */
#include <criterion/criterion.h>
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"

/* xz's own check value (CRC-64/XZ of "123456789"). */
Test(crc64, check_value)
{
	const char *s = "123456789";

	cr_assert_eq(crc64_table(s, 9, 0), 0x995dc9bbdf1939faULL);
	cr_assert_eq(crc64_clmul(s, 9, 0), 0x995dc9bbdf1939faULL);
	cr_assert_eq(crc64(s, 0, 0), 0);
	cr_assert_eq(crc64(s, 0, 0x1234), 0x1234, "no bytes: the CRC it was given");
}

static uint8_t *random_bytes(size_t n, unsigned seed)
{
	uint8_t *b = malloc(n);

	cr_assert_not_null(b);
	srand(seed);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rand();
	return b;
}

/* Every length to 1 KiB at every alignment, then random ones to 1 MiB: three equal. */
Test(crc64, same_bits_as_liblzma_at_every_length_and_alignment)
{
	const size_t max = (1 << 20) + 64;
	uint8_t *b = random_bytes(max, 19);

	cr_log_info("carry-less multiplication %s", crc64_has_clmul() ? "used" : "absent");
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len <= 1024; len++) {
			uint64_t want = lzma_crc64(b + off, len, 0);
			cr_assert_eq(crc64_table(b + off, len, 0), want, "table %zu+%zu",
				     off, len);
			cr_assert_eq(crc64_clmul(b + off, len, 0), want, "clmul %zu+%zu",
				     off, len);
		}
	srand(7);
	for (int i = 0; i < 300; i++) {
		size_t off = (size_t)rand() % 64, len = (size_t)rand() % (max - 64);
		uint64_t want = lzma_crc64(b + off, len, 0);
		cr_assert_eq(crc64_table(b + off, len, 0), want, "table %zu+%zu", off, len);
		cr_assert_eq(crc64_clmul(b + off, len, 0), want, "clmul %zu+%zu", off, len);
	}
	free(b);
}

/* A CRC continued over pieces equals the CRC of the whole, as lzma_crc64's does. */
Test(crc64, continues_over_pieces)
{
	const size_t n = 300000;
	uint8_t *b = random_bytes(n, 3);
	uint64_t want = lzma_crc64(b, n, 0);

	srand(11);
	for (int round = 0; round < 50; round++) {
		uint64_t t = 0, c = 0;
		for (size_t at = 0; at < n;) {
			size_t piece = (size_t)rand() % (round < 25 ? 200 : 70000);
			if (piece > n - at)
				piece = n - at;
			t = crc64_table(b + at, piece, t);
			c = crc64_clmul(b + at, piece, c);
			at += piece;
		}
		cr_assert_eq(t, want);
		cr_assert_eq(c, want);
	}
	cr_assert_eq(crc64(b, n, 0x0123456789abcdefULL),
		     lzma_crc64(b, n, 0x0123456789abcdefULL));
	free(b);
}

/* All-zero and all-one blocks (the register's extremes) agree too. */
Test(crc64, uniform_blocks)
{
	uint8_t b[4096];

	for (int v = 0; v < 256; v += 255) {
		memset(b, v, sizeof(b));
		for (size_t len = 60; len < sizeof(b); len += 67)
			cr_assert_eq(crc64_clmul(b, len, 0), lzma_crc64(b, len, 0));
	}
}
