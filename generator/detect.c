/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Autodetect's part of a build: the host's modules, root stacks and the journal's facts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "autodetect.h"
#include "detect.h"
#include "fileio.h"
#include "log.h"
#include "util.h"

/* "nbd nbds_max=1024" and "nvme?" both name one module: the first word, no '?'. */
static char *spec_module_name(const char *spec)
{
	size_t n = strcspn(spec, " \t");
	if (n && spec[n - 1] == '?')
		n--;
	return strndup(spec, n);
}

/* The module names spec stands for, into `names`; a negative errno on failure. */
static int spec_names(const struct detect *d, const char *spec, struct strv *names)
{
	_cleanup_free_ char *name = spec_module_name(spec);

	if (!name)
		return -ENOMEM;
	return moddep_names(d->moddep, name, names);
}

/* Whether one of `names` is in `set`. */
static bool any_in(const struct strv *names, const struct strv *set)
{
	for (size_t i = 0; i < names->n; i++)
		if (strv_contains(set, names->v[i]))
			return true;
	return false;
}

/* The module names name_or_alias stands for, into `set` (once each). */
static int add_names(struct detect *d, const char *name_or_alias, struct strv *set)
{
	struct strv names = STRV_INIT;
	int r = moddep_names(d->moddep, name_or_alias, &names);

	for (size_t i = 0; r >= 0 && i < names.n; i++)
		if (!strv_contains(set, names.v[i]))
			r = strv_push(set, names.v[i]);
	strv_clear(&names);
	return r;
}

static int add_detected(struct detect *d, const char *name_or_alias)
{
	return add_names(d, name_or_alias, &d->detected);
}

/* The root filesystem's type: --rootfs, else the host's mount of "/". */
static int rootfs_type(const struct build_request *req, char **ret)
{
	if (!req->rootfs)
		return autodetect_rootfs("/proc/self/mountinfo", ret);
	*ret = strdup(req->rootfs);
	return *ret ? 0 : -ENOMEM;
}

static int find_rootfs(struct detect *d)
{
	_cleanup_free_ char *type = NULL, *fs_alias = NULL;
	int r;

	r = rootfs_type(d->req, &type);
	if (r == -ENOMEM)
		return log_error_errno(r, "autodetect");
	if (r < 0) {
		log_error(
			"autodetect: cannot tell the root filesystem's type from '/proc/self/mountinfo' (%s); give it with --rootfs TYPE",
			strerror(-r));
		return r;
	}
	log_verbose("autodetect: root filesystem '%s'", type);
	if (asprintf(&fs_alias, "fs-%s", type) < 0)
		return log_error_errno(-ENOMEM, "autodetect");
	const char *const names[] = {fs_alias, type};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		r = add_detected(d, names[i]);
		if (r < 0) /* one message for both look-ups */
			return log_error_errno(
				r, "autodetect: cannot look up the filesystem '%s'",
				type);
	}
	if (!d->rootfs)
		d->rootfs = strdup(type);
	return 0;
}

static int add_all_detected(struct detect *d, const struct strv *names)
{
	for (size_t i = 0; i < names->n; i++) {
		int r = add_detected(d, names->v[i]);
		if (r < 0) {
			char esc[256];
			return log_error_errno(r, "autodetect: cannot look up '%s'",
					       log_escape(names->v[i], esc, sizeof(esc)));
		}
	}
	return 0;
}

/* A --sysfs tree may be another machine's: this host's /dev and /proc are not its. */
static int is_host(const struct detect *d)
{
	return !d->req->sysfs;
}

/*
 * The root's block device: --rootdev, else (on the host) the device of "/" in
 * mountinfo, or its source for filesystems mounted on an anonymous device (btrfs).
 * 1 found, 0 none to walk (said why), negative on error (logged).
 */
