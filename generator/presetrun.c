/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building images: the command line's one, or every image of presets, in parallel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "kernel.h"
#include "locate.h"
#include "log.h"
#include "preset.h"
#include "digest.h"
#include "presetrun.h"
#include "util.h"

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
	if (!kernel_is_version_string(arg))
		return -EINVAL;
	*ret = strdup(arg);
	return *ret ? 0 : -ENOMEM;
}

static int resolve_kernel(const char *arg, char **ret)
{
	char esc[256];
	struct stat st;
	int r;

	/* mkinitcpio's -k none: an image without modules (the build says so). */
	if (arg && streq(arg, "none")) {
		*ret = strdup("none");
		return *ret ? 0 : -ENOMEM;
	}
	r = kernel_of(arg, ret);

	if (r >= 0)
		return r;
	if (!arg)
		return log_error_errno(r, "cannot tell the running kernel's release");
	log_escape(arg, esc, sizeof(esc));
	if (!is_kernel_image(arg)) {
		log_error(
			"invalid kernel release '%s' (give a release such as '6.1.0-13-amd64' or the path of a kernel image)",
			esc);
		return r;
	}
	if (r == -ENOTTY && stat(arg, &st) == 0) {
		log_error(
			"cannot read a kernel version from '%s': it is %s, not a regular file",
			esc, log_file_type(st.st_mode));
		return -EINVAL;
	}
	if (r == -ENOEXEC) {
		log_error("cannot read a kernel version from '%s': not a bzImage", esc);
		return r;
	}
	return log_error_errno(r, "cannot read a kernel version from '%s'", esc);
}

/*
 * The UKI of this build: the preset image's, or the command line's. Inputs given on
 * the command line win; a kernel named by path (-k, <p>_kver) is the UKI's kernel.
 */
static void uki_of(const struct presetrun_request *rq, const struct preset_image *img,
		   struct uki_request *u)
{
	const char *kernel = img ? img->kver : rq->kernel;

	*u = rq->uki ? *rq->uki : (struct uki_request){0};
	if (img) {
		u->output = img->uki;
		if (!u->cmdline && !u->no_cmdline)
			u->cmdline = img->cmdline;
		if (!u->splash)
			u->splash = img->splash;
	}
	if (!u->kernel_image && kernel && is_kernel_image(kernel))
		u->kernel_image = kernel;
}

/*
 * Build one image; the preset image (or NULL for a command-line build) refines `rq`.
 * `known_kver` is its kernel release when already resolved, `kernel` that kernel's
 * shared context (or NULL).
 */
static int build_one(const struct presetrun_request *rq, const struct preset *preset,
		     const struct preset_image *img, const char *known_kver,
		     struct build_kernel *kernel)
{
	_cleanup_free_ char *kver = NULL, *init = NULL;
	const char *config = img && img->config ? img->config : rq->config;
	int r;

	if (known_kver) {
		kver = strdup(known_kver);
		r = kver ? 0 : -ENOMEM;
	} else
		r = resolve_kernel(img ? img->kver : rq->kernel, &kver);
	if (r < 0)
		return r;
	r = locate_init(&init);
	if (r < 0)
		return r;
	struct uki_request uki;
	uki_of(rq, img, &uki);
	struct build_request req = {
		.uki = &uki,
		.kver = kver,
		.moduleroot = rq->moduleroot,
		.config = config ? config : rq->default_config,
		.config_required = config != NULL,
		.output = img ? img->image : rq->output,
		.preset_path = preset ? preset->path : NULL,
		.compress = rq->compress ? rq->compress
			    : img	 ? img->compress
					 : NULL,
		.cache = rq->cache,
		.init_path = init,
		.add_hooks = img ? &img->add_hooks : rq->add_hooks,
		.skip_hooks = img ? &img->skip_hooks : rq->skip_hooks,
		.includes = rq->includes,
		.sysfs = rq->sysfs,
		.cpuinfo = rq->cpuinfo,
		.rootfs = rq->rootfs,
		.rootdev = rq->rootdev,
		.cmdline = uki.cmdline,
		.print_detected = rq->print_detected,
		.force = rq->force,
		.kernel = kernel,
	};
	if (rq->before_build)
		rq->before_build();
	return build_run(&req);
}

int presetrun_build_image(const struct presetrun_request *rq)
{
	return build_one(rq, NULL, NULL, NULL, NULL);
}

