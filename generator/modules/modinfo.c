/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The .modinfo of a kernel module file (plain, gzip, xz, zstd), read without libkmod. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "compress.h"
#include "elf.h"
#include "fileio.h"
#include "modinfo.h"
#include "sysroot.h"
#include "util.h"

int modinfo_parse(const void *buf, size_t size, struct strv *ret)
{
	struct strv out = STRV_INIT;
	const void *section;
	size_t len;
	int r;

	/* What finit_module() would refuse is no module, whatever its .modinfo says. */
	r = elf_check_module(buf, size);
	if (r < 0)
		return r;
	r = elf_section(buf, size, ".modinfo", &section, &len);
	if (r < 0)
		return r == -ENOENT ? -ENOEXEC : r;
	const char *p = section, *end = p + len;
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));
		if (n == (size_t)(end - p)) {
			r = -ENOEXEC; /* runs off the section: no kernel wrote that */
			break;
		}
		if (n && (r = strv_push(&out, p)) < 0)
			break;
		p += n + 1;
	}
	if (r < 0) {
		strv_clear(&out);
		return r;
	}
	*ret = out;
	return 0;
}

int modinfo_read(const char *path, struct strv *ret)
{
	_cleanup_free_ void *data = NULL;
	size_t size;
	int r;

	r = compress_read_file(path, &data, &size);
	if (r < 0)
		return r;
	return modinfo_parse(data, size, ret);
}

/*
 * The parts of a plain module file that modinfo_parse() looks at, in anonymous zero
 * pages (never touched where nothing is read: no memset, unlike a reused heap block).
 * 1 when parsed, 0 when the file must be read whole.
 */
static int parse_sparse(int fd, struct strv *ret)
{
	struct stat st;
	int r;

	if (fileio_check_input(fd, &st) < 0 || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SYSROOT_READ_MAX)
		return 0;
	size_t size = (size_t)st.st_size;
	void *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (buf == MAP_FAILED)
		return 0;
	r = elf_read_section_fd(fd, buf, size, ".modinfo");
	if (r >= 0)
		r = modinfo_parse(buf, size, ret);
	munmap(buf, size);
	return r >= 0;
}

int modinfo_read_fd(int fd, struct strv *ret)
{
	_cleanup_free_ void *data = NULL;
	size_t size;
	int r;

	if (parse_sparse(fd, ret))
		return 0;
	r = compress_read_fd(fd, &data, &size);
	if (r < 0)
		return r;
	return modinfo_parse(data, size, ret);
}

const char *modinfo_value(const char *entry, const char *key)
{
	size_t n = strlen(key);

	return strncmp(entry, key, n) == 0 && entry[n] == '=' ? entry + n + 1 : NULL;
}
