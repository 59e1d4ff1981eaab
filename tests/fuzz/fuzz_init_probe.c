/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: the init's superblock probers (ext2/3/4, xfs, btrfs, f2fs, vfat) on a
 * hostile disk. The first input byte chooses where the rest lands: at offset 0, or at
 * 64 KiB (btrfs' superblock) after zeros. The buffer is allocated to the exact length
 * handed to the prober, so any read past it is an ASan report.
 */
#include <errno.h>

#include "fuzz.h"
#include "probe.h"

static void check_fs(const struct probe_fs *fs)
{
	FUZZ_ASSERT(strnlen(fs->type, sizeof(fs->type)) < sizeof(fs->type));
	FUZZ_ASSERT(strnlen(fs->uuid, sizeof(fs->uuid)) < sizeof(fs->uuid));
	FUZZ_ASSERT(strnlen(fs->label, sizeof(fs->label)) < sizeof(fs->label));
	FUZZ_ASSERT(fs->type[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_fs fs;
	size_t at, len;
	uint8_t *buf;

	if (size < 1)
		return 0;
	at = (data[0] & 1) ? 0x10000 : 0;
	len = at + size - 1;
	buf = calloc(1, len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf + at, data + 1, size - 1);
	if (probe_fs(buf, len, &fs) == 0)
		check_fs(&fs);
	/* Every shorter read of the same device, as a short pread would give. */
	if (len > 0) {
		size_t cut = len - 1 - (data[0] >> 1) % (len < 64 ? len : 64);
		uint8_t *part = malloc(cut ? cut : 1);
		if (part) {
			memcpy(part, buf, cut);
			if (probe_fs(part, cut, &fs) == 0)
				check_fs(&fs);
			free(part);
		}
	}
	free(buf);
	return 0;
}
