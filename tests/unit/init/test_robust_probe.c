/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile disks and command lines for the init's parsers: crafted superblocks and
 * partition tables, each in a buffer exactly as long as the length given, so that a
 * read past it is an ASan report under `make test SANITIZE=1`. The fuzzers in
 * tests/fuzz/ search for more; these are the cases worth keeping.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "plan.h"
#include "probe.h"

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A heap copy of exactly `len` bytes. */
static uint8_t *exact(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	cr_assert(p);
	memcpy(p, src, len);
	return p;
}

Test(robust_probe, every_length_of_a_real_superblock_is_safe)
{
	static uint8_t disk[PROBE_FS_BYTES];
	struct probe_fs fs;

	/* ext4, xfs, f2fs and vfat signatures in one buffer, cut at every length. */
	disk[1024 + 0x38] = 0x53, disk[1024 + 0x39] = 0xef;
	put32(disk + 1024, 0xf2f52010); /* overlaps: whichever wins, no overread */
	memcpy(disk + 0x10000 + 0x40, "_BHRfS_M", 8);
	for (size_t len = 0; len <= sizeof(disk); len += len < 4096 ? 1 : 509) {
		uint8_t *buf = exact(disk, len);
		(void)probe_fs(buf, len, &fs);
		free(buf);
	}
}

Test(robust_probe, labels_without_terminator_stay_bounded)
{
	static uint8_t disk[0x10000 + 0x22b];
	struct probe_fs fs;

	memcpy(disk + 0x10000 + 0x40, "_BHRfS_M", 8);
	memset(disk + 0x10000 + 0x12b, 'A', 256); /* a 256-byte label, no NUL */
	uint8_t *buf = exact(disk, sizeof(disk));
	cr_assert_eq(probe_fs(buf, sizeof(disk), &fs), 0);
	cr_assert_str_eq(fs.type, "btrfs");
	cr_assert_eq(strlen(fs.label), PROBE_LABEL_MAX - 1);
	free(buf);
}

Test(robust_probe, f2fs_label_of_wide_characters_is_cut_not_overflowed)
{
	static uint8_t disk[1024 + 0x7c + 1024];
	struct probe_fs fs;

	put32(disk + 1024, 0xf2f52010);
	for (size_t i = 0; i < 512; i++) /* U+4E2D: 3 bytes of UTF-8 each */
		disk[1024 + 0x7c + 2 * i] = 0x2d, disk[1024 + 0x7c + 2 * i + 1] = 0x4e;
	uint8_t *buf = exact(disk, sizeof(disk));
	cr_assert_eq(probe_fs(buf, sizeof(disk), &fs), 0);
	cr_assert_str_eq(fs.type, "f2fs");
	cr_assert_lt(strlen(fs.label), PROBE_LABEL_MAX);
	free(buf);
	/* One byte short of the label: not f2fs, and no read past the end. */
	buf = exact(disk, sizeof(disk) - 1);
	cr_assert_neq(probe_fs(buf, sizeof(disk) - 1, &fs), 0);
	free(buf);
}

/* A header whose own CRC32 is right, so the checks after it are reached. */
static void seal(uint8_t *hdr, uint32_t header_size)
{
	put32(hdr + 12, header_size);
	put32(hdr + 16, 0);
	put32(hdr + 16, probe_crc32(0, hdr, header_size));
}

Test(robust_probe, gpt_header_with_absurd_sizes_is_refused)
{
	uint8_t hdr[92] = "EFI PART";
	struct probe_gpt g;
	const uint32_t sizes[] = {0, 1, 127, 129, 8192, 0xffffffffu};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		put32(hdr + 84, sizes[i]);
		seal(hdr, sizeof(hdr));
		uint8_t *buf = exact(hdr, sizeof(hdr));
		cr_assert_eq(probe_part_gpt_header(buf, sizeof(hdr), &g), -EBADMSG,
			     "entry size %u", sizes[i]);
		free(buf);
	}
	put32(hdr + 84, 128);
	seal(hdr, sizeof(hdr));
	uint8_t *buf = exact(hdr, sizeof(hdr));
	cr_assert_eq(probe_part_gpt_header(buf, sizeof(hdr), &g), 0, "the control case");
	free(buf);
	buf = exact(hdr, 91); /* a header cut short */
	cr_assert_eq(probe_part_gpt_header(buf, 91, &g), -ENOENT);
	free(buf);
}

