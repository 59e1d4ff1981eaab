/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where mkinitramfs's own files are: installed, or next to a binary in a build tree. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "locate.h"
#include "inputjournal.h"
#include "log.h"
#include "util.h"

/* "<directory of this executable>/<rel>" when it exists with the wanted type. A build
 * tree runs build/mkinitramfs; an installed one lives in a bin directory. */
static int next_to_self(const char *rel, mode_t type, char **ret)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct stat st;

	if (n <= 0)
		return -ENOENT;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash || (size_t)(slash - self) + strlen(rel) + 2 > sizeof(self))
		return -ENOENT;
	slash[1] = '\0';
	/* Never take a system's /usr/bin/init or /usr/sbin/init (systemd) for ours. */
	if ((strstr(self, "/bin/") || strstr(self, "/sbin/")) && type == S_IFREG)
		return -ENOENT;
	strcat(self, rel);
	if (stat(self, &st) < 0 || (st.st_mode & S_IFMT) != type)
		return -ENOENT;
	*ret = realpath(self, NULL);
	return *ret ? 0 : -ENOMEM;
}

static int dup_result(const char *s, char **ret)
{
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* The override must be a regular file: the image writer would block on a FIFO. */
static int check_override(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return log_error_errno(-errno, "MKINITRAMFS_INIT='%s'", path);
	if (!S_ISREG(st.st_mode)) {
		log_error("MKINITRAMFS_INIT='%s' is %s, not a regular file", path,
			  log_file_type(st.st_mode));
		return -EINVAL;
	}
	return 0;
}

int locate_init(char **ret)
{
	const char *env = getenv("MKINITRAMFS_INIT");
	int r;

	if (env && *env) {
		r = check_override(env);
		return r < 0 ? r : dup_result(env, ret);
	}
	if (next_to_self("init", S_IFREG, ret) == 0)
		return 0;
	if (access(MKINITRAMFS_LIBDIR "/init", R_OK) == 0)
		return dup_result(MKINITRAMFS_LIBDIR "/init", ret);
	log_error("the init binary was not found in '%s' (set MKINITRAMFS_INIT)",
		  MKINITRAMFS_LIBDIR);
	return -ENOENT;
}

int locate_helper(const char *name, char **ret)
{
	_cleanup_free_ char *installed = NULL;

	if (next_to_self(name, S_IFREG, ret) == 0)
		return 0;
	if (asprintf(&installed, "%s/%s", MKINITRAMFS_LIBDIR, name) < 0)
		return -ENOMEM;
	if (access(installed, R_OK) != 0)
		return -ENOENT;
	*ret = TAKE_PTR(installed);
	return 0;
}

int locate_hooks_dir(char **ret)
{
	injournal_note(MKINITRAMFS_LIBDIR "/hooks");
	if (access(MKINITRAMFS_LIBDIR "/hooks", F_OK) != 0 &&
	    next_to_self("../hooks/build", S_IFDIR, ret) == 0)
		return 0;
	return dup_result(MKINITRAMFS_LIBDIR "/hooks", ret);
}
