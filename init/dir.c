/* SPDX-License-Identifier: GPL-2.0-or-later */
/* getdents64 loop: a small stack buffer, no allocation, d_type passed through. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dir.h"

struct dirent64_raw {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

int dir_each(int dirfd, dir_fn fn, void *ctx)
{
	/* Aligned for the records; small because walks recurse. */
	uint64_t buf[256];

	for (;;) {
		long n = syscall(SYS_getdents64, dirfd, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (long off = 0; off < n;) {
			struct dirent64_raw *d =
				(struct dirent64_raw *)((char *)buf + off);
			int r;

			off += d->reclen;
			if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0)
				continue;
			r = fn(dirfd, d->name, d->type, ctx);
			if (r < 0)
				return r;
		}
	}
}
