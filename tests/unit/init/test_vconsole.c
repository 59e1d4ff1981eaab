/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for the vconsole helper's parsers (init/vconsole/): kbd's binary keymap, PSF1
 * and PSF2 fonts laid out in 32-row slots, and their unicode tables. The real keymap
 * and font are loaded into a console by tests/integration/boot_vconsole.sh.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vconsole/font.h"
#include "vconsole/keymap.h"

static unsigned char buf[1 << 17];
static unsigned char packed[FONT_PACKED_MAX];

/* A binary keymap with the given tables, entry k of table t = t * 1000 + k. */
static size_t make_keymap(const unsigned *tables, size_t n, unsigned keys)
{
	size_t len = 7 + KEYMAP_TABLES;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, "bkeymap", 7);
	for (size_t i = 0; i < n; i++)
		buf[7 + tables[i]] = 1;
	for (unsigned t = 0; t < KEYMAP_TABLES; t++) {
		if (!buf[7 + t])
			continue;
		for (unsigned k = 0; k < keys; k++) {
			uint16_t v = (uint16_t)(t * 1000 + k);
			memcpy(buf + len, &v, 2);
			len += 2;
		}
	}
	return len;
}

Test(keymap, reads_the_tables_loadkeys_wrote)
{
	unsigned tables[] = {0, 1, 2, 4, 8, 12};
	size_t len = make_keymap(tables, 6, 128);
	const char *why = NULL;
	struct keymap km;

	cr_assert_eq(keymap_parse(buf, len, &km, &why), 0);
	cr_assert_eq(km.tables, 6);
	cr_assert_eq(km.keys, 128);
	cr_assert_eq(keymap_entry(&km, 0, 30), 30);
	cr_assert_eq(keymap_entry(&km, 3, 21), 4021, "the 4th table present is table 4");
	cr_assert_eq(keymap_entry(&km, 5, 127), 12127);
	len = make_keymap(tables, 2, 256);
	cr_assert_eq(keymap_parse(buf, len, &km, &why), 0);
	cr_assert_eq(km.keys, 256);
}

Test(keymap, refuses_what_is_no_binary_keymap)
{
	unsigned tables[] = {0, 1}, shift_only[] = {1};
	const char *why = NULL;
	struct keymap km;
	size_t len = make_keymap(tables, 2, 128);

	cr_assert_eq(keymap_parse(buf, len - 1, &km, &why), -EBADMSG);
	cr_assert_str_eq(why, "its size is not 128 or 256 entries per table");
	cr_assert_eq(keymap_parse(buf, 100, &km, &why), -EBADMSG);
	cr_assert_str_eq(why, "no 'bkeymap' header");
	buf[7 + 5] = 2;
	cr_assert_eq(keymap_parse(buf, len, &km, &why), -EBADMSG);
	cr_assert_str_eq(why, "a table flag is neither 0 nor 1");
	len = make_keymap(shift_only, 1, 128);
	cr_assert_eq(keymap_parse(buf, len, &km, &why), -EBADMSG);
	cr_assert_str_eq(why, "no plain table (table 0)");
	memcpy(buf, "bkeymaq", 7);
	cr_assert_eq(keymap_parse(buf, len, &km, &why), -EBADMSG);
}

Test(keymap, a_file_is_no_console)
{
	unsigned tables[] = {0};
	const char *why = NULL;
	struct keymap km;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	cr_assert_eq(keymap_parse(buf, make_keymap(tables, 1, 128), &km, &why), 0);
	cr_assert_eq(keymap_load(fd, &km), -ENOTTY);
	close(fd);
}

/* PSF1: 256 glyphs of 8x`height`, glyph g filled with byte g, and a unicode table. */
static size_t make_psf1(unsigned height, bool table)
{
	size_t len = 4;

	buf[0] = 0x36, buf[1] = 0x04, buf[2] = table ? 0x02 : 0, buf[3] = (unsigned char)height;
	for (unsigned g = 0; g < 256; g++)
		for (unsigned r = 0; r < height; r++)
			buf[len++] = (unsigned char)g;
	for (unsigned g = 0; table && g < 256; g++) {
		/* glyph g: U+g, glyph 65 also U+0391; glyph 66 a sequence after its code */
		uint16_t codes[6];
		size_t n = 0;
		codes[n++] = (uint16_t)g;
		if (g == 65)
			codes[n++] = 0x0391;
		if (g == 66) {
			codes[n++] = 0xFFFE;
			codes[n++] = 0x0042;
			codes[n++] = 0x0301;
		}
		codes[n++] = 0xFFFF;
		memcpy(buf + len, codes, n * 2);
		len += n * 2;
	}
	return len;
}

