/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The stage: sorted entries, implied parents, duplicates and conflicts, bad paths. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "abi.h"
#include "stage.h"

static struct stage *st;

static void setup(void)
{
	cr_assert_eq(stage_new(&st), 0);
}

static void teardown(void)
{
	stage_free(st);
}

TestSuite(stage, .init = setup, .fini = teardown);

/* The entry for `path` (no leading '/'), or NULL. */
static const struct stage_entry *find(const char *path)
{
	size_t n;
	const struct stage_entry *e = stage_entries(st, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].path, path) == 0)
			return &e[i];
	return NULL;
}

Test(stage, entries_sorted_by_bytes_with_parents_first)
{
	cr_assert_eq(stage_add_data(st, "/usr/lib/z", 0644, "z", 1), 0);
	cr_assert_eq(stage_add_dir(st, "usr", 0755), 0);
	cr_assert_eq(stage_add_data(st, "a-b", 0644, "x", 1), 0);
	cr_assert_eq(stage_add_symlink(st, "a/link", "../a-b"), 0);
	cr_assert_eq(stage_add_data(st, "B", 0600, "", 0), 0);
	cr_assert_eq(stage_finish(st), 0);

	static const char *const want[] = {"B",	  "a",	     "a-b",	 "a/link",
					   "usr", "usr/lib", "usr/lib/z"};
	size_t n;
	const struct stage_entry *e = stage_entries(st, &n);
	cr_assert_eq(n, sizeof(want) / sizeof(want[0]), "%zu entries", n);
	for (size_t i = 0; i < n; i++)
		cr_expect_str_eq(e[i].path, want[i], "entry %zu", i);
	/* Finishing again changes nothing. */
	cr_assert_eq(stage_finish(st), 0);
	cr_assert_eq(stage_entries(st, &n), e);
	cr_assert_eq(n, 7);
}

Test(stage, implied_parents_are_0755_dirs_and_explicit_mode_wins)
{
	cr_assert_eq(stage_add_dir(st, "/etc", 0700), 0);
	cr_assert_eq(stage_add_data(st, "etc/deep/er/f", 0640, "hi", 2), 0);
	cr_assert_eq(stage_finish(st), 0);

	const struct stage_entry *e = find("etc");
	cr_assert_not_null(e);
	cr_expect_eq(e->kind, STAGE_DIR);
	cr_expect_eq(e->mode, S_IFDIR | 0700, "mode %o", (unsigned)e->mode);
	for (const char *p = "etc/deep"; p;
	     p = strcmp(p, "etc/deep") ? NULL : "etc/deep/er") {
		e = find(p);
		cr_assert_not_null(e, "%s missing", p);
		cr_expect_eq(e->kind, STAGE_DIR, "%s", p);
		cr_expect_eq(e->mode, S_IFDIR | 0755, "%s mode %o", p, (unsigned)e->mode);
	}
	e = find("etc/deep/er/f");
	cr_assert_not_null(e);
	cr_expect_eq(e->kind, STAGE_FILE);
	cr_expect_eq(e->from, STAGE_FROM_DATA);
	cr_expect_eq(e->mode, S_IFREG | 0640);
	cr_expect_eq(e->size, 2);
	cr_expect_eq(memcmp(e->data, "hi", 2), 0);
	/* A parent added after the file merges: the first mode stays. */
	cr_assert_eq(stage_add_dir(st, "etc/deep", 0700), 0);
	cr_expect_eq(find("etc/deep")->mode, S_IFDIR | 0755);
}

Test(stage, console_device_node)
{
	cr_assert_eq(
		stage_add_device(st, ABI_CONSOLE_PATH, S_IFCHR | 0600, makedev(5, 1)), 0);
	cr_assert_eq(stage_finish(st), 0);
	const struct stage_entry *e = find("dev/console");
	cr_assert_not_null(e);
	cr_expect_eq(e->kind, STAGE_DEVICE);
	cr_expect(S_ISCHR(e->mode));
	cr_expect_eq(e->mode & 07777, 0600);
	cr_expect_eq(major(e->rdev), 5);
	cr_expect_eq(minor(e->rdev), 1);
	cr_expect_not_null(find("dev"));
	/* Block devices too; anything else is no device. */
	cr_expect_eq(stage_add_device(st, "dev/sda", S_IFBLK | 0600, makedev(8, 0)), 0);
	cr_expect_eq(stage_add_device(st, "dev/fifo", S_IFIFO | 0600, 0), -EINVAL);
	cr_expect_eq(stage_add_device(st, "dev/reg", S_IFREG | 0600, 0), -EINVAL);
	cr_expect_eq(stage_contains(st, "dev/fifo"), 0);
}

