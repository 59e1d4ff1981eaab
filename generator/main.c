/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mkinitramfs: the command line. Parses options, then builds, lists or extracts. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hooks.h"
#include "image.h"
#include "log.h"
#include "presetrun.h"
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
	      "      --sysfs DIR          autodetect from this sysfs tree (default /sys)\n"
	      "      --rootfs TYPE        the root filesystem's type, for autodetect\n"
	      "  -v, --verbose            say why each module is included (twice: debug)\n"
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
				return log_error_errno(-ENOMEM, "-A '%s'", optarg);
			break;
		case 'S':
			if (strv_push_split(&o->skip_hooks, optarg, ",") < 0)
				return log_error_errno(-ENOMEM, "-S '%s'", optarg);
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

/* What the command line decides for the images it builds. */
static struct presetrun_request request_of(const struct options *o)
{
	return (struct presetrun_request){
		.moduleroot = o->moduleroot,
		.config = o->config,
		.default_config = DEFAULT_CONFIG,
		.compress = o->compress,
		.sysfs = o->sysfs,
		.rootfs = o->rootfs,
		.print_detected = o->print_detected,
		.force = o->force,
		.kernel = o->kernel,
		.output = o->generate,
		.add_hooks = &o->add_hooks,
		.skip_hooks = &o->skip_hooks,
		/* -p then -P builds every preset: the last action given wins. */
		.preset = o->action == ACTION_PRESET ? o->preset : NULL,
		.preset_dir = o->preset_dir,
		.before_build = install_signal_handlers,
	};
}

static int run_build(const struct options *o)
{
	struct presetrun_request req = request_of(o);
	return presetrun_build_image(&req);
}

static int run_presets(const struct options *o)
{
	struct presetrun_request req = request_of(o);
	return presetrun_build_presets(&req);
}

static int describe_hook(const struct options *o, const struct strv *dirs)
{
	struct hook *hook = NULL;
	struct conf_error err = {{0}};
	int r = hooks_load(o->hook, dirs, &hook, &err);

	if (r == -ENOENT && !*err.message)
		log_error("unknown hook '%s'", o->hook);
	else if (r < 0)
		log_error("hook '%s': %s", o->hook,
			  *err.message ? err.message : strerror(-r));
	else
		hooks_describe(hook, stdout);
	hooks_free(hook);
	return r;
}

static int run_hooks(const struct options *o)
{
	struct strv dirs = STRV_INIT;
	int r = hooks_default_dirs(&dirs);

	if (r < 0)
		return log_error_errno(r, "cannot list the hook directories");
	if (o->action == ACTION_LIST_HOOKS) {
		puts("Available hooks:");
		r = hooks_list(&dirs, stdout);
		if (r < 0)
			log_error_errno(r, "cannot list the hooks");
	} else {
		r = describe_hook(o, &dirs);
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
