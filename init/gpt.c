/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A partition's GPT entry read from its disk the way the kernel chooses a table: the
 * primary header and entry array when their CRC32s are right, else the backup at the
 * disk's last LBA. Without this a damaged primary table, which the kernel silently
 * replaces with the backup, would give a PARTUUID or PARTLABEL the kernel never used.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "gpt.h"

/* A hostile disk cannot make PID 1 read more than this: 8 times the usual 16 KiB. */
#define GPT_ARRAY_MAX (128u * 1024)
#define GPT_ENTRY_MAX 4096u
#define GPT_LBA_MAX (1ull << 40)

static uint8_t entry_buf[GPT_ENTRY_MAX];

static int read_header(int fd, uint8_t *buf, unsigned long bs, uint64_t lba,
		       struct probe_gpt *g)
{
	ssize_t n = file_pread_full(fd, buf, bs, (off_t)(lba * bs));
	int r;

	if (n < 92)
		return n < 0 ? (int)n : -ENOENT;
	r = probe_part_gpt_header(buf, (size_t)n, g);
	if (r == 0 && (g->my_lba != lba || g->entries_lba > GPT_LBA_MAX))
		r = -EBADMSG;
	return r;
}

/* Read the whole array (its CRC32 covers all of it), keeping entry `partno`. */
static int read_entry(int fd, uint8_t *buf, size_t cap, unsigned long bs,
		      const struct probe_gpt *g, unsigned partno, struct probe_part *ret)
{
	uint64_t total = (uint64_t)g->count * g->entry_size;
	uint64_t want = (uint64_t)(partno - 1) * g->entry_size;
	/* A multiple of every valid entry size, so no entry straddles two chunks. */
	size_t chunk = cap - cap % GPT_ENTRY_MAX;
	uint32_t crc = 0;

	if (partno == 0 || partno > g->count || total > GPT_ARRAY_MAX || chunk == 0)
		return -ENOENT;
	for (uint64_t off = 0; off < total; off += chunk) {
		size_t len = total - off < chunk ? (size_t)(total - off) : chunk;
		ssize_t n =
			file_pread_full(fd, buf, len, (off_t)(g->entries_lba * bs + off));

		if (n != (ssize_t)len)
			return n < 0 ? (int)n : -ENOENT;
		crc = probe_crc32(crc, buf, len);
		if (want >= off && want < off + len)
			memcpy(entry_buf, buf + (want - off), g->entry_size);
	}
	if (crc != g->entries_crc)
		return -EBADMSG;
	return probe_part_gpt_entry(entry_buf, g->entry_size, ret);
}

int gpt_find_partition(int fd, uint8_t *buf, size_t cap, unsigned long bs,
		       unsigned partno, struct probe_part *ret)
{
	struct probe_gpt g;
	off_t end;
	int r, backup;

	r = read_header(fd, buf, bs, 1, &g);
	if (r == 0) {
		r = read_entry(fd, buf, cap, bs, &g, partno, ret);
		if (r != -EBADMSG)
			return r;
	}
	end = lseek(fd, 0, SEEK_END);
	if (end < (off_t)(3 * bs))
		return r;
	backup = read_header(fd, buf, bs, (uint64_t)end / bs - 1, &g);
	if (backup < 0)
		return r; /* the primary's reason is the one to give */
	return read_entry(fd, buf, cap, bs, &g, partno, ret);
}
