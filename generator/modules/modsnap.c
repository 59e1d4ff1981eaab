/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What libkmod reads of a module root, copied first through the root's own resolver. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "modsnap.h"
#include "sysroot.h"
#include "util.h"

static const char *const conf_dirs[] = {"etc/modprobe.d", "usr/lib/modprobe.d",
					"lib/modprobe.d"};

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && streq(s + n - k, suffix);
}

/*
 * Copy ROOT's `path` to `dst`. A file that is not regular becomes empty when
 * `empty_if_special` (a masked configuration file), else it is an error.
 */
static int copy_in(const char *root, const char *path, const char *dst,
		   int empty_if_special)
{
	_cleanup_close_ int out = -1;
	_cleanup_free_ char *data = NULL;
	size_t size = 0;
	char buf[256];
	int r = sysroot_read(root, path, SYSROOT_READ_MAX, &data, &size);

	if (r < 0 && !(empty_if_special && (r == -EINVAL || r == -ENOENT))) {
		if (r == -EFBIG)
			return log_error_errno(r, "'%s%s' is larger than 256 MiB", root,
					       log_escape(path, buf, sizeof(buf)));
		if (r == -EINVAL || r == -EISDIR)
			return log_error_errno(r, "'%s%s' is not a regular file", root,
					       log_escape(path, buf, sizeof(buf)));
		return log_error_errno(r, "cannot read '%s%s'", root,
				       log_escape(path, buf, sizeof(buf)));
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return log_error_errno(-errno, "cannot write '%s'", dst);
	r = data ? fileio_write_all(out, data, size) : 0;
	if (r < 0)
		return log_error_errno(r, "cannot write '%s'", dst);
	return 0;
}

/* Copy the names of ROOT's directory `dir` that `keep` accepts into `dst`. */
static int copy_dir(const char *root, const char *dir, const char *dst,
		    int (*keep)(const char *), int empty_if_special)
{
	int fd = sysroot_open(root, dir, O_RDONLY | O_DIRECTORY);
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while (r >= 0 && (de = readdir(d))) {
		_cleanup_free_ char *src = NULL, *to = NULL;
		if (de->d_name[0] == '.' || !keep(de->d_name))
			continue;
		if (asprintf(&src, "%s/%s", dir, de->d_name) < 0 ||
		    asprintf(&to, "%s/%s", dst, de->d_name) < 0)
			r = -ENOMEM;
		else
			r = copy_in(root, src, to, empty_if_special);
	}
	closedir(d);
	return r;
}

static int is_conf(const char *name)
{
	return has_suffix(name, ".conf");
}

static int remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d))) {
			_cleanup_free_ char *p = NULL;
			struct stat st;
			if (streq(de->d_name, ".") || streq(de->d_name, ".."))
				continue;
			if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
				break;
			if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
				remove_tree(p);
			else
				unlink(p);
		}
		closedir(d);
	}
	return rmdir(dir);
}

/*
 * An index libkmod will open by path in the real module directory: a regular file, or a
 * symlink that reaches the same file inside the root as on the host.
 */
