/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files of the module root (-r ROOT) opened inside it: nothing of the host gets in. */
#ifndef MKINITRAMFS_SYSROOT_H
#define MKINITRAMFS_SYSROOT_H

#include <stddef.h>
#include <sys/stat.h>

#include "fileio.h"

/* The most a single input read whole may hold (fileio.h). */
#define SYSROOT_READ_MAX FILEIO_READ_MAX

/*
 * Open `path` inside `root` (a host directory; "/" or "" for the host itself): `path`
 * is taken as if `root` were "/" (as chroot would), a leading '/' or not. Symlinks are
 * followed inside the root: an absolute target starts again from the root and ".."
 * stops at it, so nothing outside is ever opened. openat2(RESOLVE_IN_ROOT) where the
 * kernel has it, else a walk one component at a time with O_NOFOLLOW. `flags` as for
 * open(2) (O_CLOEXEC is added); with O_NOFOLLOW a last component that is a symlink is
 * -ELOOP. Returns the descriptor or a negative errno.
 */
int sysroot_open(const char *root, const char *path, int flags);
/* The same without openat2, as on kernels before 5.6: the fallback, for its tests. */
int sysroot_open_walk(const char *root, const char *path, int flags);

/*
 * Open an input file of the root for reading: what it names must be a regular file of
 * a real file system. A FIFO, socket or device is -EINVAL, a directory -EISDIR (no
 * read hangs on a FIFO: it is opened O_NONBLOCK), a file of procfs or sysfs (their
 * sizes lie: /proc/self/environ says 0) -EINVAL too. Fills *ret_st, and *ret_real
 * (when not NULL) with the host path of the file without any symlink: it reaches the
 * same inode later unless something is renamed meanwhile, which a reader that opens it
 * again detects by comparing st_dev and st_ino (stage entries carry them).
 */
int sysroot_open_input(const char *root, const char *path, struct stat *ret_st,
		       char **ret_real);

/*
 * Read a whole input of the root, NUL-terminated (the NUL not counted in *ret_size).
 * -EFBIG when larger than `max`; the errors of sysroot_open_input() otherwise.
 */
int sysroot_read(const char *root, const char *path, size_t max, char **ret,
		 size_t *ret_size);

/* What an error of these functions means for a message: "not a regular file", ... */
const char *sysroot_strerror(int r);

#endif
