/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `-l`: an image's entries, one line each, as ls -l shows them. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cpio.h"
#include "image-internal.h"
#include "log.h"
#include "util.h"

static void mode_string(mode_t mode, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	char t;
	switch (mode & S_IFMT) {
	case S_IFDIR:
		t = 'd';
		break;
	case S_IFLNK:
		t = 'l';
		break;
	case S_IFCHR:
		t = 'c';
		break;
	case S_IFBLK:
		t = 'b';
		break;
	case S_IFIFO:
		t = 'p';
		break;
	case S_IFSOCK:
		t = 's';
		break;
	case S_IFREG:
		t = '-';
		break;
	default:
		t = '?';
	}
	out[0] = t;
	for (int i = 0; i < 9; i++)
		out[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		out[3] = (mode & S_IXUSR) ? 's' : 'S';
	if (mode & S_ISGID)
		out[6] = (mode & S_IXGRP) ? 's' : 'S';
	if (mode & S_ISVTX)
		out[9] = (mode & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

struct list_ctx {
	FILE *out;
	/* The first segment is held back until we know whether others follow. */
	char *held;
	size_t held_len;
	FILE *hold;
	const char *first_compression;
	unsigned segment;
	int multi;
};

/* Listing needs no file data: the walk decodes and drops it. */
static int list_entry(const struct cpio_entry *e, void *userdata)
{
	struct list_ctx *l = userdata;
	char mode[11];

	if (!l->first_compression)
		l->first_compression = e->compression;
	if (e->segment != 0 && !l->multi) {
		l->multi = 1;
		if (fflush(l->hold) != 0)
			return -ENOMEM;
		fprintf(l->out, "# segment 0: %s\n", l->first_compression);
		fwrite(l->held, 1, l->held_len, l->out);
	}
	if (l->multi && e->segment != l->segment)
		fprintf(l->out, "# segment %u: %s\n", e->segment, e->compression);
	l->segment = e->segment;
	mode_string(e->mode, mode);
	fprintf(l->multi ? l->out : l->hold, "%s %10llu /%s%s%s\n", mode,
		(unsigned long long)e->size, streq(e->path, ".") ? "" : e->path,
		e->target ? " -> " : "", e->target ? e->target : "");
	return 0;
}

/*
 * Output: one line per entry, "MODE SIZE /PATH[ -> TARGET]" with the size right-aligned
 * in 10 columns. When the image has more than one segment (an early uncompressed cpio
 * before the compressed one, say), each segment's entries follow a line
 * "# segment N: COMPRESSION", N counting from 0.
 */
int image_list(const char *path, FILE *out)
{
	static const struct cpio_ops ops = {list_entry, NULL, NULL};
	struct list_ctx l = {.out = out};
	char err[CPIO_ERROR_MAX] = "", what[PATH_MAX + 32];
	const char *why;
	int r;

	snprintf(what, sizeof(what), "list image '%s'", path);

	_cleanup_close_ int fd = imgread_open(path, &why);
	if (fd < 0) {
		imgread_log_error(what, why, fd, err);
		return fd;
	}
	l.hold = open_memstream(&l.held, &l.held_len);
	if (!l.hold)
		return log_error_errno(-ENOMEM, "cannot list image '%s'", path);
	r = cpio_walk_fd(NULL, fd, &ops, &l, err);
	if (fclose(l.hold) != 0 && r >= 0)
		r = -ENOMEM;
	/* On a corrupt image, what came before the damage is still shown. */
	if (!l.multi && l.held_len)
		fwrite(l.held, 1, l.held_len, out);
	free(l.held);
	if (r >= 0 && (fflush(out) != 0 || ferror(out)))
		r = -EIO;
	if (r < 0)
		imgread_log_error(what, NULL, r, err);
	return r;
}
