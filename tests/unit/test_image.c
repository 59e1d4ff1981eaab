/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Images written and read back, checked by bsdtar, cpio and the compressors' own tools.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <lzma.h>
#include <pthread.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "cpio.h"
#include "image/image.h"
#include "stage.h"

static char tmp[] = "/tmp/test_image.XXXXXX";
/* Extract as the tests before set-id and device policies did: keep both. */
#define ALL (IMAGE_EXTRACT_DEVICES | IMAGE_EXTRACT_SETID)

/* Run `call` with stderr captured (testutil_stderr_*); returns what it printed
 * (static, valid until the next capture). */
#define CAPTURE_STDERR(call)                                                           \
	({                                                                             \
		struct testutil_stderr c_;                                             \
		static char text_[16384];                                              \
		testutil_stderr_begin(&c_);                                            \
		call;                                                                  \
		char *t_ = testutil_stderr_end(&c_);                                   \
		snprintf(text_, sizeof(text_), "%s", t_);                              \
		free(t_);                                                              \
		text_;                                                                 \
	})

static void setup(void)
{
	cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
	testutil_sh("umount -l '%s/mnt' 2>/dev/null; rm -rf '%s'", tmp, tmp);
}

TestSuite(image, .init = setup, .fini = teardown);

static int streq_(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pathf(const char *fmt, ...)
{
	static char bufs[8][1024];
	static int next;
	char rel[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	char *p = bufs[next++ % 8];
	snprintf(p, 1024, "%s/%s", tmp, rel);
	return p;
}

static uint8_t *make_data(size_t len, int noise_only)
{
	uint8_t *p = malloc(len ? len : 1);
	uint64_t x = 0x2545F4914F6CDD1Dull ^ len;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		p[i] = noise_only || (i / 1000) % 2 ? (uint8_t)x
						    : (uint8_t) "initramfs"[i % 9];
	}
	return p;
}

static void put_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)n + 1);
	cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	p[n] = 0;
	*len = (size_t)n;
	return p;
}

#define BIG_SIZE ((3u << 20) + 17)
#define MOD_SIZE 700001

/* Host files the stage copies: a big file, a small one, an empty one, a compressed
 * module. */
static void make_sources(void)
{
	uint8_t *big = make_data(BIG_SIZE, 0), *mod = make_data(MOD_SIZE, 0);
	cr_assert_eq(mkdir(pathf("src"), 0755), 0);
	put_file(pathf("src/big"), big, BIG_SIZE);
	put_file(pathf("src/small"), "small\n", 6);
	put_file(pathf("src/empty"), "", 0);
	put_file(pathf("src/m.ko"), mod, MOD_SIZE);
	cr_assert_eq(
		testutil_sh("cd %s/src && zstd -q -k m.ko && gzip -k m.ko && xz -k m.ko", tmp), 0);
	free(big);
	free(mod);
}

static struct stage *make_stage(void)
{
	struct stage *s;
	make_sources();
	cr_assert_eq(stage_new(&s), 0);
	cr_assert_eq(stage_add_dir(s, "/etc", 0755), 0);
	cr_assert_eq(stage_add_dir(s, "/tmp", 01777), 0);
	cr_assert_eq(stage_add_file(s, "/bin/big", 0755, pathf("src/big")), 0);
	cr_assert_eq(stage_add_file(s, "/etc/small", 0644, pathf("src/small")), 0);
	cr_assert_eq(stage_add_file(s, "/etc/empty", 0600, pathf("src/empty")), 0);
	cr_assert_eq(
		stage_add_compressed(s, "/lib/modules/z.ko", 0644, pathf("src/m.ko.zst")),
		0);
	cr_assert_eq(
		stage_add_compressed(s, "/lib/modules/g.ko", 0644, pathf("src/m.ko.gz")),
		0);
	cr_assert_eq(
		stage_add_compressed(s, "/lib/modules/x.ko", 0644, pathf("src/m.ko.xz")),
		0);
	cr_assert_eq(stage_add_data(s, "/etc/hostname", 0644, "host\n", 5), 0);
	cr_assert_eq(stage_add_data(s, "/etc/zero", 0644, "", 0), 0);
	cr_assert_eq(stage_add_data(s, "/bin/su", 04755, "#!/bin/sh\n", 10), 0);
	/* Names are bytes: UTF-8 and not. */
	cr_assert_eq(stage_add_data(s, "/lib/firmware/caf\xc3\xa9.bin", 0644, "fw", 2),
		     0);
	cr_assert_eq(stage_add_data(s, "/lib/firmware/\xff\xfe.bin", 0644, "fw", 2), 0);
	cr_assert_eq(stage_add_symlink(s, "/bin/sh", "big"), 0);
	cr_assert_eq(stage_add_symlink(s, "/sbin", "bin"), 0);
	cr_assert_eq(stage_add_device(s, "/dev/console", S_IFCHR | 0600, makedev(5, 1)),
		     0);
	cr_assert_eq(stage_add_device(s, "/dev/sda", S_IFBLK | 0660, makedev(8, 0)), 0);
	cr_assert_eq(stage_add_device(s, "/dev/big", S_IFCHR | 0600, makedev(300, 70000)),
		     0);
	cr_assert_eq(stage_finish(s), 0);
	return s;
}

static struct image_options opts_for(enum compress_kind kind)
{
	return (struct image_options){.compression = kind,
				      .level = COMPRESS_LEVEL_DEFAULT,
				      .threads = 2,
				      .mtime = 1700000000};
}

/* What image_read saw, for comparison with the stage. */
struct seen {
	size_t n;
	char *path[64];
	mode_t mode[64];
	uint64_t size[64];
	char *target[64];
	dev_t rdev[64];
	unsigned segment[64];
	char *compression[64];
	uint8_t *data[64];
};

static int collect(const struct image_entry *e, const void *data, void *userdata)
{
	struct seen *s = userdata;
	cr_assert_lt(s->n, 64);
	size_t i = s->n++;
	s->path[i] = strdup(e->path);
	s->mode[i] = e->mode;
	s->size[i] = e->size;
	s->target[i] = e->target ? strdup(e->target) : NULL;
	s->rdev[i] = e->rdev;
	s->segment[i] = e->segment;
	s->compression[i] = strdup(e->compression);
	s->data[i] = NULL;
	if (data) {
		s->data[i] = malloc(e->size + 1);
		memcpy(s->data[i], data, e->size);
	}
	return 0;
}

static void seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->path[i]);
		free(s->target[i]);
		free(s->compression[i]);
		free(s->data[i]);
	}
	s->n = 0;
}

/* The bytes a stage entry must hold in the image. */
static uint8_t *expected_bytes(const struct stage_entry *e, size_t *len)
{
	if (e->from == STAGE_FROM_DATA) {
		*len = e->size;
		uint8_t *p = malloc(e->size + 1);
		memcpy(p, e->data, e->size);
		return p;
	}
	return slurp(e->from == STAGE_FROM_FILE ? e->source : pathf("src/m.ko"), len);
}