struct job {
	pid_t pid;
	const struct preset *preset;
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
		log_error("preset '%s': image '%s' failed", jobs[i].preset->name,
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
			jobs[j] = (struct job){.preset = presets[i],
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
static struct build_kernel *share_kernel(const struct presetrun_request *rq,
					 struct kernel_share *s)
{
	if (!s || s->images < 2)
		return NULL;
	if (!s->prepared) {
		s->prepared = 1;
		int r = build_kernel_new(rq->moduleroot, s->kver, &s->k);
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
static int build_presets(const struct presetrun_request *rq, struct preset **presets,
			 size_t n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t total, nshares, running = 0, started = 0;
	int failed = 0;
	struct job *jobs = list_jobs(presets, n, &total);
	struct kernel_share *shares = jobs ? list_shares(jobs, total, &nshares) : NULL;

	if (!shares) {
		free_jobs(jobs, total);
		return log_error_errno(-ENOMEM, "cannot start the builds");
	}
	for (size_t i = 0; i < total; i++) {
		struct job *job = &jobs[i];
		while (running >= (size_t)(cores > 0 ? cores : 1)) {
			failed += reap_one(jobs, started);
			running--;
		}
		struct kernel_share *s = share_of(shares, nshares, job->kver);
		struct build_kernel *kernel = share_kernel(rq, s);
		log_info("preset '%s': building image '%s' (%s)", job->preset->name,
			 job->img->name,
			 job->img->image ? job->img->image : job->img->uki);
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0)
			_exit(build_one(rq, job->preset, job->img, job->kver, kernel) < 0
				      ? 1
				      : 0);
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

/* The presets that can be read, in order; the others are reported and counted. */
static int load_presets(const struct presetrun_request *rq, struct strv *names,
			struct preset ***ret, size_t *ret_count, int *ret_broken)
{
	struct preset **presets = calloc(names->n ? names->n : 1, sizeof(*presets));
	size_t n = 0;
	int broken = 0;
	if (!presets)
		return log_error_errno(-ENOMEM, "cannot load the presets");
	for (size_t i = 0; i < names->n; i++) {
		struct conf_error err = {{0}};
		int r = preset_load(names->v[i], rq->preset_dir, &presets[n], &err);
		if (r == -ENOMEM) {
			while (n--)
				preset_free(presets[n]);
			free(presets);
			return log_error_errno(r, "cannot load preset '%s'", names->v[i]);
		}
		if (r < 0) {
			if (*err.message)
				log_error("%s", err.message);
			else
				log_error("cannot read preset '%s': %s", names->v[i],
					  strerror(-r));
			broken++;
			continue;
		}
		for (size_t w = 0; w < presets[n]->warnings.n; w++)
			log_warning("%s", presets[n]->warnings.v[w]);
		n++;
	}
	*ret = presets;
	*ret_count = n;
	*ret_broken = broken;
	return 0;
}

static int remove_file(const char *path)
{
	if (unlink(path) == 0) {
		log_info("removed '%s'", path);
		return 0;
	}
	if (errno == ENOENT)
		return 0;
	return log_error_errno(-errno, "cannot remove '%s'", path);
}

/* An image or UKI of a preset and its input record; NULL (not in the preset): nothing. */
static int remove_output(const char *path)
{
	_cleanup_free_ char *record = NULL;

	if (!path)
		return 0;
	if (asprintf(&record, "%s" DIGEST_SUFFIX, path) < 0)
		return log_error_errno(-ENOMEM, "-R");
	int r = remove_file(path);
	int r2 = remove_file(record);
	return r < 0 ? r : r2;
}

/* -R: the images and UKIs of the presets and their input records, as mkinitcpio -R
 * does (a preset may name only a UKI). */
static int remove_presets(struct preset **presets, size_t count)
{
	int failed = 0;
	for (size_t i = 0; i < count; i++)
		for (size_t j = 0; j < presets[i]->count; j++) {
			const struct preset_image *img = &presets[i]->images[j];
			if (remove_output(img->image) < 0 || remove_output(img->uki) < 0)
				failed++;
		}
	return failed ? -EIO : 0;
}

/* The presets asked for: -p NAME (several times), or every preset of the directory. */
static int preset_names(const struct presetrun_request *rq, struct strv *names)
{
	int r;

	if (rq->presets && rq->presets->n) {
		for (size_t i = 0; i < rq->presets->n; i++) {
			if (strv_contains(names, rq->presets->v[i]))
				continue;
			r = strv_push(names, rq->presets->v[i]);
			if (r < 0)
				return log_error_errno(r, "-p");
		}
		return 0;
	}
	if (rq->preset) {
		r = strv_push(names, rq->preset);
		if (r < 0)
			return log_error_errno(r, "preset '%s'", rq->preset);
		return 0;
	}
	r = preset_list_dir(rq->preset_dir, names);
	if (r < 0)
		return log_error_errno(r, "cannot read the preset directory '%s'",
				       rq->preset_dir);
	if (!names->n) {
		log_error("no presets in '%s'", rq->preset_dir);
		return -ENOENT;
	}
	return 0;
}

int presetrun_build_presets(const struct presetrun_request *rq)
{
	_cleanup_(strv_clear) struct strv names = STRV_INIT;
	struct preset **presets = NULL;
	size_t count = 0;
	int broken = 0;
	int r = preset_names(rq, &names);

	if (r < 0)
		return r;
	r = load_presets(rq, &names, &presets, &count, &broken);
	if (r < 0)
		return r;
	r = !count	 ? 0
	    : rq->remove ? remove_presets(presets, count)
			 : build_presets(rq, presets, count);
	for (size_t i = 0; i < count; i++)
		preset_free(presets[i]);
	free(presets);
	if (r < 0)
		return r;
	if (broken) {
		if (names.n > 1)
			log_error(
				"%d of %zu presets could not be read; the images of the others were built",
				broken, names.n);
		return -EINVAL;
	}
	return 0;
}
