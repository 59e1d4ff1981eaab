/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Weak module dependencies (kmod 33+), read without libkmod's help where it has none. */

/*
 * A weak dependency ("weakdep c a b") says that module c may request a or b while it
 * probes: an initramfs should hold them, userspace need not load them, and nothing
 * fails when they are missing. libkmod 33 reads them from modules.weakdep (which
 * depmod 33+ writes from the modules' "weakdep=" modinfo) and from modprobe.d
 * `weakdep` lines; Debian 12's libkmod 30 knows neither, so this file reads the same
 * files the same way: the configuration files in name order (the first directory
 * holding a name wins, as libkmod dedups them), modules.weakdep among them, patterns
 * matched with fnmatch. One difference, on purpose: depmod writes one line per
 * MODULE_WEAKDEP ("weakdep m a", "weakdep m b"), and libkmod 34 keeps only the first
 * line that matches a module (kmod issue #33, the same for softdeps), so it would drop
 * b; every matching line counts here, so the image holds all that the module declared.
 * A tree depmod'ed by kmod older than 33 has no modules.weakdep: libkmod 34 would see
 * no weak dependency there either, and -v says so.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "inputjournal.h"
#include "modules-internal.h"
#include "strv.h"
#include "fileio.h"
#include "util.h"

struct conf_file {
	char *name; /* the base name: the sort key */
	char *path;
};

static int compare_conf(const void *a, const void *b)
{
	return strcmp(((const struct conf_file *)a)->name,
		      ((const struct conf_file *)b)->name);
}

static int add_conf(struct conf_file **v, size_t *n, const char *dir, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (streq((*v)[i].name, name))
			return 0; /* an earlier directory has this name: it wins */
	struct conf_file *nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	struct conf_file *c = &nv[*n];
	c->name = strdup(name);
	c->path = NULL;
	if (!c->name || asprintf(&c->path, "%s/%s", dir, name) < 0) {
		free(c->name);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

/* The *.conf regular files of one modprobe.d directory; a missing one is fine. */
static int list_dir(struct conf_file **v, size_t *n, const char *dir)
{
	DIR *d = opendir(dir);
	injournal_note(dir);
	if (!d)
		return 0;
	struct dirent *de;
	int r = 0;
	while (r >= 0 && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct stat st;
		if (de->d_name[0] == '.' || len < 6 ||
		    !streq(de->d_name + len - 5, ".conf"))
			continue;
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, de->d_name) >= 0)
			injournal_note(path); /* libkmod reads it too */
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		r = add_conf(v, n, dir, de->d_name);
	}
	closedir(d);
	return r;
}

static int add_rule(struct moddep *m, const char *pattern, const char *words)
{
	struct weak_rule *v =
		realloc(m->weak_rules, (m->nweak_rules + 1) * sizeof(*m->weak_rules));
	if (!v)
		return -ENOMEM;
	m->weak_rules = v;
	struct weak_rule *w = &v[m->nweak_rules];
	*w = (struct weak_rule){.pattern = strdup(pattern), .words = STRV_INIT};
	if (!w->pattern)
		return -ENOMEM;
	m->nweak_rules++;
	return strv_push_split(&w->words, words, " \t");
}

/* One configuration file's `weakdep NAME WORD...` lines; lines may end in '\'. */
static int parse_file(struct moddep *m, const char *text)
{
	const char *p = text;
	int r = 0;
	while (r >= 0 && *p) {
		/* Join continued lines: "a \\\n b" is one line "a  b". */
		size_t cap = 0, len = 0;
		_cleanup_free_ char *line = NULL;
		for (;;) {
			size_t n = strcspn(p, "\n");
			int more = n > 0 && p[n - 1] == '\\';
			char *nl = realloc(line, cap = len + n + 2);
			if (!nl)
				return -ENOMEM;
			line = nl;
			memcpy(line + len, p, more ? n - 1 : n);
			len += more ? n - 1 : n;
			line[len] = '\0';
			p += n + (p[n] == '\n');
			if (!more || !*p)
				break;
			line[len++] = ' ';
			line[len] = '\0';
		}
		(void)cap;
		if (line[0] == '#')
			continue;
		char *save = NULL;
		char *cmd = strtok_r(line, " \t", &save);
		if (!cmd || !streq(cmd, "weakdep"))
			continue;
		char *name = strtok_r(NULL, " \t", &save);
		char *rest = strtok_r(NULL, "", &save);
		if (!name || !rest)
			continue; /* libkmod ignores such a line too */
		modname_normalise(name);
		r = add_rule(m, name, rest);
	}
	return r;
}

int modweak_load(struct moddep *m, const char *const *confdirs)
{
	struct conf_file *files = NULL;
	size_t n = 0;
	_cleanup_free_ char *own = NULL;
	int r = 0;

	/* libkmod's module directory: under another root, the real one, whose indexes
	 * modsnap.c checked to stay inside the root. */
	if (asprintf(&own, "%s/modules.weakdep", m->src.kmoddir) < 0)
		return -ENOMEM;
	injournal_note(own);
	m->weak_tree_file = access(own, F_OK) == 0;
	if (m->weak_tree_file)
		r = add_conf(&files, &n, m->src.kmoddir, "modules.weakdep");
	for (size_t i = 0; r >= 0 && confdirs[i]; i++)
		r = list_dir(&files, &n, confdirs[i]);
	if (r >= 0 && n > 1)
		qsort(files, n, sizeof(*files), compare_conf);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		_cleanup_free_ char *text = NULL;
		size_t size;
		r = fileio_read_file(files[i].path, &text, &size);
		if (r == -ENOMEM)
			break;
		if (r < 0) {
			/* As libkmod does with a configuration file it cannot read. */
			log_warning(
				"cannot read '%s' for weak dependencies: %s, ignoring",
				files[i].path, strerror(-r));
			r = 0;
			continue;
		}
		r = parse_file(m, text);
	}
	for (size_t i = 0; i < n; i++) {
		free(files[i].name);
		free(files[i].path);
	}
	free(files);
	return r;
}

const struct strv *modweak_next(const struct moddep *m, const char *name, size_t *pos)
{
	for (; *pos < m->nweak_rules; (*pos)++)
		if (fnmatch(m->weak_rules[*pos].pattern, name, 0) == 0)
			return &m->weak_rules[(*pos)++].words;
	return NULL;
}

void modweak_clear(struct moddep *m)
{
	for (size_t i = 0; i < m->nweak_rules; i++) {
		free(m->weak_rules[i].pattern);
		strv_clear(&m->weak_rules[i].words);
	}
	free(m->weak_rules);
	m->weak_rules = NULL;
	m->nweak_rules = 0;
}