static int root_device(struct detect *d, const char *sysfs, dev_t *ret)
{
	struct autodetect_mount m;
	char esc[256];
	int r;

	if (d->req->rootdev) {
		r = rootstack_find(sysfs, is_host(d) ? "/dev" : NULL, d->req->rootdev,
				   ret);
		if (r < 0)
			log_error(
				"--rootdev '%s': no such block device in '%s/class/block' (give MAJ:MIN, NAME or /dev/mapper/NAME)",
				log_escape(d->req->rootdev, esc, sizeof(esc)), sysfs);
		return r < 0 ? r : 1;
	}
	if (!is_host(d)) {
		log_verbose(
			"autodetect: --sysfs without --rootdev: the root's stack is not walked");
		return 0;
	}
	r = autodetect_root_mount("/proc/self/mountinfo", &m);
	if (r < 0) {
		log_warning(
			"autodetect: no mount of '/' in '/proc/self/mountinfo' (%s): the root's stack is not checked",
			strerror(-r));
		return 0;
	}
	r = 0;
	if (m.major) {
		*ret = makedev(m.major, m.minor);
		r = 1;
	} else if (!strncmp(m.source, "/dev/", 5) &&
		   rootstack_find(sysfs, "/dev", m.source, ret) == 0) {
		r = 1;
	} else {
		log_verbose("autodetect: root ('%s', %s) is on no block device",
			    log_escape(m.source, esc, sizeof(esc)), m.type);
	}
	autodetect_mount_clear(&m);
	return r;
}

/* A command line file: a regular one (procfs's count), read whole, never a FIFO. */
static int read_cmdline(const char *path, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return fileio_read_fd(fd, 1 << 20, ret, ret_size);
}

/* resume= of --cmdline FILE, or of the host's /proc/cmdline. */
static char *cmdline_resume(const struct detect *d)
{
	_cleanup_free_ char *text = NULL;
	const char *path = d->req->cmdline;
	size_t size;

	if (!path && is_host(d))
		path = "/proc/cmdline";
	if (!path)
		return NULL;
	int r = read_cmdline(path, &text, &size);
	if (r < 0) {
		log_warning(
			"autodetect: cannot read the kernel command line '%s' for resume= (%s), ignoring",
			path, strerror(-r));
		return NULL;
	}
	return rootstack_cmdline_resume(text);
}

/* The resume device: <sysfs>/power/resume as the running kernel has it, else resume=. */
static int resume_device(struct detect *d, const char *sysfs, dev_t *ret)
{
	_cleanup_free_ char *spec = NULL;
	char esc[256];
	int r = rootstack_power_resume(sysfs, ret);

	if (r != 0)
		return r;
	spec = cmdline_resume(d);
	if (!spec)
		return 0;
	r = rootstack_find(sysfs, is_host(d) ? "/dev" : NULL, spec, ret);
	if (r < 0) {
		log_warning(
			"autodetect: resume='%s' names no block device in '%s/class/block', ignoring",
			log_escape(spec, esc, sizeof(esc)), sysfs);
		return 0;
	}
	return 1;
}

/* The modules of a stack go into the image, loaded at boot; missing ones are the
 * proof's to name (after the closure is known), not an error here. */
