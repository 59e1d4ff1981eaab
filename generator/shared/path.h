/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lexical path normalisation: one implementation for every subsystem. */
#ifndef MKINITRAMFS_PATH_H
#define MKINITRAMFS_PATH_H

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

#endif
