/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Switch root: move the API mounts, delete the initramfs, chroot, exec. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "dir.h"
#include "log.h"
#include "str.h"
#include "switchroot.h"
#include "sys.h"

#define RAMFS_MAGIC_INIT 0x858458f6
#define TMPFS_MAGIC_INIT 0x01021994

struct clean {
	dev_t dev;
	int err;
};

static int clean_entry(int dirfd, const char *name, unsigned char type, void *ctx)
{
	struct clean *c = ctx;
	struct stat st;
	int r;

	(void)type;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (!c->err)
			c->err = -errno;
		return 0;
	}
	/* Another filesystem mounted here (the new root itself): not ours to delete. */
	if (st.st_dev != c->dev)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(dirfd, name,
				O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0) {
			r = switchroot_clean(fd, c->dev);
			if (r < 0 && !c->err)
				c->err = r;
			close(fd);
		}
		r = sys_unlinkat(dirfd, name, AT_REMOVEDIR);
	} else {
		r = sys_unlinkat(dirfd, name, 0);
	}
	if (r < 0 && !c->err)
		c->err = r;
	return 0;
}

int switchroot_clean(int dirfd, dev_t dev)
{
	struct clean c = {dev, 0};
	int r;

	r = dir_each(dirfd, clean_entry, &c);
	if (r < 0)
		return r;
	return c.err;
}

static void move_api_mount(const char *newroot, const char *dir)
{
	char target[256];
	struct stat st;
	struct str s;
	int r;

	str_init(&s, target, sizeof(target));
	str_addf(&s, "%s%s", newroot, dir);
	if (!s.truncated && stat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
		r = sys_mount(dir, target, NULL, MS_MOVE, NULL);
		if (r == 0)
			return;
		log_warning("cannot move '%s' to '%s': %s, detaching it", dir, target,
			    log_errname(r));
	} else {
		log_warning("no directory '%s' in the new root, detaching '%s'", target,
			    dir);
	}
	(void)sys_umount(dir, MNT_DETACH);
}

int switchroot_run(const char *newroot, const char *init, char *const argv[])
{
	static const char *const api[] = {"/dev", "/proc", "/sys", "/run"};
	struct statfs sfs;
	struct stat st;
	int oldroot, r;

	for (size_t i = 0; i < ARRAY_SIZE(api); i++)
		move_api_mount(newroot, api[i]);
	if (chdir(newroot) < 0)
		return -errno;
	oldroot = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (oldroot < 0)
		return -errno;
	r = sys_mount(newroot, "/", NULL, MS_MOVE, NULL);
	if (r == 0)
		r = sys_chroot(".");
	if (r == 0 && chdir("/") < 0)
		r = -errno;
	if (r < 0) {
		close(oldroot);
		return r;
	}
	/* Free the initramfs' memory, but only if it is one: never a disk by mistake. */
	if (fstat(oldroot, &st) == 0 && fstatfs(oldroot, &sfs) == 0 &&
	    (sfs.f_type == RAMFS_MAGIC_INIT || sfs.f_type == TMPFS_MAGIC_INIT)) {
		r = switchroot_clean(oldroot, st.st_dev);
		if (r < 0)
			log_warning("cannot delete all of the initramfs: %s, ignoring",
				    log_errname(r));
	} else {
		log_warning("the old root is not a ramfs or tmpfs, leaving its files");
	}
	close(oldroot);
	return sys_exec(init, argv);
}
