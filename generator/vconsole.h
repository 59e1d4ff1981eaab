/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console keymap and font of the image (hooks keymap, consolefont, sd-vconsole). */
#ifndef MKINITRAMFS_VCONSOLE_H
#define MKINITRAMFS_VCONSOLE_H

#include "stage.h"
#include "strv.h"

/* What the hooks ask for: NULL nothing, VCONSOLE_FROM_CONF the root's vconsole.conf,
 * else a keymap or font name of the hook's own. */
#define VCONSOLE_FROM_CONF "yes"

struct vconsole_want {
	const char *keymap;
	const char *font;
};

/*
 * Resolve the keymap and font inside `root` (its /etc/vconsole.conf, its kbd or
 * console-data files), convert the keymap with this machine's `loadkeys -b` (kbd), and
 * stage both under the paths of abi.h. *ret_fields gets the plan's V record fields
 * (empty when there is nothing to load). Logs its errors: a name that is not found, a
 * keymap loadkeys refuses, a font that is no PSF.
 */
int vconsole_stage(struct stage *stage, const char *root,
		   const struct vconsole_want *want, struct strv *ret_fields);

#endif
