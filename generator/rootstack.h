/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The root's and resume's device stacks, walked down a sysfs tree, and their proof. */
#ifndef MKINITRAMFS_ROOTSTACK_H
#define MKINITRAMFS_ROOTSTACK_H

#include <sys/types.h>

#include "strv.h"

enum rootstack_kind {
	ROOTSTACK_FS,	     /* the root's filesystem: the top of root's stack */
	ROOTSTACK_NETFS,     /* root over NFS: no block device below */
	ROOTSTACK_SWAP,	     /* the resume device: the top of resume's stack */
	ROOTSTACK_DM_CRYPT,  /* dm uuid CRYPT-*: LUKS or plain dm-crypt */
	ROOTSTACK_DM_LVM,    /* dm uuid LVM-*: a logical volume */
	ROOTSTACK_DM,	     /* another device-mapper target: nothing here sets it up */
	ROOTSTACK_MD,	     /* md RAID */
	ROOTSTACK_PARTITION, /* a partition of the disk below it */
	ROOTSTACK_DISK,	     /* a whole disk */
	ROOTSTACK_DRIVER,    /* a driver bound to the disk's device or a parent of it */
};

struct rootstack_layer {
	enum rootstack_kind kind;
	unsigned depth; /* 0 for the top; -v prints the chain indented by it */
	char *node;	/* sysfs name ("dm-1", "nvme0n1p2", "0000:00:04.0"), escaped */
	char *what;	/* "LVM logical volume 'vg-root'", "driver 'nvme'", escaped */
	char *module;	/* the module (name or alias) the layer needs, or NULL */
	int module_optional; /* a driver the running kernel has built in: `module` is
				its name, needed only if the target tree has it */
	const char *const
		*hooks; /* the hooks that set it up (any one will do), or NULL */
};

struct rootstack {
	const char *role; /* "root" or "resume" (static) */
	struct rootstack_layer *layers;
	size_t n, cap;
};

void rootstack_clear(struct rootstack *s);

/*
 * Walk down from block device `dev` of the sysfs tree at `sysfs` (a host directory,
 * "/sys" or a capture): dm and md devices to their slaves/, partitions to their disk, a
 * disk through its device/ link to every parent that has a driver bound (the controller
 * and its bus), each driver's module from driver/module. The top layer is the root's
 * filesystem `fstype`, or with `fstype` NULL the resume device (role "resume"). Every
 * link is followed inside the tree. Errors are logged, naming the path.
 */
int rootstack_walk(const char *sysfs, dev_t dev, const char *fstype,
		   struct rootstack *ret);

/* Root on a network filesystem (nfs, nfs4): the modules and the 'net' hook. 1 when
 * `fstype` is one, 0 when not (nothing done). */
int rootstack_netfs(const char *fstype, struct rootstack *ret);

/*
 * A device named as the kernel command line or a user names it: "MAJ:MIN", "NAME",
 * "/dev/NAME", "/dev/mapper/NAME" (by dm/name), and with `devdir` (the host's "/dev",
 * NULL for a captured tree) any link under it ("/dev/vg/root", "UUID=..." through
 * devdir/disk/by-uuid). -ENOENT when none, not logged: the caller knows whether a
 * device that is not there is an error.
 */
int rootstack_find(const char *sysfs, const char *devdir, const char *spec, dev_t *ret);

/* <sysfs>/power/resume: 1 and the device when one is set, 0 when none ("0:0", absent). */
int rootstack_power_resume(const char *sysfs, dev_t *ret);

/* The value of the last resume= word of a kernel command line (owned by the caller),
 * NULL when none (or noresume comes after it). */
char *rootstack_cmdline_resume(const char *cmdline);

enum rootstack_state {
	ROOTSTACK_MODULE_UNKNOWN,  /* not in the module tree, not built in */
	ROOTSTACK_MODULE_LEFT_OUT, /* in the module tree, not in the image */
	ROOTSTACK_MODULE_BUILTIN,
	ROOTSTACK_MODULE_IN_IMAGE,
};

/* What the image holds, asked by the proof. */
struct rootstack_image {
	/* The state of a module name or alias, or a negative errno (logged). */
	int (*module_state)(void *userdata, const char *module);
	/* Why a hook the stack needs is not among `hooks`: "add it to HOOKS", ... */
	const char *(*hook_hint)(void *userdata, const char *hook);
	void *userdata;
	const struct strv *hooks; /* the build's hooks, after -A, -S and autodetect */
	const char *moduledir;	  /* "/lib/modules/KVER", for messages */
};

/*
 * The proof: every module a layer needs is in the image or built in, every userspace
 * step has its hook, no layer is one nothing sets up. Each missing piece is logged
 * ("root stack: ..."); -ENOENT when any is. -v (log level verbose) prints the chain
 * first, one line per layer.
 */
int rootstack_check(const struct rootstack *s, const struct rootstack_image *img);

#endif
