/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kbd's binary keymap (`loadkeys -b`, format in abi.h): checked, then given to the
 * kernel. */
#ifndef VCONSOLE_KEYMAP_H
#define VCONSOLE_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

#define KEYMAP_TABLES 256

struct keymap {
	const unsigned char *present; /* KEYMAP_TABLES flags */
	const unsigned char *entries; /* keys 16-bit values per present table, in order */
	unsigned keys;		      /* entries per table: 128 (kbd's NR_KEYS) or 256 */
	unsigned tables;	      /* how many tables are present */
};

/* -EBADMSG with *why set when buf is no binary keymap. */
int keymap_parse(const unsigned char *buf, size_t len, struct keymap *ret,
		 const char **why);
/* Entry `key` of the i-th present table (0-based among the present ones). */
uint16_t keymap_entry(const struct keymap *km, unsigned nth, unsigned key);
/*
 * Set every entry of the present tables on console fd and free the tables the keymap
 * does not have, as loadkeys does. Returns the entries set or a negative errno; logs.
 */
int keymap_load(int fd, const struct keymap *km);

#endif
