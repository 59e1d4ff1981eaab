/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The resolved module closure into the image: files, plan, indexes, builtin lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "log.h"
#include "modules-internal.h"
#include "modindex.h"
#include "plan.h"
#include "strv.h"
#include "sysroot.h"
#include "util.h"

/* One staging of a closure: what it reads. */
struct staging {
	struct modsource *src;
	const struct modconf *conf;
	const struct modclosure *c;
};

/*
 * A failure logged where it happens (CODING_STYLE.md), as one message naming what
 * failed: `what` (a module's name or file, from the tree: escaped) or nothing.
 */
static int fail(const char *what, int r)
{
	char buf[1024];

	if (what && (r == -ENOEXEC || r == -EBADMSG))
		log_error("module file '%s' is %s", log_escape(what, buf, sizeof(buf)),
			  r == -EBADMSG ? "corrupt: it does not decompress"
					: "not a kernel module: truncated or not ELF");
	else if (what)
		log_error("cannot add the modules to the image: '%s': %s",
			  log_escape(what, buf, sizeof(buf)), strerror(-r));
	else
		log_error("cannot add the modules to the image: %s", strerror(-r));
	return r;
}

static const char *const tree_file_names[_TREE_FILES] = {
	[TREE_ORDER] = "modules.order",
	[TREE_BUILTIN] = "modules.builtin",
	[TREE_BUILTIN_MODINFO] = "modules.builtin.modinfo",
};

/* Its aliases, as modules.alias has them: depmod copies them from the modinfo that
 * resolution read anyway (so the tree's 1 MB modules.alias is never parsed). */
static const struct strv *aliases_of(const struct mod *mod)
{
	return &mod->aliases;
}

/* Options from modprobe.d first, then the parameters of the requests. */
static int params_of(const struct staging *m, const struct mod *mod, char **ret)
{
	size_t size;
	char *s = NULL;
	FILE *f = open_memstream(&s, &size);
	if (!f)
		return -ENOMEM;
	int first = 1;
	for (size_t i = 0; i < m->conf->noptions; i++)
		if (streq(m->conf->options[i].name, mod->name)) {
			fprintf(f, "%s%s", first ? "" : " ", m->conf->options[i].value);
			first = 0;
		}
	for (size_t i = 0; i < mod->params.n; i++) {
		fprintf(f, "%s%s", first ? "" : " ", mod->params.v[i]);
		first = 0;
	}
	if (fclose(f) != 0) {
		free(s);
		return -ENOMEM;
	}
	for (char *p = s; *p; p++)
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	*ret = s;
	return 0;
}

/* Where the module file is in the image, under lib/modules/<kver>/. */
static const char *image_relpath(const struct mod *mod)
{
	return mod->image_relpath ? mod->image_relpath : mod->relpath;
}

/*
 * The image's modules.dep name of the module: its file, but the .ko a 'u' module's
 * .ko.zst becomes (a person's modprobe in the shell cannot load the .zst, and the init
 * decompresses them all before it starts one).
 */
static const char *index_relpath(const struct mod *mod)
{
	return mod->lazy ? mod->relpath : image_relpath(mod);
}

/* Indexes of what must be loaded before `mod`: hard deps, pre softdeps and weak deps
 * placed before it, transitively. */
static int before_of(struct mod *mod, unsigned stamp, size_t *out, size_t *ret_n)
{
	size_t n = 0, sp = 0;
	struct mod **stack = malloc(sizeof(*stack) * (ABI_PLAN_MAX_MODULES + 1));
	if (!stack)
		return -ENOMEM;
	mod->stamp = stamp;
	stack[sp++] = mod;
	while (sp) {
		struct mod *x = stack[--sp];
		for (size_t e = 0; e < x->nedges; e++) {
			struct mod *to = x->edges[e].to;
			enum edge_kind k = x->edges[e].kind;
			if ((k != EDGE_HARD && k != EDGE_PRE && k != EDGE_WEAK) ||
			    to->stamp == stamp)
				continue;
			/* A weak dependency placed after its module (a cycle) is not one.
			 */
			if (k == EDGE_WEAK && to->index > x->index)
				continue;
			to->stamp = stamp;
			if (to->index < mod->index)
				out[n++] = to->index;
			stack[sp++] = to;
		}
	}
	free(stack);
	*ret_n = n;
	return 0;
}

