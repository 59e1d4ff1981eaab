/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Autodetect: what this machine needs, read from a sysfs tree and the mount table. */
#ifndef MKINITRAMFS_AUTODETECT_H
#define MKINITRAMFS_AUTODETECT_H

#include <stddef.h>

#include "strv.h"

/*
 * Every `modalias` file under <sysfs>/devices (sorted, each value once), and the
 * loadable modules in use: <sysfs>/module/X with an `initstate` file (builtins have
 * none) whose `refcnt` is more than its `holders/` (other modules): held by a mount,
 * an open device or a driver. Symlinked directories are not followed. Failures are
 * logged here, naming the path ("autodetect: cannot read 'SYSFS/devices': ..."); an
 * attribute that is not a regular file (a FIFO would block the read) is -EINVAL.
 */
int autodetect_modaliases(const char *sysfs, struct strv *ret_aliases);
int autodetect_loaded_modules(const char *sysfs, struct strv *ret_modules);

/*
 * Read a small sysfs attribute `name` of the directory `dirfd`: its first line, without
 * the newline. Attributes are regular files; anything else (a FIFO in a captured tree
 * would block the read) is -EINVAL, logged naming `dir`/`name`. Other errors (a missing
 * attribute: -ENOENT) are returned unlogged.
 */
int autodetect_read_attr(int dirfd, const char *dir, const char *name, char *buf,
			 size_t size);

/* The filesystem type mounted on "/" according to a mountinfo file (the last mount
 * of "/" wins, as later mounts hide earlier ones). -ENOENT when none. */
int autodetect_rootfs(const char *mountinfo, char **ret_type);

/* The last mount of "/" in a mountinfo file: its device number (0:N for filesystems
 * with no single block device: btrfs, NFS, tmpfs), type and source. -ENOENT: none. */
struct autodetect_mount {
	unsigned major, minor;
	char *type, *source;
};
int autodetect_root_mount(const char *mountinfo, struct autodetect_mount *ret);
void autodetect_mount_clear(struct autodetect_mount *m);

#endif
