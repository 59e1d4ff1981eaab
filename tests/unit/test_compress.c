/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compressors checked by the real tools: zstd, gzip, xz and lz4 must decode our output. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "compress.h"

static char tmp[] = "/tmp/test_compress.XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	(void)system(cmd);
}

TestSuite(compress, .init = setup, .fini = teardown);

/* Mixed data: compressible text runs and incompressible noise, `len` bytes. */
static uint8_t *make_data(size_t len)
{
	uint8_t *p = malloc(len);
	uint64_t x = 88172645463325252ull;
	cr_assert_not_null(p);
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		p[i] = (i / 4096) % 3 == 0 ? (uint8_t)x : (uint8_t)("kernel module "[i % 14]);
	}
	return p;
}

static void path(char *out, const char *name)
{
	snprintf(out, 512, "%s/%s", tmp, name);
}

/* Compress `data` in uneven chunks into `name`. */
static void compress_to(enum compress_kind kind, int level, int threads, const char *name,
			const uint8_t *data, size_t len)
{
	char p[512];
	struct compress *c;
	path(p, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(compress_new(kind, level, threads, fd, &c), 0);
	size_t off = 0, step = 1;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		cr_assert_eq(compress_write(c, data + off, n), 0);
		off += n;
		step = step * 7 + 13; /* 1, 20, 153, ... up to large chunks */
		if (step > (5u << 20))
			step = 3u << 20;
	}
	cr_assert_eq(compress_finish(c), 0);
	compress_free(c);
	cr_assert_eq(close(fd), 0);
}

static void assert_file_equals(const char *name, const uint8_t *data, size_t len)
{
	char p[512];
	path(p, name);
	FILE *f = fopen(p, "rb");
	cr_assert_not_null(f);
	uint8_t *got = malloc(len + 1);
	size_t n = fread(got, 1, len + 1, f);
	fclose(f);
	cr_assert_eq(n, len, "'%s': %zu bytes, expected %zu", name, n, len);
	cr_assert(memcmp(got, data, len) == 0, "'%s' differs", name);
	free(got);
}

static const struct {
	enum compress_kind kind;
	const char *test; /* integrity check by the real tool */
	const char *decode;
} tools[] = {
	{COMPRESS_ZSTD, "zstd -q -t", "zstd -q -dc"},
	{COMPRESS_GZIP, "gzip -t", "gzip -dc"},
	{COMPRESS_XZ, "xz -t", "xz -dc"},
	{COMPRESS_LZ4, "lz4 -q -t", "lz4 -q -dc"},
	{COMPRESS_NONE, "true", "cat"},
};

Test(compress, real_tools_decode_every_format)
{
	/* Over 8 MiB: two lz4 blocks and several zstd jobs. */
	size_t len = (9u << 20) + 12345;
	uint8_t *data = make_data(len);
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		const char *name = compress_name(tools[i].kind);
		compress_to(tools[i].kind, COMPRESS_LEVEL_DEFAULT, 2, name, data, len);
		cr_assert_eq(testutil_sh("cd %s && %s %s", tmp, tools[i].test, name), 0,
			     "'%s' rejects our %s", tools[i].test, name);
		cr_assert_eq(testutil_sh("cd %s && %s %s > %s.out", tmp, tools[i].decode, name, name),
			     0);
		char out[64];
		snprintf(out, sizeof(out), "%s.out", name);
		assert_file_equals(out, data, len);
	}
	free(data);
}

Test(compress, empty_streams_decode_to_nothing)
{
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		const char *name = compress_name(tools[i].kind);
		compress_to(tools[i].kind, COMPRESS_LEVEL_DEFAULT, 1, name, NULL, 0);
		cr_assert_eq(testutil_sh("cd %s && %s %s > %s.out", tmp, tools[i].decode, name, name),
			     0, "%s: empty stream not decodable", name);
		char out[64];
		snprintf(out, sizeof(out), "%s.out", name);
		assert_file_equals(out, (const uint8_t *)"", 0);
	}
}

Test(compress, xz_uses_crc32_as_the_kernel_requires)
{
	uint8_t *data = make_data(100000);
	compress_to(COMPRESS_XZ, COMPRESS_LEVEL_DEFAULT, 0, "x.xz", data, 100000);
	cr_assert_eq(testutil_sh("cd %s && xz --robot -lv x.xz | grep -q '^stream.*CRC32'", tmp), 0);
	cr_assert_neq(testutil_sh("cd %s && xz --robot -lv x.xz | grep -q CRC64", tmp), 0);
	free(data);
}

