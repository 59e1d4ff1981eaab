/* SPDX-License-Identifier: GPL-2.0-or-later */
/* modcompress.c: MODULES_DECOMPRESS, the kernel config's places and options, per file. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "modules/modcompress.h"

static char root[] = "/tmp/test_modcompress.XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "we");
	cr_assert(f, "cannot write '%s'", path);
	fputs(text, f);
	fclose(f);
}

static void make_root(void)
{
	char path[256];
	cr_assert(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/boot", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/lib", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/lib/modules", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/lib/modules/6.12.0", root);
	mkdir(path, 0755);
}

static void remove_root(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

Test(modcompress, modes)
{
	enum modcompress_mode m;
	cr_assert_eq(modcompress_parse_mode(NULL, &m), 0);
	cr_assert_eq(m, MODCOMPRESS_AUTO);
	cr_assert_eq(modcompress_parse_mode("yes", &m), 0);
	cr_assert_eq(m, MODCOMPRESS_DECOMPRESS);
	cr_assert_eq(modcompress_parse_mode("no", &m), 0);
	cr_assert_eq(m, MODCOMPRESS_KEEP);
	cr_assert_eq(modcompress_parse_mode("auto", &m), 0);
	cr_assert_eq(m, MODCOMPRESS_AUTO);
	cr_assert_eq(modcompress_parse_mode("Yes", &m), -EINVAL);
	cr_assert_eq(modcompress_parse_mode("", &m), -EINVAL);
}

Test(modcompress, suffixes)
{
	cr_assert_str_eq(modcompress_suffix("/a/ext4.ko.xz"), ".xz");
	cr_assert_str_eq(modcompress_suffix("ext4.ko.zst"), ".zst");
	cr_assert_str_eq(modcompress_suffix("ext4.ko.gz"), ".gz");
	cr_assert_null(modcompress_suffix("ext4.ko"));
	cr_assert_null(modcompress_suffix("ext4.xz"));
	cr_assert_null(modcompress_suffix(".ko.xz"));
}

Test(modcompress, config_decides_per_format, .init = make_root, .fini = remove_root)
{
	struct modcompress mc = {.mode = MODCOMPRESS_AUTO};
	/* No config: nothing kept in auto, everything in "no". */
	cr_assert_eq(modcompress_read_kernel(&mc, root, "6.12.0", NULL), 0);
	cr_assert_null(mc.config);
	cr_assert_not(modcompress_keep(&mc, "a.ko.xz"));
	mc.mode = MODCOMPRESS_KEEP;
	cr_assert(modcompress_keep(&mc, "a.ko.xz"));
	cr_assert_not(modcompress_keep(&mc, "a.ko"));

	/* The module tree's config (Fedora's place), xz only. */
	put("lib/modules/6.12.0/config",
	    "CONFIG_MODULE_COMPRESS_XZ=y\nCONFIG_MODULE_DECOMPRESS=y\n");
	mc.mode = MODCOMPRESS_AUTO;
	cr_assert_eq(modcompress_read_kernel(&mc, root, "6.12.0", NULL), 0);
	cr_assert_not_null(mc.config);
	cr_assert(strstr(mc.config, "/lib/modules/6.12.0/config"));
	cr_assert(modcompress_keep(&mc, "a.ko.xz"));
	cr_assert_not(modcompress_keep(&mc, "a.ko.zst"));
	cr_assert_not(modcompress_keep(&mc, "a.ko.gz"));
	mc.mode = MODCOMPRESS_DECOMPRESS;
	cr_assert_not(modcompress_keep(&mc, "a.ko.xz"));

	/* /boot/config-KVER comes first; a commented-out option is not set. */
	put("boot/config-6.12.0", "CONFIG_MODULE_COMPRESS_ZSTD=y\n"
				  "# CONFIG_MODULE_DECOMPRESS is not set\n");
	mc.mode = MODCOMPRESS_AUTO;
	cr_assert_eq(modcompress_read_kernel(&mc, root, "6.12.0", NULL), 0);
	cr_assert(strstr(mc.config, "/boot/config-6.12.0"));
	cr_assert_not(modcompress_keep(&mc, "a.ko.zst"));
	put("boot/config-6.12.0", "CONFIG_MODULE_DECOMPRESS=y\n");
	cr_assert_eq(modcompress_read_kernel(&mc, root, "6.12.0", NULL), 0);
	cr_assert_not(modcompress_kernel_can(&mc, "a.ko.zst"), "no format chosen");
	put("boot/config-6.12.0", "CONFIG_MODULE_COMPRESS_ZSTD=y\nCONFIG_MODULE_DECOMPRESS=y");
	cr_assert_eq(modcompress_read_kernel(&mc, root, "6.12.0", NULL), 0);
	cr_assert(modcompress_kernel_can(&mc, "a.ko.zst"));
	cr_assert(modcompress_keep(&mc, "a.ko.zst"));
	cr_assert_not(modcompress_keep(&mc, "a.ko.xz"));
	modcompress_clear(&mc);
}
