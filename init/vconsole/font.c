/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PSF1 and PSF2 console fonts: checked, laid out as KDFONTOP wants, with their unicode
 * table. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "font.h"

#define PSF1_MODE512 0x01
#define PSF1_MODEHASTAB 0x02
#define PSF1_MODEHASSEQ 0x04
#define PSF1_SEPARATOR 0xFFFF
#define PSF1_STARTSEQ 0xFFFE
#define PSF2_HAS_UNICODE_TABLE 0x01
#define PSF2_SEPARATOR 0xFF
#define PSF2_STARTSEQ 0xFE

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int parse_psf1(const unsigned char *buf, size_t len, struct font *f)
{
	unsigned mode = buf[2];

	f->width = 8;
	f->height = buf[3];
	f->count = mode & PSF1_MODE512 ? 512 : 256;
	f->glyph_bytes = f->height;
	f->glyphs = buf + 4;
	if (mode & (PSF1_MODEHASTAB | PSF1_MODEHASSEQ)) {
		f->table = f->glyphs + (size_t)f->count * f->glyph_bytes;
		f->table_len = len - 4 - (size_t)f->count * f->glyph_bytes;
	}
	return len < 4 + (size_t)f->count * f->glyph_bytes ? -EBADMSG : 0;
}

static int parse_psf2(const unsigned char *buf, size_t len, struct font *f)
{
	uint32_t header, flags;
	size_t glyph_end;

	if (len < 32)
		return -EBADMSG;
	header = le32(buf + 8);
	flags = le32(buf + 12);
	f->count = le32(buf + 16);
	f->glyph_bytes = le32(buf + 20);
	f->height = le32(buf + 24);
	f->width = le32(buf + 28);
	if (header < 32 || header > len || f->width == 0 || f->width > FONT_MAX_WIDTH ||
	    f->height > KD_FONT_ROWS || f->count > FONT_MAX_GLYPHS ||
	    f->glyph_bytes != f->height * ((f->width + 7) / 8))
		return -EBADMSG;
	glyph_end = header + (size_t)f->count * f->glyph_bytes;
	if (glyph_end > len)
		return -EBADMSG;
	f->glyphs = buf + header;
	if (flags & PSF2_HAS_UNICODE_TABLE) {
		f->table = buf + glyph_end;
		f->table_len = len - glyph_end;
		f->utf8_table = true;
	}
	return 0;
}

int font_parse(const unsigned char *buf, size_t len, struct font *ret, const char **why)
{
	static const unsigned char psf1[] = {0x36, 0x04},
				   psf2[] = {0x72, 0xb5, 0x4a, 0x86};
	struct font f = {0};
	int r;

	if (len >= 4 && memcmp(buf, psf1, sizeof(psf1)) == 0)
		r = parse_psf1(buf, len, &f);
	else if (len >= 4 && memcmp(buf, psf2, sizeof(psf2)) == 0)
		r = parse_psf2(buf, len, &f);
	else {
		*why = "not a PSF1 or PSF2 font";
		return -EBADMSG;
	}
	if (r == 0 && (f.height == 0 || f.height > KD_FONT_ROWS || f.count == 0))
		r = -EBADMSG;
	if (r < 0) {
		*why = "its header does not fit its size, or its glyphs are over 32x32 or 512";
		return r;
	}
	*ret = f;
	return 0;
}

unsigned font_row_bytes(const struct font *f)
{
	return (f->width + 7) / 8;
}

unsigned font_pack(const struct font *f, unsigned char *out)
{
	unsigned row = font_row_bytes(f), slots = f->count <= 256 ? 256 : 512;
	size_t slot = (size_t)KD_FONT_ROWS * row;

	memset(out, 0, slots * slot);
	for (unsigned g = 0; g < f->count; g++)
		memcpy(out + g * slot, f->glyphs + (size_t)g * f->glyph_bytes,
		       f->glyph_bytes);
	return slots;
}

/* One UTF-8 character at *p (before end); -1 when it is not one. */
static long utf8_next(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *s = *p;
	unsigned n = *s < 0x80	  ? 0
		     : *s >= 0xF8 ? 4
		     : *s >= 0xF0 ? 3
		     : *s >= 0xE0 ? 2
		     : *s >= 0xC0 ? 1
				  : 4;
	long c = n ? *s & (0x3F >> n) : *s;

	if (n > 3 || end - s <= (ptrdiff_t)n)
		return -1;
	for (unsigned i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3F);
	}
	*p = s + n + 1;
	return c;
}

static int add_pair(struct kd_unipair *out, size_t cap, size_t *n, uint32_t c,
		    unsigned glyph)
{
	if (c > 0xFFFF) /* the console's map holds 16-bit values only */
		return 0;
	if (*n >= cap)
		return -E2BIG;
	out[*n].unicode = (uint16_t)c;
	out[*n].fontpos = (uint16_t)glyph;
	(*n)++;
	return 0;
}

static int unimap_utf8(const struct font *f, struct kd_unipair *out, size_t cap,
		       size_t *n)
{
	const unsigned char *p = f->table, *end = f->table + f->table_len;

	for (unsigned g = 0; g < f->count; g++) {
		bool seq = false;

		for (;;) {
			if (p >= end)
				return -EBADMSG;
			if (*p == PSF2_SEPARATOR) {
				p++;
				break;
			}
			if (*p == PSF2_STARTSEQ) {
				seq = true; /* a combining sequence: no single code */
				p++;
				continue;
			}
			long c = utf8_next(&p, end);
			if (c < 0)
				return -EBADMSG;
			if (!seq && add_pair(out, cap, n, (uint32_t)c, g) < 0)
				return -E2BIG;
		}
	}
	return 0;
}

static int unimap_ucs2(const struct font *f, struct kd_unipair *out, size_t cap,
		       size_t *n)
{
	size_t i = 0;

	for (unsigned g = 0; g < f->count; g++) {
		bool seq = false;

		for (;;) {
			if (i + 2 > f->table_len)
				return -EBADMSG;
			uint16_t c = (uint16_t)(f->table[i] | f->table[i + 1] << 8);
			i += 2;
			if (c == PSF1_SEPARATOR)
				break;
			if (c == PSF1_STARTSEQ)
				seq = true;
			else if (!seq && add_pair(out, cap, n, c, g) < 0)
				return -E2BIG;
		}
	}
	return 0;
}

int font_unimap(const struct font *f, struct kd_unipair *out, size_t cap,
		const char **why)
{
	size_t n = 0;
	int r;

	if (!f->table)
		return 0;
	r = f->utf8_table ? unimap_utf8(f, out, cap, &n) : unimap_ucs2(f, out, cap, &n);
	if (r < 0) {
		*why = r == -E2BIG ? "its unicode table has too many entries"
				   : "its unicode table is cut or not UTF-8";
		return r;
	}
	return (int)n;
}
