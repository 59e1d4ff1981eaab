/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rootstack: the walk down sysfs trees laid out as the kernel's, the lookups, the proof. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "autodetect.h"
#include "log.h"
#include "rootstack.h"
#include "testutil.h"

static void link_at(const char *dir, const char *rel, const char *target)
{
	char *path, *parent;
	cr_assert(asprintf(&path, "%s/%s", dir, rel) > 0);
	parent = strdup(path);
	*strrchr(parent, '/') = '\0';
	cr_assert_eq(testutil_sh("mkdir -p '%s'", parent), 0);
	cr_assert_eq(symlink(target, path), 0, "symlink %s", path);
	free(parent);
	free(path);
}

#define NVME "devices/pci0000:00/0000:00:04.0"
#define NS NVME "/nvme/nvme0/nvme0n1"

/* nvme0n1p2 on nvme0n1 behind the nvme driver at 0000:00:04.0 (module nvme). */
static void nvme_tree(const char *sys)
{
	testutil_write(sys, NS "/dev", "259:0\n");
	testutil_write(sys, NS "/nvme0n1p2/dev", "259:2\n");
	testutil_write(sys, NS "/nvme0n1p2/partition", "2\n");
	link_at(sys, NS "/device", "../../nvme0");
	link_at(sys, NVME "/nvme/nvme0/device", "../../../0000:00:04.0");
	link_at(sys, NVME "/driver", "../../../bus/pci/drivers/nvme");
	link_at(sys, "bus/pci/drivers/nvme/module", "../../../../module/nvme");
	testutil_write(sys, "module/nvme/initstate", "live\n");
	link_at(sys, "dev/block/259:2",
		"../../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p2");
	link_at(sys, "class/block/nvme0n1p2",
		"../../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p2");
}

/* dm-N with a name and uuid, on `slave` (a path relative to the tree). */
static void dm_dev(const char *sys, int n, const char *name, const char *uuid,
		   const char *slave)
{
	char rel[256], target[512], dev[32];
	snprintf(dev, sizeof(dev), "254:%d\n", n);
	snprintf(rel, sizeof(rel), "devices/virtual/block/dm-%d/dev", n);
	testutil_write(sys, rel, dev);
	snprintf(rel, sizeof(rel), "devices/virtual/block/dm-%d/dm/name", n);
	testutil_write(sys, rel, name);
	snprintf(rel, sizeof(rel), "devices/virtual/block/dm-%d/dm/uuid", n);
	testutil_write(sys, rel, uuid);
	snprintf(rel, sizeof(rel), "devices/virtual/block/dm-%d/slaves/%s", n,
		 strrchr(slave, '/') + 1);
	snprintf(target, sizeof(target), "../../../../../%s", slave);
	link_at(sys, rel, target);
	snprintf(rel, sizeof(rel), "dev/block/254:%d", n);
	snprintf(target, sizeof(target), "../../devices/virtual/block/dm-%d", n);
	link_at(sys, rel, target);
	snprintf(rel, sizeof(rel), "class/block/dm-%d", n);
	link_at(sys, rel, target);
}

static const struct rootstack_layer *layer(const struct rootstack *s, size_t i)
{
	cr_assert_lt(i, s->n, "layer %zu of %zu", i, s->n);
	return &s->layers[i];
}

Test(rootstack, luks_on_lvm_on_an_nvme_partition)
{
	char *sys = testutil_mkdtemp();
	struct rootstack s;

	nvme_tree(sys);
	dm_dev(sys, 0, "vg-root\n", "LVM-abc\n", NS "/nvme0n1p2");
	dm_dev(sys, 1, "cryptroot\n", "CRYPT-LUKS2-abc-cryptroot\n",
	       "devices/virtual/block/dm-0");
	cr_assert_eq(rootstack_walk(sys, makedev(254, 1), "ext4", &s), 0);
	cr_assert_str_eq(s.role, "root");
	cr_assert_eq(s.n, 6);
	cr_assert_eq(layer(&s, 0)->kind, ROOTSTACK_FS);
	cr_assert_str_eq(layer(&s, 0)->module, "fs-ext4");
	cr_assert_eq(layer(&s, 1)->kind, ROOTSTACK_DM_CRYPT);
	cr_assert_str_eq(layer(&s, 1)->node, "dm-1");
	cr_assert_str_eq(layer(&s, 1)->module, "dm_crypt");
	cr_assert_str_eq(layer(&s, 1)->hooks[0], "encrypt");
	cr_assert_str_eq(layer(&s, 1)->hooks[1], "sd-encrypt");
	cr_assert_eq(layer(&s, 2)->kind, ROOTSTACK_DM_LVM);
	cr_assert_str_eq(layer(&s, 2)->what, "LVM logical volume 'vg-root'");
	cr_assert_str_eq(layer(&s, 2)->hooks[0], "lvm2");
	cr_assert_eq(layer(&s, 3)->kind, ROOTSTACK_PARTITION);
	cr_assert_str_eq(layer(&s, 3)->what, "partition 2 of 'nvme0n1'");
	cr_assert_eq(layer(&s, 4)->kind, ROOTSTACK_DISK);
	cr_assert_eq(layer(&s, 5)->kind, ROOTSTACK_DRIVER);
	cr_assert_str_eq(layer(&s, 5)->node, "0000:00:04.0");
	cr_assert_str_eq(layer(&s, 5)->module, "nvme");
	cr_assert_eq(layer(&s, 5)->depth, 5);
	rootstack_clear(&s);
	testutil_rmrf(sys);
	free(sys);
}