Test(font, psf1_glyphs_in_32_row_slots)
{
	const char *why = NULL;
	struct font f;
	size_t len = make_psf1(14, false);

	cr_assert_eq(font_parse(buf, len, &f, &why), 0);
	cr_assert_eq(f.width, 8);
	cr_assert_eq(f.height, 14);
	cr_assert_eq(f.count, 256);
	cr_assert_null(f.table);
	cr_assert_eq(font_pack(&f, packed), 256);
	cr_assert_eq(packed[65 * 32], 65);
	cr_assert_eq(packed[65 * 32 + 13], 65);
	cr_assert_eq(packed[65 * 32 + 14], 0, "rows past the height are blank");
	cr_assert_eq(font_parse(buf, len - 1, &f, &why), -EBADMSG, "a cut font");
}

Test(font, psf1_unicode_table)
{
	struct kd_unipair pairs[600];
	const char *why = NULL;
	struct font f;
	size_t len = make_psf1(16, true);

	cr_assert_eq(font_parse(buf, len, &f, &why), 0);
	cr_assert_eq(font_unimap(&f, pairs, 600, &why), 257, "256 codes, one more, no sequence");
	cr_assert_eq(pairs[65].unicode, 0x41);
	cr_assert_eq(pairs[66].unicode, 0x0391);
	cr_assert_eq(pairs[66].fontpos, 65);
	cr_assert_eq(pairs[67].unicode, 0x42);
	cr_assert_eq(pairs[68].fontpos, 67, "the sequence of glyph 66 adds nothing");
	cr_assert_eq(font_unimap(&f, pairs, 100, &why), -E2BIG);
	f.table_len -= 3;
	cr_assert_eq(font_unimap(&f, pairs, 600, &why), -EBADMSG);
	cr_assert_str_eq(why, "its unicode table is cut or not UTF-8");
}

/* PSF2: `count` glyphs of 12x20 (2 bytes a row), glyph g filled with g, UTF-8 table. */
static size_t make_psf2(unsigned count, const char *const *utf8)
{
	uint32_t h[8] = {0x864ab572, 0, 32, utf8 ? 1 : 0, count, 40, 20, 12};
	size_t len = 32;

	memcpy(buf, h, sizeof(h));
	for (unsigned g = 0; g < count; g++)
		for (unsigned b = 0; b < 40; b++)
			buf[len++] = (unsigned char)g;
	for (unsigned g = 0; utf8 && g < count; g++) {
		memcpy(buf + len, utf8[g], strlen(utf8[g]));
		len += strlen(utf8[g]);
		buf[len++] = 0xFF;
	}
	return len;
}

Test(font, psf2_wide_glyphs_and_utf8_table)
{
	const char *table[] = {"a", "\xc3\xa4", "\xe2\x82\xac" "E", "x\xfe" "e\xcc\x81"};
	struct kd_unipair pairs[16];
	const char *why = NULL;
	struct font f;
	size_t len = make_psf2(4, table);

	cr_assert_eq(font_parse(buf, len, &f, &why), 0);
	cr_assert_eq(f.width, 12);
	cr_assert_eq(f.height, 20);
	cr_assert_eq(font_row_bytes(&f), 2);
	cr_assert_eq(font_pack(&f, packed), 256, "4 glyphs are padded to 256 for the console");
	cr_assert_eq(packed[3 * 64 + 39], 3);
	cr_assert_eq(packed[3 * 64 + 40], 0);
	cr_assert_eq(font_unimap(&f, pairs, 16, &why), 5);
	cr_assert_eq(pairs[1].unicode, 0xe4);
	cr_assert_eq(pairs[2].unicode, 0x20ac);
	cr_assert_eq(pairs[3].unicode, 'E');
	cr_assert_eq(pairs[3].fontpos, 2);
	cr_assert_eq(pairs[4].unicode, 'x');
	buf[len - 4] = 0x80; /* a continuation byte where a character starts */
	cr_assert_eq(font_unimap(&f, pairs, 16, &why), -EBADMSG);
}

Test(font, refuses_what_no_console_shows)
{
	const char *why = NULL;
	struct font f;
	size_t len = make_psf2(4, NULL);

	cr_assert_eq(font_parse((const unsigned char *)"hello", 5, &f, &why), -EBADMSG);
	cr_assert_str_eq(why, "not a PSF1 or PSF2 font");
	make_psf2(513, NULL);
	cr_assert_eq(font_parse(buf, sizeof(buf), &f, &why), -EBADMSG, "over 512 glyphs");
	len = make_psf2(4, NULL);
	buf[20] = 41; /* charsize no longer height * row bytes */
	cr_assert_eq(font_parse(buf, len, &f, &why), -EBADMSG);
	len = make_psf1(33, false);
	cr_assert_eq(font_parse(buf, len, &f, &why), -EBADMSG, "taller than 32 rows");
}
