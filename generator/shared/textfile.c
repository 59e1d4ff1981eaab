// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading a whole text file into memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "sysroot.h"
#include "textfile.h"
#include "util.h"

int textfile_read(const char *path, char **ret, size_t *ret_size)
{
	/* O_NONBLOCK: a FIFO put where the file should be never blocks the open. */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	int r;

	if (fd < 0)
		return negative_errno();
	r = sysroot_check_input(fd, &st);
	if (r < 0)
		return r;
	if ((uint64_t)st.st_size > SYSROOT_READ_MAX)
		return -EFBIG;
	return sysroot_read_fd(fd, SYSROOT_READ_MAX, ret, ret_size);
}
