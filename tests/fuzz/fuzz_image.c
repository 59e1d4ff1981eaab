/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: any bytes as an initramfs, through the segment splitter, every
 * decompressor (zstd, gzip, xz, lzma, lz4 legacy and frame, bzip2) and the cpio parser,
 * as `mkinitramfs -l` and the read-back check read it. One cpio_reader serves every
 * input: its decoder contexts and buffers are reused, as they are meant to be, so an
 * input costs its decoding, not megabytes of fresh allocations.
 */
#include <errno.h>
#include <sys/stat.h>

#include "cpio.h"
#include "fuzz.h"

struct seen {
	uint64_t sum;
	uint64_t left; /* data bytes the current regular file still owes */
	int in_file;
	int headers_only; /* data is not asked for */
};

static int check_entry(const struct cpio_entry *e, void *userdata)
{
	struct seen *s = userdata;

	FUZZ_ASSERT(e->name && e->path && e->compression);
	FUZZ_ASSERT(strlen(e->name) <= 4096 && e->path[0] != '/');
	FUZZ_ASSERT(e->size <= CPIO_ENTRY_MAX);
	FUZZ_ASSERT(!s->in_file);
	if (S_ISLNK(e->mode))
		FUZZ_ASSERT(e->target && strlen(e->target) == e->size);
	s->in_file = 1;
	s->left = S_ISREG(e->mode) && !s->headers_only ? e->size : 0;
	return 0;
}

static int check_data(const void *bytes, size_t len, void *userdata)
{
	struct seen *s = userdata;
	const uint8_t *p = bytes;

	/* Pieces add up to the size, none empty; read every byte handed out. */
	FUZZ_ASSERT(s->in_file && len > 0 && len <= s->left && len <= (1u << 20));
	s->left -= len;
	for (size_t i = 0; i < len; i++)
		s->sum += p[i];
	return 0;
}

static int check_done(const struct cpio_entry *e, void *userdata)
{
	struct seen *s = userdata;
	(void)e;
	FUZZ_ASSERT(s->in_file && s->left == 0);
	s->in_file = 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cpio_ops ops = {check_entry, check_data, check_done};
	static const struct cpio_ops headers_only = {check_entry, NULL, check_done};
	static struct cpio_reader *rd;
	char err[CPIO_ERROR_MAX];
	struct seen s = {0};
	int fd, r;

	if (!rd && cpio_reader_new(&rd) < 0)
		abort();
	fuzz_as_file(data, size, &fd);
	r = cpio_walk_fd(rd, fd, &ops, &s, err);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -EOPNOTSUPP || r == -ENOMEM ||
		    r == -EFBIG);
	/* Every failure says what it is. */
	FUZZ_ASSERT(r == 0 || r == -ENOMEM || err[0]);
	FUZZ_ASSERT(strlen(err) < CPIO_ERROR_MAX);
	/* Listing skips the data: the same entries, the same verdict. */
	struct seen t = {.headers_only = 1};
	FUZZ_ASSERT(cpio_walk_fd(rd, fd, &headers_only, &t, err) == r || r == -ENOMEM);
	return 0;
}
