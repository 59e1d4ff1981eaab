/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The module root's resolver: symlinks stay inside the root, inputs are regular files. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysroot.h"
#include "testutil.h"

static char *dir;	 /* scratch: root/ and host/ side by side */
static char root[4096];

static void setup(void)
{
	dir = testutil_mkdtemp();
	snprintf(root, sizeof(root), "%s/root", dir);
	testutil_write(dir, "root/etc/data", "ROOT\n");
	testutil_write(dir, "host/etc/data", "HOST\n");
	cr_assert_eq(testutil_sh("cd '%s' && mkdir -p root/lib root/usr/lib && "
				 "ln -s \"$PWD/host/etc\" root/abs && "
				 "ln -s ../../../../../../etc root/lib/up && "
				 "ln -s /etc/data root/usr/lib/data && "
				 "ln -s loop2 root/loop1 && ln -s loop1 root/loop2 && "
				 "mkfifo root/fifo && ln -s /proc/self/environ root/env",
				 dir),
		     0);
}

static void teardown(void)
{
	testutil_rmrf(dir);
	free(dir);
}

TestSuite(sysroot, .init = setup, .fini = teardown);

/* What `path` holds when opened inside the root, through either resolver. */
static void assert_reads(int (*open_fn)(const char *, const char *, int), const char *path,
			 const char *want)
{
	char buf[64] = {0};
	int fd = open_fn(root, path, O_RDONLY);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(-fd));
	cr_assert_gt(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	cr_assert_str_eq(buf, want, "%s", path);
}

static void check_resolver(int (*open_fn)(const char *, const char *, int))
{
	assert_reads(open_fn, "/etc/data", "ROOT\n");
	assert_reads(open_fn, "usr/lib/data", "ROOT\n");   /* absolute target re-rooted */
	assert_reads(open_fn, "/lib/up/data", "ROOT\n");   /* ".." stops at the root */
	assert_reads(open_fn, "/../../etc/data", "ROOT\n");
	/* An absolute symlink naming the host's directory: looked up inside the root. */
	cr_assert_eq(open_fn(root, "/abs/data", O_RDONLY), -ENOENT);
	cr_assert_eq(open_fn(root, "/loop1", O_RDONLY), -ELOOP);
	cr_assert_eq(open_fn(root, "/usr/lib/data", O_RDONLY | O_NOFOLLOW), -ELOOP);
	int fd = open_fn(root, "/", O_RDONLY | O_DIRECTORY);
	cr_assert_geq(fd, 0);
	close(fd);
}

Test(sysroot, openat2_keeps_every_lookup_inside_the_root)
{
	check_resolver(sysroot_open);
}

Test(sysroot, the_fallback_walk_does_the_same)
{
	check_resolver(sysroot_open_walk);
}

Test(sysroot, inputs_are_regular_files_and_a_fifo_never_blocks)
{
	struct stat st;
	char *real = NULL;
	int fd = sysroot_open_input(root, "/usr/lib/data", &st, &real);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert(strstr(real, "/root/etc/data"), "real path '%s'", real);
	free(real);
	cr_assert_eq(sysroot_open_input(root, "/fifo", &st, NULL), -EINVAL);
	cr_assert_eq(sysroot_open_input(root, "/etc", &st, NULL), -EISDIR);
	/* The root "/" is the host: its procfs files say size 0 and are refused. */
	cr_assert_eq(sysroot_open_input("/", "/proc/self/environ", &st, NULL), -EINVAL);
	/* Inside another root the same absolute link names the root's /proc: missing. */
	cr_assert_eq(sysroot_open_input(root, "/env", &st, NULL), -ENOENT);
}

Test(sysroot, reads_are_bounded)
{
	char *text = NULL;
	size_t size;
	cr_assert_eq(sysroot_read(root, "/etc/data", 5, &text, &size), 0);
	cr_assert_str_eq(text, "ROOT\n");
	free(text);
	cr_assert_eq(sysroot_read(root, "/etc/data", 4, &text, &size), -EFBIG);
	/* A file that grows past its size while read is bounded too. */
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	cr_assert_eq(fileio_read_fd(fd, 1 << 20, &text, &size), -EFBIG);
	close(fd);
}
