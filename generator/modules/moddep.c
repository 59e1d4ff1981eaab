/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel modules: the ordered closure of what was asked for, through libkmod. */

/*
 * This file holds the module table, the requests, the resolution and -v's account.
 * The pipeline runs one way: modconf.c's configuration (read once, by moddep_new) is
 * read by the resolution here, which produces a struct modclosure; modstage.c takes
 * that closure with the source and the configuration and writes the image's module
 * files, plan and indexes. modules-internal.h is what the folder's files share.
 */

/*
 * Semantics, checked against `modprobe --show-depends` by tests/integration/moddep_*.sh:
 * - A word resolves as modprobe resolves it (kmod_module_new_from_lookup: modprobe.d
 *   aliases, module names, symbols, modules.alias, builtins). Builtins are satisfied.
 * - The closure follows hard deps, softdeps pre/post (each word looked up, so an alias
 *   brings every module it matches; like libkmod only the first matching softdep rule
 *   of a module counts) and weak deps (modweak.c: modules.weakdep and modprobe.d, as
 *   libkmod 33+ reads them, every matching line): included and loaded before the
 *   module when present, never required (a failure to load one is a warning).
 * - Blacklist: an alias (asked, or a softdep word) never brings a blacklisted module, as
 *   modprobe does for aliases; a module asked for by its name, or needed as a hard
 *   dependency, is included.
 * - Options: modprobe.d `options` lines of the module (files in name order, as libkmod
 *   reads them), then the configuration's parameters. libkmod also reads the build
 *   host's /proc/cmdline; those entries are taken out (they are the host's, not the
 *   image's; the init appends the booted kernel's command line itself).
 * - install/remove commands are not run (said once with -v).
 * - Order: depth first, softdeps pre then hard deps before a module, softdeps post
 *   after it; a softdep cycle is broken where it closes.
 * - .ko.gz: Debian's kmod 30 has no zlib, so depmod does not index gzip modules at all;
 *   they are "not found". xz and zstd modules are staged decompressed.
 */
#include <ctype.h>
#include <fcntl.h>
#include <search.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inputjournal.h"
#include "abi.h"
#include "firmware.h"
#include "log.h"
#include "modules-internal.h"
#include "moddep.h"
#include "modinfo.h"
#include "modsnap.h"
#include "plan.h"
#include "sysroot.h"
#include "compress.h"
#include "strv.h"
#include "util.h"

#define MODDEP_MAX_REASONS 4

struct lookup {
	char *name;
	struct mod **mods;
	size_t n;
	struct strv builtins;
	int by_name; /* the word was the module's own name, not an alias */
};

struct request {
	char *name;
	char *params;
	char *origin;
	enum moddep_load load;
	int optional;
	struct lookup *lk;
};

struct depline {
	char *relpath; /* as modules.dep spells it */
	char *deps;
	/* The lines its words name, found on first use, for the cycle check. */
	struct depline **to;
	size_t nto;
	int linked;
	unsigned stamp;		/* of the last search that reached it */
	struct depline *parent; /* in that search */
};

struct missing_fw {
	char *name;
	char *module;
};

static int compare_mod(const void *a, const void *b)
{
	return strcmp(((const struct mod *)a)->name, ((const struct mod *)b)->name);
}

static int compare_lookup(const void *a, const void *b)
{
	return strcmp(((const struct lookup *)a)->name, ((const struct lookup *)b)->name);
}

static void free_nothing(void *p)
{
	(void)p;
}

/*
 * Resolution logs each failure where it happens (CODING_STYLE.md), about `what`: a
 * module's name or file, from the tree (escaped, it cannot forge a line), or NULL when
 * the failure is about nothing in the tree (memory).
 */
static int resolve_error(int r, const char *what)
{
	char buf[1024];

	if (!what)
		return log_error_errno(r, "cannot resolve the module closure");
	log_escape(what, buf, sizeof(buf));
	if (r == -ENOEXEC || r == -EBADMSG)
		log_error("module file '%s' is %s", buf,
			  r == -EBADMSG ? "corrupt: it does not decompress"
					: "not a kernel module: truncated or not ELF");
	else
		log_error("cannot resolve the module closure: '%s': %s", buf,
			  strerror(-r));
	return r;
}

/* A failure whose message says why itself. */
_printf_(2, 3) static int resolve_fail(int r, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s", msg);
	return r;
}

static void libkmod_log(void *data, int priority, const char *file, int line,
			const char *fn, const char *format, va_list args)
{
	(void)data;
	(void)file;
	(void)line;
	(void)fn;
	if (log_get_level() < LOG_LEVEL_DEBUG)
		return;
	char msg[1024];
	vsnprintf(msg, sizeof(msg), format, args);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("libkmod (%d): %s", priority, msg);
}

/* ---- the module table ---- */

static void mod_free(struct mod *mod)
{
	if (!mod)
		return;
	free(mod->name);
	kmodlib.module_unref(mod->km);
	free(mod->path);
	free(mod->inroot);
	free(mod->real);
	free(mod->relpath);
	free(mod->image_relpath);
	free(mod->edges);
	strv_clear(&mod->firmware);
	strv_clear(&mod->aliases);
	strv_clear(&mod->reasons);
	strv_clear(&mod->params);
	free(mod);
}

/* ROOT as a prefix of the paths shown: "" for "/". */
static int root_prefix_len(const struct moddep *m)
{
	size_t n = strlen(m->src.root);
	while (n && m->src.root[n - 1] == '/')
		n--;
	return (int)n;
}

/*
 * Where the module's file is inside the root. libkmod joins its directory (a snapshot
 * under -r) with the modules.dep entry; an absolute entry (depmod may list a file
 * outside the tree) is taken inside the root too, never on the host.
 */
static int mod_set_path(struct moddep *m, struct mod *mod)
{
	const char *path = kmodlib.module_get_path(mod->km);
	if (!path) {
		/*
		 * No file: built into the kernel if the tree's modules.builtin says so
		 * (libkmod asks that index first); otherwise a name libkmod was handed by
		 * a modprobe.d alias that this tree does not have.
		 */
		if (kmodlib.module_get_initstate(mod->km) == KMOD_MODULE_BUILTIN)
			mod->builtin = 1;
		else
			mod->absent = 1;
		return 0;
	}
	size_t dl = strlen(m->src.kmoddir);
	int inside = !strncmp(path, m->src.kmoddir, dl) && path[dl] == '/';
	const char *rel = inside ? path + dl + 1 : path;
	if (inside || path[0] != '/') {
		if (asprintf(&mod->inroot, "/lib/modules/%s/%s", m->src.kver, rel) < 0)
			mod->inroot = NULL;
	} else {
		mod->inroot = strdup(path);
		rel = strrchr(path, '/') + 1; /* kept under extra/ */
	}
	if (!mod->inroot || asprintf(&mod->path, "%.*s%s", root_prefix_len(m),
				     m->src.root, mod->inroot) < 0) {
		mod->path = NULL;
		return -ENOMEM;
	}
	const char *suffix = modcompress_suffix(rel);
	size_t len = suffix ? (size_t)(suffix - rel) : strlen(rel);
	if (inside || path[0] != '/')
		mod->relpath = strndup(rel, len);
	else if (asprintf(&mod->relpath, "extra/%.*s", (int)len, rel) < 0)
		mod->relpath = NULL;
	if (!mod->relpath)
		return -ENOMEM;
	mod->compressed = suffix != NULL;
	return 0;
}

