/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * md RAID members handed to the image's mdadm as they appear, inside the root wait's
 * event loop; a degraded start of what is still incomplete when the wait ends.
 */
#ifndef INIT_MD_H
#define INIT_MD_H

#include <stdbool.h>

#include "cmdline.h"
#include "root.h"

#define MD_MAX_MEMBERS 32

/* mdadm's in-image path from the plan (NULL: no md support in the image). */
void md_init(const struct cmdline *cmd, const char *mdadm);
/* A block device was probed: an md member (of an array rd.md.uuid= allows) is queued. */
void md_device(const struct root_dev *dev);
/*
 * After SIGCHLD: hear mdadm's end, start the next member. True when mdadm ended: the
 * /dev/md/NAME links it made may be newer than the array's uevent.
 */
bool md_reap(void);
/*
 * The root wait ended without root: when an array is still inactive, say so and run
 * "mdadm --incremental --run --scan" (once). True when that was started.
 */
bool md_degrade(void);

#endif