static void assert_matches_stage(struct seen *seen, const struct stage *st,
				 unsigned first_index, unsigned segment, const char *comp)
{
	size_t count;
	const struct stage_entry *e = stage_entries(st, &count);
	for (size_t i = 0; i < count; i++) {
		size_t k = first_index + i;
		cr_assert_lt(k, seen->n);
		cr_assert_str_eq(seen->path[k], e[i].path);
		cr_assert_eq(seen->mode[k], e[i].mode, "%s: mode %o", e[i].path,
			     seen->mode[k]);
		cr_assert_eq(seen->segment[k], segment);
		cr_assert_str_eq(seen->compression[k], comp);
		if (e[i].kind == STAGE_SYMLINK) {
			cr_assert_str_eq(seen->target[k], e[i].target);
		} else if (e[i].kind == STAGE_DEVICE) {
			cr_assert_eq(major(seen->rdev[k]), major(e[i].rdev));
			cr_assert_eq(minor(seen->rdev[k]), minor(e[i].rdev));
		} else if (e[i].kind == STAGE_FILE) {
			size_t len;
			uint8_t *want = expected_bytes(&e[i], &len);
			cr_assert_eq(seen->size[k], len, "%s: size", e[i].path);
			cr_assert_not_null(seen->data[k]);
			cr_assert(memcmp(seen->data[k], want, len) == 0, "%s: data",
				  e[i].path);
			free(want);
		}
	}
}

static size_t count_lines(const char *path)
{
	size_t len, n = 0;
	uint8_t *p = slurp(path, &len);
	cr_assert_not_null(p, "%s", path);
	for (size_t i = 0; i < len; i++)
		n += p[i] == '\n';
	free(p);
	return n;
}

static const struct {
	enum compress_kind kind;
	const char *test;
	const char *decode;
} tools[] = {
	{COMPRESS_ZSTD, "zstd -q -t", "zstd -q -dc"},
	{COMPRESS_GZIP, "gzip -t", "gzip -dc"},
	{COMPRESS_XZ, "xz -t", "xz -dc"},
	{COMPRESS_LZ4, "lz4 -q -t", "lz4 -q -dc"},
	{COMPRESS_NONE, "true", "cat"},
};

Test(image, every_compression_is_read_by_bsdtar_cpio_and_us)
{
	struct stage *st = make_stage();
	size_t count;
	stage_entries(st, &count);
	for (size_t t = 0; t < sizeof(tools) / sizeof(tools[0]); t++) {
		const char *name = compress_name(tools[t].kind);
		char *img = pathf("img.%s", name);
		struct image_options o = opts_for(tools[t].kind);
		cr_assert_eq(image_write(st, img, &o), 0, "%s", name);

		struct stat sb;
		cr_assert_eq(stat(img, &sb), 0);
		cr_assert_eq(sb.st_mode & 07777, 0600);
		cr_assert_eq(testutil_sh("%s %s", tools[t].test, img), 0, "%s: integrity", name);
		cr_assert_eq(testutil_sh("bsdtar -tvf %s > %s.bsdtar", img, img), 0, "%s: bsdtar",
			     name);
		cr_assert_eq(count_lines(pathf("img.%s.bsdtar", name)), count);
		cr_assert_eq(testutil_sh("%s %s | cpio -it --quiet > %s.cpio", tools[t].decode,
				img, img),
			     0, "%s: cpio", name);
		cr_assert_eq(count_lines(pathf("img.%s.cpio", name)), count);
		/* cpio agrees on names and order, bsdtar on types and device numbers. */
		cr_assert_eq(testutil_sh("head -n1 %s.cpio | grep -qx bin", img), 0);
		cr_assert_eq(
			testutil_sh("grep -q '^crw------- .* 300,70000 .* dev/big$' %s.bsdtar",
			   img),
			0, "%s: device numbers", name);
		cr_assert_eq(testutil_sh("grep -q '^lrwxrwxrwx .* bin/sh -> big$' %s.bsdtar", img),
			     0);

		struct seen seen = {0};
		cr_assert_eq(image_read(img, collect, &seen), 0);
		cr_assert_eq(seen.n, count);
		assert_matches_stage(&seen, st, 0, 0, name);
		seen_free(&seen);
	}
	stage_free(st);
}

Test(image, same_inputs_give_the_same_bytes)
{
	struct stage *st = make_stage();
	struct image_options o = opts_for(COMPRESS_ZSTD);
	cr_assert_eq(image_write(st, pathf("a"), &o), 0);
	o.threads = 1;
	cr_assert_eq(image_write(st, pathf("b"), &o), 0);
	cr_assert_eq(testutil_sh("cmp -s %s %s", pathf("a"), pathf("b")), 0,
		     "the image depends on the thread count");
	/* Another SOURCE_DATE_EPOCH changes the bytes, but only the mtime fields. */
	o.mtime = 1;
	cr_assert_eq(image_write(st, pathf("c"), &o), 0);
	cr_assert_neq(testutil_sh("cmp -s %s %s", pathf("a"), pathf("c")), 0);
	cr_assert_eq(testutil_sh("cd %s && zstd -q -dc a > a.cpio && zstd -q -dc c > c.cpio", tmp),
		     0);
	size_t la, lc;
	uint8_t *a = slurp(pathf("a.cpio"), &la), *c = slurp(pathf("c.cpio"), &lc);
	cr_assert_eq(la, lc);
	size_t headers = 0;
	for (size_t off = 0; off < la;) {
		cr_assert(memcmp(a + off, "070701", 6) == 0, "no header at %zu", off);
		char field[9] = {0};
		int trailer = memcmp(a + off + 110, "TRAILER!!!", 11) == 0;
		if (!trailer) {
			memcpy(field, a + off + 6 + 5 * 8, 8);
			cr_assert_str_eq(field, "6553f100"); /* 1700000000 */
			memcpy(field, c + off + 6 + 5 * 8, 8);
			cr_assert_str_eq(field, "00000001");
			/* Everything but the mtime field is the same. */
			memcpy(c + off + 6 + 5 * 8, a + off + 6 + 5 * 8, 8);
		}
		unsigned long size, namesize;
		memcpy(field, a + off + 6 + 6 * 8, 8);
		size = strtoul(field, NULL, 16);
		memcpy(field, a + off + 6 + 11 * 8, 8);
		namesize = strtoul(field, NULL, 16);
		off = (off + 110 + namesize + 3) & ~3ul;
		off = (off + size + 3) & ~3ul;
		headers++;
		if (trailer) {
			cr_assert_eq(off, la, "bytes after the trailer");
			break;
		}
	}
	size_t count;
	stage_entries(st, &count);
	cr_assert_eq(headers, count + 1);
	cr_assert(memcmp(a, c, la) == 0, "more than the mtime fields differ");
	free(a);
	free(c);
	stage_free(st);
}

static char *list_image(const char *img, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	*ret = image_list(img, f);
	fclose(f);
	return buf;
}

