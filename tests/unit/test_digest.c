/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Input digests: what changes a record, what a record proves about the image on disk. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <lzma.h>
#include <unistd.h>

#include "digest.h"
#include "stage.h"
#include "testutil.h"

static char *dir;
static char path_a[512], path_img[512];

static void setup(void)
{
	dir = testutil_mkdtemp();
	testutil_write(dir, "src/a.ko", "module a");
	testutil_write(dir, "out/img", "image bytes");
	snprintf(path_a, sizeof(path_a), "%s/src/a.ko", dir);
	snprintf(path_img, sizeof(path_img), "%s/out/img", dir);
}

static void teardown(void)
{
	testutil_rmrf(dir);
	free(dir);
}

TestSuite(digest, .init = setup, .fini = teardown);

static const struct image_options default_opts = {.compression = COMPRESS_ZSTD, .level = 3};

/* The record text of a small stage: a file, generated data, a symlink, a device. */
static char *inputs_of(const char *data, const char *target, const struct image_options *o,
		       const char *kver)
{
	struct stage *s = NULL;
	char *text = NULL;

	cr_assert_eq(stage_new(&s), 0);
	cr_assert_eq(stage_add_file(s, "lib/modules/k/a.ko", 0644, path_a), 0);
	cr_assert_eq(stage_add_data(s, "etc/plan", 0644, data, strlen(data)), 0);
	cr_assert_eq(stage_add_symlink(s, "bin/sh", target), 0);
	cr_assert_eq(stage_add_device(s, "dev/console", S_IFCHR | 0600, makedev(5, 1)), 0);
	cr_assert_eq(stage_finish(s), 0);
	cr_assert_eq(digest_inputs(s, o, kver, &text), 0);
	stage_free(s);
	return text;
}

static char *base_inputs(void)
{
	return inputs_of("plan v1", "busybox", &default_opts, "6.1.0-1-amd64");
}

Test(digest, same_inputs_same_text)
{
	char *a = base_inputs(), *b = base_inputs();
	cr_assert_str_eq(a, b);
	cr_assert(strstr(a, "kernel 6.1.0-1-amd64\n"));
	cr_assert(strstr(a, "main bin/sh 120777 symlink busybox\n"));
	cr_assert(strstr(a, "main dev/console 20600 device 5:1\n"));
	cr_assert(strstr(a, "main etc/plan 100644 data 7 "));
	cr_assert(strstr(a, path_a));
	free(a);
	free(b);
}

static void assert_differs(char *changed)
{
	char *base = base_inputs();
	cr_assert_str_neq(base, changed);
	free(base);
	free(changed);
}

Test(digest, generated_data_changes_it)
{
	assert_differs(inputs_of("plan v2", "busybox", &default_opts, "6.1.0-1-amd64"));
}

Test(digest, symlink_target_changes_it)
{
	assert_differs(inputs_of("plan v1", "dash", &default_opts, "6.1.0-1-amd64"));
}

Test(digest, kernel_changes_it)
{
	assert_differs(inputs_of("plan v1", "busybox", &default_opts, "6.1.0-2-amd64"));
}

Test(digest, options_change_it)
{
	struct image_options o = default_opts;
	o.level = 19;
	assert_differs(inputs_of("plan v1", "busybox", &o, "6.1.0-1-amd64"));
	o = default_opts;
	o.compression = COMPRESS_GZIP;
	assert_differs(inputs_of("plan v1", "busybox", &o, "6.1.0-1-amd64"));
	o = default_opts;
	o.mtime = 1700000000;
	assert_differs(inputs_of("plan v1", "busybox", &o, "6.1.0-1-amd64"));
}

Test(digest, source_file_changes_it)
{
	char *base = base_inputs();
	/* Same size, same mtime restored: the ctime still moves. */
	struct stat st;
	cr_assert_eq(stat(path_a, &st), 0);
	usleep(20000);
	testutil_write(dir, "src/a.ko", "module b");
	struct timespec times[2] = {st.st_atim, st.st_mtim};
	cr_assert_eq(utimensat(AT_FDCWD, path_a, times, 0), 0);
	char *changed = base_inputs();
	cr_assert_str_neq(base, changed);
	free(base);
	free(changed);
}

