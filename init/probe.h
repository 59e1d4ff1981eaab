/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Identify filesystems (type, UUID, LABEL) and partitions (PARTUUID, PARTLABEL). */
#ifndef INIT_PROBE_H
#define INIT_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* Enough for every superblock we know: btrfs' lies at 64 KiB. */
#define PROBE_FS_BYTES (68u * 1024)
#define PROBE_UUID_MAX 40
#define PROBE_LABEL_MAX 256
#define PROBE_TYPE_MAX 20

/* The types that are no filesystem, named as blkid names them. */
#define PROBE_TYPE_LUKS "crypto_LUKS"
#define PROBE_TYPE_SWAP "swap"
#define PROBE_TYPE_HIBERNATED "swsuspend"
#define PROBE_TYPE_MD "linux_raid_member"
#define PROBE_TYPE_LVM "LVM2_member"

struct probe_fs {
	char type[PROBE_TYPE_MAX];
	unsigned char version;	     /* LUKS: 1 or 2 */
	char uuid[PROBE_UUID_MAX];   /* an md member: its array's */
	char label[PROBE_LABEL_MAX]; /* an md member: its array's "host:name" */
};

struct probe_part {
	char uuid[PROBE_UUID_MAX];
	char label[PROBE_LABEL_MAX];
};

/* Probe the first len bytes of a device. Returns 0, or -ENOENT when nothing is known. */
int probe_fs(const uint8_t *buf, size_t len, struct probe_fs *ret);

/* A GPT header that passed its checks (signature, sizes, CRC32 of the header). */
struct probe_gpt {
	uint64_t my_lba;      /* where the header says it lies: 1, or the last LBA */
	uint64_t entries_lba; /* the partition entry array */
	uint32_t count;
	uint32_t entry_size;  /* a power of two, 128 to 4096 */
	uint32_t entries_crc; /* CRC32 of the whole array */
};

/*
 * The partition table of a disk: where to read it and how to find partition partno
 * (1-based, as the kernel numbers them) in it.
 * probe_part_mbr: buf holds the first sector at least.
 * probe_part_gpt_header: buf holds the header's LBA (1, or the last one for the backup);
 *   -EBADMSG when a size or the header's CRC32 is wrong, -ENOENT without a signature.
 * probe_part_gpt_entry: buf holds one entry of entry_size bytes.
 */
int probe_part_mbr(const uint8_t *buf, size_t len, unsigned partno,
		   struct probe_part *ret);
int probe_part_gpt_header(const uint8_t *buf, size_t len, struct probe_gpt *ret);
int probe_part_gpt_entry(const uint8_t *buf, size_t len, struct probe_part *ret);
/* The CRC32 of GPT (and zlib): start with crc = 0, feed the data in pieces. */
uint32_t probe_crc32(uint32_t crc, const uint8_t *buf, size_t len);
/* Whether a first sector is a protective MBR (type 0xee): then the table is GPT. */
int probe_part_is_gpt(const uint8_t *buf, size_t len);

#endif
