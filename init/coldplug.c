/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Walk sysfs devices (real directories only, no symlinks) and match their modaliases. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "coldplug.h"
#include "dir.h"
#include "file.h"
#include "modload.h"

/* sysfs device trees are deep but finite; a bound keeps the stack bounded. */
#define COLDPLUG_MAX_DEPTH 24

struct walk {
	int depth;
	int loaded;
};

static int walk_dir(int dirfd, struct walk *w);

static int visit(int dirfd, const char *name, unsigned char type, void *ctx)
{
	struct walk *w = ctx;
	char alias[512];
	int fd, r;

	if (type == DT_REG && strcmp(name, "modalias") == 0) {
		r = file_read_at(dirfd, name, alias, sizeof(alias), NULL);
		if (r == 0) {
			alias[strcspn(alias, "\n")] = '\0';
			if (alias[0]) {
				r = modload_match(alias);
				if (r > 0)
					w->loaded += r;
			}
		}
		return 0;
	}
	if (type != DT_DIR || w->depth >= COLDPLUG_MAX_DEPTH)
		return 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	w->depth++;
	(void)walk_dir(fd, w);
	w->depth--;
	close(fd);
	return 0;
}

static int walk_dir(int dirfd, struct walk *w)
{
	return dir_each(dirfd, visit, w);
}

int coldplug_scan(const char *devices_dir)
{
	struct walk w = {0};
	int fd, r;

	fd = open(devices_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Every device's modules at once: a generic image's disk and bus drivers load
	 * side by side. */
	modload_batch_begin();
	r = walk_dir(fd, &w);
	close(fd);
	w.loaded += modload_batch_run();
	return r < 0 ? r : w.loaded;
}
