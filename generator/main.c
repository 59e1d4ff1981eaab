/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mkinitramfs: the command line. Parses options, then builds, lists or extracts. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hooks.h"
#include "image/image.h"
#include "inspect.h"
#include "log.h"
#include "presetrun.h"
#include "uki.h"
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
	ACTION_ANALYZE,
	ACTION_SHOW_CONFIG,
	ACTION_DIFF,
};

enum {
	OPT_SYSFS = 0x100,
	OPT_ROOTFS,
	OPT_ROOTDEV,
	OPT_PRESETDIR,
	OPT_DEVICES,
	OPT_KEEP_SETID,
	OPT_CMDLINE,
	OPT_NO_CMDLINE,
	OPT_SPLASH,
	OPT_KERNELIMAGE,
	OPT_OSRELEASE,
	OPT_UEFISTUB,
	OPT_NO_UKIFY,
	OPT_SHOW_CONFIG,
	OPT_DIFF,
	OPT_EARLY,
	OPT_CPIO,
	OPT_NOPOST,
	OPT_CACHE,
	OPT_NO_CACHE,
	OPT_CPUINFO,
};

struct options {
	enum action action;
	const char *kernel;
	const char *generate;
	const char *config;
	const char *moduleroot;
	const char *compress;
	const char *cache; /* --cache DIR; "" for --no-cache */
	const char *image; /* -l / -x */
	const char *extract_dir;
	unsigned extract_flags; /* IMAGE_EXTRACT_* */
	const char *image2;	/* --diff A B: B */
	enum inspect_part part; /* --early, --cpio */
	const char *hook;	/* -H */
	const char *preset;	/* -p */
	struct strv presets;	/* every -p given: -p a -p b builds both */
	const char *preset_dir;
	const char *sysfs;
	const char *cpuinfo;	 /* --cpuinfo */
	int remove;		 /* -R */
	const char *generatedir; /* -d */
	const char *rootfs;
	const char *rootdev;
	struct strv add_hooks;
	struct strv skip_hooks;
	struct strv includes;	/* -I SRC[:DEST[:MODE]] */
	struct uki_request uki; /* -U and its inputs */
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
	      "                           (default: the running kernel); none: no modules\n"
	      "  -g, --generate PATH      write the image to PATH\n"
	      "  -c, --config PATH        configuration (default " DEFAULT_CONFIG ",\n"
	      "                           drop-ins in PATH.d/*.conf)\n"
	      "  -r, --moduleroot DIR     take modules, firmware, binaries and\n"
	      "                           modprobe.d from DIR instead of /\n"
	      "  -z, --compress NAME      zstd, gzip, xz, lz4 or none\n"
	      "                           (overrides COMPRESSION)\n"
	      "      --cache DIR          keep the image's zstd frames in DIR and reuse\n"
	      "                           them (overrides COMPRESSION_CACHE; default for\n"
	      "                           root /var/cache/mkinitramfs)\n"
	      "      --no-cache           no frame cache\n"
	      "  -l, --list IMAGE         list the entries of an image\n"
	      "  -x, --extract IMAGE [DIR]\n"
	      "                           extract an image into DIR (default: .)\n"
	      "      --devices            -x: create device nodes too\n"
	      "      --keep-setid         -x: keep set-user/group-ID bits\n"
	      "  -U, --uki PATH           also write a unified kernel image (without -g:\n"
	      "                           only the UKI)\n"
	      "      --cmdline FILE       the UKI's kernel command line (default\n"
	      "                           /etc/kernel/cmdline, else /proc/cmdline)\n"
	      "      --no-cmdline         no command line in the UKI\n"
	      "      --splash FILE        a BMP splash image for the UKI\n"
	      "      --kernelimage PATH   the kernel for the UKI (default\n"
	      "                           ROOT/boot/vmlinuz-KVER)\n"
	      "      --osrelease FILE     the UKI's os-release (default ROOT/etc/os-release)\n"
	      "      --uefistub PATH      the EFI stub (default " UKI_DEFAULT_STUB ")\n"
	      "      --no-ukify           accepted: UKIs are always built natively\n"
	      "  -a, --analyze IMAGE      analyse an image: segments, compression,\n"
	      "                           modules ([a] at boot, [m] on demand,\n"
	      "                           [s] soft dependency; -v lists each), hooks\n"
	      "      --show-config IMAGE  print the configuration the image was built with\n"
	      "      --diff A B           what modules, files and configuration changed\n"
	      "      --early, --cpio      -a and --diff: only the early archive, or only\n"
	      "                           the main one\n"
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
	      "      --rootdev DEV        the root's block device (MAJ:MIN, NAME,\n"
	      "                           /dev/mapper/NAME), for autodetect's stack proof\n"
	      "      --cpuinfo FILE       the CPU whose microcode a host image takes\n"
	      "                           (default /proc/cpuinfo)\n"
	      "  -R, --remove             with -p or -P: delete the presets' images\n"
	      "  -d, --generatedir DIR    also write the image's tree into DIR (a new\n"
	      "                           directory); without -g, only the tree\n"
	      "  -D, --hookdir DIR        take the shipped hooks from DIR\n"
	      "  -I, --include SRC[:DEST[:MODE]]\n"
	      "                           add the file SRC (read as named, not under -r)\n"
	      "                           as DEST (default SRC) with octal MODE\n"
	      "  -n, --nocolor, -t, --builddir DIR, -s, --save, --nopost\n"
	      "                           mkinitcpio's, accepted: nothing to do here\n"
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
		{"cache", required_argument, NULL, OPT_CACHE},
		{"no-cache", no_argument, NULL, OPT_NO_CACHE},
		{"list", required_argument, NULL, 'l'},
		{"extract", required_argument, NULL, 'x'},
		{"preset", required_argument, NULL, 'p'},
		{"uki", required_argument, NULL, 'U'},
		{"analyze", required_argument, NULL, 'a'},
		{"show-config", required_argument, NULL, OPT_SHOW_CONFIG},
		{"diff", required_argument, NULL, OPT_DIFF},
		{"early", no_argument, NULL, OPT_EARLY},
		{"cpio", no_argument, NULL, OPT_CPIO},
		{"cmdline", required_argument, NULL, OPT_CMDLINE},
		{"no-cmdline", no_argument, NULL, OPT_NO_CMDLINE},
		{"splash", required_argument, NULL, OPT_SPLASH},
		{"kernelimage", required_argument, NULL, OPT_KERNELIMAGE},
		{"osrelease", required_argument, NULL, OPT_OSRELEASE},
		{"uefistub", required_argument, NULL, OPT_UEFISTUB},
		{"no-ukify", no_argument, NULL, OPT_NO_UKIFY},
		{"allpresets", no_argument, NULL, 'P'},
		{"force", no_argument, NULL, 'f'},
		{"presetdir", required_argument, NULL, OPT_PRESETDIR},
		{"devices", no_argument, NULL, OPT_DEVICES},
		{"keep-setid", no_argument, NULL, OPT_KEEP_SETID},
		/* mkinitcpio's, accepted so its command lines carry over */
		{"nocolor", no_argument, NULL, 'n'},
		{"hookdir", required_argument, NULL, 'D'},
		{"include", required_argument, NULL, 'I'},
		{"builddir", required_argument, NULL, 't'},
		{"save", no_argument, NULL, 's'},
		{"nopost", no_argument, NULL, OPT_NOPOST},
		{"cpuinfo", required_argument, NULL, OPT_CPUINFO},
		{"remove", no_argument, NULL, 'R'},
		{"generatedir", required_argument, NULL, 'd'},
		{"addhooks", required_argument, NULL, 'A'},
		{"skiphooks", required_argument, NULL, 'S'},
		{"listhooks", no_argument, NULL, 'L'},
		{"hookhelp", required_argument, NULL, 'H'},
		{"automods", no_argument, NULL, 'M'},
		{"sysfs", required_argument, NULL, OPT_SYSFS},
		{"rootfs", required_argument, NULL, OPT_ROOTFS},
		{"rootdev", required_argument, NULL, OPT_ROOTDEV},
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
	while ((c = getopt_long(argc, argv,
				"k:g:c:r:z:l:x:p:PfA:S:LH:MvqhVU:a:nD:t:sRd:I:", longopts,
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
		case OPT_CACHE:
			if (!*optarg) {
				log_error(
					"--cache needs a directory (--no-cache for none)");
				return -EINVAL;
			}
			o->cache = optarg;
			break;
		case OPT_NO_CACHE:
			o->cache = "";
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
			if (strv_push(&o->presets, optarg) < 0)
				return log_error_errno(-ENOMEM, "-p '%s'", optarg);
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
		case OPT_DEVICES:
			o->extract_flags |= IMAGE_EXTRACT_DEVICES;
			break;
		case OPT_KEEP_SETID:
			o->extract_flags |= IMAGE_EXTRACT_SETID;
			break;
		case 'U':
			o->uki.output = optarg;
			break;
		case OPT_CMDLINE:
			o->uki.cmdline = optarg;
			break;
		case OPT_NO_CMDLINE:
			o->uki.no_cmdline = 1;
			break;
		case OPT_SPLASH:
			o->uki.splash = optarg;
			break;
		case OPT_KERNELIMAGE:
			o->uki.kernel_image = optarg;
			break;
		case OPT_OSRELEASE:
			o->uki.osrelease = optarg;
			break;
		case OPT_UEFISTUB:
			o->uki.stub = optarg;
			break;
		case OPT_NO_UKIFY:
			break;
		case 'a':
			o->action = ACTION_ANALYZE;
			o->image = optarg;
			break;
		case OPT_SHOW_CONFIG:
			o->action = ACTION_SHOW_CONFIG;
			o->image = optarg;
			break;
		case OPT_DIFF:
			o->action = ACTION_DIFF;
			o->image = optarg;
			break;
		case OPT_EARLY:
			o->part = INSPECT_EARLY;
			break;
		case OPT_CPIO:
			o->part = INSPECT_MAIN;
			break;
		case 'I':
			if (strv_push(&o->includes, optarg) < 0)
				return log_error_errno(-ENOMEM, "-I '%s'", optarg);
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
		case OPT_ROOTDEV:
			o->rootdev = optarg;
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
		case 'n':	 /* mkinitcpio's -n: messages here are never coloured */
		case 't':	 /* no build directory: the image is staged in memory */
		case OPT_NOPOST: /* no post-build hooks run here */
			break;
		case 's':
			log_info(
				"-s/--save: nothing to keep, the image is staged in memory (mkinitramfs -x IMAGE DIR extracts it)");
			break;
		case 'R':
			o->remove = 1;
			break;
		case 'd':
			o->generatedir = optarg;
			break;
		case OPT_CPUINFO:
			o->cpuinfo = optarg;
			break;
		case 'D': /* searched after /etc/mkinitramfs/hooks, instead of the shipped
			     hooks */
			if (setenv("MKINITRAMFS_HOOKS_DIR", optarg, 1) < 0)
				return log_error_errno(-errno, "-D '%s'", optarg);
			break;
		default:
			return -EINVAL;
		}
	}
	if (o->action == ACTION_EXTRACT && optind < argc)
		o->extract_dir = argv[optind++];
	if (o->action == ACTION_DIFF) {
		if (optind == argc) {
			log_error("--diff needs two images: --diff OLD NEW");
			return -EINVAL;
		}
		o->image2 = argv[optind++];
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (o->remove && o->action != ACTION_PRESET && o->action != ACTION_ALL_PRESETS) {
		log_error(
			"-R/--remove removes the images of presets: give -p NAME or -P");
		return -EINVAL;
	}
	if (o->action == ACTION_BUILD && !o->generate && !o->uki.output &&
	    !o->print_detected && !o->generatedir) {
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
		.cache = o->cache,
		.sysfs = o->sysfs,
		.cpuinfo = o->cpuinfo,
		.remove = o->remove,
		.rootfs = o->rootfs,
		.rootdev = o->rootdev,
		.print_detected = o->print_detected,
		.force = o->force,
		.kernel = o->kernel,
		.output = o->generate,
		.add_hooks = &o->add_hooks,
		.skip_hooks = &o->skip_hooks,
		.includes = &o->includes,
		.uki = &o->uki,
		/* -p then -P builds every preset: the last action given wins. */
		.preset = o->action == ACTION_PRESET ? o->preset : NULL,
		.preset_dir = o->preset_dir,
		.presets = o->action == ACTION_PRESET ? &o->presets : NULL,
		.before_build = install_signal_handlers,
	};
}

static int run_build(const struct options *o)
{
	struct presetrun_request req = request_of(o);
	return presetrun_build_image(&req);
}

static int build_and_extract(const struct presetrun_request *req, const char *dir)
{
	int r = presetrun_build_image(req);

	if (r < 0)
		return r;
	/* The tree as the image holds it: device nodes and set-ID bits too. */
	r = image_extract(req->output, dir, IMAGE_EXTRACT_DEVICES | IMAGE_EXTRACT_SETID);
	if (r < 0)
		return r; /* image_extract() logs its failures */
	log_info("wrote the image's tree into '%s'", dir);
	return 0;
}

/*
 * -d DIR: the image is built as usual (to -g, or to a temporary file next to DIR), then
 * extracted into DIR, so the tree is exactly what the image holds.
 */
static int run_generatedir(const struct options *o)
{
	_cleanup_free_ char *tmp = NULL, *record = NULL;
	struct presetrun_request req = request_of(o);
	int r;

	if (mkdir(o->generatedir, 0755) < 0)
		return log_error_errno(-errno, "-d: cannot create the directory '%s'",
				       o->generatedir);
	if (!o->generate) {
		if (asprintf(&tmp, "%s.image-XXXXXX", o->generatedir) < 0)
			return log_error_errno(-ENOMEM, "-d");
		int fd = mkstemp(tmp);
		if (fd < 0)
			return log_error_errno(-errno, "-d: cannot create '%s'", tmp);
		close(fd);
		req.output = tmp;
		req.force = 1;
	}
	r = build_and_extract(&req, o->generatedir);
	if (tmp) {
		unlink(tmp);
		if (asprintf(&record, "%s.inputs", tmp) >= 0)
			unlink(record);
	}
	return r;
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

/* image_list() and image_extract() log their failures. */
static int run_list(const struct options *o)
{
	return image_list(o->image, stdout);
}

static int run_extract(const struct options *o)
{
	return image_extract(o->image, o->extract_dir ? o->extract_dir : ".",
			     o->extract_flags);
}

static int log_image_error(const char *what, const char *image, int r)
{
	if (r == -ENOENT && what[0] == 'e')
		log_error("image '%s' has no early archive: it has a single segment",
			  image);
	else
		log_error("cannot %s image '%s': %s", what, image,
			  r == -EBADMSG ? "not a valid initramfs" : strerror(-r));
	return r;
}

static int run_inspect(const struct options *o)
{
	int r, which;

	switch (o->action) {
	case ACTION_ANALYZE:
		r = inspect_analyze(o->image, o->part, o->verbosity > 1, stdout);
		if (r == -ENOENT && o->part == INSPECT_EARLY &&
		    access(o->image, F_OK) == 0)
			return log_image_error("early", o->image, r);
		return r < 0 ? log_image_error("analyse", o->image, r) : 0;
	case ACTION_SHOW_CONFIG:
		r = inspect_show_config(o->image, stdout);
		if (r == -ENODATA)
			log_error(
				"image '%s' has no embedded configuration (not built by this mkinitramfs)",
				o->image);
		else if (r < 0)
			log_image_error("read", o->image, r);
		return r;
	default:
		r = inspect_diff(o->image, o->image2, o->part, stdout, &which);
		if (r == -ENOENT && o->part == INSPECT_EARLY &&
		    access(which ? o->image2 : o->image, F_OK) == 0)
			return log_image_error("early", which ? o->image2 : o->image, r);
		return r < 0 ? log_image_error("compare", which ? o->image2 : o->image, r)
			     : 0;
	}
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
	case ACTION_ANALYZE:
	case ACTION_SHOW_CONFIG:
	case ACTION_DIFF:
		r = run_inspect(&o);
		break;
	case ACTION_BUILD:
		r = o.generatedir ? run_generatedir(&o) : run_build(&o);
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
	strv_clear(&o.presets);
	strv_clear(&o.skip_hooks);
	strv_clear(&o.includes);
	return r < 0 ? 1 : 0;
}