static int request_stack_modules(struct detect *d, const struct rootstack *s)
{
	for (size_t i = 0; i < s->n; i++) {
		_cleanup_free_ char *spec = NULL;
		const char *module = s->layers[i].module;
		if (!module)
			continue;
		if (asprintf(&spec, "%s?", module) < 0)
			return log_error_errno(-ENOMEM, "autodetect");
		int r = add_detected(d, module);
		if (r >= 0)
			r = add_names(d, module, &d->on_stack);
		if (r < 0)
			return r;
		r = moddep_request(d->moddep, spec, "autodetect (root stack)",
				   MODDEP_LOAD_ALWAYS);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The root's and resume's stacks into d->stacks: sysfs, mountinfo, the command line. */
static int walk_stacks(struct detect *d, const char *sysfs)
{
	dev_t dev;
	int r = rootstack_netfs(d->rootfs, &d->stacks[d->nstacks]);
	if (r < 0)
		return r;
	if (r > 0)
		d->nstacks++;
	else {
		r = root_device(d, sysfs, &dev);
		if (r < 0)
			return r;
		if (r > 0) {
			r = rootstack_walk(sysfs, dev, d->rootfs, &d->stacks[d->nstacks]);
			if (r < 0)
				return r;
			d->nstacks++;
		}
	}
	r = resume_device(d, sysfs, &dev);
	if (r < 0)
		return r;
	if (r > 0) {
		r = rootstack_walk(sysfs, dev, NULL, &d->stacks[d->nstacks]);
		if (r < 0)
			return r;
		d->nstacks++;
	}
	return 0;
}

static int find_stacks(struct detect *d, const char *sysfs)
{
	int r;

	if (!d->rootfs) /* detect_rootfs() could not copy its name */
		return log_error_errno(-ENOMEM, "autodetect");
	if (d->nstacks)
		return 0; /* walked by an earlier autodetect hook */
	r = walk_stacks(d, sysfs);
	if (r < 0)
		return r;
	for (size_t i = 0; i < d->nstacks; i++) {
		r = request_stack_modules(d, &d->stacks[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The kernel's count of uevents (<sysfs>/kernel/uevent_seqnum), read before the device
 * walk, or NULL (a captured tree has none): a device is added or removed, and its
 * modalias file appears or goes, only with a uevent, so an unchanged count stands for
 * the whole walk of <sysfs>/devices (a thousand directories on a real machine).
 */
static char *uevent_seqnum(const char *sysfs)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	size_t size;

	if (asprintf(&path, "%s/kernel/uevent_seqnum", sysfs) < 0)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fileio_read_fd(fd, 64, &text, &size) < 0 || !size)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	return TAKE_PTR(text);
}

/*
 * What autodetect read from the machine, as text: the uevent count (else the device
 * aliases), the loaded modules (a mount takes a reference without a uevent), the root's
 * filesystem type and the root's and resume's stacks. The input journal keeps it:
 * sysfs's stat times do not follow what its files say.
 */
static int facts_text(const char *seqnum, const struct strv *aliases,
		      const struct strv *loaded, const char *rootfs,
		      const struct rootstack *stacks, size_t nstacks, char **ret)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return -ENOMEM;
	if (seqnum)
		fprintf(out, "uevent-seqnum %s\n", seqnum);
	for (size_t i = 0; !seqnum && i < aliases->n; i++)
		fprintf(out, "alias %s\n", aliases->v[i]);
	for (size_t i = 0; i < loaded->n; i++)
		fprintf(out, "loaded %s\n", loaded->v[i]);
	fprintf(out, "rootfs %s\n", rootfs ? rootfs : "");
	for (size_t i = 0; i < nstacks; i++)
		for (size_t l = 0; l < stacks[i].n; l++) {
			const struct rootstack_layer *y = &stacks[i].layers[l];
			fprintf(out, "stack %s %d %u %s|%s|%s|%d\n", stacks[i].role,
				(int)y->kind, y->depth, y->node ? y->node : "",
				y->what ? y->what : "", y->module ? y->module : "",
				y->module_optional);
		}
	if (fclose(out) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(text);
	return 0;
}

int detect_facts_now(void *userdata, char **ret)
{
	const struct build_request *req = userdata;
	const char *sysfs = req->sysfs ? req->sysfs : "/sys";
	_cleanup_(strv_clear) struct strv aliases = STRV_INIT, loaded = STRV_INIT;
	_cleanup_free_ char *seqnum = uevent_seqnum(sysfs);
	struct detect d = {.req = req};
	enum log_level level = log_get_level();
	unsigned warnings = log_warning_count();
	int r = 0;

	log_set_level(LOG_LEVEL_QUIET);
	if (!seqnum)
		r = autodetect_modaliases(sysfs, &aliases);
	if (r >= 0)
		r = autodetect_loaded_modules(sysfs, &loaded);
	if (r >= 0)
		r = rootfs_type(req, &d.rootfs);
	if (r >= 0)
		r = walk_stacks(&d, sysfs);
	log_set_level(level);
	/* The build that kept the journal did not warn: this machine has changed. */
	if (r >= 0 && log_warning_count() != warnings)
		r = -EAGAIN;
	if (r >= 0)
		r = facts_text(seqnum, &aliases, &loaded, d.rootfs, d.stacks, d.nstacks,
			       ret);
	detect_clear(&d);
	return r;
}

int detect_run(struct detect *d, const struct build_request *req, struct moddep *m)
{
	d->req = req;
	d->moddep = m;
	const char *sysfs = d->req->sysfs ? d->req->sysfs : "/sys";
	_cleanup_(strv_clear) struct strv aliases = STRV_INIT, loaded = STRV_INIT;
	_cleanup_free_ char *seqnum = uevent_seqnum(sysfs); /* before the walk */
	int r;

	r = autodetect_modaliases(sysfs, &aliases);
	if (r < 0)
		return r;
	r = add_all_detected(d, &aliases);
	if (r < 0)
		return r;
	r = autodetect_loaded_modules(sysfs, &loaded);
	if (r < 0)
		return r;
	r = add_all_detected(d, &loaded);
	if (r < 0)
		return r;
	log_verbose("autodetect: %zu device aliases, %zu loaded modules in '%s'",
		    aliases.n, loaded.n, sysfs);
	r = find_rootfs(d);
	if (r < 0)
		return r;
	r = find_stacks(d, sysfs);
	if (r < 0)
		return r;
	free(d->facts);
	d->facts = NULL;
	r = facts_text(seqnum, &aliases, &loaded, d->rootfs, d->stacks, d->nstacks,
		       &d->facts);
	if (r < 0)
		return log_error_errno(r, "autodetect");
	strv_sort(&d->detected);
	d->ran = 1;
	return 0;
}

/* Whether the root's stack was walked (resume's alone says nothing about root). */
static int root_known(const struct detect *d)
{
	for (size_t i = 0; i < d->nstacks; i++)
		if (!strcmp(d->stacks[i].role, "root"))
			return 1;
	return 0;
}

/* Whether a layer of the root's or resume's stack is set up by `hook` (encrypt, lvm2,
 * mdadm, net, resume): its modules serve that layer, whatever their device. */
static int hook_serves_stack(const struct detect *d, const struct hook *hook)
{
	for (size_t i = 0; i < d->nstacks; i++)
		for (size_t j = 0; j < d->stacks[i].n; j++) {
			const char *const *h = d->stacks[i].layers[j].hooks;
			for (; h && *h; h++)
				if (!strcmp(*h, hook->name))
					return 1;
		}
	return 0;
}

/*
 * After autodetect, how a module a hook keeps because the host has its device loads:
 * at boot when the root's or resume's stack needs it (its dependencies follow it
 * there) or its hook says LOAD=early (kms: the console's mode is set before root),
 * else deferred, for a late root or a person (a CD-ROM's controller, a mouse).
 * Nothing is deferred when the root's stack is unknown.
 */
static enum moddep_load host_load(const struct detect *d, const struct hook *hook,
				  const struct strv *names)
{
	if (!root_known(d) || hook->load == HOOK_LOAD_EARLY ||
	    hook_serves_stack(d, hook) || any_in(names, &d->on_stack))
		return MODDEP_LOAD_ALWAYS;
	return MODDEP_LOAD_DEFERRED;
}

int detect_filter(const struct detect *d, const struct hook *hook, const char *spec,
		  const char *origin, enum moddep_load *ret_load)
{
	struct strv names = STRV_INIT;
	int r = spec_names(d, spec, &names);

	if (r < 0) {
		strv_clear(&names);
		return log_error_errno(r, "%s: cannot look up module '%s'", origin, spec);
	}
	r = any_in(&names, &d->detected);
	if (r)
		*ret_load = host_load(d, hook, &names);
	strv_clear(&names);
	return r;
}

void detect_clear(struct detect *d)
{
	strv_clear(&d->detected);
	strv_clear(&d->on_stack);
	free(d->rootfs);
	for (size_t i = 0; i < d->nstacks; i++)
		rootstack_clear(&d->stacks[i]);
	free(d->facts);
	*d = (struct detect){0};
}
