/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One image build: from a request (kernel, root, config) to an image on disk. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "abi.h"
#include "build.h"
#include "conf.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "moddep.h"
#include "stage.h"

static void conf_freep(struct conf **c)
{
	conf_free(*c);
}

static void moddep_freep(struct moddep **m)
{
	moddep_free(*m);
}

static void stage_freep(struct stage **s)
{
	stage_free(*s);
}

static int load_config(const struct build_request *req, struct conf **ret)
{
	_cleanup_(conf_freep) struct conf *conf = NULL;
	struct conf_error err = {{0}};
	int r;

	r = conf_new(&conf);
	if (r < 0)
		return r;
	r = conf_load_with_dropins(conf, req->config, conf_main_keys, &err);
	if (r == -ENOENT && !req->config_required) {
		log_verbose("no configuration at '%s', using defaults", req->config);
	} else if (r < 0) {
		log_error("%s", err.message);
		return r;
	}
	const struct strv *warnings = conf_warnings(conf);
	for (size_t i = 0; i < warnings->n; i++)
		log_warning("%s", warnings->v[i]);
	*ret = TAKE_PTR(conf);
	return 0;
}

/* COMPRESSION_OPTIONS=(-19): the level is the only option we take from it. */
static int parse_level(const struct conf *conf, int *ret)
{
	const struct strv *opts = conf_get(conf, "COMPRESSION_OPTIONS");
	int level = COMPRESS_LEVEL_DEFAULT;

	for (size_t i = 0; opts && i < opts->n; i++) {
		const char *o = opts->v[i];
		char *end;
		if (o[0] == '-' && o[1] >= '0' && o[1] <= '9') {
			long l = strtol(o + 1, &end, 10);
			if (*end == '\0' && l <= 22) {
				level = (int)l;
				continue;
			}
		}
		if (streq(o, "--ultra") || streq(o, "-T0"))
			continue;
		log_error("COMPRESSION_OPTIONS: unsupported option '%s' (only a level such as "
			  "'-3' is understood)",
			  o);
		return -EINVAL;
	}
	*ret = level;
	return 0;
}

static int parse_compression(const struct build_request *req, const struct conf *conf,
			     struct image_options *opts)
{
	const char *name = req->compress ? req->compress : conf_get_string(conf, "COMPRESSION");
	int r;

	if (!name)
		name = "zstd";
	r = compress_from_name(name, &opts->compression);
	if (r < 0) {
		log_error("unknown compression '%s' (known: zstd, gzip, xz, lz4, none)", name);
		return r;
	}
	return parse_level(conf, &opts->level);
}

static int source_date_epoch(time_t *ret)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;

	*ret = 0;
	if (!s || !*s)
		return 0;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < 0) {
		log_error("SOURCE_DATE_EPOCH='%s' is not a number of seconds", s);
		return -EINVAL;
	}
	*ret = (time_t)v;
	return 0;
}

/* What every image has, whatever the hooks say: the init, the API mount points and a
 * console node, so the kernel can open /dev/console before /init runs. */
static int stage_base(struct stage *stage, const struct build_request *req)
{
	static const char *const dirs[] = {"dev", "proc", "sys", "run", "tmp", "new_root",
					   "etc", "bin", "sbin", "usr/bin", "usr/sbin"};
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		r = stage_add_dir(stage, dirs[i], 0755);
		if (r < 0)
			return r;
	}
	r = stage_add_file(stage, ABI_INIT_PATH, 0755, req->init_path);
	if (r < 0)
		return r;
	return stage_add_device(stage, ABI_CONSOLE_PATH, S_IFCHR | 0600, makedev(5, 1));
}

static int module_tree_error(int r, const struct build_request *req)
{
	const char *root = streq(req->moduleroot, "/") ? "" : req->moduleroot;

	if (r == -ENOENT)
		log_error("kernel '%s' not found: no directory '%s/lib/modules/%s'", req->kver,
			  root, req->kver);
	else if (r == -ENOEXEC)
		log_error("'%s/lib/modules/%s' has no modules.dep.bin: run 'depmod -b %s %s' "
			  "first",
			  root, req->kver, req->moduleroot, req->kver);
	else
		log_error("cannot open the module tree '%s/lib/modules/%s': %s", root,
			  req->kver, strerror(-r));
	return r;
}

