/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: any bytes as an initramfs, through the segment splitter, every
 * decompressor (zstd, gzip, xz, lzma, lz4 legacy and frame, bzip2) and the cpio parser,
 * as `mkinitramfs -l` reads it.
 */
#include <errno.h>
#include <sys/stat.h>

#include "cpio.h"
#include "fuzz.h"
#include "image.h"

static int check_entry(const struct cpio_entry *e, const void *data, void *userdata)
{
	uint64_t *sum = userdata;

	FUZZ_ASSERT(e->name && e->path && e->compression);
	FUZZ_ASSERT(strlen(e->name) <= 4096 && e->path[0] != '/');
	if (S_ISLNK(e->mode))
		FUZZ_ASSERT(e->target && strlen(e->target) == e->size);
	if (S_ISREG(e->mode)) {
		FUZZ_ASSERT(data || !e->size);
		/* Read every byte the parser hands out. */
		const uint8_t *p = data;
		for (uint64_t i = 0; i < e->size; i++)
			*sum += p[i];
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	uint64_t sum = 0;
	int fd, r;
	const char *path = fuzz_as_file(data, size, &fd);

	if (!devnull && !(devnull = fopen("/dev/null", "we")))
		abort();
	r = cpio_walk_fd(fd, check_entry, &sum);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -EOPNOTSUPP || r == -ENOMEM ||
		    r == -EFBIG);
	r = image_list(path, devnull);
	FUZZ_ASSERT(r <= 0);
	return 0;
}