/* The table entry for a libkmod module, created on first sight. */
static int mod_get(struct moddep *m, struct kmod_module *km, struct mod **ret)
{
	struct mod key = {.name = (char *)kmodlib.module_get_name(km)};
	struct mod **hit = tfind(&key, &m->mods_by_name, compare_mod);
	if (hit) {
		*ret = *hit;
		return 0;
	}
	if (m->nmods == m->capmods) {
		size_t cap = m->capmods ? m->capmods * 2 : 256;
		struct mod **v = realloc(m->mods, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->mods = v;
		m->capmods = cap;
	}
	struct mod *mod = calloc(1, sizeof(*mod));
	if (!mod)
		return -ENOMEM;
	mod->name = strdup(key.name);
	mod->km = kmodlib.module_ref(km);
	int r = mod->name ? mod_set_path(m, mod) : -ENOMEM;
	if (r < 0 || !tsearch(mod, &m->mods_by_name, compare_mod)) {
		mod_free(mod);
		return r < 0 ? r : -ENOMEM;
	}
	m->mods[m->nmods++] = mod;
	*ret = mod;
	return 0;
}

static void lookup_free(void *p)
{
	struct lookup *lk = p;
	free(lk->name);
	free(lk->mods);
	strv_clear(&lk->builtins);
	free(lk);
}

/* libkmod's answer for `word` into lk: its modules, its built-in ones, by name or not. */
static int lookup_fill(struct moddep *m, struct lookup *lk, struct kmod_list *list,
		       const char *word)
{
	struct kmod_list *l;
	size_t count = 0;
	int r;

	kmodlib_foreach(l, list) count++;
	lk->mods = calloc(count ? count : 1, sizeof(*lk->mods));
	if (!lk->mods)
		return -ENOMEM;
	kmodlib_foreach(l, list)
	{
		struct kmod_module *km = kmodlib.module_get_module(l);
		struct mod *mod;
		r = mod_get(m, km, &mod);
		kmodlib.module_unref(km);
		if (r < 0)
			return r;
		if (mod->absent)
			continue; /* as modprobe: not found */
		if (mod->builtin) {
			r = strv_push(&lk->builtins, mod->name);
			if (r < 0)
				return r;
		} else
			lk->mods[lk->n++] = mod;
	}
	_cleanup_free_ char *norm = strdup(word);
	if (!norm)
		return -ENOMEM;
	modname_normalise(norm);
	lk->by_name =
		(lk->n == 1 && streq(lk->mods[0]->name, norm)) ||
		(lk->n == 0 && lk->builtins.n == 1 && streq(lk->builtins.v[0], norm));
	return 0;
}

/* What a word (module name or alias) means, as modprobe would resolve it; cached. */
static int lookup(struct moddep *m, const char *word, struct lookup **ret)
{
	struct lookup key = {.name = (char *)word};
	struct lookup **hit = tfind(&key, &m->lookups, compare_lookup);
	if (hit) {
		*ret = *hit;
		return 0;
	}
	struct kmod_list *list = NULL;
	int r = kmodlib.module_new_from_lookup(m->ctx, word, &list);
	if (r < 0)
		return r;
	struct lookup *lk = calloc(1, sizeof(*lk));
	if (!lk || !(lk->name = strdup(word))) {
		free(lk);
		kmodlib.module_unref_list(list);
		return -ENOMEM;
	}
	r = lookup_fill(m, lk, list, word);
	kmodlib.module_unref_list(list);
	if (r < 0 || !tsearch(lk, &m->lookups, compare_lookup)) {
		lookup_free(lk);
		return r < 0 ? r : -ENOMEM;
	}
	*ret = lk;
	return 0;
}

static int add_edge(struct mod *from, struct mod *to, enum edge_kind kind,
		    const char *via)
{
	if (to == from || to->builtin)
		return 0;
	for (size_t i = 0; i < from->nedges; i++)
		if (from->edges[i].to == to && from->edges[i].kind == kind)
			return 0;
	struct edge *v = realloc(from->edges, (from->nedges + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	from->edges = v;
	from->edges[from->nedges++] = (struct edge){.to = to, .kind = kind, .via = via};
	return 0;
}

static int add_kmod_list_edges(struct moddep *m, struct mod *mod, struct kmod_list *list,
			       enum edge_kind kind)
{
	struct kmod_list *l;
	int r = 0;
	kmodlib_foreach(l, list)
	{
		struct kmod_module *km = kmodlib.module_get_module(l);
		struct mod *to;
		r = mod_get(m, km, &to);
		kmodlib.module_unref(km);
		if (r < 0)
			break;
		r = add_edge(mod, to, kind, NULL);
		if (r < 0)
			break;
	}
	return r;
}

static int add_soft_edges(struct moddep *m, struct mod *mod, const struct strv *words,
			  enum edge_kind kind)
{
	for (size_t i = 0; i < words->n; i++) {
		struct lookup *lk;
		int r = lookup(m, words->v[i], &lk);
		if (r == -ENOMEM)
			return resolve_error(r, mod->name);
		if (r < 0) {
			char name[256], word[256];
			return log_error_errno(
				r, "module '%s': cannot look up its softdep '%s'",
				log_escape(mod->name, name, sizeof(name)),
				log_escape(words->v[i], word, sizeof(word)));
		}
		for (size_t j = 0; j < lk->n; j++) {
			/* An alias never brings in a blacklisted module; a name does. */
			if (!lk->by_name &&
			    modconf_blacklisted(m->conf, lk->mods[j]->name))
				continue;
			r = add_edge(mod, lk->mods[j], kind,
				     lk->by_name ? NULL : lk->name);
			if (r < 0)
				return resolve_error(r, mod->name);
		}
	}
	return 0;
}

static size_t hash_relpath(const char *s)
{
	size_t h = (size_t)14695981039346656037ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ull;
	return h;
}

/* The slot of `relpath` in the table: its line, or the empty slot it would take. */
static struct depline **depline_slot(const struct moddep *m, const char *relpath)
{
	size_t mask = m->deptable_size - 1;
	for (size_t i = hash_relpath(relpath) & mask;; i = (i + 1) & mask)
		if (!m->deptable[i] || streq(m->deptable[i]->relpath, relpath))
			return &m->deptable[i];
}

static struct depline *find_depline(const struct moddep *m, const char *relpath)
{
	return m->deptable ? *depline_slot(m, relpath) : NULL;
}

static void deplines_free(struct moddep *m)
{
	for (size_t i = 0; i < m->ndeplines; i++)
		free(m->deplines[i].to);
	free(m->deplines);
	free(m->deptable);
	free(m->nametable);
	free(m->deptext);
}

static int load_deplines(struct moddep *m)
{
	_cleanup_free_ char *path = NULL;
	size_t size, n = 1, cap = 16;
	m->deplines_loaded = 1;
	if (asprintf(&path, "/lib/modules/%s/modules.dep", m->src.kver) < 0)
		return -ENOMEM;
	if (sysroot_read(m->src.root, path, SYSROOT_READ_MAX, &m->deptext, &size) < 0) {
		m->deptext = NULL;
		return 0; /* only the binary index: nothing to check against */
	}
	for (const char *p = m->deptext; (p = strchr(p, '\n')); p++)
		n++;
	while (cap < 2 * n)
		cap *= 2;
	m->deplines = calloc(n, sizeof(*m->deplines));
	m->deptable = calloc(cap, sizeof(*m->deptable));
	if (!m->deplines || !m->deptable)
		return -ENOMEM;
	m->deptable_size = cap;
	for (char *line = m->deptext, *next; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = '\0';
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		struct depline *d = &m->deplines[m->ndeplines++];
		d->relpath = line;
		d->deps = colon + 1;
		struct depline **slot = depline_slot(m, line);
		if (!*slot) /* a repeated line: the first one counts */
			*slot = d;
	}
	return 0;
}

/*
 * libkmod drops a module's whole dependency list when one listed file cannot be
 * opened: compare with modules.dep, and name the file rather than build an image that
 * misses dependencies.
 */
static int check_deps(struct moddep *m, struct mod *mod, size_t got)
{
	if (!m->deplines_loaded) {
		int r = load_deplines(m);
		if (r < 0)
			return resolve_error(r, mod->name);
	}
	size_t dl = strlen(m->src.kmoddir);
	const char *kpath = kmodlib.module_get_path(mod->km);
	if (!kpath || strncmp(kpath, m->src.kmoddir, dl) || kpath[dl] != '/')
		return 0;
	struct depline *line = find_depline(m, kpath + dl + 1);
	if (!line)
		return 0;
	size_t want = 0;
	for (const char *p = line->deps; *(p += strspn(p, " \t")); p += strcspn(p, " \t"))
		want++;
	if (want == got)
		return 0;
	_cleanup_free_ char *copy = strdup(line->deps);
	char *save = NULL;
	if (!copy)
		return resolve_error(-ENOMEM, mod->name);
	for (char *w = strtok_r(copy, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		_cleanup_free_ char *dep = NULL;
		if (w[0] == '/')
			dep = strdup(w);
		else if (asprintf(&dep, "/lib/modules/%s/%s", m->src.kver, w) < 0)
			dep = NULL;
		if (!dep)
			return resolve_error(-ENOMEM, mod->name);
		int fd = sysroot_open(m->src.root, dep, O_RDONLY | O_NONBLOCK);
		if (fd < 0) {
			_cleanup_free_ char *shown = NULL;
			if (asprintf(&shown, "%.*s%s", root_prefix_len(m), m->src.root,
				     dep) < 0)
				return resolve_error(-ENOMEM, mod->name);
			return resolve_error(fd, shown);
		}
		close(fd);
	}
	return resolve_error(-EIO, mod->path);
}

static int depline_link(struct moddep *m, struct depline *d)
{
	_cleanup_free_ char *copy = strdup(d->deps);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	d->linked = 1;
	for (char *w = strtok_r(copy, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		struct depline *hit = find_depline(m, w);
		if (!hit)
			continue;
		struct depline **v = realloc(d->to, (d->nto + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		d->to = v;
		d->to[d->nto++] = hit;
	}
	return 0;
}

/* "kernel/drivers/misc/chain-a.ko.xz" -> "chain_a", escaped for a message. */
static void append_name(FILE *f, const char *relpath)
{
	const char *base = strrchr(relpath, '/');
	char name[256], buf[512];

	snprintf(name, sizeof(name), "%s", base ? base + 1 : relpath);
	name[strcspn(name, ".")] = '\0';
	modname_normalise(name);
	fprintf(f, "'%s'", log_escape(name, buf, sizeof(buf)));
}

/*
 * depmod refuses a tree whose modules depend on each other in a circle; an edited or
 * crafted modules.dep can still hold one. Refuse it before libkmod reads the module's
 * line: libkmod's modules would then hold references to each other and never be freed.
 * A search from `start` (the line of module `name`) over modules.dep's lines: does it
 * come back to `start`?
 */
static int check_cycle(struct moddep *m, struct depline *start, const char *name)
{
	static unsigned stamp;
	struct depline **stack = NULL;
	size_t sp = 0, cap = 0;
	int r = 0;

	stamp++;
	start->stamp = stamp;
	start->parent = NULL;
	for (struct depline *d = start; d; d = sp ? stack[--sp] : NULL) {
		if (!d->linked && (r = depline_link(m, d)) < 0) {
			r = resolve_error(r, name);
			break;
		}
		for (size_t i = 0; i < d->nto; i++) {
			struct depline *to = d->to[i];
			if (to == start) {
				_cleanup_free_ char *text = NULL;
				size_t size;
				FILE *f = open_memstream(&text, &size);
				if (!f) {
					r = resolve_error(-ENOMEM, name);
					goto out;
				}
				/* The path back, from start: collected backwards. */
				size_t n = 0;
				for (struct depline *x = d; x; x = x->parent)
					n++;
				struct depline **path = calloc(n, sizeof(*path));
				size_t k = n;
				for (struct depline *x = d; path && x; x = x->parent)
					path[--k] = x;
				for (size_t j = 0; path && j < n; j++) {
					append_name(f, path[j]->relpath);
					fputs(" -> ", f);
				}
				append_name(f, start->relpath);
				free(path);
				if (fclose(f) != 0) {
					r = resolve_error(-ENOMEM, name);
					goto out;
				}
				r = resolve_fail(
					-ELOOP,
					"module dependency cycle in '%s/modules.dep': %s",
					m->src.moddir, text);
				goto out;
			}
			if (to->stamp == stamp)
				continue;
			to->stamp = stamp;
			to->parent = d;
			if (sp == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct depline **v = realloc(stack, ncap * sizeof(*v));
				if (!v) {
					r = resolve_error(-ENOMEM, name);
					goto out;
				}
				stack = v;
				cap = ncap;
			}
			stack[sp++] = to;
		}
	}
out:
	free(stack);
	return r;
}

/* The modules.dep line of a module in the tree, or NULL. */
static int depline_of(struct moddep *m, const struct mod *mod, struct depline **ret)
{
	size_t dl = strlen(m->src.kmoddir);
	const char *kpath = kmodlib.module_get_path(mod->km);

	*ret = NULL;
	if (!m->deplines_loaded) {
		int r = load_deplines(m);
		if (r < 0)
			return r;
	}
	if (!kpath || strncmp(kpath, m->src.kmoddir, dl) || kpath[dl] != '/')
		return 0;
	*ret = find_depline(m, kpath + dl + 1);
	return 0;
}

/* Load a module's edges once: hard deps in load order, softdeps, weak deps. */
static int expand(struct moddep *m, struct mod *mod)
{
	if (mod->expanded || mod->builtin)
		return 0;
	struct depline *line;
	int r = depline_of(m, mod, &line);
	if (r < 0)
		return resolve_error(r, mod->name);
	if (line) {
		r = check_cycle(m, line, mod->name);
		if (r < 0)
			return r;
	}
	struct kmod_list *deps = kmodlib.module_get_dependencies(mod->km), *l;
	size_t ndeps = 0;
	kmodlib_foreach(l, deps) ndeps++;
	r = check_deps(m, mod, ndeps);
	if (r < 0) {
		kmodlib.module_unref_list(deps);
		return r;
	}
	r = add_kmod_list_edges(m, mod, deps, EDGE_HARD);
	kmodlib.module_unref_list(deps);
	if (r < 0)
		return resolve_error(r, mod->name);
	const struct softdep_rule *rule = modconf_find_rule(m->conf, mod->name);
	if (rule) {
		r = add_soft_edges(m, mod, &rule->pre, EDGE_PRE);
		if (r < 0)
			return r;
		r = add_soft_edges(m, mod, &rule->post, EDGE_POST);
		if (r < 0)
			return r;
	}
	/*
	 * Weak deps from modweak.c, never libkmod's: Debian 12's has none, and 33's keeps
	 * one line of a module's several. Each word is looked up as libkmod does.
	 */
	size_t pos = 0;
	for (const struct strv *weak; (weak = modweak_next(m, mod->name, &pos));) {
		r = add_soft_edges(m, mod, weak, EDGE_WEAK);
		if (r < 0)
			return r;
	}
	mod->expanded = 1;
	return 0;
}

/* ---- public: setup and requests ---- */

static int dir_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_host_root(const char *root)
{
	return root[strspn(root, "/")] == '\0';
}

/* The host's own tree: libkmod reads it where it is, as modprobe would. */
static int open_host_tree(const char *kver, struct kmod_ctx **ret)
{
	static const char *const confdirs[] = {"/etc/modprobe.d", "/usr/lib/modprobe.d",
					       "/lib/modprobe.d"};
	_cleanup_free_ char *moddir = NULL, *depbin = NULL;
	const char *conf[4] = {NULL};
	struct stat st;

	if (asprintf(&moddir, "/lib/modules/%s", kver) < 0 ||
	    asprintf(&depbin, "%s/modules.dep.bin", moddir) < 0)
		return -ENOMEM;
	if (stat(moddir, &st) < 0)
		return negative_errno();
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (stat(depbin, &st) < 0)
		/* The tree was never run through depmod; libkmod cannot use it. */
		return errno == ENOENT ? -ENOEXEC : negative_errno();
	for (size_t i = 0, n = 0; i < ARRAY_SIZE(confdirs); i++)
		if (dir_exists(confdirs[i]))
			conf[n++] = confdirs[i];
	*ret = kmodlib.new(moddir, conf);
	return *ret ? 0 : -ENOMEM;
}

/* Another root: libkmod reads a snapshot taken inside it (modsnap.h). */
static int open_root_tree(const char *root, const char *kver, struct modsnap *snap,
			  struct kmod_ctx **ret)
{
	int r = modsnap_new(root, kver, snap);
	if (r < 0)
		return r;
	/* Never NULL: that would make libkmod read the host's default directories. */
	static const char *const none[] = {NULL};
	*ret = kmodlib.new(snap->dir,
			   snap->confs.v ? (const char *const *)snap->confs.v : none);
	return *ret ? 0 : -ENOMEM;
}

/* The tree's files libkmod and the pipeline read, for the input journal: the
 * indexes (a snapshot's copies came from these), the lists depmod writes. */
static void note_indexes(const struct moddep *m)
{
	static const char *const names[] = {"modules.dep.bin",
					    "modules.alias.bin",
					    "modules.symbols.bin",
					    "modules.builtin.bin",
					    "modules.builtin.alias.bin",
					    "modules.softdep",
					    "modules.weakdep",
					    "modules.devname",
					    "modules.builtin.modinfo",
					    "modules.order",
					    "modules.builtin",
					    "modules.dep",
					    ""};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "/lib/modules/%s%s%s", m->src.kver,
			     *names[i] ? "/" : "", names[i]) < 0) {
			injournal_incomplete("out of memory");
			return;
		}
		injournal_note_at(m->src.root, path);
	}
}

int moddep_new(const char *root, const char *kver, struct moddep **ret)
{
	if (!*kver || strchr(kver, '/'))
		return -EINVAL;
	int r = kmodlib_load();
	if (r < 0)
		return r; /* said which library or symbol is missing */
	struct moddep *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	struct modsnap snap = {.confs = STRV_INIT};
	_cleanup_free_ char *kconfig = NULL;
	static const char *const host_confdirs[] = {
		"/etc/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d", NULL};
	static const char *const none[] = {NULL};

	m->src.root = strdup(root);
	m->src.kver = strdup(kver);
	if (!m->src.root || !m->src.kver ||
	    asprintf(&m->src.moddir, "%.*s/lib/modules/%s", root_prefix_len(m), root,
		     kver) < 0) {
		m->src.moddir = NULL;
		r = -ENOMEM;
		goto fail;
	}
	/* Only the module root's configuration, never the build host's. */
	r = is_host_root(root) ? open_host_tree(kver, &m->ctx)
			       : open_root_tree(root, kver, &snap, &m->ctx);
	if (r < 0)
		goto fail;
	kmodlib.set_log_fn(m->ctx, libkmod_log, NULL);
	/* Maps the indexes and has parsed the configuration: the snapshot can go. */
	r = kmodlib.load_resources(m->ctx);
	if (r < 0) {
		r = -ENOEXEC;
		goto fail;
	}
	m->src.kmoddir = strdup(kmodlib.get_dirname(m->ctx));
	if (!m->src.kmoddir) {
		r = -ENOMEM;
		goto fail;
	}
	note_indexes(m);
	r = modconf_new(m->ctx, &m->conf);
	if (r < 0)
		goto fail;
	/* Weak deps from the configuration libkmod parsed: under another root the
	 * snapshot's copies, read before the snapshot goes. */
	r = modweak_load(m, is_host_root(root) ? host_confdirs
			    : snap.confs.v     ? (const char *const *)snap.confs.v
					       : none);
	if (r < 0)
		goto fail;
	/* One read of the kernel config, for the firmware and the module formats. */
	r = modcompress_read_kernel(&m->kernel, root, kver, &kconfig);
	if (r < 0)
		goto fail;
	firmware_set_init_config(&m->closure.fw, kconfig);
	modsnap_remove(&snap);
	*ret = m;
	return 0;
fail:
	modsnap_remove(&snap);
	moddep_free(m);
	return r;
}

static void clear_result(struct moddep *m)
{
	free(m->closure.order);
	m->closure.order = NULL;
	m->closure.norder = 0;
	firmware_set_clear(&m->closure.fw);
	tdestroy(m->fw_seen, free);
	m->fw_seen = NULL;
	for (size_t i = 0; i < m->nmissing; i++) {
		free(m->missing[i].name);
		free(m->missing[i].module);
	}
	free(m->missing);
	m->missing = NULL;
	m->nmissing = m->capmissing = 0;
	m->module_bytes = 0;
	m->install_commands = 0;
	m->resolved = 0;
}

void moddep_free(struct moddep *m)
{
	if (!m)
		return;
	clear_result(m);
	for (size_t i = 0; i < m->nreqs; i++) {
		free(m->reqs[i].name);
		free(m->reqs[i].params);
		free(m->reqs[i].origin);
	}
	free(m->reqs);
	tdestroy(m->lookups, lookup_free);
	tdestroy(m->mods_by_name, free_nothing);
	for (size_t i = 0; i < m->nmods; i++)
		mod_free(m->mods[i]);
	free(m->mods);
	modconf_free(m->conf);
	modweak_clear(m);
	modcompress_clear(&m->kernel);
	modstage_clear(&m->src);
	deplines_free(m);
	modalias_free(m->alias_index);
	modalias_free(m->builtin_alias_index);
	kmodlib.unref(m->ctx);
	free(m->src.root);
	free(m->src.kver);
	free(m->src.moddir);
	free(m->src.kmoddir);
	free(m);
}

/* "nbd nbds_max=1024" -> name "nbd", params "nbds_max=1024"; "foo?" is optional. */
static int parse_spec(const char *spec, char **ret_name, char **ret_params,
		      int *ret_optional)
{
	while (isspace((unsigned char)*spec))
		spec++;
	size_t len = strcspn(spec, " \t\n");
	const char *rest = spec + len;
	while (isspace((unsigned char)*rest))
		rest++;
	int optional = len > 0 && spec[len - 1] == '?';
	if (optional)
		len--;
	if (len == 0)
		return -EINVAL;
	_cleanup_free_ char *name = strndup(spec, len);
	char *params = strdup(rest);
	if (!name || !params) {
		free(params);
		return -ENOMEM;
	}
	/* Parameters go on one plan line: tabs and newlines become spaces. */
	for (char *p = params; *p; p++)
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	size_t plen = strlen(params);
	while (plen && params[plen - 1] == ' ')
		params[--plen] = '\0';
	*ret_name = TAKE_PTR(name);
	*ret_params = params;
	*ret_optional = optional;
	return 0;
}

static int add_request(struct moddep *m, const char *spec, const char *origin,
		       enum moddep_load load)
{
	_cleanup_free_ char *name = NULL, *params = NULL;
	int optional;
	int r = parse_spec(spec, &name, &params, &optional);
	if (r < 0)
		return r;
	struct lookup *lk;
	r = lookup(m, name, &lk);
	if (r < 0)
		return r;
	if (!lk->n && !lk->builtins.n && !optional)
		return -ENOENT;
	if (m->nreqs == m->capreqs) {
		size_t cap = m->capreqs ? m->capreqs * 2 : 32;
		struct request *v = realloc(m->reqs, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->reqs = v;
		m->capreqs = cap;
	}
	char *o = strdup(origin ? origin : "config");
	if (!o)
		return -ENOMEM;
	m->reqs[m->nreqs++] = (struct request){.name = TAKE_PTR(name),
					       .params = TAKE_PTR(params),
					       .origin = o,
					       .load = load,
					       .optional = optional,
					       .lk = lk};
	m->resolved = 0;
	return 0;
}

int moddep_request(struct moddep *m, const char *spec, const char *origin,
		   enum moddep_load load)
{
	int r = add_request(m, spec, origin, load);
	const char *root = streq(m->src.root, "/") ? "" : m->src.root;
	char buf[512];

	if (r >= 0)
		return r;
	/* A name from a configuration or a hook: escaped, it cannot forge a line. */
	spec = log_escape(spec, buf, sizeof(buf));
	if (r == -ENOENT)
		log_error("module '%s' not found in '%s/lib/modules/%s' (asked by %s)",
			  spec, root, m->src.kver, origin ? origin : "config");
	else if (r == -EINVAL)
		log_error(
			"cannot resolve module '%s' (%s): not a valid module name or alias",
			spec, origin ? origin : "config");
	else
		log_error("cannot resolve module '%s' (%s): %s", spec,
			  origin ? origin : "config", strerror(-r));
	return r;
}

/* ---- resolve ---- */

_printf_(2, 3) static int add_reason(struct mod *mod, const char *fmt, ...)
{
	if (mod->reasons.n >= MODDEP_MAX_REASONS) {
		mod->more_reasons++;
		return 0;
	}
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (strv_contains(&mod->reasons, s)) {
		free(s);
		return 0;
	}
	return strv_push_take(&mod->reasons, s);
}

struct worklist {
	struct mod **v;
	size_t n, cap;
};

static int include(struct worklist *w, struct mod *mod)
{
	if (mod->included)
		return 0;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct mod **v = realloc(w->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		w->v = v;
		w->cap = cap;
	}
	mod->included = 1;
	w->v[w->n++] = mod;
	return 0;
}

static void reset_mod(struct mod *mod)
{
	mod->included = 0;
	mod->root_always = mod->root_match = mod->root_required = mod->root_optional = 0;
	mod->root_request = mod->root_console = mod->root_console_match = 0;
	mod->root_deferred = mod->in_deferred = mod->root_early = 0;
	mod->in_required = mod->in_optional = mod->in_always = mod->match = 0;
	mod->request = mod->in_console = mod->match_console = 0;
	strv_clear(&mod->reasons);
	mod->more_reasons = 0;
	strv_clear(&mod->params);
	mod->match_root = NULL;
	mod->state = 0;
	mod->hstate = 0;
	mod->index = 0;
}

static const char *const edge_words[] = {
	[EDGE_HARD] = "dependency",
	[EDGE_PRE] = "softdep pre",
	[EDGE_POST] = "softdep post",
	[EDGE_WEAK] = "weakdep",
};

static int add_roots(struct moddep *m, struct worklist *w)
{
	for (size_t i = 0; i < m->nreqs; i++) {
		const struct request *q = &m->reqs[i];
		for (size_t j = 0; j < q->lk->n; j++) {
			struct mod *mod = q->lk->mods[j];
			if (!q->lk->by_name && modconf_blacklisted(m->conf, mod->name))
				continue;
			int r = include(w, mod);
			if (r < 0)
				return resolve_error(r, NULL);
			if (q->lk->by_name)
				r = add_reason(mod, "asked by %s", q->origin);
			else
				r = add_reason(mod, "asked by %s as alias '%s'",
					       q->origin, q->name);
			if (r < 0)
				return resolve_error(r, NULL);
			if (*q->params && !strv_contains(&mod->params, q->params)) {
				r = strv_push(&mod->params, q->params);
				if (r < 0)
					return resolve_error(r, NULL);
			}
			switch (q->load) {
			case MODDEP_LOAD_ALWAYS:
				mod->root_always = 1;
				break;
			case MODDEP_LOAD_EARLY_MATCH:
				mod->root_early = 1;
				/* fall through */
			case MODDEP_LOAD_ON_MATCH:
				mod->root_match = 1;
				break;
			case MODDEP_LOAD_ON_REQUEST:
				mod->root_request = 1;
				break;
			case MODDEP_LOAD_CONSOLE:
				mod->root_console = 1;
				break;
			case MODDEP_LOAD_CONSOLE_MATCH:
				mod->root_console_match = 1;
				break;
			case MODDEP_LOAD_DEFERRED:
				mod->root_deferred = 1;
				break;
			}
			if (q->optional)
				mod->root_optional = 1;
			else
				mod->root_required = 1;
		}
	}
	return 0;
}

static int close_over(struct moddep *m, struct worklist *w)
{
	for (size_t i = 0; i < w->n; i++) {
		struct mod *mod = w->v[i];
		int r = expand(m, mod);
		if (r < 0)
			return r;
		for (size_t e = 0; e < mod->nedges; e++) {
			const struct edge *ed = &mod->edges[e];
			r = include(w, ed->to);
			if (r < 0)
				return resolve_error(r, NULL);
			if (ed->via)
				r = add_reason(ed->to, "%s of '%s' (alias '%s')",
					       edge_words[ed->kind], mod->name, ed->via);
			else
				r = add_reason(ed->to, "%s of '%s'", edge_words[ed->kind],
					       mod->name);
			if (r < 0)
				return resolve_error(r, NULL);
		}
	}
	return 0;
}

/* Mark what `flag` of each root reaches through edges of the kinds in `mask`. */
static int mark(struct worklist *w, size_t off_root, size_t off_mark, unsigned mask)
{
	struct mod **stack = malloc((w->n ? w->n : 1) * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	size_t sp = 0;
	for (size_t i = 0; i < w->n; i++) {
		struct mod *mod = w->v[i];
		int *root = (int *)((char *)mod + off_root),
		    *mk = (int *)((char *)mod + off_mark);
		if (*root && !*mk) {
			*mk = 1;
			stack[sp++] = mod;
		}
	}
	while (sp) {
		struct mod *mod = stack[--sp];
		for (size_t e = 0; e < mod->nedges; e++) {
			struct mod *to = mod->edges[e].to;
			int *mk = (int *)((char *)to + off_mark);
			if ((mask & EDGE_BIT(mod->edges[e].kind)) && !*mk) {
				*mk = 1;
				stack[sp++] = to;
			}
		}
	}
	free(stack);
	return 0;
}

/* Does `from` reach `target` through the edges that load something first? */
static bool needs_first(struct mod *from, const struct mod *target, unsigned stamp)
{
	if (from == target)
		return true;
	if (from->weak_stamp == stamp)
		return false;
	from->weak_stamp = stamp;
	for (size_t e = 0; e < from->nedges; e++) {
		enum edge_kind k = from->edges[e].kind;
		if ((k == EDGE_HARD || k == EDGE_PRE || k == EDGE_WEAK) &&
		    needs_first(from->edges[e].to, target, stamp))
			return true;
	}
	return false;
}

/*
 * A weak dependency is loaded before its module, so that it is there when the module
 * probes and asks for it; unless it needs the module itself first (a cycle), then
 * after it.
 */
static bool weak_goes_first(struct mod *mod, size_t e)
{
	static unsigned stamp;
	return mod->edges[e].kind == EDGE_WEAK &&
	       !needs_first(mod->edges[e].to, mod, ++stamp);
}

/*
 * A module whose hard dependencies lead back to it, or NULL: what check_cycle() cannot
 * see when the tree has only the binary index (a cycle of softdeps is broken instead).
 */
static struct mod *hard_cycle(struct mod *mod)
{
	if (mod->hstate)
		return mod->hstate == 1 ? mod : NULL;
	mod->hstate = 1;
	for (size_t e = 0; e < mod->nedges; e++) {
		struct mod *c = mod->edges[e].kind == EDGE_HARD
					? hard_cycle(mod->edges[e].to)
					: NULL;
		if (c)
			return c;
	}
	mod->hstate = 2;
	return NULL;
}

static void visit(struct moddep *m, struct mod *mod)
{
	if (mod->state)
		return; /* placed, or a cycle of softdeps: break it here */
	mod->state = 1;
	for (size_t e = 0; e < mod->nedges; e++)
		if (mod->edges[e].kind == EDGE_PRE || weak_goes_first(mod, e))
			visit(m, mod->edges[e].to);
	for (size_t e = 0; e < mod->nedges; e++)
		if (mod->edges[e].kind == EDGE_HARD)
			visit(m, mod->edges[e].to);
	mod->state = 2;
	mod->index = m->closure.norder;
	m->closure.order[m->closure.norder++] = mod;
	for (size_t e = 0; e < mod->nedges; e++)
		if (mod->edges[e].kind == EDGE_POST || mod->edges[e].kind == EDGE_WEAK)
			visit(m, mod->edges[e].to); /* placed already unless a cycle */
}

static int add_missing(struct moddep *m, const char *fw, const char *module)
{
	if (m->nmissing == m->capmissing) {
		size_t cap = m->capmissing ? m->capmissing * 2 : 32;
		struct missing_fw *v = realloc(m->missing, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->missing = v;
		m->capmissing = cap;
	}
	struct missing_fw *x = &m->missing[m->nmissing];
	x->name = strdup(fw);
	x->module = strdup(module);
	if (!x->name || !x->module) {
		free(x->name);
		free(x->module);
		return -ENOMEM;
	}
	m->nmissing++;
	return 0;
}

/*
 * The firmware= of a module's modinfo, read by our own decompressors and ELF reader
 * (libkmod's lack gzip on Debian); a module file that cannot be read is an error.
 */
static int read_modinfo(struct moddep *m, struct mod *mod)
{
	if (mod->firmware_read)
		return 0;
	_cleanup_(strv_clear) struct strv info = STRV_INIT;
	_cleanup_close_ int fd = -1;
	char name[256], file[1024];
	int r;

	fd = sysroot_open_input(m->src.root, mod->inroot, &mod->st, &mod->real);
	if (fd < 0 && fd != -EINVAL && fd != -EISDIR)
		return resolve_error(fd, mod->path);
	r = fd < 0 ? fd : modinfo_read_fd(fd, &info);
	if (r == -EINVAL || r == -EISDIR || r == -EFBIG)
		return resolve_fail(
			r, "module '%s': file '%s' is %s%s",
			log_escape(mod->name, name, sizeof(name)),
			log_escape(mod->path, file, sizeof(file)), sysroot_strerror(r),
			r == -EFBIG && mod->compressed ? " once decompressed" : "");
	if (r < 0)
		return resolve_error(r, mod->path);
	mod->size = mod->st.st_size;
	for (size_t i = 0; i < info.n; i++) {
		const char *fw = modinfo_value(info.v[i], "firmware");
		const char *alias = modinfo_value(info.v[i], "alias");
		if (fw)
			r = strv_push(&mod->firmware, fw);
		else if (alias)
			r = strv_push(&mod->aliases, alias);
		if (r < 0)
			return resolve_error(r, NULL);
	}
	mod->firmware_read = true;
	return 0;
}

static int collect_firmware(struct moddep *m)
{
	for (size_t i = 0; i < m->closure.norder; i++) {
		struct mod *mod = m->closure.order[i];
		int r = read_modinfo(m, mod);
		if (r < 0)
			return r;
		m->module_bytes += (unsigned long long)mod->size;
		if (kmodlib.module_get_install_commands(mod->km))
			m->install_commands++;
		for (size_t f = 0; f < mod->firmware.n; f++) {
			const char *name = mod->firmware.v[f];
			if (tfind(name, &m->fw_seen, modname_compare))
				continue;
			char *copy = strdup(name);
			if (!copy || !tsearch(copy, &m->fw_seen, modname_compare)) {
				free(copy);
				return resolve_error(-ENOMEM, NULL);
			}
			r = firmware_find(&m->closure.fw, m->src.root, m->src.kver, name);
			if (r == -ENOMEM)
				return resolve_error(r, NULL);
			if (r < 0) {
				log_debug("firmware '%s' of module '%s': %s", name,
					  mod->name, strerror(-r));
				r = add_missing(m, name, mod->name);
				if (r < 0)
					return resolve_error(r, NULL);
			}
		}
	}
	return 0;
}

/*
 * The requests and everything they pull in, into `w`, each marked as needed by a
 * required request, by an optional one, and at boot; room for the load order.
 */
static int close_and_mark(struct moddep *m, struct worklist *w)
{
	const unsigned at_boot = EDGE_BIT(EDGE_HARD) | EDGE_BIT(EDGE_PRE) |
				 EDGE_BIT(EDGE_POST) | EDGE_BIT(EDGE_WEAK);
	int r = add_roots(m, w);

	if (r < 0)
		return r;
	r = close_over(m, w);
	if (r < 0)
		return r;
	r = mark(w, offsetof(struct mod, root_required),
		 offsetof(struct mod, in_required), EDGE_BIT(EDGE_HARD));
	if (r < 0)
		return resolve_error(r, NULL);
	r = mark(w, offsetof(struct mod, root_optional),
		 offsetof(struct mod, in_optional), EDGE_BIT(EDGE_HARD));
	if (r < 0)
		return resolve_error(r, NULL);
	r = mark(w, offsetof(struct mod, root_always), offsetof(struct mod, in_always),
		 at_boot);
	if (r < 0)
		return resolve_error(r, NULL);
	if (w->n > ABI_PLAN_MAX_MODULES)
		return resolve_fail(
			-E2BIG,
			"the module closure holds %zu modules, more than the %d the init can load",
			w->n, ABI_PLAN_MAX_MODULES);
	m->closure.order = malloc((w->n ? w->n : 1) * sizeof(*m->closure.order));
	return m->closure.order ? 0 : resolve_error(-ENOMEM, NULL);
}

static void worklist_done(struct worklist *w)
{
	free(w->v);
}

static int resolve(struct moddep *m)
{
	if (m->resolved)
		return 0;
	clear_result(m);
	for (size_t i = 0; i < m->nmods; i++)
		reset_mod(m->mods[i]);
	_cleanup_(worklist_done) struct worklist w = {0};
	int r = close_and_mark(m, &w);
	if (r < 0)
		return r;
	/* A keyboard's modules wait for a person unless something else loads them;
	 * a deferred driver's, for a late root or a person. */
	const unsigned all = EDGE_BIT(EDGE_HARD) | EDGE_BIT(EDGE_PRE) |
			     EDGE_BIT(EDGE_POST) | EDGE_BIT(EDGE_WEAK);
	r = mark(&w, offsetof(struct mod, root_console), offsetof(struct mod, in_console),
		 all);
	if (r >= 0)
		r = mark(&w, offsetof(struct mod, root_deferred),
			 offsetof(struct mod, in_deferred), all);
	if (r < 0)
		return resolve_error(r, NULL);
	/* On-match modules and the post softdeps that follow them. */
	for (size_t i = 0; i < w.n; i++) {
		struct mod *mod = w.v[i];
		if (mod->in_always || !(mod->root_match || mod->root_console_match))
			continue;
		mod->match = 1;
		mod->match_console = !mod->root_match;
		for (size_t e = 0; e < mod->nedges; e++) {
			struct mod *to = mod->edges[e].to;
			if (mod->edges[e].kind == EDGE_POST && !to->in_always &&
			    !to->match) {
				to->match = 1;
				to->match_console = mod->match_console;
				to->root_early = mod->root_early; /* with it */
				to->match_root = mod;
			}
		}
	}
	/* Loaded on request: what nothing else loads (a generic image's filesystems). */
	for (size_t i = 0; i < w.n; i++) {
		struct mod *mod = w.v[i];
		mod->request = mod->root_request && !mod->in_always && !mod->match &&
			       !mod->in_console && !mod->in_deferred;
	}
	struct mod *cycle = NULL;
	for (size_t i = 0; i < w.n && !cycle; i++)
		cycle = hard_cycle(w.v[i]);
	if (cycle) {
		char name[256];
		return resolve_fail(
			-ELOOP,
			"module dependency cycle in '%s/modules.dep.bin' through '%s'",
			m->src.moddir, log_escape(cycle->name, name, sizeof(name)));
	}
	/* Roots in the order asked, each after what it needs. */
	for (size_t i = 0; i < w.n; i++)
		visit(m, w.v[i]);
	r = collect_firmware(m);
	if (r < 0)
		return r;
	if (m->install_commands)
		log_verbose(
			"%zu module(s) have install commands in modprobe.d: these are not run, the init loads the module itself",
			m->install_commands);
	m->resolved = 1;
	return 0;
}

size_t moddep_missing_firmware(const struct moddep *m)
{
	return m->nmissing;
}

/* Each failure was logged where it happened (resolve_error(), resolve_fail()). */
int moddep_resolve(struct moddep *m)
{
	return resolve(m);
}

/* The closure, resolved first if need be, into the image (modstage.c). */
int moddep_stage(struct moddep *m, struct stage *stage, const struct plan_handlers *h)
{
	int r = moddep_resolve(m);
	if (r < 0)
		return r;
	return modstage_closure(&m->src, m->conf, &m->closure, stage, h);
}

/* ---- explain ---- */

void moddep_explain(const struct moddep *m, FILE *out)
{
	for (size_t i = 0; i < m->nreqs; i++) {
		const struct request *q = &m->reqs[i];
		for (size_t b = 0; b < q->lk->builtins.n; b++)
			fprintf(out, "module '%s': builtin, asked by %s\n",
				q->lk->builtins.v[b], q->origin);
		if (!q->lk->n && !q->lk->builtins.n)
			fprintf(out, "module '%s': not found, optional, asked by %s\n",
				q->name, q->origin);
		for (size_t j = 0; j < q->lk->n; j++)
			if (!q->lk->by_name &&
			    modconf_blacklisted(m->conf, q->lk->mods[j]->name))
				fprintf(out,
					"module '%s': blacklisted, left out (alias '%s' asked by %s)\n",
					q->lk->mods[j]->name, q->name, q->origin);
	}
	for (size_t i = 0; i < m->closure.norder; i++) {
		const struct mod *mod = m->closure.order[i];
		char flags[8];
		modplan_flags(mod, flags);
		fprintf(out, "module '%s' [%s]: ", mod->name, *flags ? flags : "-");
		for (size_t r = 0; r < mod->reasons.n; r++)
			fprintf(out, "%s%s", r ? ", " : "", mod->reasons.v[r]);
		if (mod->more_reasons)
			fprintf(out, " and %zu more", mod->more_reasons);
		fputc('\n', out);
	}
	for (size_t i = 0; i < m->closure.fw.n; i++)
		fprintf(out, "firmware '%s'%s%s\n", m->closure.fw.v[i].path,
			m->closure.fw.v[i].target ? " -> " : "",
			m->closure.fw.v[i].target ? m->closure.fw.v[i].target : "");
	for (size_t i = 0; i < m->nmissing; i++)
		fprintf(out, "firmware '%s' of module '%s': not found\n",
			m->missing[i].name, m->missing[i].module);
	unsigned long long fw_bytes = 0;
	size_t fw_files = 0;
	for (size_t i = 0; i < m->closure.fw.n; i++)
		if (!m->closure.fw.v[i].target) {
			fw_bytes += (unsigned long long)m->closure.fw.v[i].size;
			fw_files++;
		}
	if (!m->weak_tree_file)
		fprintf(out,
			"weak dependencies: no modules.weakdep in the tree (depmod older than kmod 33), only modprobe.d's weakdep lines\n");
	fprintf(out,
		"total: %zu modules, %zu firmware files (%zu missing), %llu bytes before decompression\n",
		m->closure.norder, fw_files, m->nmissing, m->module_bytes + fw_bytes);
}

/* ---- for tests and tools ---- */

size_t moddep_closure_size(const struct moddep *m)
{
	return m->closure.norder;
}

const char *moddep_closure_name(const struct moddep *m, size_t i)
{
	return i < m->closure.norder ? m->closure.order[i]->name : NULL;
}

const char *moddep_closure_path(const struct moddep *m, size_t i)
{
	return i < m->closure.norder ? m->closure.order[i]->path : NULL;
}

int moddep_reset(struct moddep *m)
{
	for (size_t i = 0; i < m->nreqs; i++) {
		free(m->reqs[i].name);
		free(m->reqs[i].params);
		free(m->reqs[i].origin);
	}
	m->nreqs = 0;
	clear_result(m);
	return 0;
}

int moddep_lookup(struct moddep *m, const char *name_or_alias, struct strv *names)
{
	struct lookup *lk;
	int r = lookup(m, name_or_alias, &lk);

	for (size_t i = 0; r >= 0 && i < lk->n; i++)
		if (!strv_contains(names, lk->mods[i]->name))
			r = strv_push(names, lk->mods[i]->name);
	for (size_t i = 0; r >= 0 && i < lk->builtins.n; i++)
		if (!strv_contains(names, lk->builtins.v[i]))
			r = strv_push(names, lk->builtins.v[i]);
	return r;
}

/* A line's module name as libkmod derives it from the path: the file name up to its
 * first '.', dashes read as underscores (not copied: a span of the line). */
static const char *depline_name(const struct depline *d, size_t *ret_len)
{
	const char *base = strrchr(d->relpath, '/');

	base = base ? base + 1 : d->relpath;
	*ret_len = strcspn(base, ".");
	return base;
}

static char dash_as_underscore(char c)
{
	return c == '-' ? '_' : c;
}

static size_t hash_name(const char *s, size_t len)
{
	size_t h = (size_t)14695981039346656037ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)dash_as_underscore(s[i])) *
		    (size_t)1099511628211ull;
	return h;
}

/* The slot of the module name `name` (len bytes, dashes or underscores) in the name
 * table: its line, or the empty slot it would take. */
static struct depline **name_slot(const struct moddep *m, const char *name, size_t len)
{
	size_t mask = m->deptable_size - 1;

	for (size_t i = hash_name(name, len) & mask;; i = (i + 1) & mask) {
		const struct depline *d = m->nametable[i];
		size_t dlen, k = 0;
		if (!d)
			return &m->nametable[i];
		const char *dname = depline_name(d, &dlen);
		while (k < len && k < dlen &&
		       dash_as_underscore(dname[k]) == dash_as_underscore(name[k]))
			k++;
		if (k == len && k == dlen)
			return &m->nametable[i];
	}
}

/* modules.dep's lines by module name: a few thousand slots, no copies. */
static int load_names(struct moddep *m)
{
	int r = m->deplines_loaded ? 0 : load_deplines(m);

	m->names_loaded = 1;
	if (r < 0 || !m->deptable)
		return r;
	m->nametable = calloc(m->deptable_size, sizeof(*m->nametable));
	if (!m->nametable)
		return -ENOMEM;
	for (size_t i = 0; i < m->ndeplines; i++) {
		size_t len;
		const char *name = depline_name(&m->deplines[i], &len);
		struct depline **slot = name_slot(m, name, len);
		if (!*slot) /* a repeated name: the first line counts, as for libkmod */
			*slot = &m->deplines[i];
	}
	return 0;
}

/* A word made only of a module name's characters: no alias pattern, no modalias. */
static bool is_plain_name(const char *word)
{
	size_t n = strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"0123456789_-");
	return n && !word[n];
}

/* The alias indexes libkmod mapped, mapped again for modalias_match(). */
static void load_alias_indexes(struct moddep *m)
{
	_cleanup_free_ char *path = NULL, *builtin = NULL;

	m->alias_indexes_loaded = 1;
	if (asprintf(&path, "%s/modules.alias.bin", m->src.kmoddir) < 0 ||
	    asprintf(&builtin, "%s/modules.builtin.alias.bin", m->src.kmoddir) < 0)
		return;
	if (modalias_open(path, &m->alias_index) < 0)
		return;
	int r = modalias_open(builtin, &m->builtin_alias_index);
	m->builtin_aliases_absent = r == -ENOENT;
}

/* A modalias ("pci:v...", "acpi:PNP0A03:"): a ':', no class or escape, plain ASCII;
 * libkmod's lookup reads it with dashes as underscores. */
static char *modalias_key(const char *word)
{
	if (!strchr(word, ':') || !strncmp(word, "symbol:", 7))
		return NULL;
	for (const char *p = word; *p; p++)
		if (*p < ' ' || *p > '~' || strchr("[]\\", *p))
			return NULL;
	char *key = strdup(word);
	for (char *p = key; p && *p; p++)
		if (*p == '-')
			*p = '_';
	return key;
}

/*
 * libkmod's answer for a modalias when nothing before the alias indexes can answer it
 * (no modprobe.d alias or command of that name): the modules of the patterns that
 * match it, else the built-in modules whose patterns do. 1 answered (into names), 0
 * ask libkmod (something here is not as expected), negative errno.
 */
static int modalias_names(struct moddep *m, const char *word, struct strv *names)
{
	_cleanup_free_ char *key = modalias_key(word);
	_cleanup_(strv_clear) struct strv found = STRV_INIT;
	int builtin = 0, r;

	if (!key || modconf_aliased(m->conf, key) || modconf_commanded(m->conf, key))
		return 0;
	if (!m->alias_indexes_loaded)
		load_alias_indexes(m);
	if (!m->alias_index)
		return 0;
	r = modalias_match(m->alias_index, key, &found);
	if (r >= 0 && !found.n) {
		if (!m->builtin_alias_index)
			return m->builtin_aliases_absent;
		builtin = 1;
		r = modalias_match(m->builtin_alias_index, key, &found);
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	/* A loadable module is in modules.dep, a built-in one is not; else libkmod says.
	 */
	for (size_t i = 0; i < found.n; i++) {
		int listed = *name_slot(m, found.v[i], strlen(found.v[i])) != NULL;
		if (listed == builtin)
			return 0;
	}
	for (size_t i = 0; r >= 0 && i < found.n; i++)
		if (!strv_contains(names, found.v[i]))
			r = strv_push(names, found.v[i]);
	return r < 0 ? r : 1;
}

int moddep_names(struct moddep *m, const char *name_or_alias, struct strv *names)
{
	int r = m->names_loaded ? 0 : load_names(m);

	if (r < 0)
		return r;
	if (m->nametable && !is_plain_name(name_or_alias)) {
		r = modalias_names(m, name_or_alias, names);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	if (!m->nametable || !is_plain_name(name_or_alias))
		return moddep_lookup(m, name_or_alias, names);
	_cleanup_free_ char *name = strdup(name_or_alias);
	if (!name)
		return -ENOMEM;
	modname_normalise(name);
	/* libkmod answers modprobe.d's aliases first, then modules.dep's names. */
	if (modconf_aliased(m->conf, name) || !*name_slot(m, name, strlen(name)))
		return moddep_lookup(m, name_or_alias, names);
	return strv_contains(names, name) ? 0 : strv_push(names, name);
}

int moddep_preload(struct moddep *m)
{
	int r = m->names_loaded ? 0 : load_names(m); /* and the lines */

	if (r < 0)
		return r;
	if (!m->alias_indexes_loaded)
		load_alias_indexes(m);
	return modstage_preload(&m->src);
}

int moddep_is_builtin(struct moddep *m, const char *name)
{
	struct lookup *lk;
	int r = lookup(m, name, &lk);

	return r < 0 ? r : strv_contains(&lk->builtins, name);
}

void moddep_keep_compressed(struct moddep *m, enum modcompress_mode mode,
			    struct stage *segment)
{
	m->kernel.mode = mode;
	m->closure.keep = segment && mode != MODCOMPRESS_DECOMPRESS ? &m->kernel : NULL;
	m->closure.keep_stage = m->closure.keep ? segment : NULL;
}

void moddep_lazy(struct moddep *m, bool lazy)
{
	m->closure.lazy = lazy && m->closure.keep_stage;
}

size_t moddep_lazy_count(const struct moddep *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->closure.norder; i++)
		n += m->closure.order[i]->lazy;
	return n;
}

const struct modcompress *moddep_kernel_compress(const struct moddep *m)
{
	return &m->kernel;
}

size_t moddep_kept_compressed(const struct moddep *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->closure.norder; i++)
		n += m->closure.order[i]->image_relpath && !m->closure.order[i]->lazy;
	return n;
}