static int compare_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

static int add_alias_records(struct plan *p, const struct strv *patterns, size_t index)
{
	for (size_t i = 0; patterns && i < patterns->n; i++) {
		int r = plan_add_alias(p, patterns->v[i], index);
		if (r < 0)
			return r;
	}
	return 0;
}

static int build_plan(struct staging *m, struct plan *p)
{
	int r = plan_add_fact(p, "generator", "mkinitramfs " MKINITRAMFS_VERSION);
	if (r < 0)
		return fail(NULL, r);
	_cleanup_free_ size_t *deps = calloc(m->c->norder + 1, sizeof(*deps));
	if (!deps)
		return fail(NULL, -ENOMEM);
	static unsigned stamp;
	for (size_t i = 0; i < m->c->norder; i++) {
		struct mod *mod = m->c->order[i];
		_cleanup_free_ char *params = NULL, *path = NULL;
		char flags[8];
		size_t ndeps;
		modplan_flags(mod, flags);
		r = before_of(mod, ++stamp, deps, &ndeps);
		if (r < 0)
			return fail(NULL, r);
		qsort(deps, ndeps, sizeof(*deps), compare_size);
		r = params_of(m, mod, &params);
		if (r < 0)
			return fail(NULL, r);
		if (asprintf(&path, "/lib/modules/%s/%s", m->src->kver,
			     image_relpath(mod)) < 0)
			return fail(NULL, -ENOMEM);
		r = plan_add_module(p, mod->name, path, flags, deps, ndeps, params);
		if (r == -E2BIG) {
			char name[256];
			log_error(
				"module '%s': its plan line (%zu module(s) to load before it, %zu bytes of parameters) is longer than the %d bytes the init reads",
				log_escape(mod->name, name, sizeof(name)), ndeps,
				strlen(params), ABI_PLAN_MAX_LINE - 1);
			return r;
		}
		if (r < 0)
			return fail(mod->name, r);
	}
	for (size_t i = 0; i < m->c->norder; i++) {
		struct mod *mod = m->c->order[i];
		if (!mod->match && !mod->request)
			continue;
		const struct mod *root = mod->match_root ? mod->match_root : mod;
		r = add_alias_records(p, aliases_of(root), mod->index);
		if (r < 0)
			return fail(mod->name, r);
	}
	return 0;
}

static int stage_plan(struct staging *m, struct stage *stage,
		      const struct plan_handlers *h)
{
	_cleanup_(plan_freep) struct plan *p = NULL;
	const char *text;
	size_t size;
	int r = plan_new(m->src->kver, &p);

	if (r < 0)
		return fail(NULL, r);
	r = build_plan(m, p); /* logs its failures */
	if (r < 0)
		return r;
	r = plan_add_handlers(p, h);
	if (r < 0)
		return fail(NULL, r);
	r = plan_render(p, &text, &size);
	if (r < 0)
		return fail(NULL, r);
	r = stage_add_data(stage, ABI_PLAN_PATH, 0644, text, size);
	if (r < 0)
		return fail(NULL, r);
	return 0;
}

/* A missing file of the tree is empty, as depmod leaves some out. */
static int read_text(struct staging *m, const char *name, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (asprintf(&path, "/lib/modules/%s/%s", m->src->kver, name) < 0)
		return log_error_errno(-ENOMEM, "cannot read '%s/%s'", m->src->moddir,
				       name);
	r = sysroot_read(m->src->root, path, SYSROOT_READ_MAX, ret, ret_size);
	if (r == -ENOENT) {
		*ret = NULL;
		*ret_size = 0;
		return 0;
	}
	if (r < 0) {
		log_error("cannot read '%s/%s': %s", m->src->moddir, name,
			  sysroot_strerror(r));
		return r;
	}
	return 0;
}

