/* SPDX-License-Identifier: GPL-2.0-or-later */
/* autodetect: modaliases and loaded modules from fake sysfs trees, root fs from mountinfo. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autodetect.h"
#include "testutil.h"

Test(autodetect, modaliases_are_collected_sorted_and_unique)
{
	char *sys = testutil_mkdtemp();
	testutil_write(sys, "devices/pci0000:00/0000:00:04.0/modalias",
		       "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00\n");
	testutil_write(sys, "devices/pci0000:00/0000:00:04.0/virtio1/modalias",
		       "virtio:d00000002v00001AF4\n");
	testutil_write(sys, "devices/pci0000:00/0000:00:05.0/modalias",
		       "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00\n");
	testutil_write(sys, "devices/platform/serial8250/uevent", "DRIVER=serial8250\n");
	testutil_write(sys, "devices/platform/i8042/modalias", "platform:i8042\n");

	struct strv aliases = STRV_INIT;
	cr_assert_eq(autodetect_modaliases(sys, &aliases), 0);
	cr_assert_eq(aliases.n, 3);
	cr_assert_str_eq(aliases.v[0], "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00");
	cr_assert_str_eq(aliases.v[1], "platform:i8042");
	cr_assert_str_eq(aliases.v[2], "virtio:d00000002v00001AF4");
	strv_clear(&aliases);
	testutil_rmrf(sys);
	free(sys);
}

Test(autodetect, symlinked_directories_are_not_followed)
{
	char *sys = testutil_mkdtemp();
	char *link;
	testutil_write(sys, "devices/a/modalias", "pci:one\n");
	cr_assert(asprintf(&link, "%s/devices/a/loop", sys) > 0);
	cr_assert_eq(symlink("..", link), 0);
	struct strv aliases = STRV_INIT;
	cr_assert_eq(autodetect_modaliases(sys, &aliases), 0);
	cr_assert_eq(aliases.n, 1);
	strv_clear(&aliases);
	testutil_rmrf(sys);
	free(link);
	free(sys);
}

Test(autodetect, missing_devices_directory_is_an_error)
{
	char *sys = testutil_mkdtemp();
	struct strv aliases = STRV_INIT;
	cr_assert_eq(autodetect_modaliases(sys, &aliases), -ENOENT);
	testutil_rmrf(sys);
	free(sys);
}

Test(autodetect, modules_in_use_are_held_by_more_than_modules)
{
	char *sys = testutil_mkdtemp();
	testutil_write(sys, "module/virtio_blk/initstate", "live\n");
	testutil_write(sys, "module/virtio_blk/refcnt", "2\n");
	testutil_write(sys, "module/ext4/initstate", "live\n");
	testutil_write(sys, "module/ext4/refcnt", "1\n");
	/* Loaded by a fallback image but never mounted. */
	testutil_write(sys, "module/xfs/initstate", "live\n");
	testutil_write(sys, "module/xfs/refcnt", "0\n");
	/* Held only by btrfs, itself unused. */
	testutil_write(sys, "module/raid6_pq/initstate", "live\n");
	testutil_write(sys, "module/raid6_pq/refcnt", "1\n");
	testutil_write(sys, "module/raid6_pq/holders/btrfs/x", "");
	/* A capture without refcnt: counted as used. */
	testutil_write(sys, "module/nbd/initstate", "live\n");
	testutil_write(sys, "module/printk/parameters/time", "Y\n");
	struct strv mods = STRV_INIT;
	cr_assert_eq(autodetect_loaded_modules(sys, &mods), 0);
	cr_assert_eq(mods.n, 3);
	cr_assert_str_eq(mods.v[0], "ext4");
	cr_assert_str_eq(mods.v[1], "nbd");
	cr_assert_str_eq(mods.v[2], "virtio_blk");
	strv_clear(&mods);
	testutil_rmrf(sys);
	free(sys);
}

Test(autodetect, rootfs_is_the_last_mount_of_slash)
{
	char *dir = testutil_mkdtemp();
	char *path;
	testutil_write(dir, "mountinfo",
		       "22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
		       "25 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
		       "26 25 0:5 / /dev rw shared:2 - devtmpfs udev rw\n"
		       "40 25 254:2 / / rw master:3 - xfs /dev/vdb rw\n");
	cr_assert(asprintf(&path, "%s/mountinfo", dir) > 0);
	char *type = NULL;
	cr_assert_eq(autodetect_rootfs(path, &type), 0);
	cr_assert_str_eq(type, "xfs");
	free(type);
	testutil_write(dir, "mountinfo", "22 1 0:21 / /sys rw - sysfs sysfs rw\n");
	cr_assert_eq(autodetect_rootfs(path, &type), -ENOENT);
	testutil_rmrf(dir);
	free(path);
	free(dir);
}

/* A FIFO where an attribute should be (a crafted capture): refused, never waited on. */
Test(autodetect, fifo_attributes_are_refused, .timeout = 30)
{
	char *sys = testutil_mkdtemp();
	char *fifo;
	struct strv v = STRV_INIT;

	testutil_write(sys, "devices/a/uevent", "x\n");
	cr_assert(asprintf(&fifo, "%s/devices/a/modalias", sys) > 0);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(autodetect_modaliases(sys, &v), -EINVAL);
	free(fifo);
	testutil_write(sys, "module/nbd/initstate", "live\n");
	cr_assert(asprintf(&fifo, "%s/module/nbd/refcnt", sys) > 0);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(autodetect_loaded_modules(sys, &v), -EINVAL);
	free(fifo);
	testutil_rmrf(sys);
	free(sys);
}

Test(autodetect, module_that_is_a_file_is_an_error)
{
	char *sys = testutil_mkdtemp();
	struct strv v = STRV_INIT;

	testutil_write(sys, "module", "not a directory\n");
	cr_assert_eq(autodetect_loaded_modules(sys, &v), -ENOTDIR);
	testutil_rmrf(sys);
	free(sys);
}
