/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers for the init's unit tests: scratch trees and files. */
#ifndef INIT_TESTUTIL_H
#define INIT_TESTUTIL_H

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh scratch directory under build/tmp (or $TMPDIR), removed by tu_rmtree. */
static inline char *tu_tmpdir(void)
{
	static char path[256];

	(void)mkdir("build", 0755);
	(void)mkdir("build/tmp", 0755);
	snprintf(path, sizeof(path), "%s/build/tmp/init-unit.XXXXXX", getcwd(NULL, 0));
	cr_assert_not_null(mkdtemp(path));
	return path;
}

static inline void tu_rmtree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static inline int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int tu_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Write text to dir/rel, creating parent directories. */
static inline void tu_write(const char *dir, const char *rel, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	cr_assert_eq(tu_sh("mkdir -p \"$(dirname '%s')\"", path), 0);
	f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write '%s'", path);
	fputs(text, f);
	fclose(f);
}

/* The output of a shell command, first line, without the newline. */
static inline void tu_capture(char *buf, size_t cap, const char *cmd)
{
	FILE *p = popen(cmd, "r");

	cr_assert_not_null(p);
	buf[0] = '\0';
	if (!fgets(buf, (int)cap, p))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pclose(p);
}

#endif
