/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The root's /etc/ld.so.conf, with its include globs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <glob.h>
#include "files-internal.h"
#include "log.h"
#include "util.h"

#define LDCONF_MAX_DEPTH 8

static int ldconf_load_file(struct filectx *ctx, const char *path, unsigned depth);

/* "include PATTERN": a glob in the last component only, as every distribution uses. */
static int ldconf_include(struct filectx *ctx, const char *conf, const char *pattern,
			  unsigned depth)
{
	_cleanup_(strv_clear) struct strv names = STRV_INIT;
	_cleanup_(fsroot_walk_done) struct fsroot_walk w = {0};
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_free_ char *full = NULL;
	struct dirent *de;
	char *slash;
	int fd, r;

	if (pattern[0] == '/')
		full = strdup(pattern);
	else if (asprintf(&full, "%.*s/%s", (int)(strrchr(conf, '/') - conf), conf,
			  pattern) < 0)
		full = NULL;
	if (!full)
		return -ENOMEM;
	slash = strrchr(full, '/');
	*slash = '\0';
	if (strpbrk(full, "*?[") || fsroot_resolve(ctx, "", *full ? full : "/", &w) < 0 ||
	    !S_ISDIR(w.st.st_mode))
		return 0; /* nothing to include */
	fd = fsroot_open(ctx, w.canon, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while ((de = readdir(d)))
		if (fnmatch(slash + 1, de->d_name, FNM_PERIOD) == 0 &&
		    (r = strv_push(&names, de->d_name)) < 0)
			return r;
	strv_sort(&names); /* glob(3) order, as ldconfig reads them */
	for (size_t i = 0; i < names.n; i++) {
		_cleanup_free_ char *file = NULL;
		if (asprintf(&file, "%s/%s", full, names.v[i]) < 0)
			return -ENOMEM;
		r = ldconf_load_file(ctx, file, depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One line: "include GLOB...", "hwcap ..." (ignored), or directories. */
static int ldconf_line(struct filectx *ctx, const char *conf, char *line, unsigned depth)
{
	static const char seps[] = " \t\r\n:,";
	char *save = NULL, *word;
	int include = 0;
	int r;

	line[strcspn(line, "#")] = '\0';
	word = strtok_r(line, seps, &save);
	if (word && streq(word, "hwcap"))
		return 0;
	if (word && streq(word, "include")) {
		include = 1;
		word = strtok_r(NULL, seps, &save);
	}
	for (; word; word = strtok_r(NULL, seps, &save)) {
		if (include) {
			r = ldconf_include(ctx, conf, word, depth);
		} else {
			word[strcspn(word, "=")] = '\0'; /* old "DIR=TYPE" syntax */
			r = word[0] == '/' ? strv_push_unique(&ctx->ldconf, word) : 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int ldconf_load_file(struct filectx *ctx, const char *path, unsigned depth)
{
	_cleanup_(fsroot_walk_done) struct fsroot_walk w = {0};
	_cleanup_(fclosep) FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t size = 0;
	int fd, r;

	if (depth > LDCONF_MAX_DEPTH || fsroot_find_regular(ctx, path, &w) < 0)
		return 0; /* a missing ld.so.conf means no extra directories */
	fd = fsroot_open(ctx, w.canon, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (getline(&line, &size, f) >= 0) {
		r = ldconf_line(ctx, path, line, depth);
		if (r < 0)
			return r;
	}
	return 0;
}

int ldconf_dirs(struct filectx *ctx, const struct strv **ret)
{
	if (!ctx->ldconf_loaded) {
		int r = ldconf_load_file(ctx, "/etc/ld.so.conf", 0);
		if (r < 0)
			return r;
		ctx->ldconf_loaded = 1;
	}
	*ret = &ctx->ldconf;
	return 0;
}
