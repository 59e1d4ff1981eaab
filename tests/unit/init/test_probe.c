/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/probe.c: real mkfs and sfdisk outputs, blkid and sfdisk as oracles. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"
#include "testutil.h"

static uint8_t buf[PROBE_FS_BYTES];

static size_t read_image(const char *path, off_t offset)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	cr_assert_geq(fd, 0, "cannot open '%s'", path);
	n = pread(fd, buf, sizeof(buf), offset);
	close(fd);
	cr_assert_gt(n, 0);
	return (size_t)n;
}

/* blkid -p on the image must agree with us on TYPE, UUID and LABEL. */
static void check_against_blkid(const char *img, const char *want_type)
{
	char cmd[1024], type[64], uuid[64], label[300];
	struct probe_fs fs;

	cr_assert_eq(probe_fs(buf, read_image(img, 0), &fs), 0, "nothing found on %s", img);
	snprintf(cmd, sizeof(cmd), "blkid -p -o value -s TYPE '%s'", img);
	tu_capture(type, sizeof(type), cmd);
	snprintf(cmd, sizeof(cmd), "blkid -p -o value -s UUID '%s'", img);
	tu_capture(uuid, sizeof(uuid), cmd);
	snprintf(cmd, sizeof(cmd), "blkid -p -o value -s LABEL '%s'", img);
	tu_capture(label, sizeof(label), cmd);
	cr_assert_str_eq(type, want_type);
	cr_assert_str_eq(fs.type, type);
	cr_assert_str_eq(fs.uuid, uuid);
	cr_assert_str_eq(fs.label, label);
}

Test(probe, ext2_ext3_ext4_xfs_btrfs_vfat)
{
	char *dir = tu_tmpdir();
	char img[512];

	snprintf(img, sizeof(img), "%s/fs.img", dir);
	cr_assert_eq(tu_sh("mkfs.ext4 -q -F -L 'my root' '%s' 8M >/dev/null", img), 0);
	check_against_blkid(img, "ext4");
	cr_assert_eq(tu_sh("mkfs.ext3 -q -F -L e3 '%s' 8M >/dev/null", img), 0);
	check_against_blkid(img, "ext3");
	cr_assert_eq(tu_sh("mkfs.ext2 -q -F '%s' 8M >/dev/null", img), 0);
	check_against_blkid(img, "ext2");
	cr_assert_eq(tu_sh("rm -f '%s' && truncate -s 300M '%s' && mkfs.xfs -q -f -L xfsl '%s'",
			   img, img, img),
		     0);
	check_against_blkid(img, "xfs");
	cr_assert_eq(tu_sh("rm -f '%s' && truncate -s 128M '%s' && mkfs.btrfs -q -f -L "
			   "'a btrfs label' '%s' >/dev/null",
			   img, img, img),
		     0);
	check_against_blkid(img, "btrfs");
	if (tu_sh("command -v mkfs.vfat >/dev/null") == 0) {
		cr_assert_eq(tu_sh("rm -f '%s' && mkfs.vfat -C -n ESP '%s' 8192 >/dev/null", img,
				   img),
			     0);
		check_against_blkid(img, "vfat");
		cr_assert_eq(tu_sh("rm -f '%s' && mkfs.vfat -F 32 -C '%s' 40000 >/dev/null",
				   img, img),
			     0);
		check_against_blkid(img, "vfat");
	}
	tu_rmtree(dir);
}

/* No mkfs.f2fs here: a superblock laid out by hand from the on-disk format. */
Test(probe, f2fs_synthetic)
{
	static const uint8_t uuid[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
					  0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe };
	struct probe_fs fs;
	uint8_t *sb = buf + 1024;

	memset(buf, 0, sizeof(buf));
	sb[0] = 0x10;
	sb[1] = 0x20;
	sb[2] = 0xf5;
	sb[3] = 0xf2;
	memcpy(sb + 0x6c, uuid, 16);
	/* "root" in UTF-16LE, then a non-ASCII character: é (U+00E9). */
	sb[0x7c] = 'r';
	sb[0x7e] = 'o';
	sb[0x80] = 'o';
	sb[0x82] = 't';
	sb[0x84] = 0xe9;
	cr_assert_eq(probe_fs(buf, sizeof(buf), &fs), 0);
	cr_assert_str_eq(fs.type, "f2fs");
	cr_assert_str_eq(fs.uuid, "01234567-89ab-cdef-1032-547698badcfe");
	cr_assert_str_eq(fs.label, "root\xc3\xa9");
}