Test(compress, lz4_is_the_legacy_frame_with_8mib_blocks)
{
	size_t len = (9u << 20) + 7;
	uint8_t *data = make_data(len);
	compress_to(COMPRESS_LZ4, COMPRESS_LEVEL_DEFAULT, 2, "x.lz4", data, len);
	char p[512];
	path(p, "x.lz4");
	FILE *f = fopen(p, "rb");
	uint8_t head[8];
	cr_assert_eq(fread(head, 1, 8, f), 8);
	fclose(f);
	/* Magic 0x184C2102, then the first block's compressed size. */
	cr_assert(memcmp(head, "\x02\x21\x4c\x18", 4) == 0);
	uint32_t first = head[4] | head[5] << 8 | head[6] << 16 | (uint32_t)head[7] << 24;
	cr_assert_gt(first, 0);
	cr_assert_lt(first, 9u << 20);
	free(data);
}

Test(compress, zstd_window_fits_the_kernel_at_level_19)
{
	size_t len = 3u << 20;
	uint8_t *data = make_data(len);
	compress_to(COMPRESS_ZSTD, 19, 2, "x.zst", data, len);
	/* zstd -lv prints the frame's window size; unzstd in the kernel takes <= 128 MiB. */
	cr_assert_eq(testutil_sh("cd %s && zstd -lv x.zst 2>/dev/null | grep -Eq 'Window Size: +[0-9.]+ (KiB|MiB)'",
			tmp),
		     0);
	cr_assert_eq(testutil_sh("cd %s && zstd -q -t x.zst", tmp), 0);
	free(data);
}

Test(compress, output_is_the_same_for_any_thread_count)
{
	/* Enough for several zstd jobs, lz4 blocks and xz blocks (3 MiB at preset 1). */
	size_t len = (10u << 20) + 5;
	uint8_t *data = make_data(len);
	enum compress_kind kinds[] = {COMPRESS_ZSTD, COMPRESS_XZ, COMPRESS_LZ4};
	int levels[] = {COMPRESS_LEVEL_DEFAULT, 1, COMPRESS_LEVEL_DEFAULT};
	for (size_t i = 0; i < 3; i++) {
		compress_to(kinds[i], levels[i], 1, "t1", data, len);
		compress_to(kinds[i], levels[i], 3, "t3", data, len);
		compress_to(kinds[i], levels[i], 0, "t0", data, len);
		cr_assert_eq(testutil_sh("cd %s && cmp -s t1 t3 && cmp -s t1 t0", tmp), 0,
			     "%s output depends on the thread count",
			     compress_name(kinds[i]));
	}
	free(data);
}

Test(compress, write_errors_are_reported)
{
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	size_t len = 4u << 20;
	uint8_t *data = make_data(len);
	enum compress_kind kinds[] = {COMPRESS_NONE, COMPRESS_ZSTD, COMPRESS_GZIP, COMPRESS_XZ,
				      COMPRESS_LZ4};
	for (size_t i = 0; i < 5; i++) {
		struct compress *c;
		cr_assert_eq(compress_new(kinds[i], COMPRESS_LEVEL_DEFAULT, 1, fd, &c), 0);
		int r = compress_write(c, data, len);
		if (r == 0)
			r = compress_finish(c);
		cr_assert_eq(r, -ENOSPC, "%s: got %d", compress_name(kinds[i]), r);
		/* Sticky: later calls fail the same way. */
		cr_assert_eq(compress_finish(c), -ENOSPC);
		compress_free(c);
	}
	close(fd);
	free(data);
}

Test(compress, names)
{
	enum compress_kind k;
	cr_assert_eq(compress_from_name("zstd", &k), 0);
	cr_assert_eq(k, COMPRESS_ZSTD);
	cr_assert_eq(compress_from_name("cat", &k), 0);
	cr_assert_eq(k, COMPRESS_NONE);
	cr_assert_eq(compress_from_name("lz4", &k), 0);
	cr_assert_eq(k, COMPRESS_LZ4);
	cr_assert_eq(compress_from_name("bzip2", &k), -EINVAL);
	cr_assert_eq(compress_from_name("", &k), -EINVAL);
	cr_assert_str_eq(compress_name(COMPRESS_XZ), "xz");
	cr_assert_str_eq(compress_name(COMPRESS_GZIP), "gzip");
	cr_assert_null(compress_name((enum compress_kind)42));
	struct compress *c = NULL;
	cr_assert_eq(compress_new((enum compress_kind)42, 0, 1, 1, &c), -EINVAL);
	cr_assert_null(c);
}