Test(digest, vanished_source_is_an_error)
{
	struct stage *s = NULL;
	char *text = NULL;
	cr_assert_eq(stage_new(&s), 0);
	cr_assert_eq(stage_add_file(s, "a.ko", 0644, path_a), 0);
	cr_assert_eq(stage_finish(s), 0);
	cr_assert_eq(unlink(path_a), 0);
	cr_assert_eq(digest_inputs(s, &default_opts, "k", &text), -ENOENT);
	cr_assert_null(text);
	stage_free(s);
}

/* What image_write()'s commit hook does: record the image through its descriptor. */
static int record_with_journal(const char *image, const char *inputs, const char *journal)
{
	int fd = open(image, O_RDONLY | O_CLOEXEC);
	struct stat st;
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	int r = digest_record(image, fd, &st, NULL, inputs, journal);
	close(fd);
	return r;
}

static int record(const char *image, const char *inputs)
{
	return record_with_journal(image, inputs, NULL);
}

/* A sum the read-back check made is used when it covers the whole file, and proves the
 * image as one read from the descriptor would; one of another size is not trusted. */
Test(digest, record_takes_the_checks_sum_only_when_it_covers_the_file)
{
	char *in = base_inputs();
	int fd = open(path_img, O_RDONLY | O_CLOEXEC);
	struct stat st;
	struct image_sum good = {0}, bad;
	char buf[256];

	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	cr_assert_eq(n, st.st_size);
	good.size = (uint64_t)n;
	good.crc64 = lzma_crc64((const uint8_t *)buf, (size_t)n, 0);
	cr_assert_eq(digest_record(path_img, fd, &st, &good, in, NULL), 0);
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 1, "the check's sum is the image's");
	/* Shorter than the file: the sum of a part, so the file is read instead. */
	bad = (struct image_sum){.size = good.size - 1, .crc64 = good.crc64 ^ 1};
	cr_assert_eq(digest_record(path_img, fd, &st, &bad, in, NULL), 0);
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 1, "read from fd, not the sum");
	/* A wrong CRC for the right size is what the record then says: not unchanged. */
	bad = (struct image_sum){.size = good.size, .crc64 = good.crc64 ^ 1};
	cr_assert_eq(digest_record(path_img, fd, &st, &bad, in, NULL), 0);
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 0, "the disk's bytes decide");
	close(fd);
	free(in);
}

Test(digest, record_proves_image_and_inputs)
{
	char *in = base_inputs();
	char rec[600];
	snprintf(rec, sizeof(rec), "%s" DIGEST_SUFFIX, path_img);

	cr_assert_eq(digest_unchanged(path_img, in, NULL), 0, "no record yet");
	cr_assert_eq(record(path_img, in), 0);
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 1);

	struct stat st;
	cr_assert_eq(stat(rec, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	/* No temporary file left next to it. */
	char outdir[512];
	snprintf(outdir, sizeof(outdir), "%s/out", dir);
	DIR *d = opendir(outdir);
	cr_assert_not_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	cr_assert_eq(n, 2, "img and img.inputs only");

	cr_assert_eq(digest_unchanged(path_img, "generator x\n", NULL), 0, "other inputs");
	testutil_write(dir, "out/img", "image bytez");
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 0, "same size, other bytes");
	cr_assert_eq(record(path_img, in), 0);
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 1, "recorded again");
	/* The same bytes in another file put in its place: not the image recorded. */
	testutil_write(dir, "out/copy", "image bytez");
	char copy[512];
	snprintf(copy, sizeof(copy), "%s/out/copy", dir);
	cr_assert_eq(rename(copy, path_img), 0);
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 0, "a copy, another inode");
	cr_assert_eq(unlink(path_img), 0);
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 0, "image missing");
	free(in);
}

/* Two builds race to one target: A's record must describe A's bytes even when B's
 * image was renamed over the path before A recorded. */
Test(digest, record_describes_the_descriptor_not_the_path)
{
	char *in = base_inputs();
	char other[512];
	struct stat st;
	int fd = open(path_img, O_RDONLY | O_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	testutil_write(dir, "out/other", "image of B");
	snprintf(other, sizeof(other), "%s/out/other", dir);
	cr_assert_eq(rename(other, path_img), 0);
	cr_assert_eq(digest_record(path_img, fd, &st, NULL, in, NULL), 0);
	close(fd);
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 0, "B's image is not A's record's");
	free(in);
}

