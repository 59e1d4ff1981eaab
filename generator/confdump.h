/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration an image was built with, as text embedded in the image. */
#ifndef MKINITRAMFS_CONFDUMP_H
#define MKINITRAMFS_CONFDUMP_H

#include <stddef.h>

#include "conf.h"
#include "strv.h"

/* In-image path (no leading '/'): read by --show-config and --diff, not by the init. */
#define CONFDUMP_PATH "etc/mkinitramfs/config"

/*
 * Every key of `conf` in first-assignment order as `KEY=('v1' 'v2')`, single-quoted
 * (readable by conf_load_string() and by bash), with HOOKS replaced by the hooks the
 * build ran (-A and -S applied) and COMPRESSION by the one it used. Returns 0 and a
 * malloc'd text, or -ENOMEM.
 */
int confdump_text(const struct conf *conf, const struct strv *hooks,
		  const char *compression, char **ret, size_t *ret_len);

#endif
