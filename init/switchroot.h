/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Leave the initramfs for the real root, as util-linux switch_root does. */
#ifndef INIT_SWITCHROOT_H
#define INIT_SWITCHROOT_H

#include <sys/types.h>

/*
 * Delete everything under dirfd that lives on device dev, never descending into
 * another filesystem. Returns 0 or the first -errno (it goes on after errors).
 */
int switchroot_clean(int dirfd, dev_t dev);
/*
 * Move /dev /proc /sys /run under newroot, free the initramfs, make newroot "/" and
 * exec init with argv. Returns only on failure, with a negative errno.
 */
int switchroot_run(const char *newroot, const char *init, char *const argv[]);

#endif
