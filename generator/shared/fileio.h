/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File I/O every subsystem shares: writing all of a buffer, reading a whole file. */
#ifndef MKINITRAMFS_FILEIO_H
#define MKINITRAMFS_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * The most a single input read whole into memory may hold: a module file, a tree index,
 * a text file of the root, raw or decompressed. The largest module of a distribution
 * kernel is a few MiB and the largest index some MiB; 256 MiB leaves room for any real
 * tree while a module that is a symlink to /dev/zero, or a small archive that inflates
 * to gigabytes, is refused with -EFBIG before it costs memory.
 */
#define FILEIO_READ_MAX ((size_t)256 << 20)

/* write(2) until all `len` bytes are written (EINTR retried). 0 or a negative errno. */
int fileio_write_all(int fd, const void *buf, size_t len);

/*
 * Is the open file `fd` a regular file of a real file system? 0, -EINVAL (a FIFO,
 * socket, device, or a file of procfs or sysfs, whose sizes lie) or -EISDIR.
 */
int fileio_check_input(int fd, struct stat *ret_st);

/* Read what is left of `fd`, at most `max` bytes (else -EFBIG), NUL-terminated. */
int fileio_read_fd(int fd, size_t max, char **ret, size_t *ret_size);

/*
 * The contents of `path`, NUL-terminated, and their size. Returns 0, -ENOENT when there
 * is no such file, -EINVAL or -EISDIR when it is no regular file (a FIFO does not block),
 * -EFBIG over FILEIO_READ_MAX, -ENOMEM, or the open(2) or read(2) error.
 */
int fileio_read_file(const char *path, char **ret, size_t *ret_size);

#endif
