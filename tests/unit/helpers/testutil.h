/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers for the Criterion tests: scratch directories and files. */
#ifndef MKINITRAMFS_TESTUTIL_H
#define MKINITRAMFS_TESTUTIL_H

#include <stddef.h>

/* A fresh directory under build/tmp (tests run from the repository's top). */
char *testutil_mkdtemp(void);
/* Write `text` to dir/rel, creating parent directories. */
void testutil_write(const char *dir, const char *rel, const char *text);
/* Run a shell command built like printf; its exit status, -1 when it did not exit. */
int testutil_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* rm -rf */
void testutil_rmrf(const char *dir);
/*
 * A depmod-built module tree for kernel `kver` from the spec text (tests/fixtures/
 * mktree.sh), made once for every test process under build/tmp/unit-NAME-VERSION-MTIME
 * (built aside, then renamed into place) and its path written to `out`.
 */
void testutil_shared_tree(const char *name, int version, const char *spec,
			  const char *kver, char *out, size_t size);

/* A Criterion suite whose every test gets a fresh scratch directory in `dir`. */
#define TESTUTIL_SCRATCH_SUITE(name)                                                     \
	static char *dir;                                                                \
	static void scratch_setup(void)                                                  \
	{                                                                                \
		dir = testutil_mkdtemp();                                                \
	}                                                                                \
	static void scratch_teardown(void)                                               \
	{                                                                                \
		testutil_rmrf(dir);                                                      \
		free(dir);                                                               \
	}                                                                                \
	TestSuite(name, .init = scratch_setup, .fini = scratch_teardown)

/* stderr into a scratch file until testutil_stderr_end(), which returns what was printed
 * (malloc'd): for the tests that assert on the message a failure logged. */
struct testutil_stderr {
	int saved, fd;
};
void testutil_stderr_begin(struct testutil_stderr *c);
char *testutil_stderr_end(struct testutil_stderr *c);

#endif