static int check_index(const char *root, const char *moddir, int dfd, const char *name)
{
	_cleanup_free_ char *inroot = NULL;
	_cleanup_close_ int in = -1, host = -1;
	struct stat a, b;
	char buf[256];
	int r;

	if (fstatat(dfd, name, &a, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* gone: libkmod says what is missing */
	if (S_ISREG(a.st_mode))
		return 0;
	if (asprintf(&inroot, "%s/%s", moddir, name) < 0)
		return -ENOMEM;
	in = sysroot_open_input(root, inroot, &a, NULL);
	host = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	r = in < 0 ? in : host < 0 ? -errno : fileio_check_input(host, &b);
	if (r >= 0 && (a.st_dev != b.st_dev || a.st_ino != b.st_ino))
		r = -EXDEV;
	if (r == -EXDEV || r == -ENOENT) {
		log_error(
			"'%s%s' is a symlink that leads outside '%s', refusing the tree",
			root, log_escape(inroot, buf, sizeof(buf)), root);
		return -EXDEV;
	}
	if (r < 0)
		return log_error_errno(r, "'%s%s' is %s", root,
				       log_escape(inroot, buf, sizeof(buf)),
				       sysroot_strerror(r));
	return 0;
}

/*
 * What libkmod opens in the module directory, by path, for what we ask of it (its
 * modules.builtin.modinfo reader serves kmod_module_get_info(), never called: we read
 * that file ourselves, inside the root).
 */
static const char *const kmod_files[] = {
	"modules.dep.bin",	     "modules.alias.bin", "modules.symbols.bin",
	"modules.builtin.bin",	     "modules.softdep",	  "modules.weakdep",
	"modules.builtin.alias.bin",
};

/* The module directory, resolved inside the root, and its indexes checked. */
static int check_tree(const char *root, const char *moddir, char **ret_real)
{
	_cleanup_free_ char *depbin = NULL;
	_cleanup_close_ int dfd = sysroot_open(root, moddir, O_PATH | O_DIRECTORY);
	char link[64], buf[PATH_MAX];
	ssize_t n;
	int fd, r = 0;

	if (dfd < 0)
		return dfd;
	if (asprintf(&depbin, "%s/modules.dep.bin", moddir) < 0)
		return -ENOMEM;
	fd = sysroot_open(root, depbin, O_PATH);
	if (fd < 0)
		return fd == -ENOENT ? -ENOEXEC : fd; /* never run through depmod */
	close(fd);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dfd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0 || buf[0] != '/')
		return log_error_errno(n < 0 ? -errno : -ENOENT,
				       "cannot find where '%s%s' is (is /proc mounted?)",
				       root, moddir);
	buf[n] = '\0';
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(kmod_files); i++)
		r = check_index(root, moddir, dfd, kmod_files[i]);
	if (r < 0)
		return r;
	*ret_real = strdup(buf);
	return *ret_real ? 0 : -ENOMEM;
}

/* The snapshot's directory, made when the first configuration directory is copied. */
static int make_top(struct modsnap *s)
{
	const char *tmp = getenv("TMPDIR");

	if (s->top)
		return 0;
	if (asprintf(&s->top, "%s/mkinitramfs-kmod.XXXXXX", tmp && *tmp ? tmp : "/tmp") <
	    0) {
		s->top = NULL;
		return -ENOMEM;
	}
	if (!mkdtemp(s->top)) {
		int r = log_error_errno(-errno, "cannot create a directory in '%s'",
					tmp && *tmp ? tmp : "/tmp");
		free(s->top);
		s->top = NULL;
		return r;
	}
	return 0;
}

static int snapshot(const char *root, struct modsnap *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(conf_dirs); i++) {
		_cleanup_free_ char *dst = NULL;
		int fd = sysroot_open(root, conf_dirs[i], O_PATH | O_DIRECTORY);
		if (fd < 0)
			continue; /* no such directory: nothing configured there */
		close(fd);
		int r = make_top(s);
		if (r < 0)
			return r;
		if (asprintf(&dst, "%s/conf%zu", s->top, i) < 0)
			return -ENOMEM;
		if (mkdir(dst, 0700) < 0)
			return log_error_errno(-errno, "cannot create '%s'", dst);
		r = copy_dir(root, conf_dirs[i], dst, is_conf, 1);
		if (r < 0)
			return r;
		r = strv_push(&s->confs, dst);
		if (r < 0)
			return r;
	}
	return 0;
}

int modsnap_new(const char *root, const char *kver, struct modsnap *ret)
{
	_cleanup_free_ char *moddir = NULL;
	struct modsnap s = {.confs = STRV_INIT};
	int r;

	if (asprintf(&moddir, "/lib/modules/%s", kver) < 0)
		return -ENOMEM;
	r = check_tree(root, moddir, &s.dir);
	if (r < 0)
		return r;
	r = snapshot(root, &s);
	if (r < 0) {
		modsnap_remove(&s);
		return r == -ENOEXEC ? -EIO : r;
	}
	*ret = s;
	return 0;
}

void modsnap_remove(struct modsnap *s)
{
	if (s->top)
		remove_tree(s->top);
	free(s->top);
	free(s->dir);
	strv_clear(&s->confs);
	*s = (struct modsnap){.confs = STRV_INIT};
}
