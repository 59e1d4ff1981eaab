/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mkinitramfs: the command line. Parses options, then builds, lists or extracts. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "image.h"
#include "kernel.h"
#include "log.h"
#include "util.h"

#define DEFAULT_CONFIG MKINITRAMFS_SYSCONFDIR "/mkinitramfs.conf"

enum action {
	ACTION_BUILD,
	ACTION_LIST,
	ACTION_EXTRACT,
	ACTION_HELP,
	ACTION_VERSION,
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
	      "  -r, --moduleroot DIR     take modules, firmware, binaries and modprobe.d\n"
	      "                           from DIR instead of /\n"
	      "  -z, --compress NAME      zstd, gzip, xz, lz4 or none (overrides COMPRESSION)\n"
	      "  -l, --list IMAGE         list the entries of an image\n"
	      "  -x, --extract IMAGE [DIR]\n"
	      "                           extract an image into DIR (default: .)\n"
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
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct options){.action = ACTION_BUILD, .moduleroot = "/", .verbosity = 1};
	while ((c = getopt_long(argc, argv, "k:g:c:r:z:l:x:vqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o->kernel = optarg; break;
		case 'g': o->generate = optarg; break;
		case 'c': o->config = optarg; break;
		case 'r': o->moduleroot = optarg; break;
		case 'z': o->compress = optarg; break;
		case 'l': o->action = ACTION_LIST; o->image = optarg; break;
		case 'x': o->action = ACTION_EXTRACT; o->image = optarg; break;
		case 'v': o->verbosity++; break;
		case 'q': o->verbosity = 0; break;
		case 'h': o->action = ACTION_HELP; break;
		case 'V': o->action = ACTION_VERSION; break;
		default: return -EINVAL;
		}
	}
	if (o->action == ACTION_EXTRACT && optind < argc)
		o->extract_dir = argv[optind++];
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (o->action == ACTION_BUILD && !o->generate) {
		log_error("nothing to do: give -g PATH to write an image (see --help)");
		return -EINVAL;
	}
	return 0;
}

/* -k takes a release ("6.1.0-56-amd64") or a kernel image to read it from. */
static int resolve_kernel(const char *arg, char **ret)
{
	struct stat st;
	int r;

	if (!arg)
		return kernel_running_version(ret);
	if (strchr(arg, '/') || stat(arg, &st) == 0) {
		r = kernel_version_from_image(arg, ret);
		if (r < 0)
			log_error("cannot read a kernel version from '%s': %s", arg,
				  r == -ENOEXEC ? "not a bzImage" : strerror(-r));
		return r;
	}
	*ret = strdup(arg);
	return *ret ? 0 : -ENOMEM;
}

static void on_fatal_signal(int sig)
{
	/* Only async-signal-safe work here: remove the temporary image and leave. */
	image_abort_cleanup();
	_exit(128 + sig);
}

static void install_signal_handlers(void)
{
	struct sigaction sa = {.sa_handler = on_fatal_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int run_build(const struct options *o)
{
	_cleanup_free_ char *kver = NULL, *init = NULL;
	int r;

	r = resolve_kernel(o->kernel, &kver);
	if (r < 0)
		return r;
	r = build_find_init(&init);
	if (r < 0) {
		log_error("the init binary was not found in '%s' (set MKINITRAMFS_INIT)",
			  MKINITRAMFS_LIBDIR);
		return r;
	}
	struct build_request req = {
		.kver = kver,
		.moduleroot = o->moduleroot,
		.config = o->config ? o->config : DEFAULT_CONFIG,
		.config_required = o->config != NULL,
		.output = o->generate,
		.compress = o->compress,
		.init_path = init,
	};
	install_signal_handlers();
	return build_run(&req);
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
	}
	return r < 0 ? 1 : 0;
}
