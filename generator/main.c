/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mkinitramfs: the command line. Parses options, then builds, lists or extracts. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "build.h"
#include "hooks.h"
#include "image.h"
#include "preset.h"
#include "kernel.h"
#include "locate.h"
#include "log.h"
#include "util.h"

#define DEFAULT_CONFIG MKINITRAMFS_SYSCONFDIR "/mkinitramfs.conf"
#define DEFAULT_PRESET_DIR MKINITRAMFS_SYSCONFDIR "/mkinitramfs.d"

enum action {
	ACTION_BUILD,
	ACTION_LIST,
	ACTION_EXTRACT,
	ACTION_HELP,
	ACTION_VERSION,
	ACTION_LIST_HOOKS,
	ACTION_HOOK_HELP,
	ACTION_PRESET,
	ACTION_ALL_PRESETS,
};

enum {
	OPT_SYSFS = 0x100,
	OPT_ROOTFS,
	OPT_PRESETDIR,
};

struct options {
	enum action action;
	const char *kernel;
	const char *generate;
	const char *config;
	const char *moduleroot;
	const char *compress;
	const char *image; /* -l / -x */
	const char *extract_dir;
	const char *hook;   /* -H */
	const char *preset; /* -p */
	const char *preset_dir;
	const char *sysfs;
	const char *rootfs;
	struct strv add_hooks;
	struct strv skip_hooks;
	int print_detected;
	int force;
	int verbosity;
};

static void usage(FILE *out)
{
	fputs("Usage: mkinitramfs [options]\n"
	      "\n"
	      "Build an initramfs image, or list or extract one.\n"
	      "\n"
	      "  -k, --kernel KVER|PATH   kernel release, or a bzImage to read it from\n"
	      "                           (default: the running kernel)\n"
	      "  -g, --generate PATH      write the image to PATH\n"
	      "  -c, --config PATH        configuration (default " DEFAULT_CONFIG ",\n"
	      "                           drop-ins in PATH.d/*.conf)\n"
	      "  -r, --moduleroot DIR     take modules, firmware, binaries and\n"
	      "                           modprobe.d from DIR instead of /\n"
	      "  -z, --compress NAME      zstd, gzip, xz, lz4 or none\n"
	      "                           (overrides COMPRESSION)\n"
	      "  -l, --list IMAGE         list the entries of an image\n"
	      "  -x, --extract IMAGE [DIR]\n"
	      "                           extract an image into DIR (default: .)\n"
	      "  -p, --preset NAME|PATH   build the images of one preset\n"
	      "  -f, --force              build even when no input changed\n"
	      "  -P, --allpresets         build the images of every preset, in parallel\n"
	      "      --presetdir DIR      where presets live\n"
	      "                           (default " DEFAULT_PRESET_DIR ")\n"
	      "  -A, --addhooks A,B       add hooks to HOOKS for this build\n"
	      "  -S, --skiphooks A,B      leave hooks out of this build\n"
	      "  -L, --listhooks          list the available hooks\n"
	      "  -H, --hookhelp HOOK      describe one hook\n"
	      "  -M, --automods           print the modules autodetect finds, and exit\n"
	      "      --sysfs DIR          autodetect from this sysfs tree (default "
	      "/sys)\n"
	      "      --rootfs TYPE        the root filesystem's type, for autodetect\n"
	      "  -v, --verbose            say why each module is included (twice: "
	      "debug)\n"
	      "  -q, --quiet              only errors\n"
	      "  -h, --help               this help\n"
	      "  -V, --version            the version\n",
	      out);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"kernel", required_argument, NULL, 'k'},
		{"generate", required_argument, NULL, 'g'},
		{"config", required_argument, NULL, 'c'},
		{"moduleroot", required_argument, NULL, 'r'},
		{"compress", required_argument, NULL, 'z'},
		{"list", required_argument, NULL, 'l'},
		{"extract", required_argument, NULL, 'x'},
		{"preset", required_argument, NULL, 'p'},
		{"allpresets", no_argument, NULL, 'P'},
		{"force", no_argument, NULL, 'f'},
		{"presetdir", required_argument, NULL, OPT_PRESETDIR},
		{"addhooks", required_argument, NULL, 'A'},
		{"skiphooks", required_argument, NULL, 'S'},
		{"listhooks", no_argument, NULL, 'L'},
		{"hookhelp", required_argument, NULL, 'H'},
		{"automods", no_argument, NULL, 'M'},
		{"sysfs", required_argument, NULL, OPT_SYSFS},
		{"rootfs", required_argument, NULL, OPT_ROOTFS},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct options){.action = ACTION_BUILD,
			      .moduleroot = "/",
			      .verbosity = 1,
			      .preset_dir = DEFAULT_PRESET_DIR};
	while ((c = getopt_long(argc, argv, "k:g:c:r:z:l:x:p:PfA:S:LH:MvqhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'k':
			o->kernel = optarg;
			break;
		case 'g':
			o->generate = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'r':
			o->moduleroot = optarg;
			break;
		case 'z':
			o->compress = optarg;
			break;
		case 'l':
			o->action = ACTION_LIST;
			o->image = optarg;
			break;
		case 'x':
			o->action = ACTION_EXTRACT;
			o->image = optarg;
			break;
		case 'p':
			o->action = ACTION_PRESET;
			o->preset = optarg;
			break;
		case 'P':
			o->action = ACTION_ALL_PRESETS;
			break;
		case 'f':
			o->force = 1;
			break;
		case OPT_PRESETDIR:
			o->preset_dir = optarg;
			break;
		case 'A':
			if (strv_push_split(&o->add_hooks, optarg, ",") < 0)
				return -ENOMEM;
			break;
		case 'S':
			if (strv_push_split(&o->skip_hooks, optarg, ",") < 0)
				return -ENOMEM;
			break;
		case 'L':
			o->action = ACTION_LIST_HOOKS;
			break;
		case 'H':
			o->action = ACTION_HOOK_HELP;
			o->hook = optarg;
			break;
		case 'M':
			o->print_detected = 1;
			break;
		case OPT_SYSFS:
			o->sysfs = optarg;
			break;
		case OPT_ROOTFS:
			o->rootfs = optarg;
			break;
		case 'v':
			o->verbosity++;
			break;
		case 'q':
			o->verbosity = 0;
			break;
		case 'h':
			o->action = ACTION_HELP;
			break;
		case 'V':
			o->action = ACTION_VERSION;
			break;
		default:
			return -EINVAL;
		}
	}
	if (o->action == ACTION_EXTRACT && optind < argc)
		o->extract_dir = argv[optind++];
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (o->action == ACTION_BUILD && !o->generate && !o->print_detected) {
		log_error("nothing to do: give -g PATH to write an image (see --help)");
		return -EINVAL;
	}
	return 0;
}

