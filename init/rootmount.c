// SPDX-License-Identifier: GPL-2.0-or-later
/* The root-mount policy: types to try, flags, the read-only fallback, which init. */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "abi.h"
#include "file.h"
#include "log.h"
#include "modload.h"
#include "rootmount.h"
#include "str.h"
#include "sys.h"

static int try_mount(const char *src, const char *type, unsigned long flags,
		     const char *data)
{
	int r = sys_mount(src, ABI_NEW_ROOT, type, flags, data[0] ? data : NULL);

	log_debug("mount '%s' type '%s' on '%s': %s", src, type, ABI_NEW_ROOT,
		  r ? log_errname(r) : "ok");
	return r;
}

/* Without a known type, try what the kernel offers, as the kernel itself does. */
static int mount_any(const char *src, unsigned long flags, const char *data)
{
	static char list[4096];
	char *line, *next;
	int r = -ENODEV;

	modload_requested_all(); /* a generic image's filesystems, as the root's is
				    unknown */
	if (file_read("/proc/filesystems", list, sizeof(list), NULL) < 0)
		return -ENODEV;
	for (line = list; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (str_startswith(line, "nodev"))
			continue;
		while (*line == '\t' || *line == ' ')
			line++;
		r = try_mount(src, line, flags, data);
		if (r == 0)
			return 0;
	}
	return r;
}

/* The types to try: rootfstype= (a comma-separated list), the probed one, or all. */
static int mount_types(const struct cmdline *c, const struct root_dev *dev,
		       const char *src, unsigned long flags, const char *data)
{
	char types[256], *t, *comma;
	int r = -ENODEV;

	if (!c->rootfstype && !dev->has_fs)
		return mount_any(src, flags, data);
	(void)str_copy(types, sizeof(types),
		       c->rootfstype ? c->rootfstype : dev->fs.type);
	for (t = types; t; t = comma ? comma + 1 : NULL) {
		comma = strchr(t, ',');
		if (comma)
			*comma = '\0';
		modload_fs(t);
		r = try_mount(src, t, flags, data);
		if (r == 0)
			break;
	}
	return r;
}

int rootmount_mount(const struct cmdline *c, const struct root_dev *dev)
{
	const char *type = c->rootfstype ? c->rootfstype
			   : dev->has_fs ? dev->fs.type
					 : "?";
	char src[128], data[1024];
	unsigned long flags;
	struct str s;
	int r;

	(void)mkdir(ABI_NEW_ROOT, 0755);
	str_init(&s, src, sizeof(src));
	str_addf(&s, "/dev/%s", dev->name);
	r = root_mount_options(c->rootflags, c->rw, &flags, data, sizeof(data));
	if (r < 0) {
		log_error("rootflags '%s' are too long", c->rootflags);
		return r;
	}
	r = mount_types(c, dev, src, flags, data);
	if ((r == -EACCES || r == -EROFS) && !(flags & MS_RDONLY)) {
		/* A write-protected device: the kernel's own fallback is to mount it ro.
		 */
		log_warning("'%s' is write-protected, mounting it read-only", src);
		flags |= MS_RDONLY;
		r = mount_types(c, dev, src, flags, data);
	}
	if (r < 0) {
		log_error("cannot mount '%s' (type '%s', flags '%s') on '%s': %s", src,
			  type, c->rootflags ? c->rootflags : "", ABI_NEW_ROOT,
			  log_errname(r));
		if (r == -ENODEV)
			log_error(
				"the kernel does not know filesystem '%s': is its module in the image?",
				type);
		modload_log_failures(LOG_ERR);
		return r;
	}
	log_info("mounted '%s' on '%s' %s", src, ABI_NEW_ROOT,
		 flags & MS_RDONLY ? "ro" : "rw");
	return 0;
}

/* The init to run in the new root: init=, or the first of the usual places. */
const char *rootmount_choose_init(const struct cmdline *c)
{
	static const char *const defaults[] = {"/sbin/init", "/etc/init", "/bin/init"};
	char path[512];
	struct stat st;
	struct str s;

	for (size_t i = 0; i < (c->init ? 1 : ARRAY_SIZE(defaults)); i++) {
		const char *init = c->init ? c->init : defaults[i];

		str_init(&s, path, sizeof(path));
		str_addf(&s, "%s%s", ABI_NEW_ROOT, init);
		/* lstat: an absolute symlink points into the new root, not into ours. */
		if (!s.truncated && lstat(path, &st) == 0 && !S_ISDIR(st.st_mode))
			return init;
	}
	if (c->init)
		log_error("init '%s' (from init=) is not in the root filesystem",
			  c->init);
	else
		log_error(
			"no init in the root filesystem: tried /sbin/init, /etc/init, /bin/init");
	return NULL;
}
