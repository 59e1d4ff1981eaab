/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Module configuration: modprobe.d softdeps, options and blacklist, not the host's. */
#include <fcntl.h>
#include <fnmatch.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inputjournal.h"
#include "kmodlib.h"
#include "modconf.h"
#include "modname.h"
#include "strv.h"
#include "util.h"

/*
 * libkmod also reads the build host's /proc/cmdline (mod.param=, modprobe.blacklist=).
 * Those are the running machine's, not the image's: find them, the way libkmod splits
 * the line, so that they can be taken out again.
 */
static int read_kcmdline(struct strv *options, struct strv *blacklist)
{
	char buf[4096];
	_cleanup_close_ int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	injournal_note_content("/proc/cmdline");
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	char *save = NULL;
	for (char *tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		char *dot = strchr(tok, '.'), *eq = strchr(tok, '=');
		if (!dot || !eq || eq < dot || strchr(tok, '"'))
			continue;
		*dot = '\0';
		modname_normalise(tok);
		int r;
		if (streq(tok, "modprobe") && !strncmp(dot + 1, "blacklist=", 10)) {
			char *s2 = NULL;
			for (char *b = strtok_r(eq + 1, ",", &s2); b;
			     b = strtok_r(NULL, ",", &s2)) {
				_cleanup_free_ char *name = strdup(b);
				if (!name)
					return -ENOMEM;
				modname_normalise(name);
				r = strv_push(blacklist, name);
				if (r < 0)
					return r;
			}
			continue;
		}
		char *pair = NULL;
		if (asprintf(&pair, "%s\t%s", tok, dot + 1) < 0)
			return -ENOMEM;
		r = strv_push_take(options, pair);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Remove one occurrence of `s` from `v`: is this entry the host's command line's? */
static int strv_take_out(struct strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i][0] && streq(v->v[i], s)) {
			v->v[i][0] = '\0';
			return 1;
		}
	return 0;
}

static int push_word(struct softdep_rule *rule, struct strv **mode, const char *w)
{
	if (streq(w, "pre:"))
		*mode = &rule->pre;
	else if (streq(w, "post:"))
		*mode = &rule->post;
	else if (*mode)
		return strv_push(*mode, w);
	return 0;
}

/* Rebuild the softdep line from the words, as modules.softdep spells it. */
static int join_softdep(struct softdep_rule *rule)
{
	size_t size;
	char *s = NULL;
	FILE *f = open_memstream(&s, &size);
	if (!f)
		return -ENOMEM;
	if (rule->pre.n)
		fputs("pre:", f);
	for (size_t i = 0; i < rule->pre.n; i++)
		fprintf(f, " %s", rule->pre.v[i]);
	if (rule->post.n)
		fputs(rule->pre.n ? " post:" : "post:", f);
	for (size_t i = 0; i < rule->post.n; i++)
		fprintf(f, " %s", rule->post.v[i]);
	if (fclose(f) != 0) {
		free(s);
		return -ENOMEM;
	}
	free(rule->text);
	rule->text = s;
	return 0;
}