static int is_kernel_image(const char *arg)
{
	struct stat st;
	return strchr(arg, '/') || stat(arg, &st) == 0;
}

/* -k takes a release ("6.1.0-56-amd64") or a kernel image to read it from. */
static int kernel_of(const char *arg, char **ret)
{
	if (!arg)
		return kernel_running_version(ret);
	if (is_kernel_image(arg))
		return kernel_version_from_image(arg, ret);
	*ret = strdup(arg);
	return *ret ? 0 : -ENOMEM;
}

static int resolve_kernel(const char *arg, char **ret)
{
	int r = kernel_of(arg, ret);

	if (r < 0 && arg && is_kernel_image(arg))
		log_error("cannot read a kernel version from '%s': %s", arg,
			  r == -ENOEXEC ? "not a bzImage" : strerror(-r));
	return r;
}

static void on_fatal_signal(int sig)
{
	/* Only async-signal-safe work here: remove the temporary image and leave. */
	image_abort_cleanup();
	_exit(128 + sig);
}

static void install_signal_handlers(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa = {.sa_handler = on_fatal_signal}, old;
	sigemptyset(&sa.sa_mask);
	/* A signal ignored by whoever started us (nohup, a background job) stays so. */
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

/*
 * Build one image; the preset image (or NULL for a command-line build) refines `o`.
 * `known_kver` is its kernel release when already resolved, `kernel` that kernel's
 * shared context (or NULL).
 */
static int build_one(const struct options *o, const struct preset_image *img,
		     const char *known_kver, struct build_kernel *kernel)
{
	_cleanup_free_ char *kver = NULL, *init = NULL;
	const char *config = img && img->config ? img->config : o->config;
	int r;

	if (known_kver) {
		kver = strdup(known_kver);
		r = kver ? 0 : -ENOMEM;
	} else
		r = resolve_kernel(img ? img->kver : o->kernel, &kver);
	if (r < 0)
		return r;
	r = locate_init(&init);
	if (r < 0) {
		log_error("the init binary was not found in '%s' (set MKINITRAMFS_INIT)",
			  MKINITRAMFS_LIBDIR);
		return r;
	}
	struct build_request req = {
		.kver = kver,
		.moduleroot = o->moduleroot,
		.config = config ? config : DEFAULT_CONFIG,
		.config_required = config != NULL,
		.output = img ? img->image : o->generate,
		.compress = o->compress ? o->compress
			    : img	? img->compress
					: NULL,
		.init_path = init,
		.add_hooks = img ? &img->add_hooks : &o->add_hooks,
		.skip_hooks = img ? &img->skip_hooks : &o->skip_hooks,
		.sysfs = o->sysfs,
		.rootfs = o->rootfs,
		.print_detected = o->print_detected,
		.force = o->force,
		.kernel = kernel,
	};
	install_signal_handlers();
	return build_run(&req);
}

static int run_build(const struct options *o)
{
	return build_one(o, NULL, NULL, NULL);
}

struct job {
	pid_t pid;
	const char *preset;
	const struct preset_image *img;
	char *kver; /* NULL when it cannot be read: the child reports why */
};

/* The images of one kernel and the context they share, alive until the last is forked.
 */
struct kernel_share {
	const char *kver;
	size_t images, left;
	int prepared;
	struct build_kernel *k;
};

/* Wait for one child; report it when it failed. Returns 1 if it failed. */
static int reap_one(struct job *jobs, size_t njobs)
{
	int status;
	pid_t pid = wait(&status);
	for (size_t i = 0; pid > 0 && i < njobs; i++) {
		if (jobs[i].pid != pid)
			continue;
		jobs[i].pid = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			return 0;
		log_error("preset '%s': image '%s' failed", jobs[i].preset,
			  jobs[i].img->name);
		return 1;
	}
	return pid > 0 ? 0 : 1;
}

/* Every image, with its kernel release read now so that images can be grouped by it. */
static struct job *list_jobs(struct preset **presets, size_t n, size_t *ret_total)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += presets[i]->count;
	struct job *jobs = calloc(total ? total : 1, sizeof(*jobs));
	for (size_t i = 0, j = 0; jobs && i < n; i++)
		for (size_t k = 0; k < presets[i]->count; k++, j++) {
			jobs[j] = (struct job){.preset = presets[i]->name,
					       .img = &presets[i]->images[k]};
			if (kernel_of(jobs[j].img->kver, &jobs[j].kver) < 0)
				jobs[j].kver = NULL;
		}
	*ret_total = total;
	return jobs;
}