static int load_tree_file(struct staging *m, size_t which, const struct tree_file **ret)
{
	struct tree_file *t = &m->src->files[which];
	if (!t->loaded) {
		int r = read_text(m, tree_file_names[which], &t->data, &t->size);
		if (r < 0)
			return r;
		t->loaded = 1;
	}
	if (ret)
		*ret = t;
	return 0;
}

static int stage_text(struct stage *stage, const char *kver, const char *name,
		      const char *text)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "lib/modules/%s/%s", kver, name) < 0)
		return -ENOMEM;
	return stage_add_data(stage, path, 0644, text, strlen(text));
}

static int stage_indexes(struct staging *m, struct stage *stage)
{
	_cleanup_free_ struct modindex_module *v = calloc(m->c->norder + 1, sizeof(*v));
	_cleanup_free_ const char **deps = NULL;
	_cleanup_(modindex_text_clear) struct modindex_text t = {0};
	const struct tree_file *order = NULL;
	size_t total = 0;
	int r;

	for (size_t i = 0; i < m->c->norder; i++)
		total += m->c->order[i]->nedges;
	deps = calloc(total + 1, sizeof(*deps));
	if (!v || !deps)
		return fail(NULL, -ENOMEM);
	r = load_tree_file(m, TREE_ORDER, &order);
	if (r < 0)
		return r;
	for (size_t i = 0, d = 0; i < m->c->norder; i++) {
		const struct mod *mod = m->c->order[i];
		const struct softdep_rule *rule = modconf_find_rule(m->conf, mod->name);
		const struct strv *al = aliases_of(mod);
		v[i] = (struct modindex_module){
			.name = mod->name,
			.relpath = index_relpath(mod),
			.deps = deps + d,
			.aliases = al ? (const char *const *)al->v : NULL,
			.naliases = al ? al->n : 0,
			.softdep =
				rule && (rule->pre.n || rule->post.n) ? rule->text : NULL,
		};
		/* depmod's modules.dep lists the last-loaded dependency first. */
		for (size_t e = mod->nedges; e-- > 0;)
			if (mod->edges[e].kind == EDGE_HARD) {
				deps[d++] = index_relpath(mod->edges[e].to);
				v[i].ndeps++;
			}
	}
	r = modindex_render(v, m->c->norder, order->data, &t);
	if (r < 0)
		return fail(NULL, r);
	const char *const texts[][2] = {{"modules.dep", t.dep},
					{"modules.alias", t.alias},
					{"modules.softdep", t.softdep},
					{"modules.order", t.order}};
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		r = stage_text(stage, m->src->kver, texts[i][0], texts[i][1]);
		if (r < 0)
			return fail(NULL, r);
	}
	return 0;
}

/* Builtins are builtins whatever the subset: the tree's own lists, as they are. */
static int stage_builtin_lists(struct staging *m, struct stage *stage)
{
	static const size_t lists[] = {TREE_BUILTIN, TREE_BUILTIN_MODINFO};
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		const struct tree_file *t;
		_cleanup_free_ char *dst = NULL;
		int r = load_tree_file(m, lists[i], &t);
		if (r < 0)
			return r;
		if (!t->data)
			continue;
		if (asprintf(&dst, "lib/modules/%s/%s", m->src->kver,
			     tree_file_names[lists[i]]) < 0)
			return fail(NULL, -ENOMEM);
		r = stage_add_data(stage, dst, 0644, t->data, t->size);
		if (r < 0)
			return fail(NULL, r);
	}
	return 0;
}

/*
 * Decide, for this build, whether the module file goes in as it is (compressed, the
 * kernel decompresses it): then its image path keeps the suffix.
 */