Test(digest, record_that_is_a_fifo_is_not_waited_on)
{
	char *in = base_inputs();
	char rec[600];
	snprintf(rec, sizeof(rec), "%s" DIGEST_SUFFIX, path_img);
	cr_assert_eq(mkfifo(rec, 0600), 0);
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 0);
	cr_assert_eq(record(path_img, in), 0, "replaced by the record");
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 1);
	free(in);
}

Test(digest, garbage_record_means_changed)
{
	char *in = base_inputs();
	testutil_write(dir, "out/img.inputs", "not a record\n");
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 0);
	testutil_write(dir, "out/img.inputs", "");
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 0);
	free(in);
}

/* What the fast no-op's check saw, and what it answers. */
struct journal_check {
	char *seen;
	int answer;
};

static int journal_check(const char *journal, void *userdata)
{
	struct journal_check *c = userdata;

	free(c->seen);
	c->seen = strdup(journal);
	return c->answer;
}

Test(digest, the_journal_is_handed_to_the_check_and_the_image_still_proven)
{
	char *in = base_inputs();
	struct journal_check c = {.answer = 1};

	cr_assert_eq(digest_journal_unchanged(path_img, journal_check, &c), 0, "no record");
	cr_assert_eq(record_with_journal(path_img, in, NULL), 0);
	cr_assert_eq(digest_journal_unchanged(path_img, journal_check, &c), 0, "no journal");
	cr_assert_null(c.seen, "nothing to check");
	cr_assert_eq(record_with_journal(path_img, in, "J1\n"), 0);
	cr_assert_eq(digest_journal_unchanged(path_img, journal_check, &c), 1);
	cr_assert_str_eq(c.seen, "J1\n");
	cr_assert_eq(digest_unchanged(path_img, in, "J1\n"), 1, "the inputs follow it");
	c.answer = 0;
	cr_assert_eq(digest_journal_unchanged(path_img, journal_check, &c), 0);
	c.answer = 1;
	testutil_write(dir, "out/img", "image bytes");
	cr_assert_eq(digest_journal_unchanged(path_img, journal_check, &c), 0,
		     "the image on disk is not the one recorded");
	free(c.seen);
	free(in);
}

Test(digest, an_altered_record_is_not_trusted)
{
	char *in = base_inputs(), rec[600];
	struct journal_check c = {.answer = 1};

	cr_assert_eq(record_with_journal(path_img, in, "J1\n"), 0);
	snprintf(rec, sizeof(rec), "%s" DIGEST_SUFFIX, path_img);
	FILE *f = fopen(rec, "a");
	cr_assert_not_null(f);
	fputs("main extra 644 dir\n", f);
	fclose(f);
	cr_assert_eq(digest_journal_unchanged(path_img, journal_check, &c), 0);
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 0);
	free(c.seen);
	free(in);
}

Test(digest, a_no_op_keeps_the_record_with_this_runs_journal)
{
	char *in = base_inputs();
	struct journal_check c = {.answer = 1};
	struct stat img, before;

	cr_assert_eq(record_with_journal(path_img, in, "J1\n"), 0);
	cr_assert_eq(stat(path_img, &before), 0);
	cr_assert_eq(digest_unchanged(path_img, in, "J2\n"), 1);
	cr_assert_eq(digest_journal_unchanged(path_img, journal_check, &c), 1);
	cr_assert_str_eq(c.seen, "J2\n", "the journal of the run that checked");
	cr_assert_eq(stat(path_img, &img), 0);
	cr_assert(img.st_ino == before.st_ino && img.st_mtim.tv_nsec == before.st_mtim.tv_nsec,
		  "the image untouched");
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 1);
	cr_assert_eq(digest_journal_unchanged(path_img, journal_check, &c), 0,
		     "a run that keeps no journal drops the old one");
	cr_assert_eq(digest_unchanged(path_img, in, NULL), 1, "the record still holds");
	free(c.seen);
	free(in);
}
