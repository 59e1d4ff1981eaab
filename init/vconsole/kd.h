/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console ioctls of <linux/kd.h>, which musl's headers do not carry. */
#ifndef VCONSOLE_KD_H
#define VCONSOLE_KD_H

#include <stdint.h>

#define KD_GKBTYPE 0x4B33	/* a harmless question only a virtual console answers */
#define KD_SKBENT 0x4B47	/* one keymap entry */
#define KD_PIO_UNIMAP 0x4B67	/* add unicode -> glyph pairs */
#define KD_PIO_UNIMAPCLR 0x4B68 /* clear the unicode map */
#define KD_FONTOP 0x4B72	/* console_font_op */

#define KD_FONT_OP_SET 0
#define KD_FONT_OP_GET 1

/* K(KT_SPEC, 127): given for entry 0 of a table, frees the table. */
#define KD_NOSUCHMAP 0x027f

struct kd_kbentry {
	uint8_t table;
	uint8_t index;
	uint16_t value;
};

struct kd_font_op {
	unsigned int op;
	unsigned int flags;
	unsigned int width, height;
	unsigned int charcount;
	unsigned char *data;
};

struct kd_unipair {
	uint16_t unicode;
	uint16_t fontpos;
};

struct kd_unimapdesc {
	uint16_t entry_ct;
	struct kd_unipair *entries;
};

struct kd_unimapinit {
	uint16_t hashsize, hashstep, hashlevel;
};

/* The kernel keeps every glyph in a slot of 32 rows (KDFONTOP's layout). */
#define KD_FONT_ROWS 32

#endif