static int stage_modules(struct stage *stage, const struct build_request *req,
			 const struct conf *conf)
{
	_cleanup_(moddep_freep) struct moddep *m = NULL;
	const struct strv *modules = conf_get(conf, "MODULES");
	const char *root = streq(req->moduleroot, "/") ? "" : req->moduleroot;
	int r;

	r = moddep_new(req->moduleroot, req->kver, &m);
	if (r < 0)
		return module_tree_error(r, req);
	for (size_t i = 0; modules && i < modules->n; i++) {
		r = moddep_request(m, modules->v[i], "config", MODDEP_LOAD_ALWAYS);
		if (r == -ENOENT) {
			log_error("module '%s' not found in '%s/lib/modules/%s'", modules->v[i],
				  root, req->kver);
			return r;
		}
		if (r < 0) {
			log_error("cannot resolve module '%s': %s", modules->v[i], strerror(-r));
			return r;
		}
	}
	r = moddep_resolve(m);
	if (r < 0) {
		log_error("cannot resolve the module closure: %s", strerror(-r));
		return r;
	}
	r = moddep_stage(m, stage);
	if (r < 0) {
		log_error("cannot add the modules to the image: %s", strerror(-r));
		return r;
	}
	size_t missing = moddep_missing_firmware(m);
	if (missing)
		log_warning("%zu firmware file%s named by the included modules not found%s",
			    missing, missing == 1 ? "" : "s",
			    log_get_level() >= LOG_LEVEL_VERBOSE ? "" : " (-v lists them)");
	if (log_get_level() >= LOG_LEVEL_VERBOSE)
		moddep_explain(m, stderr);
	return 0;
}

typedef int (*add_fn)(struct stage *, const char *, const char *, char **);

static int stage_listed(struct stage *stage, const struct build_request *req,
			const struct conf *conf, const char *key, add_fn add)
{
	const struct strv *list = conf_get(conf, key);
	int r;

	for (size_t i = 0; list && i < list->n; i++) {
		_cleanup_free_ char *culprit = NULL;
		r = add(stage, req->moduleroot, list->v[i], &culprit);
		if (r < 0) {
			log_error("%s: cannot add '%s': '%s': %s", key, list->v[i],
				  culprit ? culprit : list->v[i], strerror(-r));
			return r;
		}
	}
	return 0;
}

static int write_image(const struct stage *stage, const struct build_request *req,
		       const struct image_options *opts)
{
	int r = image_write(stage, req->output, opts);
	if (r == -EBADMSG)
		log_error("image '%s' failed its read-back check; the previous image is kept",
			  req->output);
	else if (r < 0)
		log_error("cannot write image '%s': %s; the previous image is kept",
			  req->output, strerror(-r));
	return r;
}

int build_run(const struct build_request *req)
{
	_cleanup_(conf_freep) struct conf *conf = NULL;
	_cleanup_(stage_freep) struct stage *stage = NULL;
	struct image_options opts = {.level = COMPRESS_LEVEL_DEFAULT};
	int r;

	r = load_config(req, &conf);
	if (r < 0)
		return r;
	r = parse_compression(req, conf, &opts);
	if (r < 0)
		return r;
	r = source_date_epoch(&opts.mtime);
	if (r < 0)
		return r;
	r = stage_new(&stage);
	if (r < 0)
		return r;
	r = stage_base(stage, req);
	if (r < 0) {
		log_error("cannot stage the base of the image: %s", strerror(-r));
		return r;
	}
	r = stage_modules(stage, req, conf);
	if (r < 0)
		return r;
	r = stage_listed(stage, req, conf, "FILES", files_add_path);
	if (r < 0)
		return r;
	r = stage_listed(stage, req, conf, "BINARIES", files_add_binary);
	if (r < 0)
		return r;
	r = stage_finish(stage);
	if (r < 0) {
		log_error("cannot complete the image's directory tree: %s", strerror(-r));
		return r;
	}
	r = write_image(stage, req, &opts);
	if (r < 0)
		return r;
	size_t count;
	stage_entries(stage, &count);
	log_info("wrote '%s' (%zu entries, %s)", req->output, count,
		 compress_name(opts.compression));
	return 0;
}

static int readable(const char *path)
{
	return access(path, R_OK) == 0;
}

int build_find_init(char **ret)
{
	const char *env = getenv("MKINITRAMFS_INIT");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		*ret = strdup(env);
		return *ret ? 0 : -ENOMEM;
	}
	/* A build tree keeps init next to mkinitramfs; an installed one never does,
	 * because bindir holds no file called "init" built by us. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash && (size_t)(slash - self) + sizeof("/init") < sizeof(self)) {
			strcpy(slash, "/init");
			struct stat st;
			if (stat(self, &st) == 0 && S_ISREG(st.st_mode) &&
			    !strstr(self, "/bin/init") && !strstr(self, "/sbin/init")) {
				*ret = strdup(self);
				return *ret ? 0 : -ENOMEM;
			}
		}
	}
	if (readable(MKINITRAMFS_LIBDIR "/init")) {
		*ret = strdup(MKINITRAMFS_LIBDIR "/init");
		return *ret ? 0 : -ENOMEM;
	}
	return -ENOENT;
}