static int split_softdep(struct softdep_rule *rule)
{
	_cleanup_free_ char *copy = strdup(rule->text);
	if (!copy)
		return -ENOMEM;
	struct strv *mode = NULL;
	char *save = NULL;
	/*
	 * Words before "pre:" or "post:" are ignored, as libkmod does. libkmod 30's
	 * iterator glues the last pre word to "post:" ("pre: apost: b"): split it again.
	 */
	for (char *w = strtok_r(copy, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		size_t n = strlen(w);
		int r;
		if (n > 5 && streq(w + n - 5, "post:")) {
			w[n - 5] = '\0';
			r = push_word(rule, &mode, w);
			if (r < 0)
				return r;
			r = push_word(rule, &mode, "post:");
		} else
			r = push_word(rule, &mode, w);
		if (r < 0)
			return r;
	}
	return join_softdep(rule);
}

static void iter_freep(struct kmod_config_iter **it)
{
	if (*it)
		kmodlib.config_iter_free_iter(*it);
}

static int load_softdeps(struct modconf *m, struct kmod_ctx *ctx)
{
	_cleanup_(iter_freep) struct kmod_config_iter *it =
		kmodlib.config_get_softdeps(ctx);

	if (!it)
		return -ENOMEM;
	while (kmodlib.config_iter_next(it)) {
		struct softdep_rule *v =
			realloc(m->rules, (m->nrules + 1) * sizeof(*m->rules));
		if (!v)
			return -ENOMEM;
		m->rules = v;
		struct softdep_rule *rule = &m->rules[m->nrules++];
		*rule = (struct softdep_rule){
			.pattern = strdup(kmodlib.config_iter_get_key(it)),
			.text = strdup(kmodlib.config_iter_get_value(it))};
		if (!rule->pattern || !rule->text)
			return -ENOMEM;
		int r = split_softdep(rule);
		if (r < 0)
			return r;
	}
	return 0;
}

/* modprobe.d's options, but those the kernel command line gives (`kopts`) itself. */
static int load_options(struct modconf *m, struct kmod_ctx *ctx, struct strv *kopts)
{
	_cleanup_(iter_freep) struct kmod_config_iter *it =
		kmodlib.config_get_options(ctx);

	if (!it)
		return -ENOMEM;
	while (kmodlib.config_iter_next(it)) {
		const char *key = kmodlib.config_iter_get_key(it);
		const char *value = kmodlib.config_iter_get_value(it);
		_cleanup_free_ char *pair = NULL;
		if (asprintf(&pair, "%s\t%s", key, value) < 0)
			return -ENOMEM;
		modname_normalise(pair);
		if (strv_take_out(kopts, pair))
			continue;
		struct option *v = realloc(m->options, (m->noptions + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->options = v;
		struct option *o = &m->options[m->noptions++];
		*o = (struct option){.name = strdup(key), .value = strdup(value)};
		if (!o->name || !o->value)
			return -ENOMEM;
		modname_normalise(o->name);
	}
	return 0;
}

/* modprobe.d's blacklist, but those the kernel command line gives (`kblack`). */
static int load_blacklist(struct modconf *m, struct kmod_ctx *ctx, struct strv *kblack)
{
	_cleanup_(iter_freep) struct kmod_config_iter *it =
		kmodlib.config_get_blacklists(ctx);

	if (!it)
		return -ENOMEM;
	while (kmodlib.config_iter_next(it)) {
		char *name = strdup(kmodlib.config_iter_get_key(it));
		if (!name)
			return -ENOMEM;
		modname_normalise(name);
		if (strv_take_out(kblack, name) ||
		    tfind(name, &m->blacklist, modname_compare)) {
			free(name);
			continue;
		}
		if (!tsearch(name, &m->blacklist, modname_compare)) {
			free(name);
			return -ENOMEM;
		}
	}
	return 0;
}

/* The keys of one of libkmod's configuration lists, into `keys`. */
static int load_keys(struct kmod_config_iter *it, struct strv *keys)
{
	if (!it)
		return -ENOMEM;
	while (kmodlib.config_iter_next(it)) {
		int r = strv_push(keys, kmodlib.config_iter_get_key(it));
		if (r < 0)
			return r;
	}
	return 0;
}

/* The names libkmod's lookup answers before the modules' own names and aliases: alias
 * lines (normalised by libkmod), install and remove commands. */
static int load_lookup_keys(struct modconf *m, struct kmod_ctx *ctx)
{
	_cleanup_(iter_freep) struct kmod_config_iter *aliases =
		kmodlib.config_get_aliases(ctx);
	_cleanup_(iter_freep) struct kmod_config_iter *install =
		kmodlib.config_get_install_commands(ctx);
	_cleanup_(iter_freep) struct kmod_config_iter *remove =
		kmodlib.config_get_remove_commands(ctx);
	int r = load_keys(aliases, &m->aliases);

	if (r >= 0)
		r = load_keys(install, &m->commands);
	return r < 0 ? r : load_keys(remove, &m->commands);
}

static int load(struct modconf *m, struct kmod_ctx *ctx)
{
	_cleanup_(strv_clear) struct strv kopts = STRV_INIT, kblack = STRV_INIT;
	int r = read_kcmdline(&kopts, &kblack);

	if (r < 0)
		return r;
	r = load_softdeps(m, ctx);
	if (r < 0)
		return r;
	r = load_options(m, ctx, &kopts);
	if (r < 0)
		return r;
	r = load_lookup_keys(m, ctx);
	if (r < 0)
		return r;
	return load_blacklist(m, ctx, &kblack);
}

void modconf_free(struct modconf *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nrules; i++) {
		free(m->rules[i].pattern);
		free(m->rules[i].text);
		strv_clear(&m->rules[i].pre);
		strv_clear(&m->rules[i].post);
	}
	free(m->rules);
	for (size_t i = 0; i < m->noptions; i++) {
		free(m->options[i].name);
		free(m->options[i].value);
	}
	free(m->options);
	tdestroy(m->blacklist, free);
	strv_clear(&m->aliases);
	strv_clear(&m->commands);
	free(m);
}

int modconf_new(struct kmod_ctx *ctx, struct modconf **ret)
{
	struct modconf *conf = calloc(1, sizeof(*conf));
	int r;

	if (!conf)
		return -ENOMEM;
	r = load(conf, ctx);
	if (r < 0) {
		modconf_free(conf);
		return r;
	}
	*ret = conf;
	return 0;
}

int modconf_blacklisted(const struct modconf *conf, const char *name)
{
	return tfind(name, &conf->blacklist, modname_compare) != NULL;
}

int modconf_aliased(const struct modconf *m, const char *name)
{
	for (size_t i = 0; i < m->aliases.n; i++)
		if (fnmatch(m->aliases.v[i], name, 0) == 0)
			return 1;
	return 0;
}

int modconf_commanded(const struct modconf *m, const char *name)
{
	return strv_contains(&m->commands, name);
}

const struct softdep_rule *modconf_find_rule(const struct modconf *m, const char *name)
{
	for (size_t i = 0; i < m->nrules; i++)
		if (fnmatch(m->rules[i].pattern, name, 0) == 0)
			return &m->rules[i];
	return NULL;
}
