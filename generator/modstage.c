/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The resolved module closure into the image: files, plan, indexes, builtin lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "log.h"
#include "moddep-internal.h"
#include "modindex.h"
#include "plan.h"
#include "strv.h"
#include "sysroot.h"
#include "util.h"

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
static int params_of(const struct moddep *m, const struct mod *mod, char **ret)
{
	size_t size;
	char *s = NULL;
	FILE *f = open_memstream(&s, &size);
	if (!f)
		return -ENOMEM;
	int first = 1;
	for (size_t i = 0; i < m->noptions; i++)
		if (streq(m->options[i].name, mod->name)) {
			fprintf(f, "%s%s", first ? "" : " ", m->options[i].value);
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

int modstage_plan_flags(const struct mod *mod, char *buf)
{
	char *p = buf;
	/* The soonest wins: at boot, on a device's match, for a person, on request. */
	if (mod->in_always)
		*p++ = ABI_FLAG_ALWAYS;
	else if (mod->match && !mod->match_console)
		*p++ = ABI_FLAG_MATCH;
	else if (mod->in_console || mod->match) {
		*p++ = mod->in_console ? ABI_FLAG_ALWAYS : ABI_FLAG_MATCH;
		*p++ = ABI_FLAG_CONSOLE;
	} else if (mod->request)
		*p++ = ABI_FLAG_REQUEST;
	if (!mod->in_required && mod->in_optional)
		*p++ = ABI_FLAG_OPTIONAL;
	if (!mod->in_required && !mod->in_optional)
		*p++ = ABI_FLAG_SOFTDEP;
	if (mod->image_relpath)
		*p++ = ABI_FLAG_COMPRESSED;
	*p = '\0';
	return 0;
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

static int build_plan(struct moddep *m, struct plan *p)
{
	int r = plan_add_fact(p, "generator", "mkinitramfs " MKINITRAMFS_VERSION);
	if (r < 0)
		return r;
	_cleanup_free_ size_t *deps = calloc(m->norder + 1, sizeof(*deps));
	if (!deps)
		return -ENOMEM;
	static unsigned stamp;
	for (size_t i = 0; i < m->norder; i++) {
		struct mod *mod = m->order[i];
		_cleanup_free_ char *params = NULL, *path = NULL;
		char flags[8];
		size_t ndeps;
		modstage_plan_flags(mod, flags);
		r = before_of(mod, ++stamp, deps, &ndeps);
		if (r < 0)
			return r;
		qsort(deps, ndeps, sizeof(*deps), compare_size);
		r = params_of(m, mod, &params);
		if (r < 0)
			return r;
		if (asprintf(&path, "/lib/modules/%s/%s", m->kver, image_relpath(mod)) <
		    0)
			return -ENOMEM;
		r = plan_add_module(p, mod->name, path, flags, deps, ndeps, params);
		if (r == -E2BIG) {
			char name[256];
			return moddep_fail(
				m, r,
				"module '%s': its plan line (%zu module(s) to load before it, %zu bytes of parameters) is longer than the %d bytes the init reads",
				log_escape(mod->name, name, sizeof(name)), ndeps,
				strlen(params), ABI_PLAN_MAX_LINE - 1);
		}
		if (r < 0) {
			moddep_set_subject(m, mod->name);
			return r;
		}
	}
	for (size_t i = 0; i < m->norder; i++) {
		struct mod *mod = m->order[i];
		if (!mod->match && !mod->request)
			continue;
		const struct mod *root = mod->match_root ? mod->match_root : mod;
		r = add_alias_records(p, aliases_of(root), mod->index);
		if (r < 0) {
			moddep_set_subject(m, mod->name);
			return r;
		}
	}
	return 0;
}

static int stage_plan(struct moddep *m, struct stage *stage,
		      const struct plan_handlers *h)
{
	struct plan *p = NULL;
	int r = plan_new(m->kver, &p);
	if (r < 0)
		return r;
	const char *text;
	size_t size;
	r = build_plan(m, p);
	if (r >= 0)
		r = plan_add_handlers(p, h);
	if (r >= 0)
		r = plan_render(p, &text, &size);
	if (r >= 0)
		r = stage_add_data(stage, ABI_PLAN_PATH, 0644, text, size);
	plan_free(p);
	return r;
}

/* A missing file of the tree is empty, as depmod leaves some out. */
static int read_text(struct moddep *m, const char *name, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (asprintf(&path, "/lib/modules/%s/%s", m->kver, name) < 0)
		return -ENOMEM;
	r = sysroot_read(m->root, path, SYSROOT_READ_MAX, ret, ret_size);
	if (r == -ENOENT) {
		*ret = NULL;
		*ret_size = 0;
		return 0;
	}
	if (r < 0)
		return moddep_fail(m, r, "cannot read '%s/%s': %s", m->moddir, name,
				   sysroot_strerror(r));
	return 0;
}

static int load_tree_file(struct moddep *m, size_t which, const struct tree_file **ret)
{
	struct tree_file *t = &m->files[which];
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

static int stage_indexes(struct moddep *m, struct stage *stage)
{
	struct modindex_module *v = calloc(m->norder + 1, sizeof(*v));
	const char **deps = NULL;
	size_t total = 0;
	for (size_t i = 0; i < m->norder; i++)
		total += m->order[i]->nedges;
	deps = calloc(total + 1, sizeof(*deps));
	const struct tree_file *order = NULL;
	struct modindex_text t = {0};
	int r = v && deps ? 0 : -ENOMEM;
	if (r >= 0)
		r = load_tree_file(m, TREE_ORDER, &order);
	for (size_t i = 0, d = 0; r >= 0 && i < m->norder; i++) {
		const struct mod *mod = m->order[i];
		const struct softdep_rule *rule = modconf_find_rule(m, mod->name);
		const struct strv *al = aliases_of(mod);
		v[i] = (struct modindex_module){
			.name = mod->name,
			.relpath = image_relpath(mod),
			.deps = deps + d,
			.aliases = al ? (const char *const *)al->v : NULL,
			.naliases = al ? al->n : 0,
			.softdep =
				rule && (rule->pre.n || rule->post.n) ? rule->text : NULL,
		};
		/* depmod's modules.dep lists the last-loaded dependency first. */
		for (size_t e = mod->nedges; e-- > 0;)
			if (mod->edges[e].kind == EDGE_HARD) {
				deps[d++] = image_relpath(mod->edges[e].to);
				v[i].ndeps++;
			}
	}
	if (r >= 0)
		r = modindex_render(v, m->norder, order->data, &t);
	if (r >= 0)
		r = stage_text(stage, m->kver, "modules.dep", t.dep);
	if (r >= 0)
		r = stage_text(stage, m->kver, "modules.alias", t.alias);
	if (r >= 0)
		r = stage_text(stage, m->kver, "modules.softdep", t.softdep);
	if (r >= 0)
		r = stage_text(stage, m->kver, "modules.order", t.order);
	modindex_text_clear(&t);
	free(v);
	free(deps);
	return r;
}

/* Builtins are builtins whatever the subset: the tree's own lists, as they are. */
static int stage_builtin_lists(struct moddep *m, struct stage *stage)
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
		if (asprintf(&dst, "lib/modules/%s/%s", m->kver,
			     tree_file_names[lists[i]]) < 0)
			return -ENOMEM;
		r = stage_add_data(stage, dst, 0644, t->data, t->size);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Decide, for this build, whether the module file goes in as it is (compressed, the
 * kernel decompresses it): then its image path keeps the suffix.
 */
static int choose_form(struct moddep *m, struct mod *mod)
{
	free(mod->image_relpath);
	mod->image_relpath = NULL;
	if (!m->keep || !mod->compressed || !modcompress_keep(m->keep, mod->path))
		return 0;
	const char *suffix = modcompress_suffix(mod->path);
	if (asprintf(&mod->image_relpath, "%s%s", mod->relpath, suffix) < 0) {
		mod->image_relpath = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* A module file that would fail finit_module() at boot: refuse it now, naming it. */
int modstage_closure(struct moddep *m, struct stage *stage, const struct plan_handlers *h)
{
	int r;

	for (size_t i = 0; i < m->norder; i++) {
		r = choose_form(m, m->order[i]);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < m->norder; i++) {
		const struct mod *mod = m->order[i];
		_cleanup_free_ char *dst = NULL;
		/*
		 * Its contents were checked (a regular file inside the root,
		 * decompressed, a relocatable ELF) when its modinfo was read during
		 * resolution, through the descriptor whose inode the image is written
		 * from (or nothing).
		 */
		if (asprintf(&dst, "lib/modules/%s/%s", m->kver, image_relpath(mod)) < 0)
			return -ENOMEM;
		if (mod->image_relpath)
			r = stage_add_file_checked(m->keep_stage, dst, 0644, mod->real,
						   &mod->st);
		else if (mod->compressed)
			r = stage_add_compressed_checked(stage, dst, 0644, mod->real,
							 &mod->st);
		else
			r = stage_add_file_checked(stage, dst, 0644, mod->real, &mod->st);
		if (r < 0) {
			moddep_set_subject(m, dst);
			return r;
		}
	}
	r = firmware_stage(&m->fw, stage);
	if (r < 0)
		return r;
	r = stage_plan(m, stage, h);
	if (r >= 0)
		r = stage_indexes(m, stage);
	if (r >= 0)
		r = stage_builtin_lists(m, stage);
	return r;
}

int modstage_preload(struct moddep *m)
{
	int r = 0;
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(m->files); i++)
		r = load_tree_file(m, i, NULL);
	return r;
}

void modstage_clear(struct moddep *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(m->files); i++)
		free(m->files[i].data);
}
