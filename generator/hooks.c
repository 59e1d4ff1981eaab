/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Build hooks: declarative files that say what goes into an image. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hooks.h"
#include "inputjournal.h"
#include "locate.h"
#include "log.h"
#include "util.h"

const char *const hooks_keys[] = {"HELP",     "MODULES",     "MODULES_MATCH", "FILES",
				  "BINARIES", "APPLETS",     "AUTODETECT",    "MICROCODE",
				  "FSCK",     "HELPERS",     "MDADM",	      "LOAD",
				  "KEYMAP",   "CONSOLEFONT", "LVM",	      NULL};

static int push_dir(struct strv *dirs, const char *dir)
{
	return strv_contains(dirs, dir) ? 0 : strv_push(dirs, dir);
}

int hooks_default_dirs(struct strv *ret)
{
	_cleanup_(strv_clear) struct strv dirs = STRV_INIT;
	const char *env = getenv("MKINITRAMFS_HOOKS_DIR");
	_cleanup_free_ char *shipped = NULL;
	int r;

	r = push_dir(&dirs, MKINITRAMFS_SYSCONFDIR "/mkinitramfs/hooks");
	if (r < 0)
		return r;
	if (env && *env) {
		r = push_dir(&dirs, env);
		if (r < 0)
			return r;
	}
	r = locate_hooks_dir(&shipped);
	if (r < 0)
		return r;
	r = push_dir(&dirs, shipped);
	if (r < 0)
		return r;
	*ret = dirs;
	dirs = (struct strv)STRV_INIT;
	return 0;
}

static int valid_hook_name(const char *name)
{
	if (!*name || name[0] == '.')
		return 0;
	for (const char *p = name; *p; p++)
		if (*p == '/')
			return 0;
	return 1;
}

static int find_hook(const char *name, const struct strv *dirs, char **ret)
{
	for (size_t i = 0; i < dirs->n; i++) {
		char *path;
		if (asprintf(&path, "%s/%s", dirs->v[i], name) < 0)
			return -ENOMEM;
		injournal_note(path); /* one appearing in an earlier directory wins */
		if (access(path, F_OK) == 0) {
			*ret = path;
			return 0;
		}
		free(path);
	}
	return -ENOENT;
}

