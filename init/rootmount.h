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
/* init=, or the first of /sbin/init, /etc/init, /bin/init in the new root; or NULL. */
const char *rootmount_choose_init(const struct cmdline *c);

#endif
