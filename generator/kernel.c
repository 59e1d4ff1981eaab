/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel versions: from a bzImage's setup header, from uname, or as given by the user. */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kernel.h"
#include "util.h"

#define SETUP_HEADER_MAGIC_OFFSET 0x202	 /* "HdrS" */
#define SETUP_VERSION_FIELD_OFFSET 0x20E /* u16: string offset - 0x200 */
#define SETUP_VERSION_BASE 0x200
/* The string lives in the real-mode setup code: at most 0x200 + 0xffff + its length. */
#define SETUP_READ_MAX (SETUP_VERSION_BASE + 0x10000 + 512)
#define RELEASE_MAX 64

static int is_release_char(char c)
{
	return c > ' ' && c < 0x7f && c != '/';
}

int kernel_version_from_buffer(const void *buf, size_t size, char **ret)
{
	const uint8_t *b = buf;
	size_t off, len;
	char *v;

	if (size < SETUP_VERSION_FIELD_OFFSET + 2 ||
	    memcmp(b + SETUP_HEADER_MAGIC_OFFSET, "HdrS", 4) != 0)
		return -ENOEXEC;
	off = SETUP_VERSION_BASE + (b[SETUP_VERSION_FIELD_OFFSET] |
				    (size_t)b[SETUP_VERSION_FIELD_OFFSET + 1] << 8);
	/* A zero field means "no version string" (boot protocol < 2.00 or not set). */
	if (off == SETUP_VERSION_BASE || off >= size)
		return -ENOEXEC;
	for (len = 0; off + len < size && is_release_char((char)b[off + len]); len++)
		if (len >= RELEASE_MAX)
			return -ENOEXEC;
	/* The release must end at a space (before "(builder)") or at the NUL. */
	if (len == 0 || off + len >= size ||
	    (b[off + len] != ' ' && b[off + len] != '\0'))
		return -ENOEXEC;
	v = strndup((const char *)b + off, len);
	if (!v)
		return -ENOMEM;
	*ret = v;
	return 0;
}

int kernel_version_from_image(const char *path, char **ret)
{
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_close_ int fd = -1;
	size_t size = 0;

	struct stat st;

	/* O_NONBLOCK: a FIFO with no writer must not hang the open. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -ENOTTY;
	buf = malloc(SETUP_READ_MAX);
	if (!buf)
		return -ENOMEM;
	while (size < SETUP_READ_MAX) {
		ssize_t n = read(fd, buf + size, SETUP_READ_MAX - size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		size += (size_t)n;
	}
	return kernel_version_from_buffer(buf, size, ret);
}

int kernel_running_version(char **ret)
{
	struct utsname u;
	char *v;

	if (uname(&u) < 0)
		return negative_errno();
	v = strdup(u.release);
	if (!v)
		return -ENOMEM;
	*ret = v;
	return 0;
}

int kernel_is_version_string(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > RELEASE_MAX || streq(s, ".") || streq(s, ".."))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_release_char(s[i]))
			return 0;
	return 1;
}
