/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One image build: from a request (kernel, root, config) to an image on disk. */
#ifndef MKINITRAMFS_BUILD_H
#define MKINITRAMFS_BUILD_H

#include "compress.h"
#include "strv.h"
#include "uki.h"

/*
 * What every image of one kernel tree shares: the opened libkmod context with its
 * modprobe.d configuration and indexes, the tree's text lists and the walk of its
 * module files. Prepared once before forking the builds of that kernel; each child
 * uses its own copy-on-write copy, so nothing is read twice. Holds no open file.
 */
struct build_kernel;

/* Errors are not logged: a build given no shared context reports them itself. */
int build_kernel_new(const char *moduleroot, const char *kver, struct build_kernel **ret);
void build_kernel_free(struct build_kernel *k);

struct build_request {
	const char *kver;	 /* kernel release, already resolved */
	const char *moduleroot;	 /* "/" for the host */
	const char *config;	 /* main configuration file (drop-ins in <config>.d/) */
	int config_required;	 /* a missing config is an error (given with -c) */
	const char *output;	 /* image path */
	const char *preset_path; /* the preset file the request comes from, or NULL */
	const char *compress;	 /* overrides COMPRESSION when not NULL */
	const char *cache;     /* overrides COMPRESSION_CACHE when not NULL ("": none) */
	const char *init_path; /* the static init binary to install as /init */
	const struct strv *add_hooks;  /* -A: hooks appended to HOOKS for this build */
	const struct strv *skip_hooks; /* -S: hooks left out of this build */
	const struct strv *includes;   /* -I: SRC[:DEST[:MODE]] host files to add */
	const char *sysfs;	       /* autodetect's sysfs tree (default /sys) */
	const char *rootfs;  /* the root filesystem type (default: from mountinfo) */
	const char *rootdev; /* the root's block device for autodetect's stack walk
				(default: from mountinfo when sysfs is the host's) */
	const char *cmdline; /* a kernel command line file whose resume= autodetect
				reads (default: /proc/cmdline when sysfs is the host's) */
	const char *cpuinfo; /* for microcode's vendor (default /proc/cpuinfo) */
	int print_detected;  /* -M: print the modules autodetect found, build nothing */
	int force; /* build even when the inputs recorded next to the image are unchanged
		    */
	/* From build_kernel_new() for this moduleroot and kver, or NULL: the build
	 * opens the tree itself. A build changes it: one build at a time. */
	struct build_kernel *kernel;
	/* -U or a preset's <p>_uki: also build a UKI from the image; with no output,
	 * only the UKI (the image is a scratch file next to it). NULL: none. */
	const struct uki_request *uki;
	int scratch_output; /* output is that scratch file: do not announce it */
};

/* Build one image. Logs its own errors (the caller only needs the result). */
int build_run(const struct build_request *req);

#endif
