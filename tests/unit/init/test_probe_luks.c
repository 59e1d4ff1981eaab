/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for the container probes of init/probe.c: LUKS1 and LUKS2 headers made by the
 * real cryptsetup, swap areas by mkswap, with blkid -p and cryptsetup luksUUID as
 * oracles.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"
#include "testutil.h"

static uint8_t buf[PROBE_FS_BYTES];

static size_t read_image(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	cr_assert_geq(fd, 0, "cannot open '%s'", path);
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	cr_assert_gt(n, 0);
	return (size_t)n;
}

static void blkid(char *out, size_t cap, const char *img, const char *tag)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "blkid -p -o value -s %s '%s'", tag, img);
	tu_capture(out, cap, cmd);
}

static void check(const char *img, struct probe_fs *fs)
{
	char type[64], uuid[64], label[128];

	cr_assert_eq(probe_fs(buf, read_image(img), fs), 0, "nothing found on %s", img);
	blkid(type, sizeof(type), img, "TYPE");
	blkid(uuid, sizeof(uuid), img, "UUID");
	blkid(label, sizeof(label), img, "LABEL");
	cr_assert_str_eq(fs->type, type);
	cr_assert_str_eq(fs->uuid, uuid);
	cr_assert_str_eq(fs->label, label);
}

#define FORMAT "cryptsetup luksFormat --batch-mode --pbkdf-force-iterations 1000 "

Test(probe_luks, luks1_and_luks2_like_blkid_and_cryptsetup)
{
	char *dir = tu_tmpdir();
	char img[512], cmd[1024], uuid[64];
	struct probe_fs fs;

	if (tu_sh("command -v cryptsetup >/dev/null") != 0)
		cr_assert_fail("cryptsetup is missing: run make deps (package cryptsetup-bin)");
	snprintf(img, sizeof(img), "%s/luks.img", dir);
	cr_assert_eq(tu_sh("truncate -s 20M '%s' && " FORMAT
			   "--type luks2 --pbkdf pbkdf2 --label 'crypt label' "
			   "--key-file /dev/zero --keyfile-size 8 '%s' >/dev/null",
			   img, img),
		     0);
	check(img, &fs);
	cr_assert_str_eq(fs.type, "crypto_LUKS");
	cr_assert_eq(fs.version, 2);
	cr_assert_str_eq(fs.label, "crypt label");
	snprintf(cmd, sizeof(cmd), "cryptsetup luksUUID '%s'", img);
	tu_capture(uuid, sizeof(uuid), cmd);
	cr_assert_str_eq(fs.uuid, uuid);

	/* A UUID of our choice, and LUKS1, which has no label (blkid says none). */
	cr_assert_eq(tu_sh(FORMAT "--type luks1 --uuid 0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3 "
			   "--key-file /dev/zero --keyfile-size 8 '%s' >/dev/null",
			   img),
		     0);
	check(img, &fs);
	cr_assert_eq(fs.version, 1);
	cr_assert_str_eq(fs.uuid, "0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3");
	cr_assert_str_eq(fs.label, "");
	tu_rmtree(dir);
}

Test(probe_luks, damaged_magic_or_version_is_no_luks)
{
	struct probe_fs fs;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, "LUKS\xba\xbe\x00\x02", 8);
	memcpy(buf + 168, "11111111-2222-4333-8444-555555555555", 36);
	cr_assert_eq(probe_fs(buf, sizeof(buf), &fs), 0);
	cr_assert_str_eq(fs.uuid, "11111111-2222-4333-8444-555555555555");
	buf[7] = 3; /* a version we do not know */
	cr_assert_eq(probe_fs(buf, sizeof(buf), &fs), -ENOENT);
	buf[7] = 2;
	buf[4] = 0xbb;
	cr_assert_eq(probe_fs(buf, sizeof(buf), &fs), -ENOENT);
}

Test(probe_luks, swap_and_hibernation_image_like_blkid)
{
	char *dir = tu_tmpdir();
	char img[512];
	struct probe_fs fs;

	snprintf(img, sizeof(img), "%s/swap.img", dir);
	cr_assert_eq(tu_sh("truncate -s 8M '%s' && chmod 600 '%s' && mkswap -L swl "
			   "-U 5e8b3f2a-0c1d-4e6f-9a8b-7c6d5e4f3a2b '%s' >/dev/null 2>&1",
			   img, img, img),
		     0);
	check(img, &fs);
	cr_assert_str_eq(fs.type, "swap");
	cr_assert_str_eq(fs.uuid, "5e8b3f2a-0c1d-4e6f-9a8b-7c6d5e4f3a2b");
	/* The kernel writes its signature over SWAPSPACE2 when it hibernates. */
	cr_assert_eq(tu_sh("printf 'S1SUSPEND\\0' | dd of='%s' bs=1 seek=4086 conv=notrunc "
			   "status=none",
			   img),
		     0);
	check(img, &fs);
	cr_assert_str_eq(fs.type, "swsuspend");
	tu_rmtree(dir);
}
