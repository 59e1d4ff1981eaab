/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark helper: find where an initramfs's uncompressed newc archives end and its
 * compressed part starts, as the kernel walks it. Prints "cpio BYTES" for the leading
 * uncompressed archives (with their padding) and "compressed OFFSET" when a compressed
 * stream follows. The bench decompresses that part itself to count its bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

static unsigned long hex8(const unsigned char *p)
{
	char buf[9];

	memcpy(buf, p, 8);
	buf[8] = '\0';
	return strtoul(buf, NULL, 16);
}

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* One newc archive from off; returns the offset past its trailer, 0 when malformed. */
static size_t archive_end(const unsigned char *m, size_t size, size_t off)
{
	while (off + 110 <= size && memcmp(m + off, "07070", 5) == 0) {
		unsigned long namesize = hex8(m + off + 94);
		unsigned long filesize = hex8(m + off + 54);
		size_t name = off + 110;
		int trailer;

		if (name + namesize > size)
			return 0;
		trailer = namesize == 11 && memcmp(m + name, "TRAILER!!!", 10) == 0;
		off = align4(name + namesize);
		off = align4(off + filesize);
		if (off > size)
			return 0;
		if (trailer)
			return off;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	const unsigned char *m;
	size_t off = 0, cpio = 0;
	struct stat st;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: cpiosplit IMAGE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "cpiosplit: cannot open '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (st.st_size == 0) {
		printf("cpio 0\n");
		return 0;
	}
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		fprintf(stderr, "cpiosplit: cannot map '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	while (off < (size_t)st.st_size) {
		size_t end;

		/* The kernel skips NUL padding between archives. */
		if (m[off] == 0) {
			off++;
			cpio++;
			continue;
		}
		if (off + 6 > (size_t)st.st_size || memcmp(m + off, "07070", 5) != 0)
			break;
		end = archive_end(m, st.st_size, off);
		if (!end) {
			fprintf(stderr, "cpiosplit: malformed archive at %zu in '%s'\n", off,
				argv[1]);
			return 1;
		}
		cpio += end - off;
		off = end;
	}
	printf("cpio %zu\n", cpio);
	if (off < (size_t)st.st_size)
		printf("compressed %zu\n", off);
	return 0;
}
