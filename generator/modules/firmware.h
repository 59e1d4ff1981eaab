/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Firmware files named by modules: found in the module root as the kernel would. */
#ifndef MKINITRAMFS_FIRMWARE_H
#define MKINITRAMFS_FIRMWARE_H

#include <sys/stat.h>

#include <stddef.h>
#include <sys/types.h>

#include "stage.h"

/* One image entry for firmware: a regular file or a symlink kept as a symlink. */
struct firmware_file {
	char *path;	/* in-image, relative: lib/firmware/... */
	char *source;	/* host file; NULL for a symlink */
	char *target;	/* symlink target, relative; NULL for a file */
	int decompress; /* store `source` decompressed (the kernel cannot read it as is)
			 */
	off_t size;	/* of the host file */
	struct stat st; /* the inode checked: the image gets it or nothing (stage.h) */
};

struct firmware_set {
	struct firmware_file *v;
	size_t n;
	size_t cap;
	/* What the kernel's firmware loader accepts, from <root>/boot/config-<kver>. */
	int xz_ok;
	int zstd_ok;
};

/*
 * Read `<root>/boot/config-<kver>` for CONFIG_FW_LOADER_COMPRESS_*; without that file
 * compressed firmware is assumed readable by the kernel, as distributions ship it.
 */
int firmware_set_init(struct firmware_set *set, const char *root, const char *kver);
/* The same from the kernel config's text already read (NULL: none, the defaults). */
void firmware_set_init_config(struct firmware_set *set, const char *text);
void firmware_set_clear(struct firmware_set *set);

/*
 * Look `name` up as the kernel does (lib/firmware/updates/<kver>, updates, <kver>, then
 * lib/firmware; each also under usr/lib/firmware; plain, then .zst, then .xz) and add
 * what the image needs: the file, or the chain of symlinks and the final file. Links are
 * resolved inside `root`; one pointing outside the firmware directories is -EXDEV.
 * -ENOENT when not found, -ELOOP for too many links. `set` is unchanged on failure.
 */
int firmware_find(struct firmware_set *set, const char *root, const char *kver,
		  const char *name);

int firmware_stage(const struct firmware_set *set, struct stage *stage);

#endif
