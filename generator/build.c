/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One image build: config and hooks -> modules and files -> the stage -> the image. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "abi.h"
#include "build.h"
#include "conf.h"
#include "confdump.h"
#include "crashpoint.h"
#include "detect.h"
#include "digest.h"
#include "files/files.h"
#include "hooks.h"
#include "inputjournal.h"
#include "image/image.h"
#include "locate.h"
#include "log.h"
#include "microcode.h"
#include "modules/moddep.h"
#include "modules/modtree.h"
#include "plan.h"
#include "progress.h"
#include "rootstack.h"
#include "stage.h"
#include "suggest.h"
#include "sysroot.h"
#include "uki.h"
#include "vconsole.h"

/* The frame cache for root when nothing else names one (mkinitramfs.conf(5)). */
#define DEFAULT_CACHE_DIR "/var/cache/mkinitramfs"

struct build_kernel {
	char *moduleroot;
	char *kver;
	struct moddep *moddep;
	struct modtree *modtree;
};

/* Everything one build holds; freed by build_done(). */
struct build {
	const struct build_request *req;
	struct conf *conf;
	struct strv hook_dirs;
	struct moddep *moddep;
	struct modtree *modtree; /* walked on first use by a MODULES_MATCH pattern */
	int shared;		 /* moddep and modtree are req->kernel's */
	struct stage *stage;
	struct stage *early; /* microcode, and modules the kernel decompresses */
	enum modcompress_mode decompress; /* MODULES_DECOMPRESS */
	char *unzstd; /* the helper, when a generic image's modules are compressed for it
		       */
	struct detect detect; /* what the autodetect hook found (detect.h) */
	struct strv hooks;    /* the hooks applied, autodetect's additions included */
	struct plan_handlers handlers; /* what the init runs besides loading modules */
	char *mdadm;		       /* handlers.mdadm's storage */
	char *lvm;		       /* handlers.lvm's storage */
	struct image_options opts;
	int skipped;   /* the image on disk stays: same inputs, or same bytes */
	int no_kernel; /* -k none: no module tree, no modules, an empty plan */
	char *keymap,
		*font; /* what the hooks asked for (vconsole.h), the last one wins */
	struct strv vconsole; /* handlers.vconsole's storage: the V record's fields */
};

static void build_done(struct build *b)
{
	if (b->moddep)
		moddep_keep_compressed(b->moddep, MODCOMPRESS_DECOMPRESS,
				       NULL); /* early goes */
	conf_free(b->conf);
	strv_clear(&b->hook_dirs);
	if (!b->shared) {
		moddep_free(b->moddep);
		modtree_free(b->modtree);
	}
	stage_free(b->stage);
	stage_free(b->early);
	detect_clear(&b->detect);
	free(b->unzstd);
	strv_clear(&b->hooks);
	free(b->mdadm);
	free(b->keymap);
	free(b->font);
	strv_clear(&b->vconsole);
	free(b->lvm);
}

static const char *display_root(const struct build_request *req)
{
	return streq(req->moduleroot, "/") ? "" : req->moduleroot;
}

/* mkinitcpio's older string form, MODULES="a b": the words, as mkinitcpio reads it. */
static int split_legacy_strings(struct build *b)
{
	static const char *const keys[] = {"MODULES", "MODULES_MATCH", "HOOKS",
					   "BINARIES", "FILES"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		int r = conf_split_string(b->conf, keys[i]);
		if (r < 0)
			return log_error_errno(r, "configuration: cannot read %s",
					       keys[i]);
	}
	return 0;
}

static int load_config(struct build *b)
{
	const struct build_request *req = b->req;
	struct conf_error err = {{0}};
	int r;

	r = conf_new(&b->conf);
	if (r < 0)
		return log_error_errno(r, "cannot load the configuration");
	r = conf_load_with_dropins(b->conf, req->config, conf_main_keys, &err);
	if (r == -ENOENT && !req->config_required) {
		log_warning(
			"no configuration at '%s': the image gets only the hooks of -A (else 'base') and no storage or filesystem drivers",
			req->config);
	} else if (r < 0) {
		log_error("%s", err.message);
		return r;
	}
	const struct strv *warnings = conf_warnings(b->conf);
	for (size_t i = 0; i < warnings->n; i++)
		log_warning("%s", warnings->v[i]);
	return split_legacy_strings(b);
}

/* A file this run reads: the configuration, a drop-in, the preset. */
static int is_input(const struct build *b, const struct stat *st)
{
	struct stat preset;

	if (conf_has_source(b->conf, st))
		return 1;
	return b->req->preset_path && stat(b->req->preset_path, &preset) == 0 &&
	       preset.st_dev == st->st_dev && preset.st_ino == st->st_ino;
}

/*
 * The target is absent or a regular file: the image replaces it by a rename, and a
 * device, a FIFO or a socket must not be turned into a file. A symbolic link is refused
 * too rather than followed: in a shared directory it may have been planted to point at
 * a file the user never meant to replace. Checked before anything is written.
 */
static int check_target(const struct build *b)
{
	const char *out = b->req->output;
	struct stat st;

	if (lstat(out, &st) < 0) {
		if (errno == ENOENT)
			return 0; /* a missing directory is image_write's to report */
		return log_error_errno(-errno, "cannot write image '%s'", out);
	}
	if (S_ISDIR(st.st_mode)) {
		log_error("cannot write image '%s': that is a directory", out);
		return -EISDIR;
	}
	if (S_ISLNK(st.st_mode)) {
		log_error(
			"cannot write image '%s': it is a symbolic link (give the path of the file itself)",
			out);
		return -ELOOP;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("cannot write image '%s': it is %s, not a regular file", out,
			  log_file_type(st.st_mode));
		return -EINVAL;
	}
	if (is_input(b, &st)) {
		log_error(
			"cannot write image '%s': it is the configuration or preset this build reads",
			out);
		return -EINVAL;
	}
	return 0;
}

/* The level range of each compressor, as its command-line tool takes it. */
static int level_range(enum compress_kind kind, int ultra, int *lo, int *hi)
{
	switch (kind) {
	case COMPRESS_ZSTD:
		*lo = 1, *hi = ultra ? 22 : 19;
		return 1;
	case COMPRESS_GZIP:
		*lo = 1, *hi = 9;
		return 1;
	case COMPRESS_XZ:
		*lo = 0, *hi = 9;
		return 1;
	case COMPRESS_LZ4:
		*lo = 1, *hi = 12;
		return 1;
	default:
		return 0;
	}
}

static const char *supported_options(enum compress_kind kind)
{
	switch (kind) {
	case COMPRESS_ZSTD:
		return "-1..-19, --ultra -20..-22, --long[=10..27], -T<n>/--threads=<n>";
	case COMPRESS_GZIP:
		return "-1..-9, -T<n> (ignored: gzip runs in one thread)";
	case COMPRESS_XZ:
		return "-0..-9, -e/--extreme (-9e), -T<n>/--threads=<n>, --check=crc32";
	case COMPRESS_LZ4:
		return "-1..-12, -l (always: the kernel reads the legacy format), -T<n>";
	default:
		return "none: no compression takes no options";
	}
}

static const char *after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* -T0, -T4, --threads=4: 0 is every core. */
static int parse_threads(const char *o, int *ret)
{
	const char *n = after_prefix(o, "--threads=");
	if (!n)
		n = after_prefix(o, "-T");
	char *end;
	if (!n || !*n)
		return 0;
	long v = strtol(n, &end, 10);
	if (*end || v < 0 || v > 4096)
		return 0;
	*ret = (int)v;
	return 1;
}

/* -19, -9e: a level, with xz's extreme flag. */
static int parse_level_word(const char *o, int *level, int *extreme)
{
	char *end;
	if (o[0] != '-' || o[1] < '0' || o[1] > '9')
		return 0;
	long l = strtol(o + 1, &end, 10);
	if (streq(end, "e"))
		*extreme = 1;
	else if (*end)
		return 0;
	*level = (int)l;
	return 1;
}

