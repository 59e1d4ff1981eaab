/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presets: which images to build for a kernel, in mkinitcpio's preset format. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preset.h"
#include "util.h"

static const char *const image_suffixes[] = {"_image",	   "_kver",    "_config",
					     "_options",   "_uki",     "_efi_image",
					     "_microcode", "_cmdline", "_splash"};

static _printf_(2, 3) int fail(struct conf_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static const char *get_for(const struct conf *conf, const char *image, const char *suffix)
{
	char key[256];
	snprintf(key, sizeof(key), "%s%s", image, suffix);
	return conf_get_string(conf, key);
}

/* Split "-S autodetect,shell -z xz" (or an array) into words. */
static int option_words(const struct conf *conf, const char *image, struct strv *words)
{
	char key[256];
	snprintf(key, sizeof(key), "%s_options", image);
	const struct strv *v = conf_get(conf, key);
	for (size_t i = 0; v && i < v->n; i++) {
		_cleanup_free_ char *copy = strdup(v->v[i]);
		char *save = NULL;
		if (!copy)
			return -ENOMEM;
		for (char *w = strtok_r(copy, " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save)) {
			int r = strv_push(words, w);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int parse_image_options(const struct strv *words, struct preset_image *img,
			       const char *path, struct conf_error *err)
{
	for (size_t i = 0; i < words->n; i++) {
		const char *w = words->v[i],
			   *arg = i + 1 < words->n ? words->v[i + 1] : NULL;
		int r = 0;
		if (!streq(w, "-S") && !streq(w, "-A") && !streq(w, "-z") &&
		    !streq(w, "-c") && !streq(w, "-k"))
			return fail(
				err,
				"%s: %s_options: unsupported option '%s' (known: -A, -S, -z, -c, -k)",
				path, img->name, w);
		if (!arg)
			return fail(err, "%s: %s_options: option '%s' needs an argument",
				    path, img->name, w);
		i++;
		if (streq(w, "-S"))
			r = strv_push_split(&img->skip_hooks, arg, ",");
		else if (streq(w, "-A"))
			r = strv_push_split(&img->add_hooks, arg, ",");
		else {
			char **slot = streq(w, "-z")   ? &img->compress
				      : streq(w, "-c") ? &img->config
						       : &img->kver;
			free(*slot);
			*slot = strdup(arg);
			r = *slot ? 0 : -ENOMEM;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* The UKI of an image and its inputs; <name>_efi_image is mkinitcpio's old name. */
static int load_uki(const struct conf *conf, const char *name, struct preset_image *img)
{
	const char *uki = get_for(conf, name, "_uki");
	const char *cmdline = get_for(conf, name, "_cmdline");
	const char *splash = get_for(conf, name, "_splash");

	if (!uki)
		uki = get_for(conf, name, "_efi_image");
	if (!cmdline)
		cmdline = conf_get_string(conf, "ALL_cmdline");
	if (!splash)
		splash = conf_get_string(conf, "ALL_splash");
	img->uki = dup_or_null(uki);
	img->cmdline = dup_or_null(cmdline);
	img->splash = dup_or_null(splash);
	if ((uki && !img->uki) || (cmdline && !img->cmdline) || (splash && !img->splash))
		return -ENOMEM;
	return 0;
}

static int load_image(const struct conf *conf, const char *path, const char *name,
		      struct preset_image *img, struct conf_error *err)
{
	_cleanup_(strv_clear) struct strv words = STRV_INIT;
	const char *image = get_for(conf, name, "_image");
	const char *kver = get_for(conf, name, "_kver");
	const char *config = get_for(conf, name, "_config");
	int r;

	if (!kver)
		kver = conf_get_string(conf, "ALL_kver");
	if (!config)
		config = conf_get_string(conf, "ALL_config");
	img->name = strdup(name);
	if (!img->name)
		return -ENOMEM;
	r = load_uki(conf, name, img);
	if (r < 0)
		return r;
	if (!image && !img->uki)
		return fail(err, "%s: preset '%s' has no '%s_image' nor '%s_uki'", path,
			    name, name, name);
	if (!kver)
		return fail(err,
			    "%s: preset '%s' has no kernel: set 'ALL_kver' or '%s_kver'",
			    path, name, name);
	img->image = dup_or_null(image);
	img->kver = strdup(kver);
	img->config = dup_or_null(config);
	if ((image && !img->image) || !img->kver || (config && !img->config))
		return -ENOMEM;
	r = option_words(conf, name, &words);
	if (r < 0)
		return r;
	return parse_image_options(&words, img, path, err);
}

static int key_belongs(const char *key, const struct strv *presets)
{
	if (streq(key, "PRESETS") || streq(key, "ALL_kver") || streq(key, "ALL_config") ||
	    streq(key, "ALL_microcode") || streq(key, "ALL_cmdline") ||
	    streq(key, "ALL_splash"))
		return 1;
	/* Where mkinitcpio's pacman hook copies the kernel; read by the install script,
	 * nothing to build here. */
	if (streq(key, "ALL_kerneldest"))
		return 1;
	for (size_t i = 0; presets && i < presets->n; i++) {
		size_t n = strlen(presets->v[i]);
		if (strncmp(key, presets->v[i], n) != 0)
			continue;
		for (size_t s = 0; s < ARRAY_SIZE(image_suffixes); s++)
			if (streq(key + n, image_suffixes[s]))
				return 1;
	}
	return 0;
}

static int check_keys(const struct conf *conf, const char *path, struct conf_error *err)
{
	const struct strv *keys = conf_keys(conf);
	const struct strv *presets = conf_get(conf, "PRESETS");
	for (size_t i = 0; i < keys->n; i++)
		if (!key_belongs(keys->v[i], presets))
			return fail(
				err,
				"%s: unknown key '%s' (not ALL_* nor <preset>_* of PRESETS)",
				path, keys->v[i]);
	return 0;
}

static int resolve_path(const char *name_or_path, const char *dir, char **ret)
{
	if (strchr(name_or_path, '/'))
		*ret = strdup(name_or_path);
	else if (asprintf(ret, "%s/%s.preset", dir, name_or_path) < 0)
		*ret = NULL;
	return *ret ? 0 : -ENOMEM;
}

static int warn_efi_image(struct preset *p, const struct conf *conf, const char *name)
{
	char *msg;

	if (!get_for(conf, name, "_efi_image"))
		return 0;
	if (asprintf(&msg, "%s: '%s_efi_image' is deprecated, use '%s_uki'%s", p->path,
		     name, name,
		     get_for(conf, name, "_uki") ? " (which wins here)" : "") < 0)
		return -ENOMEM;
	return strv_push_take(&p->warnings, msg);
}

static int preset_fill(struct preset *p, const struct conf *conf, struct conf_error *err)
{
	const struct strv *names = conf_get(conf, "PRESETS");
	int r = check_keys(conf, p->path, err);

	if (r < 0)
		return r;
	if (!names || !names->n)
		return fail(err, "%s: 'PRESETS' is missing or empty", p->path);
	p->images = calloc(names->n, sizeof(*p->images));
	if (!p->images)
		return -ENOMEM;
	for (size_t i = 0; i < names->n; i++) {
		p->count = i + 1;
		r = load_image(conf, p->path, names->v[i], &p->images[i], err);
		if (r < 0)
			return r;
		r = warn_efi_image(p, conf, names->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int keep_warnings(struct preset *p, const struct conf *conf)
{
	const struct strv *w = conf_warnings(conf);
	int r = 0;

	for (size_t i = 0; r >= 0 && i < w->n; i++)
		r = strv_push(&p->warnings, w->v[i]);
	return r;
}

int preset_load(const char *name_or_path, const char *dir, struct preset **ret,
		struct conf_error *err)
{
	_cleanup_(conf_freep) struct conf *conf = NULL;
	_cleanup_(preset_freep) struct preset *p = calloc(1, sizeof(*p));
	const char *base;
	int r;

	if (!p)
		return -ENOMEM;
	r = resolve_path(name_or_path, dir, &p->path);
	if (r < 0)
		return r;
	base = strrchr(p->path, '/');
	p->name = strndup(base + 1, strcspn(base + 1, "."));
	if (!p->name)
		return -ENOMEM;
	r = conf_new(&conf);
	if (r < 0)
		return r;
	r = conf_load_file(conf, p->path, NULL, err);
	if (r < 0)
		return r;
	r = preset_fill(p, conf, err);
	if (r < 0)
		return r;
	r = keep_warnings(p, conf);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

void preset_free(struct preset *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->count; i++) {
		struct preset_image *img = &p->images[i];
		free(img->name);
		free(img->image);
		free(img->kver);
		free(img->config);
		free(img->compress);
		free(img->uki);
		free(img->cmdline);
		free(img->splash);
		strv_clear(&img->add_hooks);
		strv_clear(&img->skip_hooks);
	}
	free(p->images);
	strv_clear(&p->warnings);
	free(p->name);
	free(p->path);
	free(p);
}

int preset_list_dir(const char *dir, struct strv *ret)
{
	struct strv paths = STRV_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d)
		return negative_errno();
	while (r >= 0 && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n <= 7 ||
		    !streq(de->d_name + n - 7, ".preset"))
			continue;
		char *path;
		r = asprintf(&path, "%s/%s", dir, de->d_name) < 0
			    ? -ENOMEM
			    : strv_push_take(&paths, path);
	}
	closedir(d);
	if (r < 0) {
		strv_clear(&paths);
		return r;
	}
	strv_sort(&paths);
	*ret = paths;
	return 0;
}