Test(stage, identical_duplicates_are_accepted)
{
	cr_assert_eq(stage_add_file(st, "bin/sh", 0755, "/host/sh"), 0);
	cr_expect_eq(stage_add_file(st, "/bin//sh", 0755, "/host/sh"), 0);
	cr_assert_eq(stage_add_data(st, "etc/x", 0644, "abc", 3), 0);
	cr_expect_eq(stage_add_data(st, "etc/x", 0644, "abc", 3), 0);
	cr_assert_eq(stage_add_symlink(st, "lib", "usr/lib"), 0);
	cr_expect_eq(stage_add_symlink(st, "lib/", "usr/lib"), 0);
	cr_assert_eq(stage_add_device(st, "dev/null", S_IFCHR | 0666, makedev(1, 3)), 0);
	cr_expect_eq(stage_add_device(st, "dev/null", S_IFCHR | 0666, makedev(1, 3)), 0);
	cr_assert_eq(stage_finish(st), 0);
	size_t n;
	stage_entries(st, &n);
	/* bin, bin/sh, dev, dev/null, etc, etc/x, lib */
	cr_expect_eq(n, 7, "%zu entries", n);
}

Test(stage, conflicting_duplicates_are_eexist_and_keep_the_first)
{
	cr_assert_eq(stage_add_file(st, "bin/sh", 0755, "/host/sh"), 0);
	cr_expect_eq(stage_add_file(st, "bin/sh", 0755, "/host/dash"), -EEXIST);
	cr_expect_eq(stage_add_file(st, "bin/sh", 0700, "/host/sh"), -EEXIST);
	cr_expect_eq(stage_add_compressed(st, "bin/sh", 0755, "/host/sh"), -EEXIST);
	cr_expect_eq(stage_add_symlink(st, "bin/sh", "busybox"), -EEXIST);
	cr_expect_eq(stage_add_dir(st, "bin/sh", 0755), -EEXIST);

	cr_assert_eq(stage_add_data(st, "etc/x", 0644, "abc", 3), 0);
	cr_expect_eq(stage_add_data(st, "etc/x", 0644, "abd", 3), -EEXIST);
	cr_expect_eq(stage_add_data(st, "etc/x", 0644, "ab", 2), -EEXIST);

	cr_assert_eq(stage_add_symlink(st, "lib", "usr/lib"), 0);
	cr_expect_eq(stage_add_symlink(st, "lib", "usr/lib64"), -EEXIST);
	cr_expect_eq(stage_add_dir(st, "lib", 0755), -EEXIST);

	cr_assert_eq(stage_add_device(st, "dev/null", S_IFCHR | 0666, makedev(1, 3)), 0);
	cr_expect_eq(stage_add_device(st, "dev/null", S_IFCHR | 0666, makedev(1, 5)),
		     -EEXIST);
	cr_expect_eq(stage_add_device(st, "dev/null", S_IFBLK | 0666, makedev(1, 3)),
		     -EEXIST);

	cr_assert_eq(stage_finish(st), 0);
	const struct stage_entry *e = find("bin/sh");
	cr_assert_not_null(e);
	cr_expect_eq(e->kind, STAGE_FILE);
	cr_expect_eq(e->from, STAGE_FROM_FILE);
	cr_expect_str_eq(e->source, "/host/sh");
	cr_expect_eq(e->mode, S_IFREG | 0755);
	e = find("etc/x");
	cr_expect_eq(memcmp(e->data, "abc", 3), 0);
	cr_expect_str_eq(find("lib")->target, "usr/lib");
	cr_expect_eq(minor(find("dev/null")->rdev), 3);
}

Test(stage, symlinks_keep_their_target_verbatim)
{
	cr_assert_eq(stage_add_symlink(st, "/sbin/init", "../init"), 0);
	cr_assert_eq(stage_add_symlink(st, "abs", "/usr/bin/x"), 0);
	cr_expect_eq(stage_add_symlink(st, "empty", ""), -EINVAL);
	cr_assert_eq(stage_finish(st), 0);
	const struct stage_entry *e = find("sbin/init");
	cr_assert_not_null(e);
	cr_expect_eq(e->kind, STAGE_SYMLINK);
	cr_expect_eq(e->mode, S_IFLNK | 0777);
	cr_expect_str_eq(e->target, "../init");
	cr_expect_str_eq(find("abs")->target, "/usr/bin/x");
	cr_expect_null(find("empty"));
	cr_expect_not_null(find("sbin"));
}

Test(stage, checked_variants_record_dev_and_ino)
{
	struct stat s = {.st_dev = makedev(8, 3), .st_ino = 4242};
	cr_assert_eq(stage_add_file_checked(st, "a", 0644, "/host/a", &s), 0);
	cr_assert_eq(stage_add_compressed_checked(st, "m.ko", 0644, "/host/m.ko.xz", &s),
		     0);
	cr_assert_eq(stage_add_file(st, "plain", 0644, "/host/p"), 0);
	cr_assert_eq(stage_add_compressed(st, "plainz", 0644, "/host/p.gz"), 0);
	cr_assert_eq(stage_finish(st), 0);

	const struct stage_entry *e = find("a");
	cr_assert_not_null(e);
	cr_expect_eq(e->from, STAGE_FROM_FILE);
	cr_expect_eq(e->source_dev, makedev(8, 3));
	cr_expect_eq(e->source_ino, 4242);
	e = find("m.ko");
	cr_assert_not_null(e);
	cr_expect_eq(e->from, STAGE_FROM_COMPRESSED);
	cr_expect_str_eq(e->source, "/host/m.ko.xz");
	cr_expect_eq(e->source_dev, makedev(8, 3));
	cr_expect_eq(e->source_ino, 4242);
	/* Unchecked sources carry 0: the writer does not compare them. */
	cr_expect_eq(find("plain")->source_ino, 0);
	cr_expect_eq(find("plain")->source_dev, 0);
	cr_expect_eq(find("plainz")->from, STAGE_FROM_COMPRESSED);
	cr_expect_eq(find("plainz")->source_ino, 0);
}