Test(rootstack, md_raid_walks_every_member_and_names_the_personality)
{
	char *sys = testutil_mkdtemp();
	struct rootstack s;

	nvme_tree(sys);
	testutil_write(sys, NS "/nvme0n1p3/dev", "259:3\n");
	testutil_write(sys, NS "/nvme0n1p3/partition", "3\n");
	testutil_write(sys, "devices/virtual/block/md0/dev", "9:0\n");
	testutil_write(sys, "devices/virtual/block/md0/md/level", "raid5\n");
	link_at(sys, "devices/virtual/block/md0/slaves/nvme0n1p3",
		"../../../../pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p3");
	link_at(sys, "devices/virtual/block/md0/slaves/nvme0n1p2",
		"../../../../pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p2");
	link_at(sys, "dev/block/9:0", "../../devices/virtual/block/md0");
	cr_assert_eq(rootstack_walk(sys, makedev(9, 0), NULL, &s), 0);
	cr_assert_str_eq(s.role, "resume");
	cr_assert_eq(layer(&s, 0)->kind, ROOTSTACK_SWAP);
	cr_assert_str_eq(layer(&s, 0)->hooks[0], "resume");
	cr_assert_eq(layer(&s, 1)->kind, ROOTSTACK_MD);
	cr_assert_str_eq(layer(&s, 1)->module, "md-raid5");
	cr_assert_str_eq(layer(&s, 1)->hooks[0], "mdadm_udev");
	/* Members in name order, each down to the driver: 1 + 1 + 2 * 3 layers. */
	cr_assert_eq(s.n, 8);
	cr_assert_str_eq(layer(&s, 2)->node, "nvme0n1p2");
	cr_assert_str_eq(layer(&s, 5)->node, "nvme0n1p3");
	cr_assert_str_eq(layer(&s, 7)->module, "nvme");
	rootstack_clear(&s);
	testutil_rmrf(sys);
	free(sys);
}

/* The proof's view of an image: a table of module states. */
static int state_of(void *userdata, const char *module)
{
	(void)userdata;
	if (!strcmp(module, "dm_crypt") || !strcmp(module, "fs-ext4"))
		return ROOTSTACK_MODULE_IN_IMAGE;
	if (!strcmp(module, "dm_mod"))
		return ROOTSTACK_MODULE_BUILTIN;
	if (!strcmp(module, "nvme"))
		return ROOTSTACK_MODULE_LEFT_OUT;
	return ROOTSTACK_MODULE_UNKNOWN;
}

