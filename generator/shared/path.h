/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Paths, lexically: normalisation, and the component walk the chroot-style resolvers
 * share. */
#ifndef MKINITRAMFS_PATH_H
#define MKINITRAMFS_PATH_H

#include <stddef.h>

enum path_flags {
	PATH_ABSOLUTE = 1 << 0, /* the result starts with '/' ("/" for the root itself) */
	PATH_STRICT = 1 << 1, /* "." and ".." components are -EINVAL, an empty path too */
	PATH_CLAMP = 1 << 2,  /* ".." above the root stays there (otherwise -EXDEV) */
};

/*
 * "/a//./b/../c/" -> "a/c" (or "/a/c" with PATH_ABSOLUTE), without looking at the
 * filesystem. Leading, repeated and trailing slashes are dropped.
 */
int path_normalise(const char *path, unsigned flags, char **ret);

/*
 * A path walked one component at a time (chroot-style resolvers: sysroot.c, fsroot.c):
 * `rest` holds what is left to walk from `pos` on; a symlink's target replaces the
 * walked part. path_next_component() copies the next component into `buf` (1), or
 * returns 0 when none is left, -ENAMETOOLONG when it does not fit.
 */
int path_next_component(const char *rest, size_t *pos, char *buf, size_t size);
/* Nothing but slashes is left after `pos`. */
int path_at_end(const char *rest, size_t pos);
/* *rest becomes `target` followed by what was left after *pos; *pos is 0 again. */
int path_splice(char **rest, size_t *pos, const char *target);

#endif
