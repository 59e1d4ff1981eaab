/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What root= asks for, what a block device is, and whether one is the other. */
#ifndef INIT_ROOT_H
#define INIT_ROOT_H

#include <stdbool.h>
#include <stddef.h>

#include "probe.h"

#define ROOT_NAME_MAX 64

enum root_kind {
	ROOT_PATH,
	ROOT_UUID,
	ROOT_LABEL,
	ROOT_PARTUUID,
	ROOT_PARTLABEL,
	ROOT_DEVNUM,
	ROOT_DMNAME, /* /dev/mapper/NAME: a device-mapper device by its name */
	ROOT_MDNAME, /* /dev/md/NAME: the md array mdadm linked there */
	ROOT_LV,     /* /dev/VG/LV: an LVM logical volume, value "VG/LV" */
};

struct root_spec {
	enum root_kind kind;
	const char *value; /* points into the text given to root_spec_parse */
	size_t value_len;  /* of the value proper: PARTUUID= stops before "/PARTNROFF=" */
	unsigned major, minor;
	/* PARTUUID=U/PARTNROFF=N: the partition numbered N more than U's on the same
	 * disk, as the kernel reads it (N may be negative); 0 for none. */
	int partnroff;
};

struct root_dev {
	char name[ROOT_NAME_MAX]; /* "vda1", the node under /dev */
	unsigned major, minor;
	unsigned partno; /* 0 for a whole disk */
	char parent[ROOT_NAME_MAX];
	char dm_name[ROOT_NAME_MAX]; /* a device-mapper device's name, or "" */
	bool has_fs;
	bool has_part;
	struct probe_fs fs;
	struct probe_part part;
	bool md_named; /* /dev/md/NAME of a ROOT_MDNAME spec links to it */
	/* With PARTNROFF: the partition partno - offset of the same disk. */
	bool has_base;
	struct probe_part base;
};

/* -EINVAL for an empty or malformed spec (a PARTNROFF that is not an integer too). */
int root_spec_parse(const char *text, struct root_spec *ret);
/*
 * Gather what is known of block device name: sysfs is "/sys" (its class/block/<name>
 * is read), devdir is "/dev" (its <name> is probed).
 */
int root_dev_probe(const char *sysfs, const char *devdir, const char *name,
		   struct root_dev *ret);
/*
 * What matching needs beyond root_dev_probe(): for PARTUUID=U/PARTNROFF=N, the
 * partition N below this one on its disk, whose PARTUUID must be U; for /dev/md/NAME,
 * whether the link mdadm made there names this device. No-op otherwise.
 */
void root_dev_probe_for(const struct root_spec *spec, const char *sysfs,
			const char *devdir, struct root_dev *dev);
bool root_match(const struct root_spec *spec, const struct root_dev *dev);
/*
 * rootflags= and ro/rw as mount(2) wants them: the generic words ("noatime", "ro")
 * become MS_ flags, the rest is the filesystem's data string, comma-separated.
 * -E2BIG when it does not fit.
 */
int root_mount_options(const char *rootflags, bool rw, unsigned long *ret_flags,
		       char *data, size_t cap);

#endif