/* zstd's --long and --long=N: the window log of long-distance matching, else 0. */
static int parse_long(const char *o, int *ret)
{
	const char *n = after_prefix(o, "--long");
	char *end;

	if (!n || (*n && *n != '='))
		return 0;
	if (!*n) {
		*ret = COMPRESS_ZSTD_LONG_MAX; /* zstd's own default for --long */
		return 1;
	}
	long v = strtol(n + 1, &end, 10);
	if (!n[1] || *end || v < 10 || v > COMPRESS_ZSTD_LONG_MAX)
		return -1;
	*ret = (int)v;
	return 1;
}

/*
 * COMPRESSION_OPTIONS as written for mkinitcpio's compressor commands, mapped onto the
 * in-process compressor; anything else is refused, so no option is silently dropped.
 */
static int parse_compression_options(const struct conf *conf, struct image_options *opts)
{
	const struct strv *v = conf_get(conf, "COMPRESSION_OPTIONS");
	enum compress_kind kind = opts->compression;
	int level = COMPRESS_LEVEL_DEFAULT, extreme = 0, ultra = 0, lo = 0, hi = 0;
	int wlog = 0, is_long;

	for (size_t i = 0; v && i < v->n; i++) {
		const char *o = v->v[i];
		int known = kind != COMPRESS_NONE;
		if (!*o)
			continue;
		if (known && parse_level_word(o, &level, &extreme))
			known = !extreme || kind == COMPRESS_XZ;
		else if (known && parse_threads(o, &opts->threads))
			;
		else if (kind == COMPRESS_ZSTD && streq(o, "--ultra"))
			ultra = 1;
		else if (kind == COMPRESS_ZSTD && (is_long = parse_long(o, &wlog)) != 0) {
			if (is_long < 0) {
				char esc[256];
				log_error(
					"COMPRESSION_OPTIONS: '%s' is not --long=10..%d: the kernel allocates a window of 2^N bytes to unpack the image",
					log_escape(o, esc, sizeof(esc)),
					COMPRESS_ZSTD_LONG_MAX);
				return -EINVAL;
			}
		} else if (kind == COMPRESS_XZ &&
			   (streq(o, "-e") || streq(o, "--extreme")))
			extreme = 1;
		else if (kind == COMPRESS_XZ &&
			 (streq(o, "--check=crc32") || streq(o, "-Ccrc32")))
			; /* what the kernel's unxz needs, and what is always written */
		else if (kind == COMPRESS_LZ4 && streq(o, "-l"))
			;
		else
			known = 0;
		if (!known) {
			char esc[256];
			log_error(
				"COMPRESSION_OPTIONS: unsupported option '%s' for %s (supported: %s)",
				log_escape(o, esc, sizeof(esc)), compress_name(kind),
				supported_options(kind));
			return -EINVAL;
		}
	}
	if (level != COMPRESS_LEVEL_DEFAULT && level_range(kind, ultra, &lo, &hi) &&
	    (level < lo || level > hi)) {
		log_error(
			"COMPRESSION_OPTIONS: level -%d is out of range for %s (%d to %d%s)",
			level, compress_name(kind), lo, hi,
			kind == COMPRESS_ZSTD && !ultra ? "; --ultra allows up to 22"
							: "");
		return -EINVAL;
	}
	if (extreme)
		level = (level == COMPRESS_LEVEL_DEFAULT ? 6 : level) |
			COMPRESS_XZ_EXTREME;
	if (wlog)
		level = (level == COMPRESS_LEVEL_DEFAULT ? 3 : level) |
			COMPRESS_ZSTD_LONG(wlog);
	opts->level = level;
	return 0;
}

/*
 * Where the image's zstd frames are cached: --cache/--no-cache, else COMPRESSION_CACHE
 * (empty: none), else $MKINITRAMFS_CACHE (the test suites' scratch directory), else
 * DEFAULT_CACHE_DIR for root and none for anyone else. NULL: no cache.
 */
static const char *cache_dir(const struct build *b)
{
	const char *dir = b->req->cache;

	if (!dir)
		dir = conf_get_string(b->conf, "COMPRESSION_CACHE");
	if (!dir)
		dir = getenv("MKINITRAMFS_CACHE");
	if (!dir)
		dir = geteuid() == 0 ? DEFAULT_CACHE_DIR : NULL;
	return dir && *dir ? dir : NULL;
}

static int parse_compression(struct build *b)
{
	const char *name = b->req->compress;
	int r;

	if (!name)
		name = conf_get_string(b->conf, "COMPRESSION");
	if (!name)
		name = "zstd";
	b->opts.cache_dir = cache_dir(b);
	r = compress_from_name(name, &b->opts.compression);
	if (r < 0) {
		log_error("unknown compression '%s' (known: zstd, gzip, xz, lz4, none)",
			  name);
		return r;
	}
	return parse_compression_options(b->conf, &b->opts);
}

static int source_date_epoch(time_t *ret)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;

	*ret = 0;
	if (!s || !*s)
		return 0;
	char esc[64];
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < 0) {
		log_error("SOURCE_DATE_EPOCH='%s' is not a number of seconds",
			  log_escape(s, esc, sizeof(esc)));
		return -EINVAL;
	}
	/* newc keeps mtimes in 32 bits: 4294967295 is 2106-02-07, the last it holds. */
	if (v > UINT32_MAX) {
		log_error(
			"SOURCE_DATE_EPOCH='%s' is past 4294967295 (2106-02-07), the last time an initramfs (newc) can hold",
			s);
		return -ERANGE;
	}
	*ret = (time_t)v;
	return 0;
}

/* What every image has, whatever the hooks say: the init, the API mount points and a
 * console node, so the kernel can open /dev/console before /init runs. */
static int stage_base(struct build *b)
{
	static const char *const dirs[] = {"dev",  "proc",     "sys",	  "run",
					   "tmp",  "new_root", "etc",	  "bin",
					   "sbin", "usr/bin",  "usr/sbin"};
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		r = stage_add_dir(b->stage, dirs[i], 0755);
		if (r < 0)
			return r;
	}
	r = stage_add_file(b->stage, ABI_INIT_PATH, 0755, b->req->init_path);
	if (r < 0)
		return r;
	r = stage_add_symlink(b->stage, &ABI_MODPROBE_PATH[1], ABI_INIT_PATH);
	if (r < 0)
		return r;
	return stage_add_device(b->stage, ABI_CONSOLE_PATH, S_IFCHR | 0600,
				makedev(5, 1));
}

static void build_kernel_freep(struct build_kernel **k)
{
	build_kernel_free(*k);
}

int build_kernel_new(const char *moduleroot, const char *kver, struct build_kernel **ret)
{
	_cleanup_(build_kernel_freep) struct build_kernel *k = calloc(1, sizeof(*k));
	int r;

	if (!k || !(k->moduleroot = strdup(moduleroot)) || !(k->kver = strdup(kver)))
		return -ENOMEM;
	r = moddep_new(moduleroot, kver, &k->moddep);
	if (r < 0)
		return r;
	r = moddep_preload(k->moddep);
	if (r < 0)
		return r;
	/* The shipped block hook names directories: walked once for all the builds. */
	r = modtree_new(moduleroot, kver, &k->modtree);
	if (r < 0)
		return r;
	r = modtree_preload(k->modtree);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(k);
	return 0;
}

void build_kernel_free(struct build_kernel *k)
{
	if (!k)
		return;
	moddep_free(k->moddep);
	modtree_free(k->modtree);
	free(k->moduleroot);
	free(k->kver);
	free(k);
}

/*
 * Use the kernel's shared context when it is this build's. In a forked child it is
 * fresh; a build run earlier in this process left its requests in it: forget them
 * (the caches stay, they do not depend on the requests). 1 when shared.
 */
static int share_module_tree(struct build *b)
{
	struct build_kernel *k = b->req->kernel;

	if (!k || !streq(k->moduleroot, b->req->moduleroot) ||
	    !streq(k->kver, b->req->kver))
		return 0;
	int r = moddep_reset(k->moddep);
	if (r < 0)
		return r;
	b->moddep = k->moddep;
	b->modtree = k->modtree;
	b->shared = 1;
	return 1;
}

