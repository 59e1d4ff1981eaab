/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building images: the command line's one, or every image of presets, in parallel. */
#ifndef MKINITRAMFS_PRESETRUN_H
#define MKINITRAMFS_PRESETRUN_H

#include "strv.h"
#include "uki.h"

/* What the command line decides for the images it builds. */
struct presetrun_request {
	const char *moduleroot;	    /* -r: "/" for the host */
	const char *config;	    /* -c, or NULL; a preset image's own config wins */
	const char *default_config; /* when neither -c nor the preset names one */
	const char *compress;	    /* -z, or NULL; wins over a preset image's */
	const char *cache;	    /* --cache DIR, "" --no-cache, NULL: the config's */
	const char *sysfs;	    /* --sysfs, or NULL for /sys */
	const char *rootfs;	    /* --rootfs, or NULL: from mountinfo */
	const char *rootdev;	    /* --rootdev, or NULL: from mountinfo (host sysfs) */
	const char *cpuinfo;	    /* --cpuinfo, or NULL for /proc/cpuinfo (microcode) */
	int print_detected;	    /* -M */
	int force;		    /* -f */
	/* The command line's own image (presetrun_build_image); a preset's images bring
	 * their own. */
	const char *kernel; /* -k: release or kernel image; NULL: the running kernel */
	const char *output; /* -g */
	const struct strv *add_hooks;  /* -A */
	const struct strv *skip_hooks; /* -S */
	const struct strv *includes;   /* -I: added to every image built */
	/* -U and the UKI's inputs given on the command line, or NULL. Its inputs
	 * (--cmdline, --splash...) win over a preset image's; its output applies to
	 * the command line's own image only. */
	const struct uki_request *uki;
	/* The presets (presetrun_build_presets). */
	const char *preset;	    /* -p: a name or path; NULL: every preset (-P) */
	const char *preset_dir;	    /* where names and -P look */
	const struct strv *presets; /* several -p, in order; wins over `preset` */
	int remove; /* -R: delete the presets' images (and records) instead of building */
	/* Called in the process that builds an image, just before the build: main
	 * installs its signal handlers there, not in the -P parent, which writes nothing.
	 * May be NULL. */
	void (*before_build)(void);
};

/*
 * Build the command line's image in this process. Logs its own errors. Returns 0 or a
 * negative errno.
 */
int presetrun_build_image(const struct presetrun_request *req);

/*
 * Build every image of one preset (req->preset) or of every preset in req->preset_dir:
 * one child process per image, at most one per core at a time. The images of one kernel
 * share its module tree, read once before their children are forked. Logs its own
 * errors. A failing image is reported by preset and image name and does not stop the
 * others; once all have finished the count of failures is logged and -EIO returned.
 * A preset that cannot be read is reported and the others are still built; -EIO then.
 * Returns 0 when every image was built, another negative errno when none could start
 * (no presets, no memory).
 */
int presetrun_build_presets(const struct presetrun_request *req);

#endif
