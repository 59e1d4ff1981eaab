/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by every generator subsystem: cleanup attributes, ownership. */
#ifndef MKINITRAMFS_UTIL_H
#define MKINITRAMFS_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

/* Hand a pointer over: returns it and clears the variable so cleanup skips it. */
#define TAKE_PTR(p)                                                                      \
	({                                                                               \
		typeof(p) _ptr_ = (p);                                                   \
		(p) = NULL;                                                              \
		_ptr_;                                                                   \
	})
#define TAKE_FD(fd)                                                                      \
	({                                                                               \
		int _fd_ = (fd);                                                         \
		(fd) = -1;                                                               \
		_fd_;                                                                    \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/*
 * DEFINE_FREEP(conf_free, struct conf) defines conf_freep(), for
 * `_cleanup_(conf_freep) struct conf *conf = NULL;` (the free function is NULL-safe).
 */
#define DEFINE_FREEP(func, type)                                                         \
	static inline void func##p(type **p)                                             \
	{                                                                                \
		func(*p);                                                                \
	}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

static inline int streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

#endif