static int open_module_tree(struct build *b)
{
	const struct build_request *req = b->req;
	int r = share_module_tree(b);

	if (r != 0)
		return r < 0 ? r : 0;
	r = moddep_new(req->moduleroot, req->kver, &b->moddep);

	if (r == -ENOENT)
		log_error("kernel '%s' not found: no directory '%s/lib/modules/%s'",
			  req->kver, display_root(req), req->kver);
	else if (r == -ENOEXEC)
		log_error(
			"'%s/lib/modules/%s' has no modules.dep.bin: run 'depmod -b %s %s' first",
			display_root(req), req->kver, req->moduleroot, req->kver);
	else if (r < 0 && r != -EXDEV &&
		 r != -ELIBACC) /* an index out of the root, or libkmod: named already */
		log_error("cannot open the module tree '%s/lib/modules/%s': %s",
			  display_root(req), req->kver, strerror(-r));
	return r;
}

static int request_module(struct build *b, const char *spec, const char *origin,
			  enum moddep_load load)
{
	if (b->no_kernel)
		return 0; /* said once, in build_prepare() */
	return moddep_request(b->moddep, spec, origin, load); /* it says what failed */
}

/* A hook's LOAD= in a generic image: a filesystem waits for the root's type, a
 * keyboard for a person, a GPU's driver (early) not for the root's. After autodetect,
 * what the host needs loads as `load` says. */
static enum moddep_load boot_load(const struct build *b, const struct hook *hook,
				  enum moddep_load load)
{
	if (!b->detect.ran && hook->load == HOOK_LOAD_EARLY &&
	    load == MODDEP_LOAD_ON_MATCH)
		return MODDEP_LOAD_EARLY_MATCH;
	if (b->detect.ran || hook->load == HOOK_LOAD_BOOT ||
	    hook->load == HOOK_LOAD_EARLY)
		return load;
	if (hook->load == HOOK_LOAD_REQUEST)
		return MODDEP_LOAD_ON_REQUEST;
	return load == MODDEP_LOAD_ALWAYS ? MODDEP_LOAD_CONSOLE
					  : MODDEP_LOAD_CONSOLE_MATCH;
}