Test(compress, read_file_decompresses_what_the_tools_made)
{
	size_t len = 1500000;
	uint8_t *data = make_data(len);
	char p[512];
	path(p, "m.ko");
	FILE *f = fopen(p, "wb");
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	cr_assert_eq(testutil_sh("cd %s && zstd -q -k m.ko && gzip -k m.ko && xz -k -C crc64 m.ko", tmp),
		     0);
	/* A multi-frame zstd file, as `cat a.zst b.zst` makes. */
	cr_assert_eq(testutil_sh("cd %s && head -c 700000 m.ko | zstd -q > two.zst && "
			"tail -c +700001 m.ko | zstd -q >> two.zst",
			tmp),
		     0);
	const char *names[] = {"m.ko", "m.ko.zst", "m.ko.gz", "m.ko.xz", "two.zst"};
	for (size_t i = 0; i < 5; i++) {
		void *out;
		size_t n;
		path(p, names[i]);
		cr_assert_eq(compress_read_file(p, &out, &n), 0, "%s", names[i]);
		cr_assert_eq(n, len, "%s: %zu bytes", names[i], n);
		cr_assert(memcmp(out, data, len) == 0, "%s differs", names[i]);
		free(out);
	}
	free(data);
}

Test(compress, read_file_reports_corrupt_and_missing_files)
{
	uint8_t *data = make_data(300000);
	char p[512];
	void *out;
	size_t n;
	path(p, "c");
	FILE *f = fopen(p, "wb");
	cr_assert_eq(fwrite(data, 1, 300000, f), 300000);
	fclose(f);
	cr_assert_eq(testutil_sh("cd %s && zstd -q c && gzip -k c && xz -k c && "
			"head -c 5000 c.zst > t.zst && head -c 5000 c.gz > t.gz && "
			"head -c 5000 c.xz > t.xz && cp c.zst f.zst && "
			"printf 'XXXX' | dd of=f.zst bs=1 seek=2000 conv=notrunc 2>/dev/null",
			tmp),
		     0);
	const char *bad[] = {"t.zst", "t.gz", "t.xz", "f.zst"};
	for (size_t i = 0; i < 4; i++) {
		path(p, bad[i]);
		cr_assert_eq(compress_read_file(p, &out, &n), -EBADMSG, "%s", bad[i]);
	}
	path(p, "missing.ko.zst");
	cr_assert_eq(compress_read_file(p, &out, &n), -ENOENT);
	path(p, "empty");
	f = fopen(p, "wb");
	fclose(f);
	cr_assert_eq(compress_read_file(p, &out, &n), 0);
	cr_assert_eq(n, 0);
	free(out);
	free(data);
}

Test(compress, read_file_is_bounded_and_reads_only_regular_files)
{
	char p[512], q[512];
	void *out = NULL;
	size_t n;
	struct stat st;
	/* 300 MiB of zeros in a few hundred KiB: refused before it costs the memory. */
	cr_assert_eq(testutil_sh("cd %s && head -c 300M /dev/zero | zstd -q -1 -c > bomb.zst && "
				 "truncate -s 300M big && zstd -q -1 big -o sized.zst && "
				 "rm big && mkfifo fifo && printf x > small",
				 tmp),
		     0);
	/* Without a size in the frame: stopped at the bound while decompressing. */
	path(p, "bomb.zst");
	cr_assert_eq(compress_read_file(p, &out, &n), -EFBIG);
	/* With one: refused before allocating. */
	path(p, "sized.zst");
	cr_assert_eq(compress_read_file(p, &out, &n), -EFBIG);
	path(p, "fifo");
	cr_assert_eq(compress_read_file(p, &out, &n), -EINVAL);
	cr_assert_eq(compress_read_file("/dev/zero", &out, &n), -EINVAL);
	/* A checked source replaced by another file: refused, not read. */
	path(p, "small");
	path(q, "bomb.zst");
	cr_assert_eq(stat(q, &st), 0);
	cr_assert_eq(compress_read_source(p, st.st_dev, st.st_ino, &out, &n), -ESTALE);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(compress_read_source(p, st.st_dev, st.st_ino, &out, &n), 0);
	cr_assert_eq(n, 1);
	free(out);
}
