/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which compressed module files the target kernel decompresses itself (kept as they are).
 */

/*
 * Since Linux 5.17 finit_module(2) takes MODULE_INIT_COMPRESSED_FILE: a kernel built
 * with CONFIG_MODULE_DECOMPRESS decompresses the module itself, in the one format
 * chosen by CONFIG_MODULE_COMPRESS_{GZIP,XZ,ZSTD} (the only decompressor it has).
 * Such files are kept in the image as the distribution compressed them: decompressing
 * them at build only to compress them again costs time and gains nothing. The choice is
 * per module file (a tree may mix formats: a DKMS module in another) and per kernel,
 * from that kernel's own config; without a config nothing is kept unless the user
 * said MODULES_DECOMPRESS=no.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kconfig.h"
#include "modcompress.h"
#include "sysroot.h"
#include "util.h"

int modcompress_parse_mode(const char *value, enum modcompress_mode *ret)
{
	if (!value || streq(value, "auto"))
		*ret = MODCOMPRESS_AUTO;
	else if (streq(value, "yes"))
		*ret = MODCOMPRESS_DECOMPRESS;
	else if (streq(value, "no"))
		*ret = MODCOMPRESS_KEEP;
	else
		return -EINVAL;
	return 0;
}

/* The places a distribution keeps a kernel's config, inside the module root. */
static int config_path(const char *kver, size_t i, char **ret)
{
	int n = i == 0	 ? asprintf(ret, "/boot/config-%s", kver)
		: i == 1 ? asprintf(ret, "/lib/modules/%s/config", kver)
			 : asprintf(ret, "/lib/modules/%s/build/.config", kver);
	return n < 0 ? -ENOMEM : 0;
}

int modcompress_read_kernel(struct modcompress *mc, const char *root, const char *kver,
			    char **ret_text)
{
	if (ret_text)
		*ret_text = NULL;
	free(mc->config);
	mc->config = NULL;
	mc->decompress = mc->gzip = mc->xz = mc->zstd = false;
	for (size_t i = 0; i < 3; i++) {
		_cleanup_free_ char *path = NULL, *text = NULL;
		size_t size;
		int r = config_path(kver, i, &path);
		if (r < 0)
			return r;
		/* Read inside the root: a symlink cannot lead to the host's config. */
		r = sysroot_read(root, path, SYSROOT_READ_MAX, &text, &size);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			continue; /* not there (or not a regular file): the next place */
		mc->decompress = kconfig_has(text, "CONFIG_MODULE_DECOMPRESS=y");
		mc->gzip = kconfig_has(text, "CONFIG_MODULE_COMPRESS_GZIP=y");
		mc->xz = kconfig_has(text, "CONFIG_MODULE_COMPRESS_XZ=y");
		mc->zstd = kconfig_has(text, "CONFIG_MODULE_COMPRESS_ZSTD=y");
		/* For messages: the path as the user knows it. */
		if (asprintf(&mc->config, "%s%s", streq(root, "/") ? "" : root, path) <
		    0) {
			mc->config = NULL;
			return -ENOMEM;
		}
		if (ret_text)
			*ret_text = TAKE_PTR(text);
		return 0;
	}
	return 0;
}

void modcompress_clear(struct modcompress *mc)
{
	free(mc->config);
	mc->config = NULL;
}

const char *modcompress_suffix(const char *path)
{
	static const char *const suffixes[] = {".gz", ".xz", ".zst"};
	size_t n = strlen(path);
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t s = strlen(suffixes[i]);
		if (n > s + 3 && streq(path + n - s, suffixes[i]) &&
		    !strncmp(path + n - s - 3, ".ko", 3))
			return path + n - s;
	}
	return NULL;
}

bool modcompress_kernel_can(const struct modcompress *mc, const char *path)
{
	const char *s = modcompress_suffix(path);
	if (!s || !mc->config || !mc->decompress)
		return false;
	return streq(s, ".gz") ? mc->gzip : streq(s, ".xz") ? mc->xz : mc->zstd;
}

bool modcompress_keep(const struct modcompress *mc, const char *path)
{
	if (!modcompress_suffix(path))
		return false;
	switch (mc->mode) {
	case MODCOMPRESS_DECOMPRESS:
		return false;
	case MODCOMPRESS_KEEP:
		/* The user's word, unless the kernel's own config contradicts it (the
		 * build refuses that before staging). */
		return !mc->config || modcompress_kernel_can(mc, path);
	case MODCOMPRESS_AUTO:
		break;
	}
	return modcompress_kernel_can(mc, path);
}
