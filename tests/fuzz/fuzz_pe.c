/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: any bytes as an EFI stub (or UKI), through the PE parser and writer, as
 * `-U --uefistub` and `-a` on a UKI read them. When sections are added, the result
 * parses again and the new sections are aligned, after every old one, inside the file.
 */
#include <errno.h>

#include "fuzz.h"
#include "inspect.h"
#include "pe.h"

#define MAX_SECTIONS 128

static void check_result(const uint8_t *out, size_t size, int old_n)
{
	struct pe_section_info info[MAX_SECTIONS];
	uint32_t salign, falign;
	int n = pe_sections(out, size, info, MAX_SECTIONS, &salign, &falign);

	FUZZ_ASSERT(n == old_n + 2);
	if (n > MAX_SECTIONS)
		return;
	for (int i = old_n; i < n; i++) {
		FUZZ_ASSERT(info[i].virtual_address % salign == 0);
		FUZZ_ASSERT(info[i].raw_offset % falign == 0);
		FUZZ_ASSERT((uint64_t)info[i].raw_offset + info[i].raw_size <= size);
		for (int j = 0; j < i; j++) {
			uint64_t end = (uint64_t)info[j].virtual_address +
				       (info[j].virtual_size > info[j].raw_size
						? info[j].virtual_size
						: info[j].raw_size);
			FUZZ_ASSERT(info[i].virtual_address >= end);
		}
	}
	FUZZ_ASSERT(memcmp(out + info[n - 1].raw_offset, "initrd", 6) == 0);
	uint32_t lfanew = (uint32_t)out[0x3c] | (uint32_t)out[0x3d] << 8 |
			  (uint32_t)out[0x3e] << 16 | (uint32_t)out[0x3f] << 24;
	size_t sum_at = lfanew + 4 + 20 + 64;
	uint32_t stored = (uint32_t)out[sum_at] | (uint32_t)out[sum_at + 1] << 8 |
			  (uint32_t)out[sum_at + 2] << 16 | (uint32_t)out[sum_at + 3] << 24;
	FUZZ_ASSERT(stored == pe_checksum(out, size, sum_at));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	static const struct pe_section secs[] = {
		{".linux", "kernel", 6, PE_SECTION_CODE},
		{".initrd", "initrd", 6, 0},
	};
	struct pe_section_info info[MAX_SECTIONS];
	uint8_t *out = NULL;
	size_t out_size;
	int fd;

	if (!devnull && !(devnull = fopen("/dev/null", "we")))
		abort();
	int n = pe_sections(data, size, info, MAX_SECTIONS, NULL, NULL);
	FUZZ_ASSERT(n >= 0 || n == -ENOEXEC);
	int r = pe_add_sections(data, size, secs, 2, &out, &out_size);
	FUZZ_ASSERT(r == 0 || r == -ENOEXEC || r == -EEXIST || r == -ENOSPC ||
		    r == -EFBIG || r == -ENOMEM);
	if (r == 0)
		check_result(out, out_size, n);
	free(out);
	/* As a UKI given to -a. */
	const char *path = fuzz_as_file(data, size, &fd);
	r = inspect_analyze(path, INSPECT_ALL, 1, devnull);
	FUZZ_ASSERT(r <= 0);
	return 0;
}
