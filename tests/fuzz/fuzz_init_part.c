/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: the init's MBR and GPT probers on a hostile disk (the input, from sector
 * 0): the MBR prober on the first sector (a buffer exactly as long as the length
 * passed, so a read past it is an ASan report), and GPT through gpt.c on a file
 * descriptor, as root.c reads it: primary header and entry array, else the backup.
 */
#include <errno.h>

#include "fuzz.h"
#include "gpt.h"
#include "probe.h"

#define SECTOR 512

static uint8_t *copy_range(const uint8_t *data, size_t size, uint64_t off, size_t len)
{
	if (off > size || len > size - off)
		return NULL;
	uint8_t *p = malloc(len ? len : 1);
	if (p)
		memcpy(p, data + off, len);
	return p;
}

static void check_part(const struct probe_part *p)
{
	FUZZ_ASSERT(strnlen(p->uuid, sizeof(p->uuid)) < sizeof(p->uuid));
	FUZZ_ASSERT(strnlen(p->label, sizeof(p->label)) < sizeof(p->label));
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * Random bytes almost never carry right CRC32s, which would keep the fuzzer at the
 * checksum: when asked (bit 0 of byte 0, boot code the kernel ignores), make the
 * primary header's and its entry array's CRCs right, so what follows them is reached.
 */
static void seal_primary(uint8_t *disk, size_t size)
{
	uint8_t *hdr = disk + SECTOR;
	uint32_t hsize = get32(hdr + 12);
	uint64_t lba = (uint64_t)get32(hdr + 72) | (uint64_t)get32(hdr + 76) << 32;
	uint64_t len = (uint64_t)get32(hdr + 80) * get32(hdr + 84);

	if (lba < size / SECTOR && len <= size - lba * SECTOR)
		put32(hdr + 88, probe_crc32(0, disk + lba * SECTOR, (size_t)len));
	if (hsize >= 92 && hsize <= SECTOR) {
		put32(hdr + 16, 0);
		put32(hdr + 16, probe_crc32(0, hdr, hsize));
	}
}

/* Through the read path the init uses: a file descriptor on the whole disk. */
static void probe_gpt(const uint8_t *data, size_t size)
{
	static uint8_t scratch[PROBE_FS_BYTES];
	struct probe_part part;
	uint8_t *disk = copy_range(data, size, 0, size);
	int fd;

	if (!disk)
		return;
	if (size >= 2 * SECTOR && (disk[0] & 1))
		seal_primary(disk, size);
	fuzz_as_file(disk, size, &fd);
	free(disk);
	for (unsigned partno = 1; partno <= 4; partno++) {
		int r = gpt_find_partition(fd, scratch, sizeof(scratch), SECTOR, partno, &part);

		FUZZ_ASSERT(r == 0 || r == -ENOENT || r == -EBADMSG);
		if (r == 0)
			check_part(&part);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_part part;
	uint8_t *mbr;

	/* Short first sectors too: a device smaller than a sector. */
	mbr = copy_range(data, size, 0, size < SECTOR ? size : SECTOR);
	if (!mbr)
		return 0;
	size_t mlen = size < SECTOR ? size : SECTOR;
	int gpt = probe_part_is_gpt(mbr, mlen);
	for (unsigned partno = 0; partno <= 6; partno++)
		if (probe_part_mbr(mbr, mlen, partno == 6 ? 300 : partno, &part) == 0)
			check_part(&part);
	free(mbr);
	if (size > SECTOR && (gpt || size > 2 * SECTOR))
		probe_gpt(data, size);
	return 0;
}
