/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the libFuzzer harnesses: inputs as files, invariants that abort. */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A broken invariant is a finding: abort so libFuzzer saves the input. */
#define FUZZ_ASSERT(cond)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "fuzz: invariant failed: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__);                                   \
			abort();                                                       \
		}                                                                      \
	} while (0)

/*
 * The input as a file, for code that takes a path: one memfd reused for every input,
 * named by "/proc/self/fd/N" so no disk is touched. Returns the path.
 */
static inline const char *fuzz_as_file(const uint8_t *data, size_t size, int *ret_fd)
{
	static int fd = -1;
	static char path[64];

	if (fd < 0) {
		fd = memfd_create("fuzz-input", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	if (ret_fd)
		*ret_fd = fd;
	return path;
}

/* A NUL-terminated copy (the input may hold NULs: the copy keeps them). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Read every byte of a string, so ASan sees an unterminated or freed one. */
static inline size_t fuzz_touch(const char *s)
{
	return s ? strlen(s) : 0;
}

#endif