Test(robust_probe, gpt_header_crc_and_size_are_checked)
{
	uint8_t hdr[92] = "EFI PART";
	struct probe_gpt g;
	const uint32_t header_sizes[] = {0, 91, 93, 4096, 0xffffffffu};

	put32(hdr + 84, 128);
	seal(hdr, sizeof(hdr));
	cr_assert_eq(probe_part_gpt_header(hdr, sizeof(hdr), &g), 0);
	hdr[80] ^= 1; /* the entry count changed behind the CRC's back */
	cr_assert_eq(probe_part_gpt_header(hdr, sizeof(hdr), &g), -EBADMSG);
	hdr[80] ^= 1;
	hdr[17] ^= 0x40; /* the CRC itself damaged */
	cr_assert_eq(probe_part_gpt_header(hdr, sizeof(hdr), &g), -EBADMSG);
	for (size_t i = 0; i < sizeof(header_sizes) / sizeof(header_sizes[0]); i++) {
		put32(hdr + 12, header_sizes[i]);
		uint8_t *buf = exact(hdr, sizeof(hdr));
		/* Never read past the buffer to check a size that does not fit it. */
		cr_assert_eq(probe_part_gpt_header(buf, sizeof(hdr), &g), -EBADMSG,
			     "header size %u", header_sizes[i]);
		free(buf);
	}
}

Test(robust_probe, crc32_is_the_standard_one)
{
	const uint8_t check[] = "123456789";

	cr_assert_eq(probe_crc32(0, check, 9), 0xcbf43926u);
	/* In pieces, as the entry array is read. */
	cr_assert_eq(probe_crc32(probe_crc32(0, check, 4), check + 4, 5), 0xcbf43926u);
	cr_assert_eq(probe_crc32(0, check, 0), 0);
}

Test(robust_probe, short_sectors_are_no_partition_table)
{
	uint8_t sector[512] = {0};
	struct probe_part part;

	sector[510] = 0x55, sector[511] = 0xaa, sector[446 + 4] = 0xee;
	for (size_t len = 0; len < 512; len++) {
		uint8_t *buf = exact(sector, len);
		cr_assert_eq(probe_part_is_gpt(buf, len), 0);
		cr_assert_eq(probe_part_mbr(buf, len, 1, &part), -ENOENT);
		free(buf);
	}
	uint8_t entry[127] = {1};
	uint8_t *buf = exact(entry, sizeof(entry));
	cr_assert_eq(probe_part_gpt_entry(buf, sizeof(entry), &part), -ENOENT);
	free(buf);
}

Test(robust_probe, a_command_line_longer_than_the_buffer_is_truncated_not_overflowed)
{
	static struct cmdline c;
	size_t n = CMDLINE_MAX * 3;
	char *text = malloc(n + 1);

	cr_assert(text);
	for (size_t i = 0; i < n; i++)
		text[i] = i % 3 == 2 ? ' ' : 'x';
	memcpy(text, "root=", 5);
	text[n] = '\0';
	cmdline_parse(&c, text);
	cr_assert(c.truncated);
	cr_assert_leq(c.n_args, CMDLINE_MAX_ARGS);
	free(text);
	/* An unbalanced quote swallows the rest of the line, nothing more. */
	cmdline_parse(&c, "root=/dev/vda \"modprobe.blacklist=a,b quiet");
	cr_assert_str_eq(c.root, "/dev/vda");
	cr_assert_not(c.quiet);
}

Test(robust_probe, plan_with_forward_dependency_or_bad_alias_is_refused)
{
	static struct plan plan;
	char fwd[] = "mkinitramfs-plan\t1\nM\ta\t/a.ko\ta\t1\t\nM\tb\t/b.ko\ta\t-\t\n";
	char alias[] = "mkinitramfs-plan\t1\nM\ta\t/a.ko\ta\t-\t\nA\tpci:*\t7\n";
	char cut[] = "mkinitramfs-plan\t1\nM\ta\t/a.ko";

	cr_assert_eq(plan_parse(&plan, fwd, sizeof(fwd) - 1), -EBADMSG);
	cr_assert_eq(plan_parse(&plan, alias, sizeof(alias) - 1), -EBADMSG);
	cr_assert_eq(plan_parse(&plan, cut, sizeof(cut) - 1), -EBADMSG);
}
