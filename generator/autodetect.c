/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Autodetect: what this machine needs, read from a sysfs tree and the mount table. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "autodetect.h"
#include "log.h"
#include "util.h"

int autodetect_read_attr(int dirfd, const char *dir, const char *name, char *buf,
			 size_t size)
{
	_cleanup_close_ int fd =
		openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return log_error_errno(-errno, "autodetect: cannot read '%s/%s'", dir,
				       name);
	if (!S_ISREG(st.st_mode)) {
		log_error("autodetect: '%s/%s' is %s, not a sysfs attribute", dir, name,
			  log_file_type(st.st_mode));
		return -EINVAL;
	}
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int walk_devices(int dirfd, const char *path, struct strv *aliases, int depth);

/*
 * A directory entry, walked when it is a directory. Most entries of a sysfs are
 * attributes, which its readdir() says (d_type): they cost no system call. An entry of
 * unknown type (a copied tree on a file system without d_type) is tried with
 * O_DIRECTORY | O_NOFOLLOW, which refuses anything but a directory, a FIFO included,
 * without opening it.
 */
static int walk_subdir(int dirfd, const char *path, const struct dirent *de,
		       struct strv *aliases, int depth)
{
	_cleanup_free_ char *sub = NULL;
	const char *name = de->d_name;

	if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
		return 0;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (asprintf(&sub, "%s/%s", path, name) < 0) {
		close(fd);
		return -ENOMEM;
	}
	return walk_devices(fd, sub, aliases, depth + 1);
}

/* Takes dirfd. A modalias that cannot be read (a device that vanished) is skipped. */
static int walk_devices(int dirfd, const char *path, struct strv *aliases, int depth)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > 64) {
		close(dirfd);
		return 0;
	}
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return log_error_errno(-errno, "autodetect: cannot read '%s'", path);
	}
	while (r >= 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!streq(de->d_name, "modalias")) {
			r = walk_subdir(dirfd, path, de, aliases, depth);
			continue;
		}
		char buf[4096];
		int k = autodetect_read_attr(dirfd, path, de->d_name, buf, sizeof(buf));
		if (k == -EINVAL)
			r = k;
		else if (k == 0 && *buf && !strv_contains(aliases, buf))
			r = strv_push(aliases, buf);
	}
	closedir(d);
	return r;
}

static int open_sub(const char *sysfs, const char *sub, char **ret_path)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s", sysfs, sub) < 0)
		return -ENOMEM;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	*ret_path = TAKE_PTR(path);
	return fd;
}

int autodetect_modaliases(const char *sysfs, struct strv *ret_aliases)
{
	_cleanup_free_ char *path = NULL;
	struct strv aliases = STRV_INIT;
	int fd = open_sub(sysfs, "devices", &path);
	int r;

	if (fd < 0)
		return log_error_errno(fd, "autodetect: cannot read '%s/devices'", sysfs);
	r = walk_devices(fd, path, &aliases, 0);
	if (r < 0) {
		strv_clear(&aliases);
		return r;
	}
	strv_sort(&aliases);
	*ret_aliases = aliases;
	return 0;
}

