/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading whole small files (sysfs attributes, the plan) into fixed buffers. */
#ifndef INIT_FILE_H
#define INIT_FILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Read the file at path (relative to dirfd, or AT_FDCWD) into buf, NUL-terminated;
 * *ret_len (may be NULL) gets the length. Returns -EFBIG when it does not fit in
 * cap - 1 bytes (buf then holds the start).
 */
int file_read_at(int dirfd, const char *path, char *buf, size_t cap, size_t *ret_len);
int file_read(const char *path, char *buf, size_t cap, size_t *ret_len);
/* Read a small text attribute and drop the trailing newline. */
int file_read_line(const char *path, char *buf, size_t cap);
/* pread as many bytes as there are up to len; returns the count or -errno. */
ssize_t file_pread_full(int fd, void *buf, size_t len, off_t offset);

#endif
