/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which compressed module files the target kernel decompresses itself (kept as they are).
 */
#ifndef MKINITRAMFS_MODCOMPRESS_H
#define MKINITRAMFS_MODCOMPRESS_H

#include <stdbool.h>

/* MODULES_DECOMPRESS (mkinitcpio's key): yes = always at build, no = never, auto. */
enum modcompress_mode {
	MODCOMPRESS_AUTO,
	MODCOMPRESS_DECOMPRESS,
	MODCOMPRESS_KEEP,
};

struct modcompress {
	enum modcompress_mode mode;
	char *config;	 /* the kernel config read, NULL when none was found */
	bool decompress; /* CONFIG_MODULE_DECOMPRESS=y */
	bool gzip, xz,
		zstd; /* CONFIG_MODULE_COMPRESS_<format>=y (the one format built in) */
};

/* "yes", "no", "auto" (or NULL: auto). -EINVAL for anything else. */
int modcompress_parse_mode(const char *value, enum modcompress_mode *ret);

/*
 * Find and read the kernel's config: <root>/boot/config-<kver>, then
 * <root>/lib/modules/<kver>/config (Fedora) and .../build/.config. None is not an error
 * (mc->config stays NULL). Frees nothing of `mc` but its config path. `ret_text`, when
 * not NULL, gets the config's text (NULL when none), for others that need it.
 */
int modcompress_read_kernel(struct modcompress *mc, const char *root, const char *kver,
			    char **ret_text);
void modcompress_clear(struct modcompress *mc);

/* Whether the kernel, per its config, decompresses a module file of this name's format.
 */
bool modcompress_kernel_can(const struct modcompress *mc, const char *path);

/* Keep the module file `path` as it is (compressed) in the image: 1, else 0. */
bool modcompress_keep(const struct modcompress *mc, const char *path);

/* The format suffix of a compressed module file name (".xz"), or NULL. */
const char *modcompress_suffix(const char *path);

#endif
