/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The root's and resume's device stacks, walked down a sysfs tree, and their proof. */
#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "autodetect.h"
#include "log.h"
#include "path.h"
#include "rootstack.h"
#include "sysroot.h"
#include "util.h"

/*
 * A crafted or damaged tree may link a device's slaves back to itself: the walk stops
 * there with an error instead of going round. Real stacks are a handful of layers.
 */
#define ROOTSTACK_MAX_DEPTH 32
#define ROOTSTACK_MAX_LAYERS 256

/* The hooks of each userspace step; the first is the one autodetect adds. */
static const char *const hooks_crypt[] = {"encrypt", "sd-encrypt", NULL};
static const char *const hooks_lvm[] = {"lvm2", NULL};
static const char *const hooks_md[] = {"mdadm_udev", "mdadm", NULL};
static const char *const hooks_resume[] = {"resume", NULL};
static const char *const hooks_net[] = {"net", NULL};

struct walk {
	const char *sysfs;
	struct rootstack *s;
};

void rootstack_clear(struct rootstack *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->layers[i].node);
		free(s->layers[i].what);
		free(s->layers[i].module);
	}
	free(s->layers);
	*s = (struct rootstack){0};
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The parent of a path relative to the tree ("" at the top). */
static char *dir_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return strndup(path, slash ? (size_t)(slash - path) : 0);
}

/* Takes `what` (escaped already), even on failure. */
static int push_layer(struct walk *w, enum rootstack_kind kind, unsigned depth,
		      const char *node, char *what, const char *module,
		      const char *const *hooks)
{
	struct rootstack *s = w->s;
	char esc[256];

	if (s->n >= ROOTSTACK_MAX_LAYERS) {
		free(what);
		log_error(
			"%s stack: more than %d layers in '%s': a loop in the sysfs tree?",
			s->role, ROOTSTACK_MAX_LAYERS, w->sysfs);
		return -ELOOP;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct rootstack_layer *v = realloc(s->layers, cap * sizeof(*v));
		if (!v) {
			free(what);
			return -ENOMEM;
		}
		s->layers = v;
		s->cap = cap;
	}
	struct rootstack_layer *l = &s->layers[s->n];
	*l = (struct rootstack_layer){
		.kind = kind, .depth = depth, .what = what, .hooks = hooks};
	l->node = strdup(log_escape(node, esc, sizeof(esc)));
	l->module = module ? strdup(module) : NULL;
	s->n++; /* owned by the stack from here: freed by rootstack_clear */
	if (!what || !l->node || (module && !l->module))
		return -ENOMEM;
	return 0;
}