Test(probe, nothing_on_zeros_or_short_buffers)
{
	struct probe_fs fs;

	memset(buf, 0, sizeof(buf));
	cr_assert_eq(probe_fs(buf, sizeof(buf), &fs), -ENOENT);
	cr_assert_eq(probe_fs(buf, 100, &fs), -ENOENT);
	/* An ext4 magic beyond what was read must not be looked at. */
	buf[1024 + 0x38] = 0x53;
	buf[1024 + 0x39] = 0xef;
	cr_assert_eq(probe_fs(buf, 1100, &fs), -ENOENT);
	cr_assert_eq(probe_fs(buf, sizeof(buf), &fs), 0);
	cr_assert_str_eq(fs.type, "ext2");
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An md 1.x superblock as mdadm writes it, checksum included (blkid verifies it). */
static void md_superblock(uint8_t *sb, unsigned super_sector, const char *name)
{
	static const uint8_t uuid[16] = {0x59, 0x0e, 0x3c, 0xc7, 0x3b, 0x65, 0x59, 0x11,
					 0x6e, 0xa4, 0x5b, 0xc1, 0x76, 0xd8, 0xd7, 0xd6};
	uint64_t sum = 0;

	memset(sb, 0, 1024);
	put32(sb, 0xa92b4efc);
	put32(sb + 4, 1);
	memcpy(sb + 16, uuid, 16);
	memcpy(sb + 32, name, strlen(name));
	put32(sb + 72, 1);		  /* level: raid1 */
	put32(sb + 92, 2);		  /* raid_disks */
	put32(sb + 128, 2048);		  /* data_offset */
	put32(sb + 144, super_sector); /* super_offset */
	put32(sb + 220, 2);		  /* max_dev */
	for (size_t i = 0; i < 256 + 2 * 2; i += 4)
		sum += (uint32_t)(sb[i] | sb[i + 1] << 8 | sb[i + 2] << 16 |
				  (uint32_t)sb[i + 3] << 24);
	put32(sb + 216, (uint32_t)((sum & 0xffffffff) + (sum >> 32)));
}

Test(probe, md_members_1_2_and_1_1_like_blkid)
{
	char *dir = tu_tmpdir();
	char img[512];
	struct probe_fs fs;
	FILE *f;

	snprintf(img, sizeof(img), "%s/member.img", dir);
	for (unsigned sector = 0; sector <= 8; sector += 8) {
		memset(buf, 0, sizeof(buf));
		md_superblock(buf + sector * 512, sector, "myhost:root");
		f = fopen(img, "w");
		cr_assert(f && fwrite(buf, 1, sizeof(buf), f) == sizeof(buf));
		fclose(f);
		/* blkid wants the data area (1 MiB in) inside the device. */
		cr_assert_eq(tu_sh("truncate -s 4M '%s'", img), 0);
		check_against_blkid(img, "linux_raid_member");
		cr_assert_eq(probe_fs(buf, sizeof(buf), &fs), 0);
		cr_assert_str_eq(fs.uuid, "590e3cc7-3b65-5911-6ea4-5bc176d8d7d6");
		cr_assert_str_eq(fs.label, "myhost:root");
	}
	/* A 1.2 superblock beyond what was read is not looked at. */
	cr_assert_eq(probe_fs(buf, 4096 + 32, &fs), -ENOENT);
}

static void part_field(char *out, size_t cap, const char *img, const char *what)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "sfdisk --part-%s '%s' 2", what, img);
	tu_capture(out, cap, cmd);
}

