/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PSF1 and PSF2 console fonts: checked, laid out as KDFONTOP wants, with their unicode
 * table. */
#ifndef VCONSOLE_FONT_H
#define VCONSOLE_FONT_H

#include <stdbool.h>
#include <stddef.h>

#include "kd.h"

#define FONT_MAX_GLYPHS 512 /* what a console takes */
#define FONT_MAX_WIDTH 32
/* A font laid out for the kernel: every glyph in a slot of 32 rows. */
#define FONT_PACKED_MAX (FONT_MAX_GLYPHS * KD_FONT_ROWS * (FONT_MAX_WIDTH / 8))

struct font {
	unsigned width, height; /* pixels */
	unsigned count;		/* glyphs */
	unsigned glyph_bytes;	/* bytes per glyph in the file */
	const unsigned char *glyphs;
	const unsigned char *table; /* unicode table, NULL when none */
	size_t table_len;
	bool utf8_table; /* PSF2: UTF-8 sequences; PSF1: 16-bit values */
};

/* -EBADMSG with *why set when buf is no PSF font a console can show. */
int font_parse(const unsigned char *buf, size_t len, struct font *ret, const char **why);
/* Bytes per row of a glyph. */
unsigned font_row_bytes(const struct font *f);
/*
 * The glyphs in 32-row slots, the count rounded up to 256 or 512 (what consoles take);
 * out holds FONT_PACKED_MAX bytes. Returns the slot count.
 */
unsigned font_pack(const struct font *f, unsigned char *out);
/*
 * The font's unicode table as (unicode, glyph) pairs, sequences skipped; at most cap.
 * Returns the number of pairs, or -EBADMSG (*why set) for a broken table.
 */
int font_unimap(const struct font *f, struct kd_unipair *out, size_t cap,
		const char **why);

#endif