Test(rootstack, builtin_drivers_and_virtual_disks)
{
	char *sys = testutil_mkdtemp();
	struct rootstack s;

	/* virtio: vda's device is virtio1 (driver without a module link: built in). */
	testutil_write(sys, "devices/pci0000:00/0000:00:02.0/virtio1/block/vda/dev", "254:0\n");
	link_at(sys, "devices/pci0000:00/0000:00:02.0/virtio1/block/vda/device", "../../../virtio1");
	link_at(sys, "devices/pci0000:00/0000:00:02.0/virtio1/driver",
		"../../../../bus/virtio/drivers/virtio_blk");
	testutil_write(sys, "bus/virtio/drivers/virtio_blk/uevent", "");
	link_at(sys, "dev/block/254:0", "../../devices/pci0000:00/0000:00:02.0/virtio1/block/vda");
	testutil_write(sys, "devices/virtual/block/nbd0/dev", "43:0\n");
	link_at(sys, "dev/block/43:0", "../../devices/virtual/block/nbd0");

	/* A driver of the running kernel under no module name (as pcieport is). */
	link_at(sys, "devices/pci0000:00/driver", "../../bus/pci/drivers/pcieport");
	testutil_write(sys, "bus/pci/drivers/pcieport/uevent", "");

	cr_assert_eq(rootstack_walk(sys, makedev(254, 0), "xfs", &s), 0);
	cr_assert_eq(s.n, 4);
	cr_assert_str_eq(layer(&s, 2)->what,
			 "driver 'virtio_blk', built into the running kernel");
	/* The target kernel may have it as a module: asked for by the driver's name. */
	cr_assert_str_eq(layer(&s, 2)->module, "virtio_blk");
	cr_assert(layer(&s, 2)->module_optional);
	cr_assert_str_eq(layer(&s, 3)->module, "pcieport");
	struct strv hooks = STRV_INIT;
	struct rootstack_image img = {
		.module_state = state_of, .hooks = &hooks, .moduledir = "/lib/modules/k"};
	/* fs-xfs, virtio_blk and pcieport are unknown to the image: only the first is
	 * missing, the drivers are built in under no module name. */
	log_set_level(LOG_LEVEL_QUIET);
	cr_assert_eq(rootstack_check(&s, &img), -ENOENT);
	free(s.layers[0].module);
	s.layers[0].module = strdup("fs-ext4");
	cr_assert_eq(rootstack_check(&s, &img), 0);
	rootstack_clear(&s);

	cr_assert_eq(rootstack_walk(sys, makedev(43, 0), "ext4", &s), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_str_eq(layer(&s, 1)->module, "nbd");
	cr_assert_str_eq(layer(&s, 1)->hooks[0], "net");
	rootstack_clear(&s);

	cr_assert_eq(rootstack_netfs("nfs4", &s), 1);
	cr_assert_str_eq(layer(&s, 0)->module, "nfsv4");
	cr_assert_str_eq(layer(&s, 0)->hooks[0], "net");
	rootstack_clear(&s);
	cr_assert_eq(rootstack_netfs("ext4", &s), 0);
	testutil_rmrf(sys);
	free(sys);
}

Test(rootstack, loops_and_missing_pieces_are_errors)
{
	char *sys = testutil_mkdtemp();
	struct rootstack s;

	log_set_level(LOG_LEVEL_QUIET);
	dm_dev(sys, 0, "x\n", "LVM-x\n", "devices/virtual/block/dm-0");
	cr_assert_eq(rootstack_walk(sys, makedev(254, 0), "ext4", &s), -ELOOP);
	cr_assert_eq(rootstack_walk(sys, makedev(7, 7), "ext4", &s), -ENOENT);
	testutil_write(sys, "devices/virtual/block/dm-5/dev", "254:5\n");
	testutil_write(sys, "devices/virtual/block/dm-5/dm/name", "lonely\n");
	link_at(sys, "dev/block/254:5", "../../devices/virtual/block/dm-5");
	cr_assert_eq(rootstack_walk(sys, makedev(254, 5), "ext4", &s), -ENOENT);
	/* A link out of the tree is taken inside it: nothing of the host is read. */
	link_at(sys, "dev/block/254:6", "/../../../../devices/virtual/block/dm-5");
	cr_assert_eq(rootstack_walk(sys, makedev(254, 6), "ext4", &s), -ENOENT);
	testutil_rmrf(sys);
	free(sys);
}

Test(rootstack, devices_are_found_by_number_name_and_dm_name)
{
	char *sys = testutil_mkdtemp();
	dev_t dev;

	nvme_tree(sys);
	dm_dev(sys, 3, "vg-swap\n", "LVM-s\n", NS "/nvme0n1p2");
	cr_assert_eq(rootstack_find(sys, NULL, "8:17", &dev), 0);
	cr_assert_eq(dev, makedev(8, 17));
	cr_assert_eq(rootstack_find(sys, NULL, "nvme0n1p2", &dev), 0);
	cr_assert_eq(dev, makedev(259, 2));
	cr_assert_eq(rootstack_find(sys, NULL, "/dev/nvme0n1p2", &dev), 0);
	cr_assert_eq(rootstack_find(sys, NULL, "/dev/mapper/vg-swap", &dev), 0);
	cr_assert_eq(dev, makedev(254, 3));
	cr_assert_eq(rootstack_find(sys, NULL, "/dev/mapper/nope", &dev), -ENOENT);
	cr_assert_eq(rootstack_find(sys, NULL, "UUID=1234", &dev), -ENOENT);
	cr_assert_eq(rootstack_find(sys, NULL, "/dev/../etc", &dev), -ENOENT);

	cr_assert_eq(rootstack_power_resume(sys, &dev), 0);
	testutil_write(sys, "power/resume", "0:0\n");
	cr_assert_eq(rootstack_power_resume(sys, &dev), 0);
	testutil_write(sys, "power/resume", "254:3\n");
	cr_assert_eq(rootstack_power_resume(sys, &dev), 1);
	cr_assert_eq(dev, makedev(254, 3));
	testutil_rmrf(sys);
	free(sys);
}

Test(rootstack, cmdline_resume_takes_the_last_and_honours_noresume)
{
	char *v = rootstack_cmdline_resume("root=/dev/vda resume=UUID=a quiet resume=/dev/sdb2\n");
	cr_assert_str_eq(v, "/dev/sdb2");
	free(v);
	cr_assert_null(rootstack_cmdline_resume("resume=/dev/sdb2 noresume"));
	cr_assert_null(rootstack_cmdline_resume("quiet resume= splash"));
	cr_assert_null(rootstack_cmdline_resume(""));
}

Test(rootstack, the_proof_needs_every_module_and_hook)
{
	char *sys = testutil_mkdtemp();
	struct rootstack s;
	struct strv hooks = STRV_INIT;
	struct rootstack_image img = {
		.module_state = state_of, .hooks = &hooks, .moduledir = "/lib/modules/k"};

	log_set_level(LOG_LEVEL_QUIET);
	nvme_tree(sys);
	dm_dev(sys, 0, "vg-root\n", "LVM-abc\n", NS "/nvme0n1p2");
	dm_dev(sys, 1, "cryptroot\n", "CRYPT-LUKS2-abc-cryptroot\n",
	       "devices/virtual/block/dm-0");
	cr_assert_eq(rootstack_walk(sys, makedev(254, 1), "ext4", &s), 0);
	/* nvme left out, no hooks. */
	cr_assert_eq(rootstack_check(&s, &img), -ENOENT);
	strv_push(&hooks, "sd-encrypt");
	strv_push(&hooks, "lvm2");
	cr_assert_eq(rootstack_check(&s, &img), -ENOENT); /* nvme still */
	free(s.layers[5].module);
	s.layers[5].module = strdup("dm_mod"); /* as if nvme were built in */
	cr_assert_eq(rootstack_check(&s, &img), 0);
	rootstack_clear(&s);

	/* A dm target nothing sets up fails whatever the image holds. */
	dm_dev(sys, 2, "mpatha\n", "mpath-3600\n", NS "/nvme0n1p2");
	cr_assert_eq(rootstack_walk(sys, makedev(254, 2), "ext4", &s), 0);
	cr_assert_eq(layer(&s, 1)->kind, ROOTSTACK_DM);
	free(s.layers[4].module);
	s.layers[4].module = strdup("dm_mod");
	cr_assert_eq(rootstack_check(&s, &img), -ENOENT);
	rootstack_clear(&s);
	strv_clear(&hooks);
	testutil_rmrf(sys);
	free(sys);
}

Test(rootstack, root_mount_has_the_device_number_and_source)
{
	char *dir = testutil_mkdtemp();
	char *path;
	struct autodetect_mount m;

	testutil_write(dir, "mountinfo",
		       "22 1 0:21 / /sys rw - sysfs sysfs rw\n"
		       "25 1 254:1 / / rw,relatime shared:1 - ext4 /dev/mapper/cryptroot rw\n"
		       "40 25 0:45 / / rw - btrfs /dev/sda2 rw,space_cache\n");
	cr_assert(asprintf(&path, "%s/mountinfo", dir) > 0);
	cr_assert_eq(autodetect_root_mount(path, &m), 0);
	cr_assert_eq(m.major, 0);
	cr_assert_eq(m.minor, 45);
	cr_assert_str_eq(m.type, "btrfs");
	cr_assert_str_eq(m.source, "/dev/sda2");
	autodetect_mount_clear(&m);
	testutil_write(dir, "mountinfo", "22 1 0:21 / /sys rw - sysfs sysfs rw\n");
	cr_assert_eq(autodetect_root_mount(path, &m), -ENOENT);
	testutil_rmrf(dir);
	free(path);
	free(dir);
}
