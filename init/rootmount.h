/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mount the root device found on ABI_NEW_ROOT and choose the init to run in it. */
#ifndef INIT_ROOTMOUNT_H
#define INIT_ROOTMOUNT_H

#include "cmdline.h"
#include "root.h"

/*
 * Mount dev with rootfstype= (a list), else its probed type, else every type the
 * kernel knows; rootflags= and ro/rw; read-only when the device is write-protected.
 */
int rootmount_mount(const struct cmdline *c, const struct root_dev *dev);
/*
 * The fsck hook (ABI_FSCK_PATH in the image): check dev before it is mounted. 0 to go
 * on (also without the helper), a negative errno when the boot must not mount it.
 */
int rootmount_check(const struct root_dev *dev);
/* The usr hook (ABI_USR_PATH): mount the root's separate /usr before switching. */
int rootmount_usr(void);
/* init=, or the first of /sbin/init, /etc/init, /bin/init in the new root; or NULL. */
const char *rootmount_choose_init(const struct cmdline *c);

#endif
