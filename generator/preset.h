/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presets: which images to build for a kernel, in mkinitcpio's preset format. */
#ifndef MKINITRAMFS_PRESET_H
#define MKINITRAMFS_PRESET_H

#include "conf.h"
#include "strv.h"

/*
 * A preset file, e.g. /etc/mkinitramfs.d/linux.preset:
 *   ALL_kver="/boot/vmlinuz-linux"        kernel image or release, for every image
 *   ALL_config="/etc/mkinitramfs.conf"    optional
 *   PRESETS=(default fallback)
 *   default_image="/boot/initramfs-linux.img"
 *   fallback_image="/boot/initramfs-linux-fallback.img"
 *   fallback_options="-S autodetect"      options of this image (-S -A -z -c -k)
 *   <name>_kver, <name>_config             per-image overrides
 *   <name>_uki="/efi/EFI/Linux/linux.efi"  also a unified kernel image; without
 *                                          <name>_image, only the UKI
 *   ALL_cmdline, ALL_splash, <name>_cmdline, <name>_splash   the UKI's inputs (files)
 */
struct preset_image {
	char *name;		/* "default", "fallback" */
	char *image;		/* output path */
	char *kver;		/* release or kernel image path */
	char *config;		/* NULL: the default configuration */
	char *compress;		/* -z in <name>_options */
	struct strv add_hooks;	/* -A */
	struct strv skip_hooks; /* -S */
	char *uki;		/* <name>_uki (or deprecated <name>_efi_image), or NULL */
	char *cmdline; /* <name>_cmdline or ALL_cmdline: the UKI's command line */
	char *splash;  /* <name>_splash or ALL_splash */
};

struct preset {
	char *name;
	char *path;
	struct preset_image *images;
	size_t count;
	/* "FILE:LINE: ..." warnings of the parser, for the caller to show */
	struct strv warnings;
};

/* NAME is looked up as <dir>/NAME.preset; anything with a '/' is a path. On a syntax
 * or content error `err` is filled and -EINVAL returned. */
int preset_load(const char *name_or_path, const char *dir, struct preset **ret,
		struct conf_error *err);
void preset_free(struct preset *p);
DEFINE_FREEP(preset_free, struct preset)

/* Every *.preset in `dir`, sorted, as paths. */
int preset_list_dir(const char *dir, struct strv *ret);

#endif
