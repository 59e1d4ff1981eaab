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

#endif