static void free_jobs(struct job *jobs, size_t total)
{
	for (size_t i = 0; jobs && i < total; i++)
		free(jobs[i].kver);
	free(jobs);
}

static struct kernel_share *share_of(struct kernel_share *shares, size_t n,
				     const char *kver)
{
	for (size_t i = 0; kver && i < n; i++)
		if (streq(shares[i].kver, kver))
			return &shares[i];
	return NULL;
}

static struct kernel_share *list_shares(const struct job *jobs, size_t total,
					size_t *ret_n)
{
	struct kernel_share *shares = calloc(total ? total : 1, sizeof(*shares));
	size_t n = 0;

	for (size_t i = 0; shares && i < total; i++) {
		struct kernel_share *s = share_of(shares, n, jobs[i].kver);
		if (!s && jobs[i].kver) {
			s = &shares[n++];
			s->kver = jobs[i].kver;
		}
		if (s)
			s->images = ++s->left;
	}
	*ret_n = n;
	return shares;
}

/* The shared work of a kernel with several images, done before its first is forked;
 * when it cannot be done, each build does it and reports what failed. */
static struct build_kernel *share_kernel(const struct options *o, struct kernel_share *s)
{
	if (!s || s->images < 2)
		return NULL;
	if (!s->prepared) {
		s->prepared = 1;
		int r = build_kernel_new(o->moduleroot, s->kver, &s->k);
		if (r < 0)
			log_debug("kernel '%s': not shared (%s)", s->kver, strerror(-r));
		else
			log_verbose("kernel '%s': module tree loaded once for %zu images",
				    s->kver, s->images);
	}
	return s->k;
}

/* The parent needs a kernel's context no more once its last image is forked. */
static void unshare_kernel(struct kernel_share *s)
{
	if (s && --s->left == 0) {
		build_kernel_free(s->k);
		s->k = NULL;
	}
}

/* Independent images build in parallel, one process each, at most one per core;
 * a failing image does not stop the others. */
static int build_presets(const struct options *o, struct preset **presets, size_t n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t total, nshares, running = 0, started = 0;
	int failed = 0;
	struct job *jobs = list_jobs(presets, n, &total);
	struct kernel_share *shares = jobs ? list_shares(jobs, total, &nshares) : NULL;

	if (!shares) {
		free_jobs(jobs, total);
		return -ENOMEM;
	}
	for (size_t i = 0; i < total; i++) {
		struct job *job = &jobs[i];
		while (running >= (size_t)(cores > 0 ? cores : 1)) {
			failed += reap_one(jobs, started);
			running--;
		}
		struct kernel_share *s = share_of(shares, nshares, job->kver);
		struct build_kernel *kernel = share_kernel(o, s);
		log_info("preset '%s': building image '%s' (%s)", job->preset,
			 job->img->name, job->img->image);
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0)
			_exit(build_one(o, job->img, job->kver, kernel) < 0 ? 1 : 0);
		unshare_kernel(s);
		started = i + 1;
		if (pid < 0) {
			log_error("cannot start a build: %s", strerror(errno));
			failed++;
			continue;
		}
		job->pid = pid;
		running++;
	}
	while (running--)
		failed += reap_one(jobs, started);
	free_jobs(jobs, total);
	free(shares);
	if (failed)
		log_error("%d of %zu image%s failed", failed, total,
			  total == 1 ? "" : "s");
	return failed ? -EIO : 0;
}