Test(stage, bad_paths_are_refused_and_leave_nothing)
{
	static const char *const bad[] = {"",	      "/",   "a/../b", "..",
					  "../etc/x", "./a", "a/./b",  "a/.."};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(stage_add_data(st, bad[i], 0644, "x", 1), -EINVAL, "'%s'",
			     bad[i]);
		cr_expect_eq(stage_add_dir(st, bad[i], 0755), -EINVAL, "'%s'", bad[i]);
		cr_expect_eq(stage_add_file(st, bad[i], 0644, "/host/x"), -EINVAL, "'%s'",
			     bad[i]);
		cr_expect_eq(stage_add_symlink(st, bad[i], "t"), -EINVAL, "'%s'", bad[i]);
		cr_expect_eq(stage_contains(st, bad[i]), 0, "'%s'", bad[i]);
	}
	size_t n;
	stage_entries(st, &n);
	cr_expect_eq(n, 0, "%zu entries after refused adds", n);
}

/* Under SANITIZE=1 this caught a qsort of the empty stage's NULL entry array. */
Test(stage, empty_stage_finishes)
{
	cr_assert_eq(stage_finish(st), 0);
	size_t n;
	stage_entries(st, &n);
	cr_expect_eq(n, 0);
}

Test(stage, contains_normalises_like_the_adders)
{
	cr_assert_eq(stage_add_data(st, "etc/hostname", 0644, "h", 1), 0);
	cr_expect(stage_contains(st, "/etc/hostname"));
	cr_expect(stage_contains(st, "etc//hostname/"));
	cr_expect_not(stage_contains(st, "etc/host"));
	/* Parents exist only once the stage is finished. */
	cr_expect_not(stage_contains(st, "etc"));
	cr_assert_eq(stage_finish(st), 0);
	cr_expect(stage_contains(st, "etc"));
}

Test(stage, permission_bits_are_masked_to_07777)
{
	cr_assert_eq(stage_add_dir(st, "d", S_IFREG | 01777), 0);
	cr_assert_eq(stage_add_data(st, "f", S_IFDIR | 04755, "", 0), 0);
	cr_assert_eq(stage_finish(st), 0);
	cr_expect_eq(find("d")->mode, S_IFDIR | 01777);
	cr_expect_eq(find("f")->mode, S_IFREG | 04755);
	cr_expect_eq(find("f")->size, 0);
}

Test(stage, many_entries_survive_rehash_and_sort)
{
	char path[64];
	for (int i = 0; i < 3000; i++) {
		snprintf(path, sizeof(path), "d%d/f%04d", i % 7, i);
		cr_assert_eq(stage_add_data(st, path, 0644, &i, sizeof(i)), 0, "%s",
			     path);
	}
	for (int i = 0; i < 3000; i += 97) {
		snprintf(path, sizeof(path), "/d%d/f%04d", i % 7, i);
		cr_assert(stage_contains(st, path), "%s lost", path);
		cr_assert_eq(stage_add_data(st, path, 0644, &i, sizeof(i)), 0);
	}
	cr_assert_eq(stage_finish(st), 0);
	size_t n;
	const struct stage_entry *e = stage_entries(st, &n);
	cr_assert_eq(n, 3007, "%zu entries", n);
	for (size_t i = 1; i < n; i++)
		cr_assert_lt(strcmp(e[i - 1].path, e[i].path), 0, "%s before %s",
			     e[i - 1].path, e[i].path);
	/* Lookups still work after the sort moved every entry. */
	cr_expect(stage_contains(st, "d3/f0010"));
	cr_expect_eq(stage_add_data(st, "d3/f0010", 0644, "no", 2), -EEXIST);
}

/*
 * The kernel's unpacker cannot create "a/b" under a regular file "a": the file would be
 * missing from the booted system while the plan counts it in. A symlink parent ("lib"
 * -> "usr/lib" with "lib/modules/...") is fine: the unpacker follows it (merged /usr).
 */
Test(stage, parent_that_is_a_file_is_refused)
{
	cr_assert_eq(stage_add_data(st, "a", 0644, "x", 1), 0);
	cr_assert_eq(stage_add_data(st, "a/b", 0644, "y", 1), 0);
	cr_expect_eq(stage_finish(st), -ENOTDIR);
}
