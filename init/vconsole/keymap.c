/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kbd's binary keymap (`loadkeys -b`, format in abi.h): checked, then given to the
 * kernel. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kd.h"
#include "keymap.h"
#include "log.h"

#define MAGIC "bkeymap"
#define MAGIC_LEN 7

int keymap_parse(const unsigned char *buf, size_t len, struct keymap *ret,
		 const char **why)
{
	struct keymap km = {.present = buf + MAGIC_LEN};
	size_t rest;

	if (len < MAGIC_LEN + KEYMAP_TABLES || memcmp(buf, MAGIC, MAGIC_LEN) != 0) {
		*why = "no 'bkeymap' header";
		return -EBADMSG;
	}
	for (unsigned t = 0; t < KEYMAP_TABLES; t++) {
		if (km.present[t] > 1) {
			*why = "a table flag is neither 0 nor 1";
			return -EBADMSG;
		}
		km.tables += km.present[t];
	}
	rest = len - MAGIC_LEN - KEYMAP_TABLES;
	/* kbd writes NR_KEYS entries per table: 128 so far; the kernel takes up to 256.
	 */
	if (km.tables && (rest == km.tables * 128u * 2 || rest == km.tables * 256u * 2))
		km.keys = (unsigned)(rest / km.tables / 2);
	if (!km.present[0] || !km.keys) {
		*why = !km.present[0] ? "no plain table (table 0)"
				      : "its size is not 128 or 256 entries per table";
		return -EBADMSG;
	}
	km.entries = km.present + KEYMAP_TABLES;
	*ret = km;
	return 0;
}

uint16_t keymap_entry(const struct keymap *km, unsigned nth, unsigned key)
{
	uint16_t v;

	/* Written in the byte order of the machine that ran loadkeys, as busybox reads.
	 */
	memcpy(&v, km->entries + ((size_t)nth * km->keys + key) * 2, sizeof(v));
	return v;
}

int keymap_load(int fd, const struct keymap *km)
{
	struct kd_kbentry e;
	unsigned nth = 0;
	int set = 0;

	for (unsigned t = 0; t < KEYMAP_TABLES; t++) {
		e.table = (uint8_t)t;
		if (!km->present[t]) {
			/* A table left from the kernel's map would change what a modifier
			 * gives: free it (entry 0 set to K_NOSUCHMAP), as loadkeys does.
			 */
			e.index = 0;
			e.value = KD_NOSUCHMAP;
			(void)ioctl(fd, KD_SKBENT, &e);
			continue;
		}
		for (unsigned k = 0; k < km->keys; k++) {
			e.index = (uint8_t)k;
			e.value = keymap_entry(km, nth, k);
			if (ioctl(fd, KD_SKBENT, &e) < 0) {
				int r = -errno;

				log_error("cannot set keymap table %u key %u: %s", t, k,
					  log_errname(r));
				return r;
			}
			set++;
		}
		nth++;
	}
	return set;
}