static int copy_list(const struct conf *conf, const char *key, struct strv *out)
{
	const struct strv *v = conf_get(conf, key);
	for (size_t i = 0; v && i < v->n; i++) {
		int r = strv_push(out, v->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int is_yes(const struct conf *conf, const char *key)
{
	const char *v = conf_get_string(conf, key);
	return v && (streq(v, "yes") || streq(v, "1") || streq(v, "true"));
}

static int parse_load(const struct conf *conf, struct hook *hook, struct conf_error *err)
{
	static const char *const words[] = {[HOOK_LOAD_BOOT] = "boot",
					    [HOOK_LOAD_REQUEST] = "request",
					    [HOOK_LOAD_CONSOLE] = "console",
					    [HOOK_LOAD_EARLY] = "early"};
	const char *v = conf_get_string(conf, "LOAD");

	for (size_t i = 0; v && i < ARRAY_SIZE(words); i++)
		if (streq(v, words[i])) {
			hook->load = (enum hook_load)i;
			return 0;
		}
	char esc[256];

	if (!v)
		return 0;
	snprintf(err->message, sizeof(err->message),
		 "%s: LOAD='%s' is not one of boot, early, request, console", hook->path,
		 log_escape(v, esc, sizeof(esc)));
	return -EINVAL;
}

/* A scalar the hook may set; NULL when it does not. */
static int copy_string(const struct conf *conf, const char *key, char **ret)
{
	const char *v = conf_get_string(conf, key);

	if (!v)
		return 0;
	*ret = strdup(v);
	return *ret ? 0 : -ENOMEM;
}

static int hook_from_conf(const struct conf *conf, struct hook *hook)
{
	const char *help = conf_get_string(conf, "HELP");
	int r;

	hook->help = strdup(help ? help : "");
	if (!hook->help)
		return -ENOMEM;
	const struct {
		const char *key;
		struct strv *list;
	} lists[] = {
		{"MODULES", &hook->modules}, {"MODULES_MATCH", &hook->modules_match},
		{"FILES", &hook->files},     {"BINARIES", &hook->binaries},
		{"APPLETS", &hook->applets}, {"HELPERS", &hook->helpers},
	};
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		r = copy_list(conf, lists[i].key, lists[i].list);
		if (r < 0)
			return r;
	}
	r = copy_string(conf, "KEYMAP", &hook->keymap);
	if (r < 0)
		return r;
	r = copy_string(conf, "CONSOLEFONT", &hook->consolefont);
	if (r < 0)
		return r;
	hook->autodetect = is_yes(conf, "AUTODETECT");
	hook->microcode = is_yes(conf, "MICROCODE");
	hook->fsck = is_yes(conf, "FSCK");
	hook->mdadm = is_yes(conf, "MDADM");
	hook->lvm = is_yes(conf, "LVM");
	return 0;
}

int hooks_load(const char *name, const struct strv *dirs, struct hook **ret,
	       struct conf_error *err)
{
	_cleanup_(conf_freep) struct conf *conf = NULL;
	_cleanup_(hooks_freep) struct hook *hook = NULL;
	int r;

	if (!valid_hook_name(name))
		return -ENOENT;
	hook = calloc(1, sizeof(*hook));
	if (!hook)
		return -ENOMEM;
	hook->name = strdup(name);
	if (!hook->name)
		return -ENOMEM;
	r = find_hook(name, dirs, &hook->path);
	if (r < 0)
		return r;
	r = conf_new(&conf);
	if (r < 0)
		return r;
	r = conf_load_file(conf, hook->path, hooks_keys, err);
	if (r < 0)
		return r;
	r = hook_from_conf(conf, hook);
	if (r < 0)
		return r;
	r = parse_load(conf, hook, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(hook);
	return 0;
}

void hooks_free(struct hook *hook)
{
	if (!hook)
		return;
	free(hook->name);
	free(hook->path);
	free(hook->help);
	strv_clear(&hook->modules);
	strv_clear(&hook->modules_match);
	strv_clear(&hook->files);
	strv_clear(&hook->binaries);
	strv_clear(&hook->applets);
	strv_clear(&hook->helpers);
	free(hook->keymap);
	free(hook->consolefont);
	free(hook);
}

int hooks_exists(const char *name, const struct strv *dirs)
{
	_cleanup_free_ char *path = NULL;
	if (!valid_hook_name(name))
		return 0;
	int r = find_hook(name, dirs, &path);
	return r == -ENOENT ? 0 : r < 0 ? r : 1;
}

int hooks_names(const struct strv *dirs, struct strv *names)
{
	for (size_t i = 0; i < dirs->n; i++) {
		DIR *d = opendir(dirs->v[i]);
		struct dirent *de;
		injournal_note(dirs->v[i]);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (!valid_hook_name(de->d_name) ||
			    strv_contains(names, de->d_name))
				continue;
			int r = strv_push(names, de->d_name);
			if (r < 0) {
				closedir(d);
				return r;
			}
		}
		closedir(d);
	}
	strv_sort(names);
	return 0;
}

int hooks_list(const struct strv *dirs, FILE *out)
{
	struct strv names = STRV_INIT;
	int r = hooks_names(dirs, &names);

	for (size_t i = 0; r >= 0 && i < names.n; i++) {
		struct hook *hook = NULL;
		struct conf_error err = {{0}};
		int k = hooks_load(names.v[i], dirs, &hook, &err);
		if (k < 0) {
			fprintf(out, "  %-14s (unreadable: %s)\n", names.v[i],
				*err.message ? err.message : strerror(-k));
			continue;
		}
		fprintf(out, "  %-14s %s\n", hook->name, hook->help);
		hooks_free(hook);
	}
	strv_clear(&names);
	return r;
}

static void describe_list(FILE *out, const char *title, const struct strv *v)
{
	if (!v->n)
		return;
	fprintf(out, "%s:\n", title);
	for (size_t i = 0; i < v->n; i++)
		fprintf(out, "  %s\n", v->v[i]);
}

void hooks_describe(const struct hook *hook, FILE *out)
{
	fprintf(out, "%s: %s\n(from %s)\n", hook->name, hook->help, hook->path);
	if (hook->autodetect)
		fputs("hooks after this one keep only the modules this machine needs\n",
		      out);
	if (hook->microcode)
		fputs("adds CPU microcode as an uncompressed early cpio\n", out);
	if (hook->fsck)
		fputs("adds the root filesystem's fsck.<type> and e2fsck, run by the fsck helper before mounting\n",
		      out);
	if (hook->lvm)
		fputs("adds lvm: the init activates LVM volume groups as their PVs appear\n",
		      out);
	if (hook->mdadm)
		fputs("adds mdadm: the init assembles md arrays as their members appear\n",
		      out);
	if (hook->load == HOOK_LOAD_REQUEST)
		fputs("in a generic image, its modules load only on request: the root's filesystem type, the kernel's request_module()\n",
		      out);
	if (hook->load == HOOK_LOAD_CONSOLE)
		fputs("in a generic image, its modules load only once a person must type: a passphrase prompt, the shell\n",
		      out);
	if (hook->load == HOOK_LOAD_EARLY)
		fputs("its modules load at boot, also in a host image whose root does not need them\n",
		      out);
	describe_list(out, "modules loaded at boot", &hook->modules);
	describe_list(out, "modules loaded when a device needs them",
		      &hook->modules_match);
	describe_list(out, "files", &hook->files);
	describe_list(out, "binaries", &hook->binaries);
	describe_list(out, "busybox applets", &hook->applets);
	describe_list(out, "helper programs", &hook->helpers);
	if (hook->keymap)
		fprintf(out, "console keymap: %s\n",
			streq(hook->keymap, "yes") ? "KEYMAP of /etc/vconsole.conf"
						   : hook->keymap);
	if (hook->consolefont)
		fprintf(out, "console font: %s\n",
			streq(hook->consolefont, "yes") ? "FONT of /etc/vconsole.conf"
							: hook->consolefont);
}
