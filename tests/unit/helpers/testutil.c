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

void testutil_shared_tree(const char *name, int version, const char *spec,
			  const char *kver, char *out, size_t size)
{
	const char *b = getenv("B") ? getenv("B") : "build";
	char tmp[4200], specpath[4300];
	struct stat st;

	cr_assert_eq(stat("tests/fixtures/mktree.sh", &st), 0);
	snprintf(out, size, "%s/tmp/unit-%s-tree-%d-%ld", b, name, version,
		 (long)st.st_mtime);
	if (stat(out, &st) == 0)
		return;
	cr_assert_eq(testutil_sh("mkdir -p '%s/tmp'", b), 0);
	snprintf(tmp, sizeof(tmp), "%s.%d", out, (int)getpid());
	snprintf(specpath, sizeof(specpath), "%s.spec", tmp);
	FILE *f = fopen(specpath, "we");
	cr_assert_not_null(f);
	fputs(spec, f);
	fclose(f);
	cr_assert_eq(
		testutil_sh("tests/fixtures/mktree.sh '%s' '%s' %s", specpath, tmp, kver),
		0, "mktree failed");
	unlink(specpath);
	if (rename(tmp, out) < 0)
		testutil_rmrf(tmp);
}

void testutil_stderr_begin(struct testutil_stderr *c)
{
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	c->fd = dup(fileno(f));
	fclose(f);
	cr_assert_geq(c->fd, 0);
	fflush(stderr);
	c->saved = dup(2);
	cr_assert_geq(c->saved, 0);
	cr_assert_geq(dup2(c->fd, 2), 0);
}

char *testutil_stderr_end(struct testutil_stderr *c)
{
	char buf[16384];

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	ssize_t n = pread(c->fd, buf, sizeof(buf) - 1, 0);
	close(c->fd);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	char *text = strdup(buf);
	cr_assert_not_null(text);
	return text;
}
