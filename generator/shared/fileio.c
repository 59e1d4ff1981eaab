/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File I/O every subsystem shares: writing all of a buffer, reading a whole file. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fileio.h"
#include "util.h"

int fileio_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fileio_check_input(int fd, struct stat *ret_st)
{
	struct statfs fs;

	if (fstat(fd, ret_st) < 0)
		return negative_errno();
	if (S_ISDIR(ret_st->st_mode))
		return -EISDIR;
	if (!S_ISREG(ret_st->st_mode))
		return -EINVAL;
	/* Their files say size 0 or 4096 whatever they hold, and some never end. */
	if (fstatfs(fd, &fs) == 0 &&
	    (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC))
		return -EINVAL;
	return 0;
}

int fileio_read_fd(int fd, size_t max, char **ret, size_t *ret_size)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		if (len + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *n;
			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= cap) {
				free(buf);
				return -EFBIG;
			}
			n = realloc(buf, ncap);
			if (!n) {
				free(buf);
				return -ENOMEM;
			}
			buf = n;
			cap = ncap;
		}
		ssize_t got = read(fd, buf + len, cap - len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int r = negative_errno();
			free(buf);
			return r;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > max) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_size = len;
	return 0;
}

int fileio_read_file(const char *path, char **ret, size_t *ret_size)
{
	/* O_NONBLOCK: a FIFO put where the file should be never blocks the open. */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	int r;

	if (fd < 0)
		return negative_errno();
	r = fileio_check_input(fd, &st);
	if (r < 0)
		return r;
	if ((uint64_t)st.st_size > FILEIO_READ_MAX)
		return -EFBIG;
	return fileio_read_fd(fd, FILEIO_READ_MAX, ret, ret_size);
}
