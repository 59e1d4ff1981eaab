/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/root.c: root= specs, a sysfs-and-/dev tree made of files, matching. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "root.h"
#include "testutil.h"

Test(root, spec_parse)
{
	struct root_spec s;

	cr_assert_eq(root_spec_parse("/dev/vda", &s), 0);
	cr_assert_eq(s.kind, ROOT_PATH);
	cr_assert_str_eq(s.value, "vda");
	cr_assert_eq(root_spec_parse("nvme0n1p2", &s), 0);
	cr_assert_str_eq(s.value, "nvme0n1p2");
	cr_assert_eq(root_spec_parse("UUID=abc", &s), 0);
	cr_assert_eq(s.kind, ROOT_UUID);
	cr_assert_str_eq(s.value, "abc");
	cr_assert_eq(root_spec_parse("LABEL=my root", &s), 0);
	cr_assert_eq(s.kind, ROOT_LABEL);
	cr_assert_eq(root_spec_parse("PARTUUID=1234abcd-01", &s), 0);
	cr_assert_eq(s.kind, ROOT_PARTUUID);
	cr_assert_eq(root_spec_parse("PARTLABEL=x", &s), 0);
	cr_assert_eq(s.kind, ROOT_PARTLABEL);
	cr_assert_eq(root_spec_parse("/dev/disk/by-uuid/abc", &s), 0);
	cr_assert_eq(s.kind, ROOT_UUID);
	cr_assert_str_eq(s.value, "abc");
	cr_assert_eq(root_spec_parse("/dev/disk/by-partlabel/p", &s), 0);
	cr_assert_eq(s.kind, ROOT_PARTLABEL);
	cr_assert_eq(root_spec_parse("254:1", &s), 0);
	cr_assert_eq(s.kind, ROOT_DEVNUM);
	cr_assert_eq(s.major, 254);
	cr_assert_eq(s.minor, 1);
	cr_assert_eq(root_spec_parse("", &s), -EINVAL);
	cr_assert_eq(root_spec_parse("UUID=", &s), -EINVAL);
	cr_assert_eq(root_spec_parse("8:x", &s), -EINVAL);
	/* A device-mapper name: matched against dm/name, as there is no udev link. */
	cr_assert_eq(root_spec_parse("/dev/mapper/vg-root", &s), 0);
	cr_assert_eq(s.kind, ROOT_DMNAME);
	cr_assert_str_eq(s.value, "vg-root");
	cr_assert_eq(root_spec_parse("/dev/mapper/", &s), -EINVAL);
	/* /dev/VG/LV: an LVM logical volume, matched by the dm name lvm gives it. */
	cr_assert_eq(root_spec_parse("/dev/vg/root", &s), 0);
	cr_assert_eq(s.kind, ROOT_LV);
	cr_assert_str_eq(s.value, "vg/root");
	cr_assert_eq(root_spec_parse("/dev/vg/", &s), -EINVAL);
	cr_assert_eq(root_spec_parse("/dev//root", &s), -EINVAL);
	cr_assert_eq(root_spec_parse("/dev/a/b/c", &s), -EINVAL);
	cr_assert_eq(root_spec_parse("/dev/disk/by-id/x", &s), -EINVAL);
	/* An md array by the name mdadm links in /dev/md. */
	cr_assert_eq(root_spec_parse("/dev/md/root", &s), 0);
	cr_assert_eq(s.kind, ROOT_MDNAME);
	cr_assert_str_eq(s.value, "root");
	cr_assert_eq(root_spec_parse("/dev/md/", &s), -EINVAL);
	cr_assert_eq(root_spec_parse("/dev/md/a/b", &s), -EINVAL);
	cr_assert_eq(root_spec_parse("/dev/md127", &s), 0);
	cr_assert_eq(s.kind, ROOT_PATH);
}

Test(root, lv_matches_its_dm_name)
{
	static const struct {
		const char *spec, *dm;
		bool match;
	} cases[] = {
		{"/dev/vg/root", "vg-root", true},
		{"/dev/vg-sys/root-lv", "vg--sys-root--lv", true},
		{"/dev/vg-sys/root-lv", "vg-sys-root-lv", false},
		{"/dev/a--b/c", "a----b-c", true},
		{"/dev/vg/root", "vg-root2", false},
		{"/dev/vg/root", "vg-roo", false},
		{"/dev/vg/root", "", false},
		{"/dev/vg/root", "vg_root", false},
	};
	struct root_dev dev = {0};
	struct root_spec s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(root_spec_parse(cases[i].spec, &s), 0);
		snprintf(dev.dm_name, sizeof(dev.dm_name), "%s", cases[i].dm);
		cr_assert_eq(root_match(&s, &dev), cases[i].match, "%s against '%s'",
			     cases[i].spec, cases[i].dm);
	}
}

