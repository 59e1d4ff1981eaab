/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where mkinitramfs's own files are: installed, or next to a binary in a build tree. */
#ifndef MKINITRAMFS_LOCATE_H
#define MKINITRAMFS_LOCATE_H

/* The init binary: $MKINITRAMFS_INIT (which must be a regular file), build/init next to
 * build/mkinitramfs, or <libdir>/init. Logs why when there is none (-ENOENT) or the
 * override is not a regular file (-EINVAL). */
int locate_init(char **ret);

/* The shipped hooks: the repository's hooks/build when running from a build tree of
 * an uninstalled copy, else <libdir>/hooks. */
int locate_hooks_dir(char **ret);

#endif
