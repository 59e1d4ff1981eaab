/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: the init's MBR and GPT probers on a hostile disk (the input, from sector
 * 0), read the way root.c reads them: the first sector, the GPT header in LBA 1, then
 * the entry of the partition asked for. Every buffer is exactly as long as the length
 * passed, so a read past it is an ASan report.
 */
#include <errno.h>

#include "fuzz.h"
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

static void probe_gpt(const uint8_t *data, size_t size, unsigned partno)
{
	uint64_t lba;
	uint32_t count, esize;
	struct probe_part part;
	size_t hlen = size - SECTOR < SECTOR ? size - SECTOR : SECTOR;
	uint8_t *hdr = copy_range(data, size, SECTOR, hlen);

	if (!hdr)
		return;
	int r = probe_part_gpt_header(hdr, hlen, &lba, &count, &esize);
	free(hdr);
	if (r < 0)
		return;
	FUZZ_ASSERT(esize >= 128 && esize <= 4096);
	if (partno > count || lba > (1ull << 40))
		return;
	uint64_t off = lba * SECTOR + (uint64_t)(partno - 1) * esize;
	uint8_t *entry = copy_range(data, size, off, esize);
	if (!entry)
		return;
	if (probe_part_gpt_entry(entry, esize, &part) == 0)
		check_part(&part);
	free(entry);
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
		for (unsigned partno = 1; partno <= 4; partno++)
			probe_gpt(data, size, partno);
	return 0;
}
