/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resume from hibernation: as soon as the resume= device appears (maybe out of a LUKS
 * volume), and before anything is mounted, hand it to the kernel, which restores the
 * hibernated system there and then, or comes back when there is no image.
 */
#ifndef INIT_RESUME_H
#define INIT_RESUME_H

#include <stdbool.h>

#include "cmdline.h"
#include "root.h"

/* sysfs is "/sys". Logs a malformed resume= or resume_offset= and ignores it. */
void resume_init(const struct cmdline *cmd, const char *sysfs);
/* A block device was probed: the resume device? Then write it to power/resume. */
void resume_device(const struct root_dev *dev);
/* Whether a resume device is still to come: the root is not mounted before it. */
bool resume_pending(void);
/* Log what resume= waited for, when it did not appear. */
void resume_log_pending(int level);

#endif
