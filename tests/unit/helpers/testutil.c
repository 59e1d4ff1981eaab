/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers for the Criterion tests: scratch directories and files. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

char *testutil_mkdtemp(void)
{
	char *tmpl;
	mkdir("build", 0755);
	mkdir("build/tmp", 0755);
	cr_assert(asprintf(&tmpl, "%s/build/tmp/unit.XXXXXX", getcwd(NULL, 0)) > 0);
	cr_assert_not_null(mkdtemp(tmpl), "mkdtemp failed");
	return tmpl;
}

static void mkparents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}

void testutil_write(const char *dir, const char *rel, const char *text)
{
	char *path;
	cr_assert(asprintf(&path, "%s/%s", dir, rel) > 0);
	mkparents(path);
	FILE *f = fopen(path, "we");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	free(path);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void testutil_rmrf(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int testutil_sh(const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	cr_assert_geq(n, 0);
	int st = system(cmd);
	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