Test(probe, gpt_partitions_like_sfdisk)
{
	char *dir = tu_tmpdir();
	char img[512], uuid[64], label[128];
	struct probe_part part;
	struct probe_gpt g;

	snprintf(img, sizeof(img), "%s/disk.img", dir);
	cr_assert_eq(tu_sh("truncate -s 8M '%s' && printf 'label: gpt\\n"
			   "size=1M, type=linux, name=\"first\"\\n"
			   "size=2M, type=linux, name=\"second part\"\\n' | sfdisk -q '%s'",
			   img, img),
		     0);
	read_image(img, 0);
	cr_assert(probe_part_is_gpt(buf, 512));
	read_image(img, 512);
	cr_assert_eq(probe_part_gpt_header(buf, 512, &g), 0);
	cr_assert_eq(g.my_lba, 1);
	cr_assert_eq(g.entries_lba, 2);
	cr_assert_eq(g.count, 128);
	cr_assert_eq(g.entry_size, 128);
	read_image(img, (off_t)(g.entries_lba * 512));
	cr_assert_eq(probe_crc32(0, buf, g.count * g.entry_size), g.entries_crc,
		     "the entry array's CRC32 as sfdisk wrote it");
	cr_assert_eq(probe_part_gpt_entry(buf + g.entry_size, g.entry_size, &part), 0);
	part_field(uuid, sizeof(uuid), img, "uuid");
	part_field(label, sizeof(label), img, "label");
	cr_assert(strcasecmp(part.uuid, uuid) == 0, "ours '%s' sfdisk '%s'", part.uuid, uuid);
	cr_assert_str_eq(part.label, label);
	cr_assert_str_eq(part.label, "second part");
	/* Entry 3 is unused. */
	cr_assert_eq(probe_part_gpt_entry(buf + 2 * g.entry_size, g.entry_size, &part), -ENOENT);
	/* The backup header in the last LBA is valid too, and points at its own array. */
	read_image(img, 8 * 1024 * 1024 - 512);
	cr_assert_eq(probe_part_gpt_header(buf, 512, &g), 0);
	cr_assert_eq(g.my_lba, 8 * 2048 - 1);
	cr_assert_eq(g.entries_lba, 8 * 2048 - 33);
	tu_rmtree(dir);
}

Test(probe, mbr_partuuid_like_sfdisk)
{
	char *dir = tu_tmpdir();
	char img[512], uuid[64], cmd[1024];
	struct probe_part part;

	snprintf(img, sizeof(img), "%s/disk.img", dir);
	cr_assert_eq(tu_sh("truncate -s 8M '%s' && printf 'label: dos\\nlabel-id: 0x1234abcd\\n"
			   "size=1M, type=83\\nsize=2M, type=83\\n' | sfdisk -q '%s'",
			   img, img),
		     0);
	read_image(img, 0);
	cr_assert(!probe_part_is_gpt(buf, 512));
	cr_assert_eq(probe_part_mbr(buf, 512, 2, &part), 0);
	/* blkid's disk identifier plus the partition number is the kernel's PARTUUID. */
	snprintf(cmd, sizeof(cmd), "blkid -p -o value -s PTUUID '%s'", img);
	tu_capture(uuid, sizeof(uuid), cmd);
	strcat(uuid, "-02");
	cr_assert_str_eq(part.uuid, "1234abcd-02");
	cr_assert_str_eq(part.uuid, uuid);
	cr_assert_eq(probe_part_mbr(buf, 512, 0, &part), -ENOENT);
	buf[510] = 0;
	cr_assert_eq(probe_part_mbr(buf, 512, 1, &part), -ENOENT);
	tu_rmtree(dir);
}

/* The label lvm writes (pvcreate puts it in sector 1) and the PV UUID after it. */
static void lvm_label(unsigned sector, const char *type)
{
	uint8_t *l = buf + sector * 512;

	memcpy(l, "LABELONE", 8);
	l[8] = (uint8_t)sector;
	l[20] = 32;
	memcpy(l + 24, type, 8);
	memcpy(l + 32, "xZen4yRyC3AzQQofMHld1GnDR3MCXpxN", 32);
}

Test(probe, lvm2_pv_label)
{
	struct probe_fs fs;

	for (unsigned s = 0; s < 4; s++) {
		memset(buf, 0, sizeof(buf));
		lvm_label(s, "LVM2 001");
		cr_assert_eq(probe_fs(buf, sizeof(buf), &fs), 0, "sector %u", s);
		cr_assert_str_eq(fs.type, PROBE_TYPE_LVM);
		cr_assert_str_eq(fs.uuid, "xZen4yRyC3AzQQofMHld1GnDR3MCXpxN");
		cr_assert_str_eq(fs.label, "");
	}
	/* Beyond sector 3, another label type, or past what was read: nothing. */
	memset(buf, 0, sizeof(buf));
	lvm_label(4, "LVM2 001");
	cr_assert_eq(probe_fs(buf, sizeof(buf), &fs), -ENOENT);
	memset(buf, 0, sizeof(buf));
	lvm_label(1, "LVM1 001");
	cr_assert_eq(probe_fs(buf, sizeof(buf), &fs), -ENOENT);
	lvm_label(1, "LVM2 001");
	cr_assert_eq(probe_fs(buf, 1000, &fs), -ENOENT);
	/* A PV label hides an older filesystem's superblock, as blkid's wipe would. */
	buf[1024 + 0x38] = 0x53;
	buf[1024 + 0x39] = 0xef;
	cr_assert_eq(probe_fs(buf, sizeof(buf), &fs), 0);
	cr_assert_str_eq(fs.type, PROBE_TYPE_LVM);
}
