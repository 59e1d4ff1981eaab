/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One image build: from a request (kernel, root, config) to an image on disk. */
#ifndef MKINITRAMFS_BUILD_H
#define MKINITRAMFS_BUILD_H

#include "compress.h"
#include "strv.h"

struct build_request {
	const char *kver;	/* kernel release, already resolved */
	const char *moduleroot; /* "/" for the host */
	const char *config;	/* main configuration file (drop-ins in <config>.d/) */
	int config_required;	/* a missing config is an error (given with -c) */
	const char *output;	/* image path */
	const char *compress;	/* overrides COMPRESSION when not NULL */
	const char *init_path;	/* the static init binary to install as /init */
	const struct strv *add_hooks;  /* -A: hooks appended to HOOKS for this build */
	const struct strv *skip_hooks; /* -S: hooks left out of this build */
	const char *sysfs;	       /* autodetect's sysfs tree (default /sys) */
	const char *rootfs;  /* the root filesystem type (default: from mountinfo) */
	const char *cpuinfo; /* for microcode's vendor (default /proc/cpuinfo) */
	int print_detected;  /* -M: print the modules autodetect found, build nothing */
	int force; /* build even when the inputs recorded next to the image are unchanged
		    */
};

/* Build one image. Logs its own errors (the caller only needs the result). */
int build_run(const struct build_request *req);

#endif