static _printf_(1, 2) char *text(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* The type of `name` in directory `dir` of the tree (S_IFDIR, S_IFLNK...), 0 if none. */
static mode_t entry_type(const struct walk *w, const char *dir, const char *name)
{
	_cleanup_close_ int fd = sysroot_open(w->sysfs, dir, O_RDONLY | O_DIRECTORY);
	struct stat st;

	if (fd < 0 || fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return st.st_mode & S_IFMT;
}

/* An attribute of `dir`; -ENOENT unlogged when it is missing, others logged. */
static int read_attr(const struct walk *w, const char *dir, const char *name, char *buf,
		     size_t size)
{
	_cleanup_free_ char *shown = NULL;
	_cleanup_close_ int fd = sysroot_open(w->sysfs, dir, O_RDONLY | O_DIRECTORY);

	if (asprintf(&shown, "%s/%s", w->sysfs, dir) < 0)
		return -ENOMEM;
	if (fd < 0 && fd != -ENOENT)
		return log_error_errno(fd, "cannot read '%s'", shown);
	if (fd < 0)
		return fd;
	int r = autodetect_read_attr(fd, shown, name, buf, size);
	if (r < 0 && r != -ENOENT && r != -EINVAL)
		log_error_errno(r, "cannot read '%s/%s'", shown, name);
	return r;
}

/*
 * Where the link `dir`/`name` points, as a path relative to the tree. sysfs links are
 * relative ("../../devices/..."); an absolute one is taken from the tree's top, and
 * ".." stops there, as every open goes through sysroot_open anyway.
 */
static int link_target(const struct walk *w, const char *dir, const char *name,
		       char **ret)
{
	_cleanup_close_ int fd = sysroot_open(w->sysfs, dir, O_RDONLY | O_DIRECTORY);
	_cleanup_free_ char *joined = NULL;
	char buf[PATH_MAX];

	if (fd < 0)
		return fd;
	ssize_t n = readlinkat(fd, name, buf, sizeof(buf) - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	if (asprintf(&joined, "%s/%s", buf[0] == '/' ? "" : dir, buf) < 0)
		return -ENOMEM;
	return path_normalise(joined, PATH_CLAMP, ret);
}

static int walk_block(struct walk *w, const char *path, unsigned depth);

/* Every slave of a dm or md device, in name order so the chain reads the same. */
static int walk_slaves(struct walk *w, const char *path, const char *node, unsigned depth)
{
	_cleanup_free_ char *dir = NULL;
	struct strv names = STRV_INIT;
	struct dirent *de;
	int r = 0;

	if (asprintf(&dir, "%s/slaves", path) < 0)
		return -ENOMEM;
	int fd = sysroot_open(w->sysfs, dir, O_RDONLY | O_DIRECTORY);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		log_error(
			"%s stack: cannot read '%s/%s': what '%s' is built on is unknown",
			w->s->role, w->sysfs, dir, node);
		return -ENOENT;
	}
	while (r >= 0 && (de = readdir(d)))
		if (de->d_name[0] != '.')
			r = strv_push(&names, de->d_name);
	closedir(d);
	strv_sort(&names);
	if (r >= 0 && names.n == 0) {
		log_error("%s stack: '%s/%s' is empty: what '%s' is built on is unknown",
			  w->s->role, w->sysfs, dir, node);
		r = -ENOENT;
	}
	for (size_t i = 0; r >= 0 && i < names.n; i++) {
		_cleanup_free_ char *target = NULL;
		r = link_target(w, dir, names.v[i], &target);
		if (r < 0)
			log_error_errno(r, "%s stack: cannot follow '%s/%s/%s'",
					w->s->role, w->sysfs, dir, names.v[i]);
		else
			r = walk_block(w, target, depth);
	}
	strv_clear(&names);
	return r;
}

/* A dm device's name, then its uuid; what could not be read stays as it was. */
static int read_dm_ids(struct walk *w, const char *dm, char *name, char *uuid,
		       size_t size)
{
	int r = read_attr(w, dm, "name", name, size);

	if (r < 0)
		return r;
	return read_attr(w, dm, "uuid", uuid, size);
}

static int walk_dm(struct walk *w, const char *path, const char *node, unsigned depth)
{
	_cleanup_free_ char *dm = NULL;
	char name[256] = "", uuid[256] = "", en[256], eu[256];
	int r;

	if (asprintf(&dm, "%s/dm", path) < 0)
		return -ENOMEM;
	_Static_assert(sizeof(name) == sizeof(uuid), "one size for both");
	r = read_dm_ids(w, dm, name, uuid, sizeof(name));
	if (r < 0 && r != -ENOENT)
		return r;
	log_escape(name, en, sizeof(en));
	log_escape(uuid, eu, sizeof(eu));
	if (!strncmp(uuid, "CRYPT-", 6)) {
		/* LUKS2 with integrity has a dm-integrity device under the dm-crypt one.
		 */
		int integrity = !strncmp(uuid, "CRYPT-INTEGRITY-", 16) ||
				!strncmp(uuid, "CRYPT-SUBDEV-", 13);
		r = push_layer(
			w, ROOTSTACK_DM_CRYPT, depth, node,
			text("dm-crypt '%s'%s", en, integrity ? " (integrity)" : ""),
			integrity ? "dm_integrity" : "dm_crypt", hooks_crypt);
	} else if (!strncmp(uuid, "LVM-", 4)) {
		r = push_layer(w, ROOTSTACK_DM_LVM, depth, node,
			       text("LVM logical volume '%s'", en), "dm_mod", hooks_lvm);
	} else {
		r = push_layer(w, ROOTSTACK_DM, depth, node,
			       text("device-mapper '%s' (uuid '%s')", en, eu), "dm_mod",
			       NULL);
	}
	return r < 0 ? r : walk_slaves(w, path, node, depth + 1);
}

/* md/level "raid1" -> alias "md-raid1" (raid1), "raid5" -> raid456; md_mod if none. */
static int walk_md(struct walk *w, const char *path, const char *node, unsigned depth)
{
	_cleanup_free_ char *md = NULL, *alias = NULL;
	char level[64] = "", el[128];
	int r;

	if (asprintf(&md, "%s/md", path) < 0)
		return -ENOMEM;
	r = read_attr(w, md, "level", level, sizeof(level));
	if (r < 0 && r != -ENOENT)
		return r;
	int named = *level && strspn(level, "abcdefghijklmnopqrstuvwxyz0123456789") ==
				      strlen(level);
	if (named && asprintf(&alias, "md-%s", level) < 0)
		return -ENOMEM;
	log_escape(*level ? level : "unknown", el, sizeof(el));
	r = push_layer(w, ROOTSTACK_MD, depth, node, text("md RAID, level %s", el),
		       named ? alias : "md_mod", hooks_md);
	return r < 0 ? r : walk_slaves(w, path, node, depth + 1);
}

/*
 * From the disk's device up to the top of devices/: every directory with a driver
 * bound is a layer (the disk driver, the transport, the controller, the bus it sits
 * on). The module is the one driver/module names. A driver without that link is
 * built into the running kernel; the target kernel may build it as a module (a
 * distribution kernel on a machine running a custom one): the driver's name is asked
 * for then, and none of that name means built in there too.
 */
static int driver_of(struct walk *w, const char *dir, char **ret_driver,
		     char **ret_module)
{
	int r = link_target(w, dir, "driver", ret_driver);

	if (r < 0)
		return r;
	if (entry_type(w, *ret_driver, "module") != S_IFLNK)
		return 0;
	return link_target(w, *ret_driver, "module", ret_module);
}

static int walk_drivers(struct walk *w, const char *device, unsigned depth)
{
	_cleanup_free_ char *dir = strdup(device);

	while (dir && !strncmp(dir, "devices/", 8)) {
		_cleanup_free_ char *driver = NULL, *module = NULL;
		char esc[256];
		if (entry_type(w, dir, "driver") == S_IFLNK) {
			int r = driver_of(w, dir, &driver, &module);
			if (r < 0)
				return log_error_errno(
					r, "%s stack: cannot follow '%s/%s/driver'",
					w->s->role, w->sysfs, dir);
			log_escape(base_name(driver), esc, sizeof(esc));
			r = push_layer(
				w, ROOTSTACK_DRIVER, depth++, base_name(dir),
				module ? text("driver '%s'", esc)
				       : text("driver '%s', built into the running kernel",
					      esc),
				base_name(module ? module : driver), NULL);
			if (r < 0)
				return r;
			w->s->layers[w->s->n - 1].module_optional = !module;
		}
		char *up = dir_name(dir);
		free(dir);
		dir = up;
	}
	return dir ? 0 : -ENOMEM;
}

/* Disks with no device/ link: the module that makes them, by their name. */
static const struct {
	const char *prefix, *module;
	const char *const *hooks;
} virtual_disks[] = {
	{"loop", "loop", NULL},
	{"nbd", "nbd", hooks_net},
	{"zram", "zram", NULL},
	{"ram", "brd", NULL},
};

static int walk_disk(struct walk *w, const char *path, const char *node, unsigned depth)
{
	_cleanup_free_ char *device = NULL;
	int r;

	if (entry_type(w, path, "device") != S_IFLNK) {
		for (size_t i = 0; i < ARRAY_SIZE(virtual_disks); i++)
			if (!strncmp(node, virtual_disks[i].prefix,
				     strlen(virtual_disks[i].prefix)))
				return push_layer(w, ROOTSTACK_DISK, depth, node,
						  text("virtual disk"),
						  virtual_disks[i].module,
						  virtual_disks[i].hooks);
		return push_layer(w, ROOTSTACK_DISK, depth, node,
				  text("virtual disk (no driver known)"), NULL, NULL);
	}
	r = push_layer(w, ROOTSTACK_DISK, depth, node, text("disk"), NULL, NULL);
	if (r < 0)
		return r;
	r = link_target(w, path, "device", &device);
	if (r < 0)
		return log_error_errno(r, "%s stack: cannot follow '%s/%s/device'",
				       w->s->role, w->sysfs, path);
	return walk_drivers(w, device, depth + 1);
}

static int walk_partition(struct walk *w, const char *path, const char *node,
			  unsigned depth)
{
	_cleanup_free_ char *disk = dir_name(path);
	char number[32] = "?", esc[256];

	if (!disk)
		return -ENOMEM;
	int r = read_attr(w, path, "partition", number, sizeof(number));
	if (r < 0 && r != -ENOENT)
		return r;
	log_escape(base_name(disk), esc, sizeof(esc));
	r = push_layer(w, ROOTSTACK_PARTITION, depth, node,
		       text("partition %s of '%s'", number, esc), NULL, NULL);
	return r < 0 ? r : walk_block(w, disk, depth + 1);
}

/* One block device (a path relative to the tree) and everything below it. */
static int walk_block(struct walk *w, const char *path, unsigned depth)
{
	const char *node = base_name(path);

	if (depth > ROOTSTACK_MAX_DEPTH) {
		log_error(
			"%s stack: deeper than %d layers at '%s/%s': a loop in the sysfs tree?",
			w->s->role, ROOTSTACK_MAX_DEPTH, w->sysfs, path);
		return -ELOOP;
	}
	if (entry_type(w, path, "partition") == S_IFREG)
		return walk_partition(w, path, node, depth);
	if (entry_type(w, path, "dm") == S_IFDIR)
		return walk_dm(w, path, node, depth);
	if (entry_type(w, path, "md") == S_IFDIR)
		return walk_md(w, path, node, depth);
	return walk_disk(w, path, node, depth);
}

/* The top layer (the filesystem, or the hibernation image), then what is under it. */
static int walk_stack(struct walk *w, const char *path, const char *fstype)
{
	_cleanup_free_ char *alias = NULL;
	char esc[128];
	int r;

	if (fstype) {
		log_escape(fstype, esc, sizeof(esc));
		if (asprintf(&alias, "fs-%s", fstype) < 0)
			return -ENOMEM;
		r = push_layer(w, ROOTSTACK_FS, 0, "/", text("filesystem '%s'", esc),
			       alias, NULL);
	} else
		r = push_layer(w, ROOTSTACK_SWAP, 0, "swap", text("hibernation image"),
			       NULL, hooks_resume);
	if (r < 0)
		return r;
	return walk_block(w, path, 1);
}

int rootstack_walk(const char *sysfs, dev_t dev, const char *fstype,
		   struct rootstack *ret)
{
	struct rootstack s = {.role = fstype ? "root" : "resume"};
	struct walk w = {.sysfs = sysfs, .s = &s};
	_cleanup_free_ char *link = NULL, *path = NULL;
	int r;

	if (asprintf(&link, "%u:%u", major(dev), minor(dev)) < 0)
		return log_error_errno(-ENOMEM, "%s stack", s.role);
	r = link_target(&w, "dev/block", link, &path);
	if (r < 0) {
		log_error("%s stack: no block device %s in '%s/dev/block': %s", s.role,
			  link, sysfs, strerror(-r));
		return r;
	}
	r = walk_stack(&w, path, fstype);
	if (r == -ENOMEM) /* the only failure not logged where it happened */
		log_error_errno(r, "%s stack", s.role);
	if (r < 0) {
		rootstack_clear(&s);
		return r;
	}
	*ret = s;
	return 0;
}

int rootstack_netfs(const char *fstype, struct rootstack *ret)
{
	struct rootstack s = {.role = "root"};
	struct walk w = {.sysfs = "", .s = &s};
	const char *module;

	if (streq(fstype, "nfs4"))
		module = "nfsv4";
	else if (streq(fstype, "nfs"))
		module = "nfsv3";
	else
		return 0;
	int r = push_layer(&w, ROOTSTACK_NETFS, 0, "/",
			   text("network filesystem '%s'", fstype), module, hooks_net);
	if (r < 0) {
		rootstack_clear(&s);
		return log_error_errno(r, "root stack");
	}
	*ret = s;
	return 1;
}

static int device_of(const struct walk *w, const char *dir, const char *name, dev_t *ret)
{
	_cleanup_free_ char *path = NULL;
	char buf[64];
	unsigned maj, min;
	int r;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	r = read_attr(w, path, "dev", buf, sizeof(buf));
	if (r < 0)
		return r;
	if (sscanf(buf, "%u:%u", &maj, &min) != 2)
		return -EINVAL;
	*ret = makedev(maj, min);
	return 0;
}

/* A dm device by its dm/name, for /dev/mapper/NAME. */
static int find_dm_name(const struct walk *w, const char *name, dev_t *ret)
{
	int fd = sysroot_open(w->sysfs, "class/block", O_RDONLY | O_DIRECTORY);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int r = -ENOENT;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -ENOENT;
	}
	while (r == -ENOENT && (de = readdir(d))) {
		_cleanup_free_ char *dm = NULL;
		char buf[256];
		if (strncmp(de->d_name, "dm-", 3) ||
		    asprintf(&dm, "class/block/%s/dm", de->d_name) < 0)
			continue;
		if (read_attr(w, dm, "name", buf, sizeof(buf)) == 0 && streq(buf, name))
			r = device_of(w, "class/block", de->d_name, ret);
	}
	closedir(d);
	return r;
}

/* UUID=, LABEL=, PARTUUID=, PARTLABEL= as the links udev makes under /dev/disk. */
static char *tag_link(const char *devdir, const char *spec)
{
	static const char *const tags[][2] = {{"UUID=", "by-uuid"},
					      {"LABEL=", "by-label"},
					      {"PARTUUID=", "by-partuuid"},
					      {"PARTLABEL=", "by-partlabel"}};
	for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
		size_t n = strlen(tags[i][0]);
		if (!strncmp(spec, tags[i][0], n))
			return text("%s/disk/%s/%s", devdir, tags[i][1], spec + n);
	}
	return text("%s", spec);
}

