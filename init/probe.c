/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Superblock and partition-table probers: pure functions over bytes read by callers. */
#include <errno.h>
#include <string.h>

#include "probe.h"
#include "str.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static const char hex[] = "0123456789abcdef";

/* The usual 8-4-4-4-12 form of 16 bytes in on-disk order (ext4, xfs, btrfs, f2fs). */
static void uuid_be(const uint8_t *u, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

/* GPT GUIDs store the first three fields little-endian. */
static void uuid_guid(const uint8_t *g, char *out)
{
	static const uint8_t order[16] = {3, 2, 1,  0,	5,  4,	7,  6,
					  8, 9, 10, 11, 12, 13, 14, 15};
	uint8_t u[16];

	for (size_t i = 0; i < 16; i++)
		u[i] = g[order[i]];
	uuid_be(u, out);
}

static int uuid_is_zero(const uint8_t *u)
{
	for (size_t i = 0; i < 16; i++)
		if (u[i])
			return 0;
	return 1;
}

/* A fixed-size, maybe NUL-padded label; trailing spaces dropped (FAT pads with them). */
static void label_copy(char *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t len = 0;

	while (len < n && src[len])
		len++;
	while (len && src[len - 1] == ' ')
		len--;
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* UTF-16LE to UTF-8, stopping at NUL; surrogates become '?' (labels are rarely so). */
static void label_utf16(char *dst, size_t cap, const uint8_t *src, size_t units)
{
	struct str s;

	str_init(&s, dst, cap);
	for (size_t i = 0; i < units; i++) {
		uint16_t c = le16(src + 2 * i);

		if (c == 0)
			break;
		if (c < 0x80) {
			str_addc(&s, (char)c);
		} else if (c < 0x800) {
			str_addc(&s, (char)(0xc0 | c >> 6));
			str_addc(&s, (char)(0x80 | (c & 0x3f)));
		} else if (c >= 0xd800 && c < 0xe000) {
			str_addc(&s, '?');
		} else {
			str_addc(&s, (char)(0xe0 | c >> 12));
			str_addc(&s, (char)(0x80 | (c >> 6 & 0x3f)));
			str_addc(&s, (char)(0x80 | (c & 0x3f)));
		}
	}
}

static void set_type(struct probe_fs *fs, const char *type)
{
	(void)str_copy(fs->type, sizeof(fs->type), type);
}

#define EXT_SB 1024
static int probe_ext(const uint8_t *buf, size_t len, struct probe_fs *fs)
{
	const uint8_t *sb = buf + EXT_SB;
	uint32_t compat, incompat, ro_compat;

	if (len < EXT_SB + 0x100 || le16(sb + 0x38) != 0xef53)
		return -ENOENT;
	compat = le32(sb + 0x5c);
	incompat = le32(sb + 0x60);
	ro_compat = le32(sb + 0x64);
	/* A journal device is not a filesystem one can mount. */
	if (incompat & 0x8)
		return -ENOENT;
	/* Features ext3 lacks (extents, 64bit, flex_bg, ...) make it ext4. */
	if ((incompat & ~0x17u) || (ro_compat & ~0x7u))
		set_type(fs, "ext4");
	else if (compat & 0x4)
		set_type(fs, "ext3");
	else
		set_type(fs, "ext2");
	uuid_be(sb + 0x68, fs->uuid);
	label_copy(fs->label, sizeof(fs->label), sb + 0x78, 16);
	return 0;
}

static int probe_xfs(const uint8_t *buf, size_t len, struct probe_fs *fs)
{
	if (len < 512 || memcmp(buf, "XFSB", 4) != 0)
		return -ENOENT;
	set_type(fs, "xfs");
	uuid_be(buf + 32, fs->uuid);
	label_copy(fs->label, sizeof(fs->label), buf + 108, 12);
	return 0;
}

#define BTRFS_SB 0x10000
static int probe_btrfs(const uint8_t *buf, size_t len, struct probe_fs *fs)
{
	const uint8_t *sb = buf + BTRFS_SB;

	if (len < BTRFS_SB + 0x22b || memcmp(sb + 0x40, "_BHRfS_M", 8) != 0)
		return -ENOENT;
	set_type(fs, "btrfs");
	uuid_be(sb + 0x20, fs->uuid);
	label_copy(fs->label, sizeof(fs->label), sb + 0x12b, 256);
	return 0;
}

#define F2FS_SB 1024
static int probe_f2fs(const uint8_t *buf, size_t len, struct probe_fs *fs)
{
	const uint8_t *sb = buf + F2FS_SB;

	if (len < F2FS_SB + 0x7c + 1024 || le32(sb) != 0xf2f52010)
		return -ENOENT;
	set_type(fs, "f2fs");
	uuid_be(sb + 0x6c, fs->uuid);
	label_utf16(fs->label, sizeof(fs->label), sb + 0x7c, 512);
	return 0;
}

static int probe_vfat(const uint8_t *buf, size_t len, struct probe_fs *fs)
{
	const uint8_t *id, *label;
	uint32_t serial;
	uint16_t sector;
	char *u = fs->uuid;

	if (len < 512 || buf[510] != 0x55 || buf[511] != 0xaa)
		return -ENOENT;
	sector = le16(buf + 11);
	/* A jump, a power-of-two sector size and FATs: not just any boot sector. */
	if ((buf[0] != 0xeb && buf[0] != 0xe9) || sector < 512 || sector > 4096 ||
	    (sector & (sector - 1)) || buf[13] == 0 || buf[16] == 0)
		return -ENOENT;
	if (memcmp(buf + 0x52, "FAT32   ", 8) == 0) {
		id = buf + 0x43;
		label = buf + 0x47;
	} else if (memcmp(buf + 0x36, "FAT1", 4) == 0 ||
		   memcmp(buf + 0x36, "FAT     ", 8) == 0) {
		id = buf + 0x27;
		label = buf + 0x2b;
	} else {
		return -ENOENT;
	}
	set_type(fs, "vfat");
	serial = le32(id);
	/* "ABCD-EF01", upper case as blkid prints it. */
	for (int i = 7, o = 0; i >= 0; i--) {
		char c = hex[serial >> (i * 4) & 15];

		u[o++] = c >= 'a' ? (char)(c - 'a' + 'A') : c;
		if (i == 4)
			u[o++] = '-';
		u[o] = '\0';
	}
	label_copy(fs->label, sizeof(fs->label), label, 11);
	if (strcmp(fs->label, "NO NAME") == 0)
		fs->label[0] = '\0';
	return 0;
}

/* LUKS1 and LUKS2 share the first fields: magic, version, and the UUID as text. */
static int probe_luks(const uint8_t *buf, size_t len, struct probe_fs *fs)
{
	static const uint8_t magic[6] = {'L', 'U', 'K', 'S', 0xba, 0xbe};
	unsigned version;

	if (len < 512 || memcmp(buf, magic, sizeof(magic)) != 0)
		return -ENOENT;
	version = (unsigned)buf[6] << 8 | buf[7];
	if (version != 1 && version != 2)
		return -ENOENT;
	set_type(fs, PROBE_TYPE_LUKS);
	fs->version = (unsigned char)version;
	label_copy(fs->uuid, sizeof(fs->uuid), buf + 168, 40);
	/* Only LUKS2 has a label, where LUKS1 keeps its cipher name. */
	if (version == 2)
		label_copy(fs->label, sizeof(fs->label), buf + 24, 48);
	return 0;
}

/*
 * An md RAID member: a 1.1 superblock at 0 or a 1.2 one at 4 KiB (mdadm's default).
 * blkid's type; the array's UUID and name, which every member shares.
 */
#define MD_MAGIC 0xa92b4efc
static int probe_md(const uint8_t *buf, size_t len, struct probe_fs *fs)
{
	for (size_t off = 0; off <= 4096; off += 4096) {
		const uint8_t *sb = buf + off;

		if (len < off + 64 || le32(sb) != MD_MAGIC || le32(sb + 4) != 1)
			continue;
		set_type(fs, PROBE_TYPE_MD);
		uuid_be(sb + 16, fs->uuid);
		label_copy(fs->label, sizeof(fs->label), sb + 32, 32);
		return 0;
	}
	return -ENOENT;
}

/*
 * An LVM2 physical volume: a label "LABELONE" with type "LVM2 001" in one of the first
 * four sectors, followed by the PV header (lvm puts it right after the 32 bytes of the
 * label), which starts with the PV's UUID in 32 characters.
 */
static int probe_lvm(const uint8_t *buf, size_t len, struct probe_fs *fs)
{
	for (const uint8_t *l = buf; l + 512 <= buf + len && l < buf + 2048; l += 512) {
		if (memcmp(l, "LABELONE", 8) != 0 || memcmp(l + 24, "LVM2 001", 8) != 0)
			continue;
		set_type(fs, PROBE_TYPE_LVM);
		label_copy(fs->uuid, sizeof(fs->uuid), l + 32, 32);
		return 0;
	}
	return -ENOENT;
}

/*
 * A swap area ends its first page with "SWAPSPACE2"; a hibernation image replaces that
 * signature. The page is 4 KiB on the machines we boot.
 */
#define SWAP_PAGE 4096
static int probe_swap(const uint8_t *buf, size_t len, struct probe_fs *fs)
{
	static const char *const hibernated[] = {"S1SUSPEND", "LINHIB0001", "ULSUSPEND"};
	const uint8_t *sig = buf + SWAP_PAGE - 10;

	if (len < SWAP_PAGE)
		return -ENOENT;
	if (memcmp(sig, "SWAPSPACE2", 10) == 0) {
		set_type(fs, PROBE_TYPE_SWAP);
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(hibernated); i++)
			if (memcmp(sig, hibernated[i], strlen(hibernated[i])) == 0)
				set_type(fs, PROBE_TYPE_HIBERNATED);
		if (!fs->type[0])
			return -ENOENT;
	}
	if (!uuid_is_zero(buf + 1036))
		uuid_be(buf + 1036, fs->uuid);
	label_copy(fs->label, sizeof(fs->label), buf + 1052, 16);
	return 0;
}

int probe_fs(const uint8_t *buf, size_t len, struct probe_fs *ret)
{
	/* Containers first: a LUKS header hides whatever a filesystem left behind. */
	static int (*const probers[])(const uint8_t *, size_t, struct probe_fs *) = {
		probe_md,    probe_luks, probe_lvm,  probe_ext,	 probe_xfs,
		probe_btrfs, probe_f2fs, probe_vfat, probe_swap,
	};

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < ARRAY_SIZE(probers); i++) {
		if (probers[i](buf, len, ret) == 0)
			return 0;
		memset(ret, 0, sizeof(*ret));
	}
	return -ENOENT;
}