Test(image, zstd_frames_are_the_same_with_no_cold_warm_or_damaged_cache)
{
	struct stage *st = make_stage();
	struct image_options o = opts_for(COMPRESS_ZSTD);
	struct stat sb;

	cr_assert_eq(image_write(st, pathf("none"), &o), 0);
	/* The big file is a frame of its own, the rest around it others. */
	cr_assert_eq(testutil_sh("test \"$(zstd -lv %s 2>/dev/null | sed -n 's/^# Zstandard Frames: //p')\" -ge 3",
				 pathf("none")),
		     0, "fewer than 3 frames");
	o.cache_dir = pathf("cache");
	cr_assert_eq(image_write(st, pathf("cold"), &o), 0);
	cr_assert_eq(stat(pathf("cache"), &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0700);
	o.threads = 1;
	cr_assert_eq(image_write(st, pathf("warm"), &o), 0);
	/* Every entry damaged in its last byte: each one a miss, then replaced. */
	cr_assert_eq(testutil_sh("cd %s && for f in *.zfc; do printf x | dd of=$f bs=1 "
				 "seek=$(($(stat -c %%s $f) - 1)) conv=notrunc status=none; done",
				 pathf("cache")),
		     0);
	cr_assert_eq(image_write(st, pathf("damaged"), &o), 0);
	cr_assert_eq(testutil_sh("cmp -s %s %s && cmp -s %s %s && cmp -s %s %s", pathf("none"),
				 pathf("cold"), pathf("none"), pathf("warm"), pathf("none"),
				 pathf("damaged")),
		     0, "the cache changed the image");
	cr_assert_eq(testutil_sh("zstd -q -t %s", pathf("none")), 0);
	stage_free(st);
}

static int count_entry(const struct image_entry *e, const void *data, void *userdata);

Test(image, a_zstd_frame_ending_inside_an_entry_is_refused_as_the_kernel_does)
{
	struct stage *st = make_stage();
	struct image_options o = opts_for(COMPRESS_ZSTD);
	int n = 0, want = 0;

	cr_assert_eq(image_write(st, pathf("img"), &o), 0);
	/* The same archive in two frames: cut 1000 bytes in (inside an entry's data),
	 * then after the first entry ("bin", 110 + 4 bytes, padded to 116). */
	cr_assert_eq(testutil_sh("cd %s && zstd -q -dc img > a.cpio && "
				 "{ head -c 1000 a.cpio | zstd -q; tail -c +1001 a.cpio | zstd -q; } > inside && "
				 "{ head -c 116 a.cpio | zstd -q; tail -c +117 a.cpio | zstd -q; } > between",
				 tmp),
		     0);
	cr_assert_eq(image_read(pathf("inside"), count_entry, &n), -EBADMSG);
	n = 0;
	cr_assert_eq(image_read(pathf("between"), count_entry, &n), 0);
	cr_assert_eq(image_read(pathf("img"), count_entry, &want), 0);
	cr_assert_eq(n, want);
	stage_free(st);
}

Test(image, list_shows_modes_sizes_and_targets)
{
	struct stage *st = make_stage();
	struct image_options o = opts_for(COMPRESS_GZIP);
	cr_assert_eq(image_write(st, pathf("img"), &o), 0);
	int r;
	char *out = list_image(pathf("img"), &r);
	cr_assert_eq(r, 0);
	const char *want[] = {
		"drwxr-xr-x          0 /bin\n",
		"-rwxr-xr-x    3145745 /bin/big\n",
		"lrwxrwxrwx          3 /bin/sh -> big\n",
		"-rwsr-xr-x         10 /bin/su\n",
		"crw-------          0 /dev/console\n",
		"brw-rw----          0 /dev/sda\n",
		"-rw-r--r--          5 /etc/hostname\n",
		"-rw-r--r--     700001 /lib/modules/z.ko\n",
		"lrwxrwxrwx          3 /sbin -> bin\n",
		"drwxrwxrwt          0 /tmp\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_not_null(strstr(out, want[i]), "no '%s' in:\n%s", want[i], out);
	cr_assert_null(strstr(out, "# segment"), "single segment has a header:\n%s", out);
	free(out);
	stage_free(st);
}

Test(image, early_cpio_comes_first_uncompressed_and_aligned)
{
	struct stage *st = make_stage(), *early;
	cr_assert_eq(stage_new(&early), 0);
	cr_assert_eq(stage_add_data(early, "kernel/x86/microcode/GenuineIntel.bin", 0644,
				    "ucode", 5),
		     0);
	cr_assert_eq(stage_finish(early), 0);
	struct image_options o = opts_for(COMPRESS_ZSTD);
	o.early = early;
	cr_assert_eq(image_write(st, pathf("img"), &o), 0);

	/* The kernel's microcode loader reads the first, uncompressed archive. */
	cr_assert_eq(testutil_sh("cpio -it --quiet < %s > %s", pathf("img"), pathf("early.list")),
		     0);
	cr_assert_eq(testutil_sh("grep -qx kernel/x86/microcode/GenuineIntel.bin %s",
			pathf("early.list")),
		     0);
	size_t len;
	uint8_t *p = slurp(pathf("img"), &len);
	size_t z = 0;
	while (z + 4 <= len && memcmp(p + z, "\x28\xb5\x2f\xfd", 4) != 0)
		z++;
	cr_assert_lt(z, len);
	cr_assert_eq(z % 512, 0, "compressed part at %zu", z);
	cr_assert_eq(testutil_sh("tail -c +%zu %s | zstd -q -t", z + 1, pathf("img")), 0);
	free(p);

	struct seen seen = {0};
	cr_assert_eq(image_read(pathf("img"), collect, &seen), 0);
	assert_matches_stage(&seen, early, 0, 0, "none");
	size_t nearly;
	stage_entries(early, &nearly);
	cr_assert_eq(nearly, 4);
	assert_matches_stage(&seen, st, 4, 1, "zstd");
	seen_free(&seen);

	int r;
	char *out = list_image(pathf("img"), &r);
	cr_assert_eq(r, 0);
	cr_assert(strncmp(out, "# segment 0: none\n", 18) == 0, "%s", out);
	cr_assert_not_null(strstr(out, "/kernel/x86/microcode/GenuineIntel.bin\n"
				       "# segment 1: zstd\ndrwxr-xr-x          0 /bin\n"),
			   "%s", out);
	free(out);
	stage_free(early);
	stage_free(st);
}

/* A small tree for images made by other tools. */
static void make_tree(const char *name)
{
	cr_assert_eq(
		testutil_sh("cd %s && mkdir -p %s/usr/bin %s/dev && echo hi > %s/usr/bin/hi && "
		   "ln -s usr/bin %s/bin && head -c 200000 /dev/urandom > %s/usr/rnd && "
		   "mknod %s/dev/null c 1 3",
		   tmp, name, name, name, name, name, name),
		0);
}

Test(image, reads_what_other_tools_make)
{
	make_tree("t");
	cr_assert_eq(testutil_sh("cd %s/t && find . | LC_ALL=C sort > ../names && "
			"find . | cpio -o -H newc --quiet > ../t.newc && "
			"find . | cpio -o -H odc --quiet > ../t.odc",
			tmp),
		     0);
	size_t n = count_lines(pathf("names"));
	struct {
		const char *cmd, *comp;
	} cases[] = {
		{"cat t.newc", "none"},
		{"cat t.odc", "none"},
		{"zstd -q -c t.newc", "zstd"},
		{"zstd -q -c --no-check -19 t.newc", "zstd"},
		{"gzip -c t.newc", "gzip"},
		{"xz -c t.newc", "xz"},
		{"xz -c --check=crc32 -e t.newc", "xz"},
		{"lzma -c t.newc", "lzma"},
		{"bzip2 -c t.newc", "bzip2"},
		{"lz4 -q -l -c t.newc", "lz4"},
		{"lz4 -q -c t.newc", "lz4-frame"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(testutil_sh("cd %s && %s > img", tmp, cases[i].cmd), 0);
		struct seen seen = {0};
		cr_assert_eq(image_read(pathf("img"), collect, &seen), 0, "%s",
			     cases[i].cmd);
		cr_assert_eq(seen.n, n, "%s: %zu entries", cases[i].cmd, seen.n);
		for (size_t k = 0; k < seen.n; k++) {
			cr_assert_str_eq(seen.compression[k], cases[i].comp);
			cr_assert_eq(seen.segment[k], 0);
			if (streq_(seen.path[k], "usr/bin/hi")) {
				cr_assert_eq(seen.size[k], 3);
				cr_assert(memcmp(seen.data[k], "hi\n", 3) == 0);
			}
			if (streq_(seen.path[k], "bin"))
				cr_assert_str_eq(seen.target[k], "usr/bin");
			if (streq_(seen.path[k], "dev/null"))
				cr_assert_eq(seen.rdev[k], makedev(1, 3));
		}
		seen_free(&seen);
	}
}

Test(image, concatenated_segments_are_read_in_order)
{
	make_tree("t");
	make_tree("u");
	cr_assert_eq(testutil_sh("cd %s && (cd t && find . | cpio -o -H newc --quiet) > early && "
			"(cd u && find . | cpio -o -H newc --quiet) > main && "
			"truncate -s %%512 early && zstd -q -c main > main.zst && "
			"gzip -c main > main.gz && "
			/* early + zstd + zero padding + gzip, as `cat` makes them */
			"cat early main.zst > img && head -c 13 /dev/zero >> img && "
			"cat main.gz >> img && find t > n",
			tmp),
		     0);
	struct seen seen = {0};
	cr_assert_eq(image_read(pathf("img"), collect, &seen), 0);
	size_t per = count_lines(pathf("n"));
	cr_assert_eq(seen.n, per * 3, "%zu entries, %zu per segment", seen.n, per);
	const char *comps[] = {"none", "zstd", "gzip"};
	for (size_t k = 0; k < seen.n; k++) {
		cr_assert_eq(seen.segment[k], k / per, "entry %zu", k);
		cr_assert_str_eq(seen.compression[k], comps[k / per]);
	}
	seen_free(&seen);
	int r;
	char *out = list_image(pathf("img"), &r);
	cr_assert_eq(r, 0);
	cr_assert_not_null(strstr(out, "# segment 0: none\n"));
	cr_assert_not_null(strstr(out, "# segment 1: zstd\n"));
	cr_assert_not_null(strstr(out, "# segment 2: gzip\n"));
	free(out);
}

static int stop_at_third(const struct image_entry *e, const void *data, void *userdata)
{
	(void)e;
	(void)data;
	return ++*(int *)userdata == 3 ? 42 : 0;
}

static int count_entry(const struct image_entry *e, const void *data, void *userdata)
{
	(void)e;
	(void)data;
	++*(int *)userdata;
	return 0;
}

Test(image, bad_images_are_refused)
{
	make_tree("t");
	cr_assert_eq(testutil_sh("cd %s && (cd t && find . | cpio -o -H newc --quiet) > plain && "
			"zstd -q -c plain > z && head -c $(( $(stat -c %%s z) - 20 )) z "
			"> cut && "
			"head -c 4096 /dev/urandom | tr '\\000' x > junk && "
			"printf '\\211LZO\\000\\015\\012\\032\\012' > lzo && "
			"head -c 1000 plain > cutplain && : > empty && "
			"cp z zjunk && printf 'garbage' | gzip >> zjunk && "
			"cp plain trailing && echo junk >> trailing",
			tmp),
		     0);
	int n = 0;
	cr_assert_eq(image_read(pathf("cut"), count_entry, &n), -EBADMSG);
	cr_assert_eq(image_read(pathf("junk"), count_entry, &n), -EBADMSG);
	cr_assert_eq(image_read(pathf("lzo"), count_entry, &n), -EOPNOTSUPP);
	cr_assert_eq(image_read(pathf("cutplain"), count_entry, &n), -EBADMSG);
	/* Junk after an archive is an error, as the kernel says "junk within archive". */
	cr_assert_eq(image_read(pathf("trailing"), count_entry, &n), -EBADMSG);
	cr_assert_eq(image_read(pathf("missing"), count_entry, &n), -ENOENT);
	cr_assert_eq(image_read(pathf("t"), count_entry, &n), -EISDIR);
	n = 0;
	cr_assert_eq(image_read(pathf("empty"), count_entry, &n), 0);
	cr_assert_eq(n, 0);
	n = 0;
	cr_assert_eq(image_read(pathf("z"), stop_at_third, &n), 42);
	cr_assert_eq(n, 3);
}

struct shrink {
	const char *path;
	int seen;
};

/* After the first entry, cut the image short, as a concurrent writer might. */
static int shrink_after_first(const struct image_entry *e, const void *data,
			      void *userdata)
{
	struct shrink *s = userdata;
	(void)e;
	(void)data;
	if (s->seen++ == 0)
		cr_assert_eq(truncate(s->path, 4096), 0);
	return 0;
}

static int shrink_entry(const struct cpio_entry *e, void *userdata)
{
	(void)e;
	return shrink_after_first(NULL, NULL, userdata);
}

Test(image, an_image_cut_short_while_read_is_truncated_not_a_crash)
{
	/* Uncompressed, so the reader would once have handed out mapped pages. */
	cr_assert_eq(testutil_sh("cd %s && mkdir t && head -c 3000000 /dev/urandom > t/a && "
			"head -c 3000000 /dev/urandom > t/b && touch t/c && "
			"(cd t && printf 'a\\nb\\nc\\n' | cpio -o -H newc --quiet) > img && "
			"cp img img2",
			tmp),
		     0);
	struct shrink s = {pathf("img"), 0};
	cr_assert_eq(image_read(pathf("img"), shrink_after_first, &s), -EBADMSG);
	cr_assert_eq(s.seen, 1);

	static const struct cpio_ops ops = {shrink_entry, NULL, NULL};
	char err[CPIO_ERROR_MAX];
	s = (struct shrink){pathf("img2"), 0};
	int fd = open(pathf("img2"), O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(cpio_walk_fd(NULL, fd, &ops, &s, err), -EBADMSG);
	cr_assert_str_eq(err, "truncated image (the file shrank while read)");
	close(fd);
}

/* ---- a file read while it is written (the concurrent read-back check) ---- */

/* A writer thread appending `data` in small pieces; grow() as imgverify's. */
struct feeder {
	int fd;
	const uint8_t *data;
	size_t len;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t writes, seen;
	int finished, failed;
};

static void *feed(void *userdata)
{
	struct feeder *f = userdata;
	/* Stop a third of the way in when asked to fail, as a writer whose disk filled. */
	size_t end = f->failed ? f->len / 3 : f->len;

	for (size_t pos = 0; pos < end;) {
		size_t n = end - pos < 4093 ? end - pos : 4093;
		cr_assert_eq(write(f->fd, f->data + pos, n), (ssize_t)n);
		pos += n;
		pthread_mutex_lock(&f->lock);
		f->writes++;
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->lock);
		if (pos % 8 == 1)
			sched_yield();
	}
	pthread_mutex_lock(&f->lock);
	f->writes++;
	f->finished = 1;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

static int feeder_grow(void *userdata)
{
	struct feeder *f = userdata;
	int r;
	pthread_mutex_lock(&f->lock);
	while (f->writes == f->seen && !f->finished)
		pthread_cond_wait(&f->cond, &f->lock);
	r = f->writes != f->seen ? 1 : f->failed ? -ECANCELED : 0;
	f->seen = f->writes;
	pthread_mutex_unlock(&f->lock);
	return r;
}

struct tally {
	size_t entries;
	uint64_t bytes;
};

static int tally_entry(const struct cpio_entry *e, void *userdata)
{
	(void)e;
	((struct tally *)userdata)->entries++;
	return 0;
}

static int tally_data(const void *bytes, size_t len, void *userdata)
{
	(void)bytes;
	((struct tally *)userdata)->bytes += len;
	return 0;
}

static const struct cpio_ops tally_ops = {tally_entry, tally_data, NULL};

/* Walk `data` as a file another thread writes; the walk's result and tally. */
static int walk_while_written(const uint8_t *data, size_t len, int fail,
			      struct tally *t)
{
	struct feeder f = {.data = data, .len = len, .failed = fail};
	char err[CPIO_ERROR_MAX];
	pthread_t thread;

	f.fd = open(pathf("growing"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(f.fd, 0);
	pthread_mutex_init(&f.lock, NULL);
	pthread_cond_init(&f.cond, NULL);
	*t = (struct tally){0};
	cr_assert_eq(pthread_create(&thread, NULL, feed, &f), 0);
	const struct cpio_follow follow = {.grow = feeder_grow, .userdata = &f};
	int r = cpio_walk_growing(f.fd, &tally_ops, t, &follow, err);
	pthread_join(thread, NULL);
	close(f.fd);
	return r;
}

Test(image, a_file_read_while_written_is_walked_to_its_final_end)
{
	struct stage *s = make_stage();
	struct image_options o = opts_for(COMPRESS_ZSTD);
	cr_assert_eq(image_write(s, pathf("img"), &o), 0);
	size_t len;
	uint8_t *data = slurp(pathf("img"), &len);

	/* What a walk of the finished file sees. */
	struct tally whole = {0}, grown;
	char err[CPIO_ERROR_MAX];
	int fd = open(pathf("img"), O_RDONLY | O_CLOEXEC);
	cr_assert_eq(cpio_walk_fd(NULL, fd, &tally_ops, &whole, err), 0, "%s", err);
	close(fd);

	cr_assert_eq(walk_while_written(data, len, 0, &grown), 0);
	cr_expect_eq(grown.entries, whole.entries);
	cr_expect_eq(grown.bytes, whole.bytes);
	/* A writer that gives up: the walk stops with its answer, not "truncated". */
	cr_assert_eq(walk_while_written(data, len, 1, &grown), -ECANCELED);
	/* A corrupt byte in the middle is found as in a finished file. */
	data[len / 2] ^= 0x55;
	cr_assert_eq(walk_while_written(data, len, 0, &grown), -EBADMSG);
	free(data);
	stage_free(s);
}

/* The commit hook's sum: the image's size and CRC-64, as the file holds them. */
static void keep_sum(const char *target, int fd, const struct stat *st,
		     const struct image_sum *sum, void *userdata)
{
	(void)target;
	(void)fd;
	(void)st;
	struct image_sum *out = userdata;
	cr_assert_not_null(sum, "the concurrent check summed the image");
	*out = *sum;
}

Test(image, the_commit_hook_gets_the_sum_of_the_bytes_on_disk)
{
	struct stage *s = make_stage();
	struct image_options o = opts_for(COMPRESS_ZSTD);
	struct image_sum sum = {0};
	o.commit = keep_sum;
	o.commit_userdata = &sum;
	cr_assert_eq(image_write(s, pathf("img"), &o), 0);
	size_t len;
	uint8_t *data = slurp(pathf("img"), &len);
	cr_expect_eq(sum.size, len);
	cr_expect_eq(sum.crc64, lzma_crc64(data, len, 0));
	free(data);
	stage_free(s);
}

/* ---- atomic replacement ---- */

static int temp_files_left(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	cr_assert_not_null(d, "%s", dir);
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".tmp.") != NULL;
	closedir(d);
	return n;
}

/* A private mount namespace for this test process, so mounts vanish with it. */
static void private_mounts(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root for mounts");
	cr_assert_eq(unshare(CLONE_NEWNS), 0);
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(mkdir(pathf("mnt"), 0755), 0);
}

static struct stage *small_stage(void)
{
	struct stage *s;
	cr_assert_eq(stage_new(&s), 0);
	cr_assert_eq(stage_add_data(s, "init", 0755, "#!/bin/sh\n", 10), 0);
	cr_assert_eq(stage_finish(s), 0);
	return s;
}

Test(image, disk_full_leaves_the_old_image_and_no_temp)
{
	private_mounts();
	cr_assert_eq(mount("tmpfs", pathf("mnt"), "tmpfs", 0, "size=256k"), 0);
	struct stage *small = small_stage(), *big;
	struct image_options o = opts_for(COMPRESS_ZSTD);
	cr_assert_eq(image_write(small, pathf("mnt/img"), &o), 0);
	cr_assert_eq(testutil_sh("cp %s %s", pathf("mnt/img"), pathf("old")), 0);

	cr_assert_eq(stage_new(&big), 0);
	uint8_t *noise = make_data(1u << 20, 1);
	cr_assert_eq(stage_add_data(big, "noise", 0644, noise, 1u << 20), 0);
	cr_assert_eq(stage_finish(big), 0);
	int r;
	const char *err = CAPTURE_STDERR(r = image_write(big, pathf("mnt/img"), &o));
	cr_assert_eq(r, -ENOSPC);
	cr_assert_eq(testutil_sh("cmp -s %s %s", pathf("mnt/img"), pathf("old")), 0);
	cr_assert_eq(temp_files_left(pathf("mnt")), 0);
	/* The target is named, no source file. */
	cr_assert(strstr(err, "cannot write image '") && !strstr(err, "cannot read"), "%s",
		  err);
	/* Uncompressed, the same. */
	o.compression = COMPRESS_NONE;
	cr_assert_eq(image_write(big, pathf("mnt/img"), &o), -ENOSPC);
	cr_assert_eq(testutil_sh("cmp -s %s %s", pathf("mnt/img"), pathf("old")), 0);
	cr_assert_eq(temp_files_left(pathf("mnt")), 0);
	free(noise);
	stage_free(big);
	stage_free(small);
}

Test(image, read_only_and_missing_directories_are_errors)
{
	private_mounts();
	struct stage *s = small_stage();
	struct image_options o = opts_for(COMPRESS_ZSTD);
	cr_assert_eq(mount("tmpfs", pathf("mnt"), "tmpfs", 0, "size=256k"), 0);
	cr_assert_eq(image_write(s, pathf("mnt/img"), &o), 0);
	cr_assert_eq(testutil_sh("cp %s %s", pathf("mnt/img"), pathf("old")), 0);
	cr_assert_eq(mount(NULL, pathf("mnt"), NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	cr_assert_eq(image_write(s, pathf("mnt/img"), &o), -EROFS);
	cr_assert_eq(testutil_sh("cmp -s %s %s", pathf("mnt/img"), pathf("old")), 0);

	cr_assert_eq(image_write(s, pathf("nodir/img"), &o), -ENOENT);
	cr_assert_eq(access(pathf("nodir"), F_OK), -1);
	put_file(pathf("file"), "x", 1);
	cr_assert_eq(image_write(s, pathf("file/img"), &o), -ENOTDIR);
	cr_assert_eq(mkdir(pathf("dir"), 0755), 0);
	cr_assert_eq(mkdir(pathf("dir/img"), 0755), 0);
	cr_assert_eq(image_write(s, pathf("dir/img"), &o), -EISDIR);
	cr_assert_eq(temp_files_left(pathf("dir")), 0);
	cr_assert_eq(image_write(s, pathf("dir/"), &o), -EINVAL);
	stage_free(s);
}

Test(image, missing_source_names_the_file_and_keeps_the_target)
{
	struct stage *s;
	struct image_options o = opts_for(COMPRESS_ZSTD);
	put_file(pathf("img"), "old", 3);
	cr_assert_eq(stage_new(&s), 0);
	cr_assert_eq(stage_add_file(s, "bin/x", 0755, pathf("nope")), 0);
	cr_assert_eq(stage_finish(s), 0);
	int r;
	const char *err = CAPTURE_STDERR(r = image_write(s, pathf("img"), &o));
	cr_assert_eq(r, -ENOENT);
	char want[1200];
	snprintf(want, sizeof(want), "cannot read '%s' for image '%s': No such file", pathf("nope"),
		 pathf("img"));
	cr_assert(strstr(err, want), "%s", err);
	cr_assert_null(strstr(strstr(err, "error:") + 1, "error:"), "logged once: %s", err);
	size_t len;
	uint8_t *p = slurp(pathf("img"), &len);
	cr_assert_eq(len, 3);
	free(p);
	cr_assert_eq(temp_files_left(tmp), 0);
	stage_free(s);

	/* A corrupt compressed module is named too. */
	put_file(pathf("bad.ko.zst"), "\x28\xb5\x2f\xfd garbage", 12);
	cr_assert_eq(stage_new(&s), 0);
	cr_assert_eq(stage_add_compressed(s, "m.ko", 0644, pathf("bad.ko.zst")), 0);
	cr_assert_eq(stage_finish(s), 0);
	err = CAPTURE_STDERR(r = image_write(s, pathf("img"), &o));
	cr_assert_eq(r, -EBADMSG);
	snprintf(want, sizeof(want), "cannot read '%s' for image '%s': corrupt compressed data",
		 pathf("bad.ko.zst"), pathf("img"));
	cr_assert(strstr(err, want), "%s", err);
	/* Logged once, where it failed: no read-back or target message after it. */
	cr_assert_null(strstr(err, "read-back"), "%s", err);
	cr_assert_null(strstr(strstr(err, want) + 1, "error:"), "%s", err);
	cr_assert_eq(temp_files_left(tmp), 0);
	stage_free(s);
}

Test(image, temp_file_is_private_whatever_the_umask)
{
	struct stage *s = small_stage();
	struct image_options o = opts_for(COMPRESS_NONE);
	mode_t masks[] = {0, 077, 0777};
	for (size_t i = 0; i < 3; i++) {
		umask(masks[i]);
		cr_assert_eq(image_write(s, pathf("img"), &o), 0);
		struct stat sb;
		cr_assert_eq(stat(pathf("img"), &sb), 0);
		cr_assert_eq(sb.st_mode & 07777, 0600, "umask %o", masks[i]);
	}
	stage_free(s);
}

Test(image, stale_temp_files_are_removed_without_following_links)
{
	struct stage *s = small_stage();
	struct image_options o = opts_for(COMPRESS_ZSTD);
	put_file(pathf("outside"), "keep", 4);
	put_file(pathf(".img.tmp.AAAAAA"), "stale", 5);
	cr_assert_eq(symlink(pathf("outside"), pathf(".img.tmp.BBBBBB")), 0);
	put_file(pathf(".img.tmp.CCCCCC"), "live", 4);
	put_file(pathf(".img.tmp.short"), "other", 5);
	put_file(pathf(".other.tmp.DDDDDD"), "other", 5);
	/* A build in progress holds its lock: its file must survive. */
	int live = open(pathf(".img.tmp.CCCCCC"), O_RDONLY | O_CLOEXEC);
	cr_assert_geq(live, 0);
	cr_assert_eq(flock(live, LOCK_EX), 0);

	cr_assert_eq(image_write(s, pathf("img"), &o), 0);
	cr_assert_eq(access(pathf(".img.tmp.AAAAAA"), F_OK), -1);
	struct stat sb;
	cr_assert_eq(lstat(pathf(".img.tmp.BBBBBB"), &sb), -1);
	size_t len;
	uint8_t *p = slurp(pathf("outside"), &len);
	cr_assert_eq(len, 4);
	cr_assert(memcmp(p, "keep", 4) == 0);
	free(p);
	cr_assert_eq(access(pathf(".img.tmp.CCCCCC"), F_OK), 0);
	cr_assert_eq(access(pathf(".img.tmp.short"), F_OK), 0);
	cr_assert_eq(access(pathf(".other.tmp.DDDDDD"), F_OK), 0);
	close(live);
	stage_free(s);
}

static void on_term(int sig)
{
	(void)sig;
	image_abort_cleanup();
	_exit(3);
}

Test(image, interrupted_write_removes_its_temp_file)
{
	/* A FIFO as a source blocks image_write() mid-way, with its temp file open. */
	cr_assert_eq(mkfifo(pathf("fifo"), 0600), 0);
	cr_assert_eq(mkdir(pathf("out"), 0755), 0);
	struct stage *s;
	cr_assert_eq(stage_new(&s), 0);
	cr_assert_eq(stage_add_data(s, "a", 0644, "a", 1), 0);
	cr_assert_eq(stage_add_file(s, "b", 0644, pathf("fifo")), 0);
	cr_assert_eq(stage_finish(s), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		signal(SIGTERM, on_term);
		struct image_options o = opts_for(COMPRESS_ZSTD);
		image_write(s, pathf("out/img"), &o);
		_exit(0);
	}
	int seen = 0;
	for (int i = 0; i < 500 && !seen; i++) {
		seen = temp_files_left(pathf("out"));
		usleep(10000);
	}
	cr_assert_eq(seen, 1, "no temp file appeared");
	kill(pid, SIGTERM);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	cr_assert_eq(temp_files_left(pathf("out")), 0);
	cr_assert_eq(access(pathf("out/img"), F_OK), -1);
	stage_free(s);
}

/* ---- extraction ---- */

Test(image, extract_recreates_the_stage)
{
	struct stage *st = make_stage();
	struct image_options o = opts_for(COMPRESS_ZSTD);
	cr_assert_eq(image_write(st, pathf("img"), &o), 0);
	cr_assert_eq(image_extract(pathf("img"), pathf("x/y"), ALL), 0);
	cr_assert_eq(testutil_sh("cmp %s %s", pathf("src/big"), pathf("x/y/bin/big")), 0);
	cr_assert_eq(testutil_sh("cmp %s %s", pathf("src/m.ko"), pathf("x/y/lib/modules/x.ko")),
		     0);
	struct stat sb;
	cr_assert_eq(lstat(pathf("x/y/bin/sh"), &sb), 0);
	cr_assert(S_ISLNK(sb.st_mode));
	char target[16] = {0};
	cr_assert_eq(readlink(pathf("x/y/bin/sh"), target, sizeof(target) - 1), 3);
	cr_assert_str_eq(target, "big");
	cr_assert_eq(lstat(pathf("x/y/bin/su"), &sb), 0);
	cr_assert_eq(sb.st_mode, S_IFREG | 04755);
	cr_assert_eq(sb.st_mtime, 1700000000);
	cr_assert_eq(lstat(pathf("x/y/tmp"), &sb), 0);
	cr_assert_eq(sb.st_mode, S_IFDIR | 01777);
	cr_assert_eq(lstat(pathf("x/y/etc/empty"), &sb), 0);
	cr_assert_eq(sb.st_mode, S_IFREG | 0600);
	cr_assert_eq(sb.st_size, 0);
	if (geteuid() == 0) {
		cr_assert_eq(lstat(pathf("x/y/dev/sda"), &sb), 0);
		cr_assert_eq(sb.st_mode, S_IFBLK | 0660);
		cr_assert_eq(sb.st_rdev, makedev(8, 0));
	}
	/* Extracting again over the first copy works and changes nothing. */
	cr_assert_eq(image_extract(pathf("img"), pathf("x/y"), ALL), 0);
	cr_assert_eq(testutil_sh("cmp %s %s", pathf("src/big"), pathf("x/y/bin/big")), 0);
	stage_free(st);
}

/* Hostile newc archives, written byte by byte so no tool cleans them up. */
static void hostile(const char *name, const char *entries)
{
	static const char script[] =
		"import sys\n"
		"out = open(sys.argv[1], 'wb')\n"
		"def pad(n): return b'\\0' * ((4 - n % 4) % 4)\n"
		"pos = 0\n"
		"def entry(name, mode, data):\n"
		"    global pos\n"
		"    n = name.encode() + b'\\0'\n"
		"    h = b'070701' + b''.join(b'%08X' % v for v in\n"
		"        [1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(n), 0])\n"
		"    b = h + n; b += pad(len(b)); b += data; b += pad(len(b))\n"
		"    out.write(b)\n"
		"for e in sys.argv[2].split(';'):\n"
		"    kind, path, arg = e.split(':', 2)\n"
		"    mode = {'f': 0o100644, 'l': 0o120777, 'd': 0o40755}[kind]\n"
		"    entry(path, mode, arg.encode())\n"
		"entry('TRAILER!!!', 0, b'')\n";
	put_file(pathf("hostile.py"), script, strlen(script));
	cr_assert_eq(
		testutil_sh("python3 %s %s '%s'", pathf("hostile.py"), pathf("%s", name), entries),
		0);
}

Test(image, extract_refuses_escapes)
{
	cr_assert_eq(mkdir(pathf("outside"), 0755), 0);
	put_file(pathf("outside/file"), "keep", 4);

	hostile("dotdot", "f:ok:1;f:../evil:x");
	cr_assert_eq(image_extract(pathf("dotdot"), pathf("x1"), 0), -EINVAL);
	cr_assert_eq(access(pathf("x1/ok"), F_OK), 0, "entries before the bad one stay");
	cr_assert_eq(access(pathf("evil"), F_OK), -1);

	hostile("deep", "d:a:;f:a/../../evil:x");
	cr_assert_eq(image_extract(pathf("deep"), pathf("x2"), 0), -EINVAL);
	cr_assert_eq(access(pathf("evil"), F_OK), -1);

	hostile("abs", "f:/abs-evil:x");
	cr_assert_eq(image_extract(pathf("abs"), pathf("x3"), 0), -EINVAL);
	cr_assert_eq(access("/abs-evil", F_OK), -1);

	/* A link the archive made, then a write through it. */
	char entries[1024];
	snprintf(entries, sizeof(entries), "l:link:%s;f:link/new:evil", pathf("outside"));
	hostile("through", entries);
	cr_assert_eq(image_extract(pathf("through"), pathf("x4"), 0), -EINVAL);
	cr_assert_eq(access(pathf("outside/new"), F_OK), -1);

	snprintf(entries, sizeof(entries), "l:l2:%s;d:l2/sub:", pathf("outside"));
	hostile("dirthrough", entries);
	cr_assert_eq(image_extract(pathf("dirthrough"), pathf("x5"), 0), -EINVAL);
	cr_assert_eq(access(pathf("outside/sub"), F_OK), -1);

	/* A file entry over a link replaces the link, not what it points to. */
	snprintf(entries, sizeof(entries), "l:f:%s;f:f:evil", pathf("outside/file"));
	hostile("over", entries);
	cr_assert_eq(image_extract(pathf("over"), pathf("x6"), 0), 0);
	size_t len;
	uint8_t *p = slurp(pathf("outside/file"), &len);
	cr_assert_eq(len, 4);
	cr_assert(memcmp(p, "keep", 4) == 0);
	free(p);
	p = slurp(pathf("x6/f"), &len);
	cr_assert_eq(len, 4);
	cr_assert(memcmp(p, "evil", 4) == 0);
	free(p);

	/* A symlink placed in the target directory beforehand is not followed either. */
	cr_assert_eq(mkdir(pathf("x7"), 0755), 0);
	cr_assert_eq(symlink(pathf("outside"), pathf("x7/pre")), 0);
	hostile("pre", "f:pre/new:evil");
	cr_assert_eq(image_extract(pathf("pre"), pathf("x7"), 0), -EINVAL);
	cr_assert_eq(access(pathf("outside/new"), F_OK), -1);
}

Test(image, extract_follows_links_inside_the_target_only)
{
	/* Merged /usr: the archive's own relative link, then paths through it. */
	hostile("merged", "d:usr:;d:usr/lib:;l:lib:usr/lib;d:lib/modules:;f:lib/modules/m.ko:mod");
	cr_assert_eq(image_extract(pathf("merged"), pathf("m"), 0), 0);
	size_t len;
	uint8_t *p = slurp(pathf("m/usr/lib/modules/m.ko"), &len);
	cr_assert_not_null(p);
	cr_assert(len == 3 && memcmp(p, "mod", 3) == 0);
	free(p);
	/* One that climbs out through ".." is refused. */
	cr_assert_eq(mkdir(pathf("outside"), 0755), 0);
	hostile("climb", "d:usr:;l:lib:usr/../../outside;f:lib/evil:x");
	cr_assert_eq(image_extract(pathf("climb"), pathf("c"), 0), -EINVAL);
	cr_assert_eq(access(pathf("outside/evil"), F_OK), -1);
}

Test(image, extract_drops_setid_and_devices_unless_asked)
{
	struct stage *st = make_stage();
	struct image_options o = opts_for(COMPRESS_ZSTD);
	cr_assert_eq(image_write(st, pathf("img"), &o), 0);
	int r;
	const char *err = CAPTURE_STDERR(r = image_extract(pathf("img"), pathf("x"), 0));
	cr_assert_eq(r, 0);
	struct stat sb;
	cr_assert_eq(lstat(pathf("x/bin/su"), &sb), 0);
	cr_assert_eq(sb.st_mode, S_IFREG | 0755);
	cr_assert_eq(lstat(pathf("x/dev/sda"), &sb), -1, "no device node by default");
	cr_assert(strstr(err, "skipping device node 'dev/sda'"), "%s", err);
	cr_assert(strstr(err, "dropping the set-user/group-ID bits of 'bin/su'"), "%s", err);
	stage_free(st);
}

/* ---- the kernel as the oracle: boot each image in QEMU ---- */

static int fixture(char *root, char *kver)
{
	FILE *f = popen("tests/kernel-fixture.sh", "r");
	if (!f)
		return -1;
	int n = fscanf(f, "%511s %127s", root, kver);
	return pclose(f) == 0 && n == 2 ? 0 : -1;
}

/* Boot `img`; the init prints the sha256 of the files as the kernel unpacked them. */
static void boot(const char *img, const char *kernel, const char *what)
{
	char *out = pathf("serial.%s", what);
	int r = testutil_sh(
		"timeout 180 qemu-system-x86_64 -accel tcg -m 256 -display none "
		"-monitor none -serial file:%s -no-reboot -kernel %s -initrd %s "
		"-append 'console=ttyS0 panic=-1 loglevel=4' </dev/null >/dev/null 2>&1",
		out, kernel, img);
	cr_assert_eq(r, 0, "%s: qemu exited %d", what, r);
	r = testutil_sh("grep -q \"^BOOT-OK $(sha256sum /bin/busybox | cut -d' ' -f1) \" %s && "
	       "grep -q \"^BIG-OK $(sha256sum %s | cut -d' ' -f1) \" %s",
	       out, pathf("big"), out);
	if (r != 0)
		testutil_sh("tail -n 15 %s >&2", out);
	cr_assert_eq(r, 0, "%s: the kernel did not run our init with intact data", what);
}

Test(image, the_kernel_boots_every_compression, .timeout = 900)
{
	char root[512], kver[128], kernel[700];
	cr_assert_eq(fixture(root, kver), 0, "no kernel fixture");
	snprintf(kernel, sizeof(kernel), "%s/boot/vmlinuz-%s", root, kver);
	static const char init[] =
		"#!/bin/sh\n"
		"echo \"BOOT-OK $(/bin/busybox sha256sum /bin/busybox)\"\n"
		"echo \"BIG-OK $(/bin/busybox sha256sum /big)\"\n"
		"/bin/busybox poweroff -f\n";
	struct stage *st, *early;
	cr_assert_eq(stage_new(&st), 0);
	cr_assert_eq(stage_add_data(st, "init", 0755, init, sizeof(init) - 1), 0);
	cr_assert_eq(stage_add_file(st, "bin/busybox", 0755, "/bin/busybox"), 0);
	cr_assert_eq(stage_add_symlink(st, "bin/sh", "busybox"), 0);
	cr_assert_eq(stage_add_symlink(st, "bin/echo", "busybox"), 0);
	/* 10 MiB: several lz4 blocks, zstd jobs and xz blocks (3 MiB at level 1). */
	uint8_t *big = make_data((10u << 20) + 99, 0);
	put_file(pathf("big"), big, (10u << 20) + 99);
	free(big);
	cr_assert_eq(stage_add_file(st, "big", 0644, pathf("big")), 0);
	cr_assert_eq(stage_add_device(st, "dev/console", S_IFCHR | 0600, makedev(5, 1)),
		     0);
	cr_assert_eq(stage_finish(st), 0);
	/* Not real microcode: the loader must skip it and the kernel go on. */
	cr_assert_eq(stage_new(&early), 0);
	cr_assert_eq(stage_add_data(early, "kernel/x86/microcode/GenuineIntel.bin", 0644,
				    "not microcode", 13),
		     0);
	cr_assert_eq(stage_finish(early), 0);

	enum compress_kind kinds[] = {COMPRESS_ZSTD, COMPRESS_GZIP, COMPRESS_XZ,
				      COMPRESS_LZ4, COMPRESS_NONE};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *name = compress_name(kinds[i]);
		struct image_options o = opts_for(kinds[i]);
		/* The early cpio rides along with zstd, the default, and with none. */
		if (kinds[i] == COMPRESS_ZSTD || kinds[i] == COMPRESS_NONE)
			o.early = early;
		if (kinds[i] == COMPRESS_XZ)
			o.level = 1;
		cr_assert_eq(image_write(st, pathf("boot.%s", name), &o), 0);
		boot(pathf("boot.%s", name), kernel, name);
	}
	stage_free(early);
	stage_free(st);
}

Test(image, extract_keeps_hard_links_and_files_made_by_cpio)
{
	make_tree("t");
	cr_assert_eq(testutil_sh("cd %s/t && ln usr/bin/hi usr/hi2 && chmod 4711 usr/bin/hi && "
			"find . | cpio -o -H newc --quiet | gzip > ../img",
			tmp),
		     0);
	cr_assert_eq(image_extract(pathf("img"), pathf("x"), ALL), 0);
	struct stat a, b;
	cr_assert_eq(lstat(pathf("x/usr/bin/hi"), &a), 0);
	cr_assert_eq(lstat(pathf("x/usr/hi2"), &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino, "hard link lost");
	cr_assert_eq(a.st_nlink, 2);
	cr_assert_eq(a.st_size, 3);
	cr_assert_eq(a.st_mode, S_IFREG | 04711);
	cr_assert_eq(testutil_sh("cd %s && cmp t/usr/rnd x/usr/rnd && test \"$(readlink x/bin)\" "
			"= usr/bin",
			tmp),
		     0);
	if (geteuid() == 0) {
		cr_assert_eq(lstat(pathf("x/dev/null"), &a), 0);
		cr_assert(S_ISCHR(a.st_mode) && a.st_rdev == makedev(1, 3));
	}
}

Test(image, names_are_bytes_in_a_utf8_locale_too)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		cr_skip_test("no C.UTF-8 locale");
	struct stage *s;
	cr_assert_eq(stage_new(&s), 0);
	cr_assert_eq(stage_add_data(s, "caf\xc3\xa9", 0644, "a", 1), 0);
	cr_assert_eq(stage_add_data(s, "bad\xff\xfe", 0644, "b", 1), 0);
	cr_assert_eq(stage_finish(s), 0);
	struct image_options o = opts_for(COMPRESS_ZSTD);
	cr_assert_eq(image_write(s, pathf("img"), &o), 0);
	struct seen seen = {0};
	cr_assert_eq(image_read(pathf("img"), collect, &seen), 0);
	cr_assert_eq(seen.n, 2);
	cr_assert_str_eq(seen.path[0], "bad\xff\xfe");
	cr_assert_str_eq(seen.path[1], "caf\xc3\xa9");
	seen_free(&seen);
	stage_free(s);
}

Test(image, many_compressed_modules_come_out_in_order)
{
	/* More compressed entries than the prefetch window, of mixed formats and sizes.
	 */
	cr_assert_eq(mkdir(pathf("mods"), 0755), 0);
	struct stage *s;
	cr_assert_eq(stage_new(&s), 0);
	for (int i = 0; i < 80; i++) {
		size_t len = 1000 + (size_t)i * 3001;
		uint8_t *d = make_data(len, 0);
		put_file(pathf("mods/m%02d.ko", i), d, len);
		free(d);
	}
	cr_assert_eq(testutil_sh("cd %s/mods && for f in m*.ko; do case $f in *[02468].ko) zstd "
			"-q --rm $f;; "
			"*[13].ko) gzip $f;; *) xz -0 $f;; esac; done",
			tmp),
		     0);
	DIR *d = opendir(pathf("mods"));
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] == 'm') {
			char in[64];
			snprintf(in, sizeof(in), "lib/%.*s",
				 (int)(strchr(de->d_name, '.') - de->d_name + 3),
				 de->d_name);
			cr_assert_eq(stage_add_compressed(s, in, 0644,
							  pathf("mods/%s", de->d_name)),
				     0);
		}
	closedir(d);
	cr_assert_eq(stage_finish(s), 0);
	struct image_options o = opts_for(COMPRESS_ZSTD);
	o.threads = 3;
	cr_assert_eq(image_write(s, pathf("img"), &o), 0);
	cr_assert_eq(
		testutil_sh("cd %s && mkdir x && cd x && zstd -q -dc ../img | cpio -id --quiet && "
		   "for i in $(seq -w 0 79); do "
		   "  for f in ../mods/m$i.ko.*; do :; done; "
		   "  case $f in *.zst) zstd -q -dc $f;; *.gz) gzip -dc $f;; *) xz -dc "
		   "$f;; esac "
		   "  | cmp -s - lib/m$i.ko || exit 1; done",
		   tmp),
		0, "a module's bytes differ");
	stage_free(s);
}

Test(image, unprivileged_extraction_skips_device_nodes)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to switch to nobody");
	struct stage *st = make_stage();
	struct image_options o = opts_for(COMPRESS_ZSTD);
	cr_assert_eq(image_write(st, pathf("img"), &o), 0);
	cr_assert_eq(chmod(pathf("img"), 0644), 0);
	cr_assert_eq(chmod(tmp, 0755), 0);
	cr_assert_eq(mkdir(pathf("x"), 0755), 0);
	cr_assert_eq(chown(pathf("x"), 65534, 65534), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(10);
		_exit(image_extract(pathf("img"), pathf("x"), ALL) == 0 ? 0 : 11);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit %d",
		  WEXITSTATUS(status));
	cr_assert_eq(access(pathf("x/dev/console"), F_OK), -1);
	cr_assert_eq(testutil_sh("cmp %s %s", pathf("src/big"), pathf("x/bin/big")), 0);
	struct stat sb;
	cr_assert_eq(lstat(pathf("x/bin/big"), &sb), 0);
	cr_assert_eq(sb.st_uid, 65534);
	stage_free(st);
}
