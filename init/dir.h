/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Directory iteration without opendir (which allocates): getdents64 on an fd. */
#ifndef INIT_DIR_H
#define INIT_DIR_H

/* Called for each entry but "." and ".."; a negative return stops the walk. */
typedef int (*dir_fn)(int dirfd, const char *name, unsigned char type, void *ctx);

/* Returns 0, the callback's negative value, or -errno of getdents64. */
int dir_each(int dirfd, dir_fn fn, void *ctx);

#endif