/* With the host's /dev: the device node a spec names, through its links. */
static int find_host_node(const char *devdir, const char *spec, dev_t *ret)
{
	_cleanup_free_ char *path = tag_link(devdir, spec);
	struct stat st;

	if (!path)
		return -ENOMEM;
	if (path[0] != '/' || stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
		return -ENOENT;
	*ret = st.st_rdev;
	return 0;
}

int rootstack_find(const char *sysfs, const char *devdir, const char *spec, dev_t *ret)
{
	struct walk w = {.sysfs = sysfs};
	unsigned maj, min;
	char tail;
	int r = -ENOENT;

	if (sscanf(spec, "%u:%u%c", &maj, &min, &tail) == 2) {
		*ret = makedev(maj, min);
		return 0;
	}
	if (devdir)
		r = find_host_node(devdir, spec, ret);
	if (r == -ENOENT && !strncmp(spec, "/dev/mapper/", 12))
		r = find_dm_name(&w, spec + 12, ret);
	else if (r == -ENOENT && !strchr(spec, '=')) {
		const char *name = !strncmp(spec, "/dev/", 5) ? spec + 5 : spec;
		if (!strchr(name, '/') && *name)
			r = device_of(&w, "class/block", name, ret);
	}
	return r == -EINVAL ? -ENOENT : r;
}

int rootstack_power_resume(const char *sysfs, dev_t *ret)
{
	struct walk w = {.sysfs = sysfs};
	char buf[64];
	unsigned maj, min;
	int r = read_attr(&w, "power", "resume", buf, sizeof(buf));

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (sscanf(buf, "%u:%u", &maj, &min) != 2 || (maj == 0 && min == 0))
		return 0;
	*ret = makedev(maj, min);
	return 1;
}

char *rootstack_cmdline_resume(const char *cmdline)
{
	char *found = NULL;
	const char *p = cmdline;

	while (p && *p) {
		p += strspn(p, " \t\n");
		size_t n = strcspn(p, " \t\n");
		if (n > 7 && !strncmp(p, "resume=", 7)) {
			free(found);
			found = strndup(p + 7, n - 7);
		} else if (n == 8 && !strncmp(p, "noresume", 8)) {
			free(found);
			found = NULL;
		}
		p += n;
	}
	return found;
}

static const char *module_state_text(const struct rootstack_layer *l, int state)
{
	if (l->module_optional && state == ROOTSTACK_MODULE_UNKNOWN)
		return "none of that name, built in";
	switch (state) {
	case ROOTSTACK_MODULE_IN_IMAGE:
		return "in the image";
	case ROOTSTACK_MODULE_BUILTIN:
		return "built in";
	default:
		return "MISSING";
	}
}

static int has_hook(const struct rootstack_image *img, const char *const *hooks)
{
	for (size_t i = 0; hooks[i]; i++)
		if (strv_contains(img->hooks, hooks[i]))
			return 1;
	return 0;
}

/* -v: one line per layer, indented by depth, with what it needs and whether it is in. */
static void explain_layer(const struct rootstack *s, const struct rootstack_layer *l,
			  int state, const struct rootstack_image *img)
{
	char needs[512] = "", esc[256];
	size_t o = 0;

	if (l->module)
		o += (size_t)snprintf(needs + o, sizeof(needs) - o, ", module '%s': %s",
				      log_escape(l->module, esc, sizeof(esc)),
				      module_state_text(l, state));
	if (l->hooks && o < sizeof(needs))
		snprintf(needs + o, sizeof(needs) - o, ", hook '%s': %s", l->hooks[0],
			 has_hook(img, l->hooks) ? "in HOOKS" : "MISSING");
	log_verbose("%s stack: %*s%s: %s%s", s->role, (int)(2 * l->depth), "", l->node,
		    l->what, needs);
}

static void log_missing_module(const struct rootstack *s, const struct rootstack_layer *l,
			       int state, const struct rootstack_image *img)
{
	char esc[256];

	log_escape(l->module, esc, sizeof(esc));
	if (state == ROOTSTACK_MODULE_LEFT_OUT)
		log_error(
			"%s stack: module '%s' for '%s' (%s) is not in the image, though '%s' has it: add it to MODULES",
			s->role, esc, l->node, l->what, img->moduledir);
	else
		log_error(
			"%s stack: module '%s' for '%s' (%s) is not in the image: neither '%s' has it nor is it built into the kernel",
			s->role, esc, l->node, l->what, img->moduledir);
}

static void log_missing_hook(const struct rootstack *s, const struct rootstack_layer *l,
			     const struct rootstack_image *img)
{
	const char *hint = img->hook_hint ? img->hook_hint(img->userdata, l->hooks[0])
					  : "add it to HOOKS";
	if (l->hooks[1])
		log_error(
			"%s stack: '%s' (%s) needs hook '%s' (or '%s'), which is not in this build: %s",
			s->role, l->node, l->what, l->hooks[0], l->hooks[1], hint);
	else
		log_error(
			"%s stack: '%s' (%s) needs hook '%s', which is not in this build: %s",
			s->role, l->node, l->what, l->hooks[0], hint);
}

/* 1 when the layer has all it needs, 0 when something is missing (logged). */
static int check_layer(const struct rootstack *s, const struct rootstack_layer *l,
		       const struct rootstack_image *img, int state)
{
	int ok = 1;

	if (l->kind == ROOTSTACK_DM) {
		log_error(
			"%s stack: '%s' is a %s, which no hook of mkinitramfs sets up at boot",
			s->role, l->node, l->what);
		ok = 0;
	}
	if (l->module && state < ROOTSTACK_MODULE_BUILTIN &&
	    !(l->module_optional && state == ROOTSTACK_MODULE_UNKNOWN)) {
		log_missing_module(s, l, state, img);
		ok = 0;
	}
	if (l->hooks && !has_hook(img, l->hooks)) {
		log_missing_hook(s, l, img);
		ok = 0;
	}
	return ok;
}

int rootstack_check(const struct rootstack *s, const struct rootstack_image *img)
{
	int *states = calloc(s->n ? s->n : 1, sizeof(*states));
	int missing = 0, r = 0;

	if (!states)
		return -ENOMEM;
	for (size_t i = 0; r >= 0 && i < s->n; i++)
		if (s->layers[i].module) {
			r = img->module_state(img->userdata, s->layers[i].module);
			states[i] = r;
		}
	if (r < 0) {
		free(states);
		return r;
	}
	for (size_t i = 0; i < s->n; i++)
		explain_layer(s, &s->layers[i], states[i], img);
	for (size_t i = 0; i < s->n; i++)
		missing += !check_layer(s, &s->layers[i], img, states[i]);
	free(states);
	if (missing)
		log_error(
			"the image cannot reach %s: %d layer%s of its stack lack%s a piece (-v prints the stack)",
			s->role, missing, missing == 1 ? "" : "s",
			missing == 1 ? "s" : "");
	return missing ? -ENOENT : 0;
}