/* md127 as mdadm leaves it without udev: /dev/md/root -> /dev/md127 (absolute). */
Test(root, md_array_by_its_dev_md_link)
{
	char *t = tu_tmpdir();
	char sys[512], dev[512];
	struct root_spec spec, other;
	struct root_dev md;

	cr_assert_eq(tu_sh("cd '%s' && set -e\n"
			   "d=sys/devices/virtual/block/md127; mkdir -p $d sys/class/block dev/md\n"
			   "echo 9:127 > $d/dev; echo 0 > $d/size\n"
			   "ln -s ../../devices/virtual/block/md127 sys/class/block/md127\n"
			   "mkfs.ext4 -q -F -L onmd dev/md127 4M\n"
			   "ln -s \"$PWD/dev/md127\" dev/md/root; ln -s ../md126 dev/md/other\n",
			   t),
		     0);
	snprintf(sys, sizeof(sys), "%s/sys", t);
	snprintf(dev, sizeof(dev), "%s/dev", t);
	/* Assembled but not running (size 0): wait for its "change". */
	cr_assert_eq(root_dev_probe(sys, dev, "md127", &md), -EAGAIN);
	cr_assert_eq(tu_sh("echo 8192 > '%s/devices/virtual/block/md127/size'", sys), 0);
	cr_assert_eq(root_dev_probe(sys, dev, "md127", &md), 0);
	cr_assert_str_eq(md.fs.label, "onmd");
	cr_assert_eq(root_spec_parse("/dev/md/root", &spec), 0);
	cr_assert_eq(root_spec_parse("/dev/md/other", &other), 0);
	cr_assert(!root_match(&spec, &md), "no match before the link is read");
	root_dev_probe_for(&spec, sys, dev, &md);
	cr_assert(root_match(&spec, &md));
	root_dev_probe_for(&other, sys, dev, &md);
	cr_assert(!root_match(&other, &md), "/dev/md/other names md126");
	tu_rmtree(t);
}

/*
 * A fake machine: sysfs as the kernel lays it out (class/block symlinks into devices/),
 * and /dev/vda, /dev/vda1 as image files: a GPT disk with an ext4 partition.
 */
static char *make_tree(void)
{
	char *t = tu_tmpdir();

	cr_assert_eq(tu_sh("cd '%s' && set -e\n"
			   "d=sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda\n"
			   "mkdir -p $d/vda1 $d/queue sys/class/block dev\n"
			   "echo 254:0 > $d/dev; echo 254:1 > $d/vda1/dev; echo 1 > $d/vda1/partition\n"
			   "echo 512 > $d/queue/logical_block_size\n"
			   "ln -s ../../devices/pci0000:00/0000:00:04.0/virtio1/block/vda sys/class/block/vda\n"
			   "ln -s ../../devices/pci0000:00/0000:00:04.0/virtio1/block/vda/vda1 sys/class/block/vda1\n"
			   "mkfs.ext4 -q -F -L rootlabel -U 3f1c2a6e-8d5b-4c1e-9a7f-0b2d4e6f8a10 dev/vda1 4M\n"
			   "truncate -s 6M dev/vda\n"
			   "printf 'label: gpt\\nstart=2048, size=8192, type=linux, "
			   "uuid=6A3B9C1D-2E4F-4A5B-8C7D-9E0F1A2B3C4D, name=\"the root\"\\n' | "
			   "sfdisk -q dev/vda\n"
			   "dd if=dev/vda1 of=dev/vda bs=1M seek=1 conv=notrunc status=none\n",
			   t),
		     0);
	return t;
}

static void spec_matches(const char *text, const struct root_dev *dev, bool want)
{
	struct root_spec s;

	cr_assert_eq(root_spec_parse(text, &s), 0);
	cr_assert_eq(root_match(&s, dev), want, "'%s' on '%s' should be %d", text, dev->name,
		     want);
}

