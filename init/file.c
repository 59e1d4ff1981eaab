/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole-file reads into caller buffers, reporting truncation. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "file.h"
#include "str.h"

int file_read_at(int dirfd, const char *path, char *buf, size_t cap, size_t *ret_len)
{
	size_t len = 0;
	int fd, r = 0;

	if (cap == 0)
		return -EINVAL;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (len == cap - 1) {
			char extra;

			n = read(fd, &extra, 1);
			if (n > 0)
				r = -EFBIG;
			break;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return r;
}

int file_read(const char *path, char *buf, size_t cap, size_t *ret_len)
{
	return file_read_at(AT_FDCWD, path, buf, cap, ret_len);
}

int file_read_line(const char *path, char *buf, size_t cap)
{
	int r = file_read(path, buf, cap, NULL);

	if (r < 0)
		return r;
	str_chomp(buf);
	return 0;
}

ssize_t file_pread_full(int fd, void *buf, size_t len, off_t offset)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n =
			pread(fd, (char *)buf + done, len - done, offset + (off_t)done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return done ? (ssize_t)done : -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}