/* Entries of a directory, or -1 when it cannot be read. */
static int count_entries(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int n = 0;

	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * A loaded module is in use by the machine when something other than modules holds
 * it: a mount, an open device, a bound driver. A fallback image loads every
 * filesystem; those sit unused (refcnt 0) or held only by each other, and must not
 * make a host image carry them all. 1 in use, 0 not, negative when its refcnt is not
 * an attribute (logged).
 */
static int module_in_use(int moddir, const char *path, const char *name)
{
	_cleanup_free_ char *dir = NULL;
	char rel[512], buf[32];

	snprintf(rel, sizeof(rel), "%s/initstate", name);
	if (faccessat(moddir, rel, F_OK, 0) != 0)
		return 0; /* builtin */
	int fd = openat(moddir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (asprintf(&dir, "%s/%s", path, name) < 0) {
		close(fd);
		return -ENOMEM;
	}
	int r = autodetect_read_attr(fd, dir, "refcnt", buf, sizeof(buf));
	int holders = count_entries(fd, "holders");
	close(fd);
	if (r == -EINVAL)
		return r;
	if (r < 0)
		return 1; /* no refcnt (a capture without it): count it as used */
	long refcnt = strtol(buf, NULL, 10);
	return refcnt > (holders > 0 ? holders : 0);
}

int autodetect_loaded_modules(const char *sysfs, struct strv *ret_modules)
{
	_cleanup_free_ char *path = NULL;
	struct strv modules = STRV_INIT;
	int fd = open_sub(sysfs, "module", &path);
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (fd == -ENOENT) { /* a capture without /sys/module: nothing loaded */
		*ret_modules = modules;
		return 0;
	}
	if (fd < 0)
		return log_error_errno(fd, "autodetect: cannot read '%s/module'", sysfs);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return log_error_errno(-errno, "autodetect: cannot read '%s'", path);
	}
	while (r >= 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		r = module_in_use(fd, path, de->d_name);
		if (r > 0)
			r = strv_push(&modules, de->d_name);
	}
	closedir(d);
	if (r < 0) {
		strv_clear(&modules);
		return r;
	}
	strv_sort(&modules);
	*ret_modules = modules;
	return 0;
}

struct mountinfo_fields {
	const char *dev, *mountpoint, *type, *source;
};

/* mountinfo: "36 35 98:0 / /mnt rw,noatime master:1 - ext3 /dev/root rw,errors=..." */
static int parse_mountinfo_line(char *line, struct mountinfo_fields *ret)
{
	char *save = NULL, *tok;
	int field = 0, after_dash = 0;

	*ret = (struct mountinfo_fields){0};
	for (tok = strtok_r(line, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		if (after_dash == 1)
			ret->type = tok;
		else if (after_dash == 2)
			ret->source = tok;
		if (after_dash) {
			after_dash++;
			continue;
		}
		if (field == 2)
			ret->dev = tok;
		if (field == 4)
			ret->mountpoint = tok;
		if (field >= 6 && streq(tok, "-"))
			after_dash = 1;
		field++;
	}
	return ret->dev && ret->mountpoint && ret->type ? 0 : -EINVAL;
}

void autodetect_mount_clear(struct autodetect_mount *m)
{
	free(m->type);
	free(m->source);
	*m = (struct autodetect_mount){0};
}

static int mount_of(const struct mountinfo_fields *f, struct autodetect_mount *ret)
{
	struct autodetect_mount m = {0};

	if (sscanf(f->dev, "%u:%u", &m.major, &m.minor) != 2)
		return -EINVAL;
	m.type = strdup(f->type);
	m.source = strdup(f->source ? f->source : "");
	if (!m.type || !m.source) {
		autodetect_mount_clear(&m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

int autodetect_root_mount(const char *mountinfo, struct autodetect_mount *ret)
{
	FILE *f = fopen(mountinfo, "re");
	char *line = NULL;
	size_t cap = 0;
	struct autodetect_mount found = {0};
	int r = -ENOENT;

	if (!f)
		return negative_errno();
	while (getline(&line, &cap, f) > 0) {
		struct mountinfo_fields fields;
		struct autodetect_mount m;
		if (parse_mountinfo_line(line, &fields) < 0 ||
		    !streq(fields.mountpoint, "/"))
			continue;
		if (mount_of(&fields, &m) < 0)
			continue;
		autodetect_mount_clear(&found);
		found = m;
		r = 0;
	}
	free(line);
	fclose(f);
	if (r < 0)
		return r;
	*ret = found;
	return 0;
}

int autodetect_rootfs(const char *mountinfo, char **ret_type)
{
	struct autodetect_mount m;
	int r = autodetect_root_mount(mountinfo, &m);

	if (r < 0)
		return r;
	*ret_type = TAKE_PTR(m.type);
	autodetect_mount_clear(&m);
	return 0;
}