static int load_presets(const struct options *o, struct strv *names, struct preset ***ret)
{
	struct preset **presets = calloc(names->n ? names->n : 1, sizeof(*presets));
	if (!presets)
		return -ENOMEM;
	for (size_t i = 0; i < names->n; i++) {
		struct conf_error err = {{0}};
		int r = preset_load(names->v[i], o->preset_dir, &presets[i], &err);
		if (r < 0) {
			if (*err.message)
				log_error("%s", err.message);
			else
				log_error("cannot read preset '%s': %s", names->v[i],
					  strerror(-r));
			while (i--)
				preset_free(presets[i]);
			free(presets);
			return r;
		}
		for (size_t w = 0; w < presets[i]->warnings.n; w++)
			log_warning("%s", presets[i]->warnings.v[w]);
	}
	*ret = presets;
	return 0;
}

static int run_presets(const struct options *o)
{
	struct strv names = STRV_INIT;
	struct preset **presets = NULL;
	int r;

	if (o->action == ACTION_PRESET) {
		r = strv_push(&names, o->preset);
	} else {
		r = preset_list_dir(o->preset_dir, &names);
		if (r < 0)
			log_error("cannot read the preset directory '%s': %s",
				  o->preset_dir, strerror(-r));
		else if (!names.n)
			log_error("no presets in '%s'", o->preset_dir);
		if (r >= 0 && !names.n)
			r = -ENOENT;
	}
	if (r >= 0)
		r = load_presets(o, &names, &presets);
	if (r >= 0) {
		r = build_presets(o, presets, names.n);
		for (size_t i = 0; i < names.n; i++)
			preset_free(presets[i]);
		free(presets);
	}
	strv_clear(&names);
	return r;
}

static int run_hooks(const struct options *o)
{
	struct strv dirs = STRV_INIT;
	int r = hooks_default_dirs(&dirs);

	if (r >= 0 && o->action == ACTION_LIST_HOOKS) {
		puts("Available hooks:");
		r = hooks_list(&dirs, stdout);
	} else if (r >= 0) {
		struct hook *hook = NULL;
		struct conf_error err = {{0}};
		r = hooks_load(o->hook, &dirs, &hook, &err);
		if (r == -ENOENT && !*err.message)
			log_error("unknown hook '%s'", o->hook);
		else if (r < 0)
			log_error("hook '%s': %s", o->hook, err.message);
		else
			hooks_describe(hook, stdout);
		hooks_free(hook);
	}
	strv_clear(&dirs);
	return r;
}

static int run_list(const struct options *o)
{
	int r = image_list(o->image, stdout);
	if (r < 0)
		log_error("cannot list image '%s': %s", o->image,
			  r == -EBADMSG ? "not a valid initramfs" : strerror(-r));
	return r;
}

static int run_extract(const struct options *o)
{
	const char *dir = o->extract_dir ? o->extract_dir : ".";
	int r = image_extract(o->image, dir);
	if (r == -EINVAL)
		log_error("refusing to extract '%s': an entry would land outside '%s'",
			  o->image, dir);
	else if (r < 0)
		log_error("cannot extract image '%s' into '%s': %s", o->image, dir,
			  r == -EBADMSG ? "not a valid initramfs" : strerror(-r));
	return r;
}

int main(int argc, char **argv)
{
	struct options o;
	int r;

	r = parse_options(argc, argv, &o);
	log_set_level((enum log_level)o.verbosity);
	if (r < 0) {
		fputs("Try 'mkinitramfs --help'.\n", stderr);
		return 2;
	}
	switch (o.action) {
	case ACTION_HELP:
		usage(stdout);
		return 0;
	case ACTION_VERSION:
		puts("mkinitramfs " MKINITRAMFS_VERSION);
		return 0;
	case ACTION_LIST:
		r = run_list(&o);
		break;
	case ACTION_EXTRACT:
		r = run_extract(&o);
		break;
	case ACTION_BUILD:
		r = run_build(&o);
		break;
	case ACTION_PRESET:
	case ACTION_ALL_PRESETS:
		r = run_presets(&o);
		break;
	case ACTION_LIST_HOOKS:
	case ACTION_HOOK_HELP:
		r = run_hooks(&o);
		break;
	}
	strv_clear(&o.add_hooks);
	strv_clear(&o.skip_hooks);
	return r < 0 ? 1 : 0;
}