static int choose_form(struct staging *m, struct mod *mod)
{
	free(mod->image_relpath);
	mod->image_relpath = NULL;
	mod->lazy = false;
	if (!m->c->keep || !mod->compressed || !modcompress_keep(m->c->keep, mod->path)) {
		/* 'a' modules load at every boot: the kernel unpacks them faster. */
		if (!m->c->lazy || mod->in_always)
			return 0;
		mod->lazy = true;
		if (asprintf(&mod->image_relpath, "%s.zst", mod->relpath) < 0) {
			mod->image_relpath = NULL;
			return -ENOMEM;
		}
		return 0;
	}
	const char *suffix = modcompress_suffix(mod->path);
	if (asprintf(&mod->image_relpath, "%s%s", mod->relpath, suffix) < 0) {
		mod->image_relpath = NULL;
		return -ENOMEM;
	}
	return 0;
}

/*
 * Below this many bytes of module files, the kernel decompresses them with the rest of
 * the image faster than the image carries the unzstd helper (240 KB) and runs it: an
 * image of a few on-demand modules keeps them in its compressed archive.
 */
#define LAZY_MIN_BYTES (4ull << 20)

/* The modules chosen for unzstd, unless there are too few bytes of them to gain. */
static void undo_small_lazy(struct staging *m)
{
	unsigned long long bytes = 0;

	for (size_t i = 0; i < m->c->norder; i++)
		if (m->c->order[i]->lazy)
			bytes += (unsigned long long)m->c->order[i]->size;
	if (bytes >= LAZY_MIN_BYTES)
		return;
	for (size_t i = 0; i < m->c->norder; i++) {
		struct mod *mod = m->c->order[i];

		if (!mod->lazy)
			continue;
		mod->lazy = false;
		free(mod->image_relpath);
		mod->image_relpath = NULL;
	}
}

/* A module file that would fail finit_module() at boot: refuse it now, naming it. */
int modstage_closure(struct modsource *src, const struct modconf *conf,
		     const struct modclosure *closure, struct stage *stage,
		     const struct plan_handlers *h)
{
	struct staging staging = {.src = src, .conf = conf, .c = closure};
	struct staging *m = &staging;
	int r;

	for (size_t i = 0; i < m->c->norder; i++) {
		r = choose_form(m, m->c->order[i]);
		if (r < 0)
			return fail(NULL, r);
	}
	undo_small_lazy(m);
	for (size_t i = 0; i < m->c->norder; i++) {
		struct mod *mod = m->c->order[i];
		_cleanup_free_ char *dst = NULL;

		/*
		 * Its contents were checked (a regular file inside the root,
		 * decompressed, a relocatable ELF) when its modinfo was read during
		 * resolution, through the descriptor whose inode the image is written
		 * from (or nothing).
		 */
		if (asprintf(&dst, "lib/modules/%s/%s", m->src->kver,
			     image_relpath(mod)) < 0)
			return fail(NULL, -ENOMEM);
		if (mod->lazy)
			r = stage_add_zstd_checked(m->c->keep_stage, dst, 0644, mod->real,
						   &mod->st);
		else if (mod->image_relpath)
			r = stage_add_file_checked(m->c->keep_stage, dst, 0644, mod->real,
						   &mod->st);
		else if (mod->compressed)
			r = stage_add_compressed_checked(stage, dst, 0644, mod->real,
							 &mod->st);
		else
			r = stage_add_file_checked(stage, dst, 0644, mod->real, &mod->st);
		if (r < 0)
			return fail(dst, r);
	}
	r = firmware_stage(&m->c->fw, stage);
	if (r < 0)
		return fail(NULL, r);
	r = stage_plan(m, stage, h);
	if (r < 0)
		return r;
	r = stage_indexes(m, stage);
	if (r < 0)
		return r;
	return stage_builtin_lists(m, stage);
}

int modstage_preload(struct modsource *src)
{
	struct staging m = {.src = src};
	int r = 0;

	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(src->files); i++)
		r = load_tree_file(&m, i, NULL);
	return r;
}

void modstage_clear(struct modsource *src)
{
	for (size_t i = 0; i < ARRAY_SIZE(src->files); i++)
		free(src->files[i].data);
}