Test(root, probe_and_match)
{
	char *t = make_tree();
	char sys[512], dev[512];
	struct root_dev disk, part;

	snprintf(sys, sizeof(sys), "%s/sys", t);
	snprintf(dev, sizeof(dev), "%s/dev", t);
	cr_assert_eq(root_dev_probe(sys, dev, "vda1", &part), 0);
	cr_assert_eq(part.major, 254);
	cr_assert_eq(part.minor, 1);
	cr_assert_eq(part.partno, 1);
	cr_assert_str_eq(part.parent, "vda");
	cr_assert(part.has_fs);
	cr_assert(part.has_part);
	cr_assert_str_eq(part.fs.type, "ext4");
	cr_assert_str_eq(part.fs.label, "rootlabel");
	cr_assert_str_eq(part.part.uuid, "6a3b9c1d-2e4f-4a5b-8c7d-9e0f1a2b3c4d");
	cr_assert_str_eq(part.part.label, "the root");
	cr_assert_eq(root_dev_probe(sys, dev, "vda", &disk), 0);
	cr_assert_eq(disk.partno, 0);
	cr_assert(!disk.has_part);
	cr_assert(!disk.has_fs, "a GPT disk is not a filesystem");

	spec_matches("/dev/vda1", &part, true);
	spec_matches("/dev/vda", &part, false);
	spec_matches("UUID=3F1C2A6E-8D5B-4C1E-9A7F-0B2D4E6F8A10", &part, true);
	spec_matches("UUID=3f1c2a6e-8d5b-4c1e-9a7f-0b2d4e6f8a11", &part, false);
	spec_matches("LABEL=rootlabel", &part, true);
	spec_matches("LABEL=ROOTLABEL", &part, false);
	spec_matches("PARTUUID=6a3b9c1d-2e4f-4a5b-8c7d-9e0f1a2b3c4d", &part, true);
	spec_matches("PARTUUID=6a3b9c1d-2e4f-4a5b-8c7d-9e0f1a2b3c4d", &disk, false);
	spec_matches("PARTLABEL=the root", &part, true);
	spec_matches("254:1", &part, true);
	spec_matches("254:0", &part, false);
	spec_matches("254:0", &disk, true);

	/* A device sysfs does not know is an error, not a guess. */
	cr_assert_eq(root_dev_probe(sys, dev, "vdb", &disk), -ENOENT);
	tu_rmtree(t);
}

/* Damage bytes of dev/vda in the tree made by make_tree. */
static void damage(const char *t, long offset)
{
	cr_assert_eq(tu_sh("cd '%s' && printf '\\377' | dd of=dev/vda bs=1 seek=%ld conv=notrunc "
			   "status=none",
			   t, offset),
		     0);
}

static void probe_part_of(const char *t, struct root_dev *part)
{
	char sys[512], dev[512];

	snprintf(sys, sizeof(sys), "%s/sys", t);
	snprintf(dev, sizeof(dev), "%s/dev", t);
	cr_assert_eq(root_dev_probe(sys, dev, "vda1", part), 0);
}

/* The kernel uses the backup GPT when the primary fails its CRC32s; so must we. */
Test(root, damaged_primary_gpt_falls_back_to_the_backup)
{
	/* 6 MiB disk: primary header in LBA 1, its array from LBA 2; backup at the end. */
	const long primary = 512, primary_array = 1024, backup = 6 * 1024 * 1024 - 512;
	struct root_dev part;
	char *t = make_tree();

	damage(t, primary + 80); /* the entry count, behind the header CRC */
	probe_part_of(t, &part);
	cr_assert(part.has_part, "the backup header serves");
	cr_assert_str_eq(part.part.uuid, "6a3b9c1d-2e4f-4a5b-8c7d-9e0f1a2b3c4d");
	cr_assert_str_eq(part.part.label, "the root");
	tu_rmtree(t);

	t = make_tree();
	damage(t, primary_array + 56); /* the name of entry 1, behind the array CRC */
	probe_part_of(t, &part);
	cr_assert(part.has_part, "the backup array serves");
	cr_assert_str_eq(part.part.label, "the root", "not the damaged primary's name");
	tu_rmtree(t);

	t = make_tree();
	damage(t, primary + 80);
	damage(t, backup + 80);
	probe_part_of(t, &part);
	cr_assert(!part.has_part, "both tables damaged: no PARTUUID to trust");
	cr_assert(part.has_fs, "the filesystem is still probed");
	tu_rmtree(t);
}

/*
 * root=PARTUUID=U/PARTNROFF=N, as the kernel reads it: the partition numbered N more
 * than U's on the same disk. A GPT disk with three partitions, no filesystems.
 */
static char *make_three_partitions(void)
{
	char *t = tu_tmpdir();

	cr_assert_eq(tu_sh("cd '%s' && set -e\n"
			   "d=sys/devices/virtio1/block/vda\n"
			   "mkdir -p $d/queue sys/class/block dev\n"
			   "echo 254:0 > $d/dev; echo 512 > $d/queue/logical_block_size\n"
			   "ln -s ../../devices/virtio1/block/vda sys/class/block/vda\n"
			   "for i in 1 2 3; do mkdir $d/vda$i; echo 254:$i > $d/vda$i/dev\n"
			   "  echo $i > $d/vda$i/partition\n"
			   "  ln -s ../../devices/virtio1/block/vda/vda$i sys/class/block/vda$i\n"
			   "  truncate -s 1M dev/vda$i; done\n"
			   "truncate -s 8M dev/vda\n"
			   "printf 'label: gpt\\n"
			   "start=2048, size=2048, uuid=11111111-0000-4000-8000-000000000001\\n"
			   "start=4096, size=2048, uuid=22222222-0000-4000-8000-000000000002\\n"
			   "start=6144, size=2048, uuid=33333333-0000-4000-8000-000000000003\\n' | "
			   "sfdisk -q dev/vda\n",
			   t),
		     0);
	return t;
}