static int hook_modules(struct build *b, const struct hook *hook, const char *origin)
{
	for (size_t i = 0; i < hook->modules.n; i++) {
		const char *spec = hook->modules.v[i];
		enum moddep_load load = boot_load(b, hook, MODDEP_LOAD_ALWAYS);
		if (b->detect.ran) {
			int kept = detect_filter(&b->detect, hook, spec, origin, &load);
			if (kept <= 0) {
				if (kept < 0)
					return kept;
				continue;
			}
		}
		int r = request_module(b, spec, origin, load);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Names as they are; entries with a '/' are patterns over the tree's module paths. */
static int expand_match_list(struct build *b, const struct strv *entries,
			     struct strv *specs)
{
	int r;

	for (size_t i = 0; entries && i < entries->n; i++) {
		const char *entry = entries->v[i];
		if (!strchr(entry, '/')) {
			r = strv_contains(specs, entry) ? 0 : strv_push(specs, entry);
			if (r < 0)
				return r;
			continue;
		}
		if (!b->modtree) {
			r = modtree_new(b->req->moduleroot, b->req->kver, &b->modtree);
			if (r < 0)
				return r;
		}
		r = modtree_match(b->modtree, entry, specs);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Load-on-match modules. After autodetect (`filter`: the hook), a hook's entries the
 * host needs are loaded at boot or deferred instead (host_load), the others left out.
 */
static int request_match_list(struct build *b, const struct strv *entries,
			      const char *origin, const struct hook *filter,
			      enum moddep_load unfiltered)
{
	struct strv specs = STRV_INIT;
	if (b->no_kernel)
		return 0;
	int r = expand_match_list(b, entries, &specs);

	if (r < 0)
		log_error("%s: cannot expand its module patterns: %s", origin,
			  strerror(-r));
	for (size_t i = 0; r >= 0 && i < specs.n; i++) {
		enum moddep_load load = unfiltered;
		if (filter) {
			r = detect_filter(&b->detect, filter, specs.v[i], origin, &load);
			if (r <= 0)
				continue;
		}
		r = request_module(b, specs.v[i], origin, load);
	}
	strv_clear(&specs);
	return r;
}

typedef int (*add_fn)(struct stage *, const char *, const char *, const char *, unsigned);

/* FILES and BINARIES entries; a trailing '?' marks an optional one. */
static int add_listed(struct build *b, const struct strv *list, const char *what,
		      add_fn add)
{
	for (size_t i = 0; list && i < list->n; i++) {
		_cleanup_free_ char *entry = strdup(list->v[i]);
		if (!entry)
			return log_error_errno(-ENOMEM, "%s", what);
		size_t len = strlen(entry);
		int optional = len > 1 && entry[len - 1] == '?';
		if (optional)
			entry[len - 1] = '\0';
		/* A failure is said by add(); a missing optional entry is not one. */
		int r = add(b->stage, b->req->moduleroot, entry, what,
			    optional ? FILES_QUIET_MISSING : 0);
		if (r == -ENOENT && optional)
			continue;
		if (r < 0)
			return r;
	}
	return 0;
}

/* A refusal of -I that says why itself. */
static int include_error(const char *fmt, ...) _printf_(1, 2);
static int include_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s", msg);
	return -EINVAL;
}

/* -I SRC[:DEST[:MODE]]: DEST (default SRC) must be absolute, MODE octal. */
static int parse_include(const char *spec, char *copy, const char **ret_src,
			 const char **ret_dest, long *ret_mode)
{
	char *dest = strchr(copy, ':'), *mode = NULL, *end;

	if (dest) {
		*dest++ = '\0';
		mode = strchr(dest, ':');
		if (mode)
			*mode++ = '\0';
	}
	if (!*copy)
		return include_error("-I '%s': no source file before ':'", spec);
	if (dest && !*dest)
		dest = NULL;
	if ((dest ? dest : copy)[0] != '/')
		return include_error(
			"-I '%s': the path in the image '%s' is not absolute", spec,
			dest ? dest : copy);
	*ret_mode = -1;
	if (mode) {
		errno = 0;
		*ret_mode = strtol(mode, &end, 8);
		if (!*mode || *end || errno || *ret_mode < 0 || *ret_mode > 07777)
			return include_error(
				"-I '%s': mode '%s' is not an octal mode such as 0644",
				spec, mode);
	}
	*ret_src = copy;
	*ret_dest = dest ? dest : copy;
	return 0;
}

/* Each -I file, read as named on the command line (not under -r), checked first. */
static int add_includes(struct build *b)
{
	const struct strv *v = b->req->includes;

	for (size_t i = 0; v && i < v->n; i++) {
		_cleanup_free_ char *copy = strdup(v->v[i]);
		_cleanup_close_ int fd = -EBADF;
		const char *src = NULL, *dest = NULL;
		struct stat st;
		long mode = -1;
		int r;

		if (!copy)
			return log_error_errno(-ENOMEM, "-I");
		r = parse_include(v->v[i], copy, &src, &dest, &mode);
		if (r < 0)
			return r;
		fd = open(src, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 || fstat(fd, &st) < 0)
			return log_error_errno(-errno, "-I '%s': cannot open '%s'",
					       v->v[i], src);
		if (!S_ISREG(st.st_mode))
			return include_error("-I '%s': '%s' is not a regular file",
					     v->v[i], src);
		r = stage_add_file_checked(b->stage, dest,
					   mode >= 0 ? (mode_t)mode : st.st_mode & 07777,
					   src, &st);
		if (r == -EEXIST)
			return log_error_errno(
				r, "-I '%s': the image already holds '%s' from elsewhere",
				v->v[i], dest);
		if (r < 0)
			return log_error_errno(r, "-I '%s': cannot add '%s'", v->v[i],
					       dest);
	}
	return 0;
}

static int hook_applets(struct build *b, const struct hook *hook)
{
	for (size_t i = 0; i < hook->applets.n; i++) {
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "bin/%s", hook->applets.v[i]) < 0)
			return log_error_errno(-ENOMEM, "hook '%s'", hook->name);
		int r = stage_add_symlink(b->stage, path, "busybox");
		if (r == -EEXIST) /* a real program of that name was added: keep it */
			continue;
		if (r < 0) {
			log_error("hook '%s': cannot link applet '%s': %s", hook->name,
				  hook->applets.v[i], strerror(-r));
			return r;
		}
	}
	return 0;
}

/*
 * A host image: only the blob of this CPU's family-model-stepping. 1 when it was added
 * or the root has none for it (warned), 0 when the CPU's signature is unknown: then
 * every blob of the vendor, as before.
 */
static int host_microcode(struct build *b, const char *cpuinfo, const char *vendor)
{
	unsigned family, model, stepping;
	int r;

	if (microcode_cpu_signature(cpuinfo, &family, &model, &stepping) < 0) {
		log_warning(
			"microcode: no CPU family, model and stepping in '%s', adding every %s blob",
			cpuinfo, vendor);
		return 0;
	}
	r = microcode_stage_cpu(b->early, b->req->moduleroot, vendor, family, model,
				stepping);
	if (r < 0)
		return log_error_errno(r, "microcode: cannot read '%s/lib/firmware'",
				       display_root(b->req));
	if (r == 0)
		log_warning(
			"microcode: no blob for this CPU (%s family %u model %u stepping %u) in '%s/lib/firmware', none added",
			vendor, family, model, stepping, display_root(b->req));
	else
		log_verbose("microcode: the blob of %s %02x-%02x-%02x", vendor, family,
			    model, stepping);
	return 1;
}

static int hook_microcode(struct build *b)
{
	_cleanup_free_ char *vendor = NULL;
	const char *cpuinfo = b->req->cpuinfo ? b->req->cpuinfo : "/proc/cpuinfo";
	int r;

	/* A host image carries the host's vendor only; a generic one both. */
	if (b->detect.ran && microcode_cpu_vendor(cpuinfo, &vendor) < 0)
		log_warning("microcode: no CPU vendor in '%s', adding every vendor's",
			    cpuinfo);
	if (!b->early) {
		r = stage_new(&b->early);
		if (r < 0)
			return log_error_errno(r, "microcode");
	}
	if (vendor) {
		r = host_microcode(b, cpuinfo, vendor);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	r = microcode_stage(b->early, b->req->moduleroot, vendor);
	if (r < 0) {
		log_error("microcode: cannot read '%s/lib/firmware': %s",
			  display_root(b->req), strerror(-r));
		return r;
	}
	if (r == 0)
		log_warning(
			"microcode: none found in '%s/lib/firmware/{intel,amd}-ucode', ignoring",
			display_root(b->req));
	return 0;
}

/*
 * Checkers of the filesystems the filesystems hook covers, for a generic image. Not
 * fsck.xfs nor fsck.btrfs: shell scripts that exit 0 without looking (the kernel
 * replays those logs when mounting), which the fsck helper says instead of running.
 */
static const char *const fsck_generic[] = {"fsck.ext4", "fsck.ext3", "fsck.ext2",
					   "fsck.vfat", "fsck.fat",  "fsck.f2fs",
					   NULL};

static bool fsck_not_needed(const char *type)
{
	return !strcmp(type, "xfs") || !strcmp(type, "btrfs");
}

static int add_fsck(struct build *b, const char *name, int optional, const char *origin)
{
	int r = files_add_binary(b->stage, b->req->moduleroot, name, origin,
				 FILES_QUIET_MISSING);
	if (r == -ENOENT && optional)
		return 0;
	if (r == -ENOENT) {
		log_warning(
			"%s: no '%s' in the programs of '%s/': the root filesystem cannot be checked from the image",
			origin, name, display_root(b->req));
		return 0;
	}
	return r; /* any other failure said by files_add_binary() */
}

/* FSCK=yes: the root's checker (after autodetect) or every common one, and e2fsck. */
static int hook_fsck(struct build *b, const char *origin)
{
	int r = add_fsck(b, "e2fsck", 1, origin);

	if (r < 0)
		return r;
	if (b->detect.rootfs && fsck_not_needed(b->detect.rootfs)) {
		log_verbose(
			"%s: the root is %s, which is not checked before mounting: no fsck.%s added",
			origin, b->detect.rootfs, b->detect.rootfs);
		return 0;
	}
	if (b->detect.rootfs) {
		_cleanup_free_ char *name = NULL;
		if (asprintf(&name, "fsck.%s", b->detect.rootfs) < 0)
			return log_error_errno(-ENOMEM, "%s", origin);
		return add_fsck(b, name, 0, origin);
	}
	for (size_t i = 0; fsck_generic[i]; i++) {
		r = add_fsck(b, fsck_generic[i], 1, origin);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * MDADM=yes, LVM=yes: the image's program, whose in-image path the plan gives the init
 * (in *ret); package is what to install when the root lacks it.
 */
static int hook_handler(struct build *b, const char *origin, const char *name,
			const char *package, char **ret)
{
	_cleanup_free_ char *path = NULL;
	int r = files_add_program(b->stage, b->req->moduleroot, name, origin, package,
				  &path);

	if (r < 0)
		return r; /* said by files_add_program(), naming the package if missing */
	free(*ret);
	*ret = TAKE_PTR(path);
	return 0;
}

/* HELPERS: our own static programs, which the init runs from ABI_HELPER_DIR. */
static int hook_helpers(struct build *b, const struct hook *hook)
{
	for (size_t i = 0; i < hook->helpers.n; i++) {
		_cleanup_free_ char *src = NULL, *dst = NULL;
		const char *name = hook->helpers.v[i];
		int r = locate_helper(name, &src);

		if (r < 0) {
			log_error(
				"hook '%s': helper '%s' is neither next to mkinitramfs nor in '%s'",
				hook->name, name, MKINITRAMFS_LIBDIR);
			return r;
		}
		if (asprintf(&dst, "%s/%s", ABI_HELPER_DIR, name) < 0)
			return -ENOMEM;
		r = stage_add_file(b->stage, dst, 0755, src);
		if (r < 0 && r != -EEXIST) {
			log_error("hook '%s': cannot add helper '%s': %s", hook->name,
				  src, strerror(-r));
			return r;
		}
	}
	return 0;
}

static int replace(char **dst, const char *value)
{
	char *v;

	if (!value)
		return 0;
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	free(*dst);
	*dst = v;
	return 0;
}

static int hook_vconsole(struct build *b, const struct hook *hook)
{
	int r = replace(&b->keymap, hook->keymap);

	if (r < 0)
		return log_error_errno(r, "hook '%s'", hook->name);
	r = replace(&b->font, hook->consolefont);
	if (r < 0)
		return log_error_errno(r, "hook '%s'", hook->name);
	return 0;
}

static int stage_vconsole_helper(struct build *b)
{
	_cleanup_free_ char *src = NULL;
	int r = locate_helper("vconsole", &src);

	if (r < 0) {
		log_error(
			"the console keymap and font need the helper 'vconsole', neither next to mkinitramfs nor in '%s'",
			MKINITRAMFS_LIBDIR);
		return r;
	}
	r = stage_add_file(b->stage, ABI_VCONSOLE_PATH, 0755, src);
	if (r < 0 && r != -EEXIST)
		return log_error_errno(r, "cannot add helper '%s'", src);
	b->handlers.vconsole = (const char *const *)b->vconsole.v;
	b->handlers.nvconsole = b->vconsole.n;
	return 0;
}

/* The keymap and font the hooks asked for, with the plan's V record that loads them. */
static int stage_vconsole(struct build *b)
{
	struct vconsole_want want = {.keymap = b->keymap, .font = b->font};
	int r;

	if (!want.keymap && !want.font)
		return 0;
	strv_clear(&b->vconsole);
	r = strv_push(&b->vconsole, (char[]){ABI_REC_VCONSOLE, '\0'});
	if (r < 0)
		return log_error_errno(r, "cannot plan the console setup");
	r = vconsole_stage(b->stage, b->req->moduleroot, &want, &b->vconsole);
	if (r < 0)
		return r;
	if (b->vconsole.n > 1)
		return stage_vconsole_helper(b);
	return 0;
}

static int apply_hook(struct build *b, const struct hook *hook)
{
	_cleanup_free_ char *origin = NULL;
	int r;

	if (asprintf(&origin, "hook '%s'", hook->name) < 0)
		return log_error_errno(-ENOMEM, "hook '%s'", hook->name);
	if (hook->autodetect && !b->no_kernel) {
		r = detect_run(&b->detect, b->req, b->moddep);
		if (r < 0)
			return r;
	}
	r = hook_modules(b, hook, origin);
	if (r < 0)
		return r;
	r = request_match_list(b, &hook->modules_match, origin,
			       b->detect.ran ? hook : NULL,
			       boot_load(b, hook, MODDEP_LOAD_ON_MATCH));
	if (r < 0)
		return r;
	r = add_listed(b, &hook->files, origin, files_add_path);
	if (r < 0)
		return r;
	r = add_listed(b, &hook->binaries, origin, files_add_binary);
	if (r < 0)
		return r;
	r = hook_applets(b, hook);
	if (r < 0)
		return r;
	if (hook->fsck) {
		r = hook_fsck(b, origin);
		if (r < 0)
			return r;
	}
	if (hook->mdadm) {
		r = hook_handler(b, origin, "mdadm", "mdadm", &b->mdadm);
		b->handlers.mdadm = b->mdadm;
		if (r < 0)
			return r;
	}
	if (hook->lvm) {
		r = hook_handler(b, origin, "lvm", "lvm2", &b->lvm);
		b->handlers.lvm = b->lvm;
		if (r < 0)
			return r;
	}
	if (hook->microcode) {
		r = hook_microcode(b);
		if (r < 0)
			return r;
	}
	r = hook_vconsole(b, hook);
	if (r < 0)
		return r;
	return hook_helpers(b, hook);
}

/* HOOKS from the config, then -A additions, less -S skips; unset HOOKS = (base). */
static int hook_names(struct build *b, struct strv *names)
{
	const struct strv *conf_hooks = conf_get(b->conf, "HOOKS");
	const struct strv *add = b->req->add_hooks;
	const struct strv *skip = b->req->skip_hooks;
	int r = 0;

	if (!conf_hooks)
		r = strv_push(names, "base");
	else if (conf_hooks->n == 0 || !*conf_hooks->v[0]) {
		log_error(
			"HOOKS is empty in '%s': an image needs at least the 'base' hook (mkinitcpio refuses an empty HOOKS too)",
			b->req->config);
		return -EINVAL;
	}
	for (size_t i = 0; r >= 0 && conf_hooks && i < conf_hooks->n; i++)
		if (!strv_contains(names, conf_hooks->v[i]))
			r = strv_push(names, conf_hooks->v[i]);
	for (size_t i = 0; r >= 0 && add && i < add->n; i++)
		if (!strv_contains(names, add->v[i]))
			r = strv_push(names, add->v[i]);
	if (r < 0 || !skip)
		return r;
	struct strv kept = STRV_INIT;
	for (size_t i = 0; r >= 0 && i < names->n; i++)
		if (!strv_contains(skip, names->v[i]))
			r = strv_push(&kept, names->v[i]);
	strv_clear(names);
	*names = kept;
	return r;
}

/*
 * mkinitcpio hooks that have no file here yet: named in their own error rather than
 * "unknown", and offered as suggestions for misspellings.
 */
static const char *const unsupported_hooks[] = {
	"sleep",
	"memdisk",
	"strip",
	NULL,
};

static int in_list(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i]; i++)
		if (streq(list[i], name))
			return 1;
	return 0;
}

static int dirs_text(const struct build *b, char *dirs, size_t size)
{
	size_t o = 0;
	dirs[0] = '\0';
	for (size_t i = 0; i < b->hook_dirs.n && o < size; i++)
		o += (size_t)snprintf(dirs + o, size - o, "%s'%s'", i ? ", " : "",
				      b->hook_dirs.v[i]);
	return 0;
}

static void log_unknown_hook(const struct build *b, const char *name,
			     const struct strv *known)
{
	char dirs[2048], esc[256];
	const char *hint = suggest_closest(name, (const char *const *)known->v, known->n);

	dirs_text(b, dirs, sizeof(dirs));
	log_escape(name, esc, sizeof(esc));
	if (hint)
		log_error("unknown hook '%s' (did you mean '%s'?): not found in %s", esc,
			  hint, dirs);
	else
		log_error("unknown hook '%s': not found in %s", esc, dirs);
}

/* Every name checked before any is applied, so all the wrong ones show in one run. */
static int check_hook_names(struct build *b, const struct strv *names)
{
	struct strv known = STRV_INIT;
	int r = hooks_names(&b->hook_dirs, &known), bad = 0;

	for (size_t i = 0; r >= 0 && unsupported_hooks[i]; i++)
		if (!strv_contains(&known, unsupported_hooks[i]))
			r = strv_push(&known, unsupported_hooks[i]);
	if (r < 0) {
		strv_clear(&known);
		return log_error_errno(r, "cannot list the hooks");
	}
	for (size_t i = 0; i < names->n; i++) {
		int k = hooks_exists(names->v[i], &b->hook_dirs);
		if (k > 0)
			continue;
		bad++;
		if (k < 0)
			log_error_errno(k, "hook '%s'", names->v[i]);
		else if (in_list(unsupported_hooks, names->v[i]))
			log_error(
				"hook '%s': mkinitcpio's '%s' hook is not supported by mkinitramfs yet",
				names->v[i], names->v[i]);
		else
			log_unknown_hook(b, names->v[i], &known);
	}
	strv_clear(&known);
	if (bad > 1)
		log_error("%d hooks of HOOKS (and -A) cannot be used", bad);
	return bad ? -ENOENT : 0;
}

/*
 * A userspace step of the root's or resume's stack (dm-crypt, LVM, md, resume, a
 * network root) whose hook is not in HOOKS: autodetect adds it, and says so. The
 * init runs a plan rather than hook scripts, so where the hook lands in the list
 * does not matter. A hook left out with -S, or not installed, stays out: the proof
 * names it after the closure is known.
 */
static int add_stack_hooks(struct build *b, struct strv *names)
{
	const struct strv *skip = b->req->skip_hooks;

	for (size_t i = 0; i < b->detect.nstacks; i++) {
		const struct rootstack *s = &b->detect.stacks[i];
		for (size_t j = 0; j < s->n; j++) {
			const struct rootstack_layer *l = &s->layers[j];
			const char *hook = l->hooks ? l->hooks[0] : NULL;
			int present = 0;
			for (size_t k = 0; l->hooks && l->hooks[k]; k++)
				present |= strv_contains(names, l->hooks[k]);
			if (!hook || present || (skip && strv_contains(skip, hook)) ||
			    hooks_exists(hook, &b->hook_dirs) <= 0)
				continue;
			log_info(
				"autodetect: %s stack: '%s' (%s) needs hook '%s': adding it",
				s->role, l->node, l->what, hook);
			int r = strv_push(names, hook);
			if (r < 0)
				return log_error_errno(r, "autodetect");
		}
	}
	return 0;
}

/* Load and apply each hook of `names` in order (autodetect may append stack hooks). */
/* One hook; autodetect's also brings the hooks the root's stack needs. */
static int apply_hook_and_stacks(struct build *b, const struct hook *hook,
				 struct strv *names)
{
	int r = apply_hook(b, hook);

	if (r < 0)
		return r;
	return hook->autodetect ? add_stack_hooks(b, names) : 0;
}

static int apply_hook_names(struct build *b, struct strv *names)
{
	int r = check_hook_names(b, names);
	if (r < 0)
		return r;
	for (size_t i = 0; i < names->n; i++) {
		struct hook *hook = NULL;
		struct conf_error err = {{0}};
		r = hooks_load(names->v[i], &b->hook_dirs, &hook, &err);
		if (r < 0) {
			log_error("hook '%s': %s", names->v[i],
				  *err.message ? err.message : strerror(-r));
			return r;
		}
		log_debug("applying hook '%s' from '%s'", hook->name, hook->path);
		r = apply_hook_and_stacks(b, hook, names);
		hooks_free(hook);
		crashpoint("resolution: hook");
		if (r < 0)
			return r;
		if (b->req->print_detected && b->detect.ran)
			break; /* -M needs nothing past autodetect */
	}
	return 0;
}

/*
 * --sysfs, --rootfs and --rootdev feed only the autodetect hook: a build without it
 * says that they changed nothing. Not for a preset's build: -P passes them to every
 * preset, and a fallback preset leaves autodetect out on purpose.
 */
static void warn_unused_detection(const struct build *b)
{
	const struct build_request *q = b->req;
	const char *given = q->rootdev	? "--rootdev"
			    : q->rootfs ? "--rootfs"
			    : q->sysfs	? "--sysfs"
					: NULL;

	if (given && !b->detect.ran && !q->preset_path)
		log_warning(
			"%s is read only by the autodetect hook, which this build does not run: ignored",
			given);
}

static int apply_hooks(struct build *b)
{
	_cleanup_(strv_clear) struct strv names = STRV_INIT;
	int r = hooks_default_dirs(&b->hook_dirs);

	if (r < 0)
		return log_error_errno(r, "cannot list the hooks of this build");
	r = hook_names(b, &names);
	if (r == -EINVAL) /* an empty HOOKS, already said */
		return r;
	if (r < 0)
		return log_error_errno(r, "cannot list the hooks of this build");
	r = apply_hook_names(b, &names);
	if (r < 0)
		return r;
	warn_unused_detection(b);
	b->hooks = names;
	names = (struct strv)STRV_INIT; /* now b's */
	return 0;
}

/* What the user asked for is never filtered by autodetect. */
static int config_modules(struct build *b)
{
	const struct strv *modules = conf_get(b->conf, "MODULES");
	for (size_t i = 0; modules && i < modules->n; i++) {
		int r = request_module(b, modules->v[i], "config", MODDEP_LOAD_ALWAYS);
		if (r < 0)
			return r;
		crashpoint("resolution: config module");
	}
	return request_match_list(b, conf_get(b->conf, "MODULES_MATCH"), "config", NULL,
				  MODDEP_LOAD_ON_MATCH);
}

static int newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/* A module changed after depmod ran: its dependencies may have changed too. */
static void warn_stale_index(const struct build *b)
{
	_cleanup_free_ char *dep = NULL;
	struct stat index, mod;

	if (asprintf(&dep, "%s/lib/modules/%s/modules.dep.bin", display_root(b->req),
		     b->req->kver) < 0 ||
	    stat(dep, &index) < 0)
		return;
	for (size_t i = 0; i < moddep_closure_size(b->moddep); i++) {
		const char *path = moddep_closure_path(b->moddep, i);
		if (!path || stat(path, &mod) < 0 || !newer(&mod.st_mtim, &index.st_mtim))
			continue;
		log_warning(
			"module '%s' is newer than '%s': run 'depmod -b %s %s', its dependencies may have changed",
			path, dep, b->req->moduleroot, b->req->kver);
		return;
	}
}

/* MODULES_DECOMPRESS=no against a kernel whose config says it cannot: name a module. */
static int check_kept_compressed(struct build *b)
{
	const struct modcompress *mc = moddep_kernel_compress(b->moddep);
	for (size_t i = 0; i < moddep_closure_size(b->moddep); i++) {
		const char *path = moddep_closure_path(b->moddep, i);
		const char *suffix = modcompress_suffix(path);
		if (!suffix || modcompress_kernel_can(mc, path))
			continue;
		log_error(
			"MODULES_DECOMPRESS=no, but kernel '%s' cannot decompress module '%s' itself: its config '%s' lacks CONFIG_MODULE_DECOMPRESS=y or the option of '%s'",
			b->req->kver, path, mc->config, suffix);
		return -EINVAL;
	}
	return 0;
}

/*
 * A generic image (no autodetect) under MODULES_DECOMPRESS=auto: the modules the kernel
 * does not decompress itself and that are not loaded at every boot (on a device's
 * match, on request) are compressed one by one into the first segment, and the image's
 * unzstd helper decompresses the few the boot loads; the kernel then unpacks a small
 * compressed archive instead of every module. An image of MODULES= alone has none,
 * nor one for a kernel whose config is not found.
 * Without the helper, they go into the compressed archive as before.
 */
static int choose_lazy(struct build *b)
{
	int r;

	/* Only for a kernel whose config was found: what it decompresses is known. */
	if (b->decompress != MODCOMPRESS_AUTO || b->detect.ran ||
	    !moddep_kernel_compress(b->moddep)->config)
		return 0;
	r = locate_helper("unzstd", &b->unzstd);
	if (r == -ENOENT) {
		log_warning(
			"generic image: helper 'unzstd' is neither next to mkinitramfs nor in '%s': its modules go into the compressed archive, ignoring",
			MKINITRAMFS_LIBDIR);
		return 0;
	}
	if (r < 0)
		return log_error_errno(r, "cannot locate helper 'unzstd'");
	moddep_lazy(b->moddep, true);
	return 0;
}

/* The helper that decompresses the modules compressed for it, when there are any. */
static int stage_unzstd(struct build *b)
{
	int r;

	if (!b->unzstd || !moddep_lazy_count(b->moddep))
		return 0;
	r = stage_add_file(b->stage, ABI_UNZSTD_PATH, 0755, b->unzstd);
	if (r < 0 && r != -EEXIST)
		return log_error_errno(r, "cannot add helper '%s'", b->unzstd);
	return 0;
}

/*
 * Compressed modules the target kernel decompresses stay as they are, in the image's
 * uncompressed first segment (compressing them again gains nothing): MODULES_DECOMPRESS
 * (mkinitcpio's key) yes = decompress at build, no = keep, auto (default) = per the
 * kernel's config (modcompress.c).
 */
static int choose_module_form(struct build *b)
{
	const char *value = conf_get_string(b->conf, "MODULES_DECOMPRESS");
	int r = modcompress_parse_mode(value, &b->decompress);
	if (r < 0) {
		log_error("MODULES_DECOMPRESS: '%s' is not one of yes, no, auto", value);
		return r;
	}
	if (b->decompress == MODCOMPRESS_DECOMPRESS) {
		moddep_keep_compressed(b->moddep, MODCOMPRESS_DECOMPRESS, NULL);
		return 0;
	}
	if (b->decompress == MODCOMPRESS_KEEP &&
	    moddep_kernel_compress(b->moddep)->config) {
		r = check_kept_compressed(b);
		if (r < 0)
			return r;
	}
	if (!b->early) {
		r = stage_new(&b->early);
		if (r < 0)
			return r;
	}
	moddep_keep_compressed(b->moddep, b->decompress, b->early);
	return choose_lazy(b);
}

static void explain_module_form(const struct build *b)
{
	size_t kept = moddep_kept_compressed(b->moddep);
	size_t lazy = moddep_lazy_count(b->moddep);
	const struct modcompress *mc = moddep_kernel_compress(b->moddep);
	if (lazy)
		log_verbose(
			"modules: %zu compressed one by one (zstd) in the uncompressed first segment, decompressed at boot by '%s' when loaded (a generic image, MODULES_DECOMPRESS=auto)",
			lazy, ABI_UNZSTD_PATH);
	if (b->decompress == MODCOMPRESS_DECOMPRESS)
		log_verbose("modules: decompressed at build (MODULES_DECOMPRESS=yes)");
	else if (kept)
		log_verbose(
			"modules: %zu kept compressed in the uncompressed first segment, loaded with MODULE_INIT_COMPRESSED_FILE (%s)",
			kept,
			mc->config ? mc->config
				   : "MODULES_DECOMPRESS=no, no kernel config found");
	else if (!mc->config)
		log_verbose(
			"modules: decompressed at build: no kernel config in '%s/boot/config-%s' or the module tree tells whether the kernel decompresses them",
			display_root(b->req), b->req->kver);
	else
		log_verbose(
			"modules: decompressed at build: '%s' has no CONFIG_MODULE_DECOMPRESS=y for their format",
			mc->config);
}

static int stage_empty_plan(struct build *b)
{
	_cleanup_(plan_freep) struct plan *p = NULL;
	const char *text;
	size_t size;
	int r = plan_new("", &p);

	if (r < 0)
		return r;
	r = plan_add_fact(p, "generator", "mkinitramfs " MKINITRAMFS_VERSION);
	if (r < 0)
		return r;
	r = plan_add_handlers(p, &b->handlers);
	if (r < 0)
		return r;
	r = plan_render(p, &text, &size);
	if (r < 0)
		return r;
	return stage_add_data(b->stage, ABI_PLAN_PATH, 0644, text, size);
}

/* -k none: a plan with no kernel release and no module, so the init loads nothing. */
static int stage_no_modules(struct build *b)
{
	int r = stage_empty_plan(b);
	if (r < 0)
		return log_error_errno(
			r, "cannot write the plan of an image without modules");
	return 0;
}

static int stage_modules(struct build *b)
{
	if (b->no_kernel)
		return stage_no_modules(b);
	int r = moddep_resolve(b->moddep);
	if (r < 0)
		return r;
	crashpoint("resolution: closure");
	r = choose_module_form(b);
	if (r < 0)
		return r;
	r = moddep_stage(b->moddep, b->stage, &b->handlers);
	if (r < 0)
		return r;
	r = stage_unzstd(b);
	if (r < 0)
		return r;
	explain_module_form(b);
	crashpoint("staging: modules");
	warn_stale_index(b);
	size_t missing = moddep_missing_firmware(b->moddep);
	if (missing)
		log_warning(
			"%zu firmware file%s named by the included modules not found%s",
			missing, missing == 1 ? "" : "s",
			log_get_level() >= LOG_LEVEL_VERBOSE ? "" : " (-v lists them)");
	if (log_get_level() >= LOG_LEVEL_VERBOSE)
		moddep_explain(b->moddep, stderr);
	return 0;
}

/* The proof's view of the image: is a module (name or alias) in the closure or built in?
 */
static int image_module_state(void *userdata, const char *module)
{
	struct build *b = userdata;
	struct strv names = STRV_INIT;
	int state = ROOTSTACK_MODULE_UNKNOWN;
	int r = moddep_lookup(b->moddep, module, &names);

	for (size_t i = 0; r >= 0 && i < names.n; i++) {
		int s = ROOTSTACK_MODULE_LEFT_OUT;
		for (size_t j = 0; j < moddep_closure_size(b->moddep); j++)
			if (streq(moddep_closure_name(b->moddep, j), names.v[i]))
				s = ROOTSTACK_MODULE_IN_IMAGE;
		if (s != ROOTSTACK_MODULE_IN_IMAGE &&
		    moddep_is_builtin(b->moddep, names.v[i]) > 0)
			s = ROOTSTACK_MODULE_BUILTIN;
		if (s > state)
			state = s;
	}
	strv_clear(&names);
	if (r < 0)
		return log_error_errno(r, "cannot look up module '%s'", module);
	return state;
}

static const char *image_hook_hint(void *userdata, const char *hook)
{
	struct build *b = userdata;
	const struct strv *skip = b->req->skip_hooks;

	if (skip && strv_contains(skip, hook))
		return "it was left out with -S";
	if (hooks_exists(hook, &b->hook_dirs) <= 0)
		return "no such hook is installed";
	return "add it to HOOKS";
}

/* Autodetect walked the stacks: prove the image has every piece of them. */
static int prove_stacks(struct build *b)
{
	_cleanup_free_ char *moduledir = NULL;
	int r = 0;

	if (asprintf(&moduledir, "%s/lib/modules/%s", display_root(b->req),
		     b->req->kver) < 0)
		return log_error_errno(-ENOMEM, "root stack");
	struct rootstack_image img = {
		.module_state = image_module_state,
		.hook_hint = image_hook_hint,
		.userdata = b,
		.hooks = &b->hooks,
		.moduledir = moduledir,
	};
	for (size_t i = 0; i < b->detect.nstacks; i++) {
		int k = rootstack_check(&b->detect.stacks[i], &img);
		if (k < 0 && r >= 0)
			r = k;
	}
	return r;
}

static void strv_line(FILE *out, const char *key, const struct strv *v)
{
	fprintf(out, "%s", key);
	for (size_t i = 0; v && i < v->n; i++)
		fprintf(out, " %zu:%s", strlen(v->v[i]), v->v[i]);
	fputc('\n', out);
}

/*
 * What the command line, the environment and the working directory asked of this build,
 * as text for the input journal: the same text, the same request. Strings are
 * length-prefixed, so no value can pass for another.
 */
static int request_text(const struct build_request *req, char **ret)
{
	static const char *const env[] = {"SOURCE_DATE_EPOCH", "MKINITRAMFS_HOOKS_DIR",
					  "MKINITRAMFS_INIT"};
	const char *const fields[][2] = {
		{"kver", req->kver},	      {"moduleroot", req->moduleroot},
		{"config", req->config},      {"output", req->output},
		{"preset", req->preset_path}, {"compress", req->compress},
		{"init", req->init_path},     {"sysfs", req->sysfs},
		{"rootfs", req->rootfs},      {"rootdev", req->rootdev},
		{"cmdline", req->cmdline},    {"cpuinfo", req->cpuinfo},
	};
	_cleanup_free_ char *text = NULL, *cwd = getcwd(NULL, 0);
	size_t len = 0;
	FILE *out;

	if (!cwd)
		return negative_errno();
	out = open_memstream(&text, &len);
	if (!out)
		return -ENOMEM;
	fprintf(out, "cwd %zu:%s\n", strlen(cwd), cwd);
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (fields[i][1])
			fprintf(out, "%s %zu:%s\n", fields[i][0], strlen(fields[i][1]),
				fields[i][1]);
	for (size_t i = 0; i < ARRAY_SIZE(env); i++) {
		const char *value = getenv(env[i]);
		if (value)
			fprintf(out, "env %s %zu:%s\n", env[i], strlen(value), value);
	}
	fprintf(out, "config-required %d\n", req->config_required);
	strv_line(out, "add-hooks", req->add_hooks);
	strv_line(out, "skip-hooks", req->skip_hooks);
	strv_line(out, "includes", req->includes);
	if (fclose(out) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(text);
	return 0;
}

/* The input journal of this build, or NULL when it cannot have one (said in -v). */
static char *build_journal(const struct build *b)
{
	_cleanup_free_ char *request = NULL, *self = NULL;
	char *journal = NULL;

	if (b->req->includes && b->req->includes->n)
		injournal_incomplete(
			"-I files are resolved by paths the journal does not follow");
	if (request_text(b->req, &request) < 0 || digest_generator(&self) < 0)
		return NULL;
	/* The staged files: what the image holds, whoever noted them. */
	const struct stage *stages[] = {b->stage, b->opts.early};
	for (size_t s = 0; s < ARRAY_SIZE(stages); s++) {
		size_t n;
		const struct stage_entry *e =
			stages[s] ? stage_entries(stages[s], &n) : NULL;
		for (size_t i = 0; e && i < n; i++)
			if (e[i].kind == STAGE_FILE && e[i].from != STAGE_FROM_DATA)
				injournal_note(e[i].source);
	}
	if (injournal_text(request, b->detect.facts, self, &journal) < 0)
		return NULL;
	return journal;
}

struct record_args {
	const char *inputs, *journal;
};

/* image_write()'s commit hook: the record of this image, under its directory lock. */
static void record_inputs(const char *target, int fd, const struct stat *st,
			  const struct image_sum *sum, void *userdata)
{
	const struct record_args *a = userdata;

	digest_record(target, fd, st, sum, a->inputs, a->journal);
}

static int write_image(struct build *b)
{
	const char *out = b->req->output;
	int r;

	if (b->early) {
		r = stage_finish(b->early);
		if (r < 0)
			return log_error_errno(r,
					       "cannot complete the microcode archive");
		size_t n;
		stage_entries(b->early, &n);
		b->opts.early = n ? b->early : NULL;
	}
	_cleanup_free_ char *inputs = NULL, *journal = NULL;
	r = digest_inputs(b->stage, &b->opts, b->req->kver, &inputs);
	if (r >= 0 && !b->req->scratch_output)
		journal = build_journal(b);
	if (r >= 0 && !b->req->force && digest_unchanged(out, inputs, journal) > 0) {
		/* Temporary files of killed builds go even when nothing is written. */
		image_clean_stale(out);
		log_info(
			"'%s' is up to date: its inputs are unchanged (--force rebuilds it)",
			out);
		b->skipped = 1;
		return 0;
	}
	struct record_args args = {inputs, journal};
	if (inputs) {
		b->opts.commit = record_inputs;
		b->opts.commit_userdata = &args;
	}
	/* Inputs whose files changed (touched, copied, linked) often make the same bytes:
	 * then the image there stays as it is, for the boot loader and the disk. */
	b->opts.keep_same = !b->req->force && !b->req->scratch_output;
	r = image_write(b->stage, out, &b->opts); /* logs its failures */
	if (r < 0)
		return r;
	crashpoint("image: inputs recorded");
	if (r > 0) {
		log_info(
			"'%s' is up to date: built again, it came out the same (--force rewrites it)",
			out);
		b->skipped = 1;
	}
	return 0;
}

/* The effective configuration, for --show-config and --diff on the image. */
static int embed_config(struct build *b)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = confdump_text(b->conf, &b->hooks, compress_name(b->opts.compression),
			      &text, &len);

	if (r < 0)
		return log_error_errno(r, "cannot embed the configuration in the image");
	r = stage_add_data(b->stage, CONFDUMP_PATH, 0644, text, len);
	if (r < 0)
		return log_error_errno(r, "cannot embed the configuration in the image");
	return 0;
}

static int print_detected(const struct build *b)
{
	if (!b->detect.ran) {
		log_error("-M: no 'autodetect' hook in HOOKS, nothing was detected");
		return -EINVAL;
	}
	for (size_t i = 0; i < b->detect.detected.n; i++)
		printf("%s\n", b->detect.detected.v[i]);
	return 0;
}

static int build_prepare(struct build *b)
{
	int r = load_config(b);
	if (r < 0)
		return r;
	if (b->req->output) {
		r = check_target(b);
		if (r < 0)
			return r;
	}
	r = parse_compression(b);
	if (r < 0)
		return r;
	r = source_date_epoch(&b->opts.mtime);
	if (r < 0)
		return r;
	b->no_kernel = streq(b->req->kver, "none");
	if (b->no_kernel)
		log_warning(
			"-k none: the image holds no kernel modules (MODULES, MODULES_MATCH, the hooks' modules and autodetect are left out)");
	r = b->no_kernel ? 0 : open_module_tree(b);
	if (r < 0)
		return r;
	r = stage_new(&b->stage);
	if (r < 0)
		return log_error_errno(r, "cannot stage the base of the image");
	r = stage_base(b);
	if (r < 0)
		return log_error_errno(r, "cannot stage the base of the image");
	return 0;
}

/* Every step of a build, in order; each logs its own failure. */
static int build_steps(struct build *b)
{
	const struct build_request *req = b->req;
	int r;

	progress_step("reading the configuration and the module tree");
	r = build_prepare(b);
	if (r < 0)
		return r;
	crashpoint("prepared: config, module tree");
	r = config_modules(b);
	if (r < 0)
		return r;
	progress_step("running the hooks");
	r = apply_hooks(b);
	if (r < 0)
		return r;
	if (req->print_detected)
		return print_detected(b);
	progress_step("adding files and binaries");
	r = add_listed(b, conf_get(b->conf, "FILES"), "FILES", files_add_path);
	if (r < 0)
		return r;
	r = add_listed(b, conf_get(b->conf, "BINARIES"), "BINARIES", files_add_binary);
	if (r < 0)
		return r;
	r = add_includes(b);
	if (r < 0)
		return r;
	crashpoint("staging: files");
	r = stage_vconsole(b);
	if (r < 0)
		return r;
	r = embed_config(b);
	if (r < 0)
		return r;
	progress_step("resolving and adding the modules");
	r = stage_modules(b);
	if (r < 0)
		return r;
	r = prove_stacks(b);
	if (r < 0)
		return r;
	r = stage_finish(b->stage);
	crashpoint("staging: tree");
	if (r < 0)
		return log_error_errno(r, "cannot complete the image's directory tree");
	char step[64];
	snprintf(step, sizeof(step), "writing the image (%s)",
		 compress_name(b->opts.compression));
	progress_step(step);
	r = write_image(b);
	if (r < 0 || b->skipped || req->scratch_output)
		return r;
	size_t count;
	stage_entries(b->stage, &count);
	log_info("wrote '%s' (%zu entries, %s)", req->output, count,
		 compress_name(b->opts.compression));
	return 0;
}

struct fast_args {
	const struct build_request *req;
	const char *request, *self;
	struct strv warnings;
};

static int check_journal(const char *journal, void *userdata)
{
	struct fast_args *a = userdata;

	strv_clear(&a->warnings);
	return injournal_check(journal, a->request, a->self, detect_facts_now,
			       (void *)a->req, &a->warnings);
}

/*
 * Before the pipeline: when the journal recorded next to the image still holds and the
 * image is the one recorded, say so as a no-op always has. 1 done, 0 run the build.
 */
static int fast_noop(const struct build_request *req)
{
	_cleanup_free_ char *request = NULL, *self = NULL;

	if (req->force || !req->output || req->scratch_output || req->print_detected ||
	    (req->uki && req->uki->output))
		return 0;
	if (request_text(req, &request) < 0 || digest_generator(&self) < 0)
		return 0;
	struct fast_args args = {req, request, self, STRV_INIT};
	int r = digest_journal_unchanged(req->output, check_journal, &args);

	for (size_t i = 0; r > 0 && i < args.warnings.n; i++) /* as the build said */
		log_warning("%s", args.warnings.v[i]);
	strv_clear(&args.warnings);
	if (r <= 0)
		return 0;
	image_clean_stale(req->output);
	log_verbose("inputs unchanged (stat)");
	log_info("'%s' is up to date: its inputs are unchanged (--force rebuilds it)",
		 req->output);
	return 1;
}

/* A UKI and no image: build the image as a scratch file next to the UKI, then drop it. */
static int build_uki_only(const struct build_request *req)
{
	_cleanup_free_ char *scratch = NULL, *record = NULL;
	struct build_request copy = *req;
	int r = uki_scratch_initrd(req->uki->output, &scratch);

	if (r < 0 || asprintf(&record, "%s" DIGEST_SUFFIX, scratch) < 0)
		return -ENOMEM;
	r = uki_check_target(req->uki->output);
	if (r < 0)
		return r;
	copy.output = scratch;
	copy.force = 1;
	copy.scratch_output = 1;
	r = build_run(&copy);
	unlink(scratch);
	unlink(record);
	return r;
}

int build_run(const struct build_request *req)
{
	struct build b = {.req = req, .opts = {.level = COMPRESS_LEVEL_DEFAULT}};
	int r;

	if (req->uki && req->uki->output && !req->output && !req->print_detected)
		return build_uki_only(req);
	if (req->uki && req->uki->output && !req->print_detected) {
		r = uki_check(req->uki, req->moduleroot, req->kver);
		if (r < 0)
			return r;
	}
	if (fast_noop(req) > 0)
		return 0;
	log_set_warning_sink(injournal_warning);
	injournal_begin();
	progress_start(req->output);
	r = build_steps(&b);
	progress_stop();
	build_done(&b);
	if (r < 0)
		return r;
	if (req->uki && req->uki->output && !req->print_detected)
		return uki_build(req->uki, req->moduleroot, req->kver, req->output);
	return r;
}