static int mbr_valid(const uint8_t *buf, size_t len)
{
	return len >= 512 && buf[510] == 0x55 && buf[511] == 0xaa;
}

int probe_part_is_gpt(const uint8_t *buf, size_t len)
{
	if (!mbr_valid(buf, len))
		return 0;
	for (int i = 0; i < 4; i++)
		if (buf[446 + 16 * i + 4] == 0xee)
			return 1;
	return 0;
}

int probe_part_mbr(const uint8_t *buf, size_t len, unsigned partno,
		   struct probe_part *ret)
{
	uint32_t sig;
	struct str s;

	if (!mbr_valid(buf, len) || partno == 0 || partno > 255)
		return -ENOENT;
	sig = le32(buf + 440);
	memset(ret, 0, sizeof(*ret));
	/* The kernel's MBR PARTUUID: the disk signature and the partition number. */
	str_init(&s, ret->uuid, sizeof(ret->uuid));
	for (int i = 7; i >= 0; i--)
		str_addc(&s, hex[sig >> (i * 4) & 15]);
	str_addc(&s, '-');
	str_addc(&s, hex[partno >> 4]);
	str_addc(&s, hex[partno & 15]);
	return 0;
}

uint32_t probe_crc32(uint32_t crc, const uint8_t *buf, size_t len)
{
	/* Bit by bit: a table would cost 1 KiB of the init for a few KiB of input. */
	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= buf[i];
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/* The header's CRC32 covers header_size bytes with its own field taken as zero. */
static uint32_t gpt_header_crc(const uint8_t *buf, uint32_t header_size)
{
	static const uint8_t zero[4];
	uint32_t crc = probe_crc32(0, buf, 16);

	crc = probe_crc32(crc, zero, 4);
	return probe_crc32(crc, buf + 20, header_size - 20);
}

int probe_part_gpt_header(const uint8_t *buf, size_t len, struct probe_gpt *ret)
{
	uint32_t header_size, size;

	if (len < 92 || memcmp(buf, "EFI PART", 8) != 0)
		return -ENOENT;
	header_size = le32(buf + 12);
	if (header_size < 92 || header_size > len)
		return -EBADMSG;
	if (gpt_header_crc(buf, header_size) != le32(buf + 16))
		return -EBADMSG;
	size = le32(buf + 84);
	if (size < 128 || size > 4096 || (size & (size - 1)))
		return -EBADMSG;
	ret->my_lba = le64(buf + 24);
	ret->entries_lba = le64(buf + 72);
	ret->count = le32(buf + 80);
	ret->entry_size = size;
	ret->entries_crc = le32(buf + 88);
	return 0;
}

int probe_part_gpt_entry(const uint8_t *buf, size_t len, struct probe_part *ret)
{
	if (len < 128 || uuid_is_zero(buf))
		return -ENOENT; /* an unused entry: no partition type */
	memset(ret, 0, sizeof(*ret));
	uuid_guid(buf + 16, ret->uuid);
	label_utf16(ret->label, sizeof(ret->label), buf + 56, 36);
	return 0;
}