static bool offset_matches(const char *t, const char *text, const char *name)
{
	char sys[512], dev[512];
	struct root_spec s;
	struct root_dev d;

	snprintf(sys, sizeof(sys), "%s/sys", t);
	snprintf(dev, sizeof(dev), "%s/dev", t);
	cr_assert_eq(root_spec_parse(text, &s), 0, "'%s' parses", text);
	cr_assert_eq(root_dev_probe(sys, dev, name, &d), 0);
	root_dev_probe_for(&s, sys, dev, &d);
	return root_match(&s, &d);
}

Test(root, partnroff_names_a_partition_relative_to_a_partuuid)
{
	const char *u1 = "PARTUUID=11111111-0000-4000-8000-000000000001";
	char spec[128];
	char *t = make_three_partitions();

	snprintf(spec, sizeof(spec), "%s/PARTNROFF=1", u1);
	cr_assert(offset_matches(t, spec, "vda2"), "U1 + 1 is vda2");
	cr_assert(!offset_matches(t, spec, "vda1"), "not the PARTUUID's own partition");
	cr_assert(!offset_matches(t, spec, "vda3"));
	cr_assert(!offset_matches(t, spec, "vda"), "not the disk");
	snprintf(spec, sizeof(spec), "%s/PARTNROFF=2", u1);
	cr_assert(offset_matches(t, spec, "vda3"), "U1 + 2 is vda3");
	cr_assert(offset_matches(t, "PARTUUID=33333333-0000-4000-8000-000000000003/PARTNROFF=-2",
				 "vda1"),
		  "a negative offset counts down");
	cr_assert(!offset_matches(t, "PARTUUID=33333333-0000-4000-8000-000000000003/PARTNROFF=1",
				  "vda3"));
	/* Offset 0 is the PARTUUID itself, as for the kernel. */
	snprintf(spec, sizeof(spec), "%s/PARTNROFF=0", u1);
	cr_assert(offset_matches(t, spec, "vda1"));
	tu_rmtree(t);
}

Test(root, partnroff_syntax)
{
	struct root_spec s;

	cr_assert_eq(root_spec_parse("PARTUUID=abcd-01/PARTNROFF=3", &s), 0);
	cr_assert_eq(s.partnroff, 3);
	cr_assert_eq(s.value_len, strlen("abcd-01"));
	cr_assert_eq(root_spec_parse("PARTUUID=abcd-01/PARTNROFF=x", &s), -EINVAL);
	cr_assert_eq(root_spec_parse("PARTUUID=abcd-01/PARTNROFF=", &s), -EINVAL);
	cr_assert_eq(root_spec_parse("PARTUUID=abcd-01/PARTNROFF=1x", &s), -EINVAL);
	cr_assert_eq(root_spec_parse("PARTUUID=abcd-01/OTHER=1", &s), -EINVAL);
	cr_assert_eq(root_spec_parse("PARTUUID=/PARTNROFF=1", &s), -EINVAL);
}

Test(root, mount_options)
{
	unsigned long flags;
	char data[64];

	cr_assert_eq(root_mount_options(NULL, false, &flags, data, sizeof(data)), 0);
	cr_assert_eq(flags, MS_RDONLY);
	cr_assert_str_eq(data, "");
	cr_assert_eq(root_mount_options("noatime,commit=17,,nodev,data=journal", true, &flags,
					 data, sizeof(data)),
		     0);
	cr_assert_eq(flags, MS_NOATIME | MS_NODEV);
	cr_assert_str_eq(data, "commit=17,data=journal");
	/* rootflags=rw beats the default ro; a later "ro" wins again. */
	cr_assert_eq(root_mount_options("rw", false, &flags, data, sizeof(data)), 0);
	cr_assert_eq(flags, 0);
	cr_assert_eq(root_mount_options("rw,ro", false, &flags, data, sizeof(data)), 0);
	cr_assert_eq(flags, MS_RDONLY);
	cr_assert_eq(root_mount_options("subvol=a-very-long-subvolume-name,compress=zstd:3", false,
					&flags, data, 16),
		     -E2BIG);
}
