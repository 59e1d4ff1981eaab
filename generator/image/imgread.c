/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading an image: opened safely, walked, each regular file handed over whole. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio.h"
#include "image-internal.h"
#include "log.h"
#include "util.h"

static const char *file_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	default:
		return "not a regular file";
	}
}

/*
 * Open an image for reading: O_NONBLOCK so a FIFO without a writer cannot hang us, then
 * anything but a regular file is refused with *ret_why saying what it is.
 */
int imgread_open(const char *path, const char **ret_why)
{
	*ret_why = NULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = negative_errno();
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		*ret_why = file_type(st.st_mode);
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	return fd;
}

/*
 * One message for a failed read of an image: `what` says what was done to it
 * ("list image 'x.img'", "extract image 'x.img' into 'dir'").
 */
void imgread_log_error(const char *what, const char *why, int r, const char *err)
{
	if (why)
		log_error("cannot %s: it is %s, not an image file", what, why);
	else if (err[0] && r == -EBADMSG)
		log_error("cannot %s: not a valid initramfs (%s)", what, err);
	else if (err[0])
		log_error("cannot %s: %s", what, err);
	else
		log_error("cannot %s: %s", what, strerror(-r));
}

/* image_read(): each regular file's bytes gathered, the entry handed over at its end. */
struct read_ctx {
	image_entry_fn fn;
	void *userdata;
	uint8_t *data;
	size_t len, cap;
};

static int gather_entry(const struct cpio_entry *e _unused_, void *userdata)
{
	struct read_ctx *ctx = userdata;
	ctx->len = 0;
	return 0;
}

static int gather_data(const void *bytes, size_t len, void *userdata)
{
	struct read_ctx *ctx = userdata;
	if (ctx->len + len > ctx->cap) {
		size_t cap = ctx->cap ? ctx->cap : 4096;
		while (cap < ctx->len + len)
			cap *= 2;
		uint8_t *p = realloc(ctx->data, cap);
		if (!p)
			return -ENOMEM;
		ctx->data = p;
		ctx->cap = cap;
	}
	memcpy(ctx->data + ctx->len, bytes, len);
	ctx->len += len;
	return 0;
}

static int gather_done(const struct cpio_entry *e, void *userdata)
{
	struct read_ctx *ctx = userdata;
	struct image_entry ie = {
		.path = e->path,
		.mode = e->mode,
		.size = e->size,
		.target = e->target,
		.rdev = e->rdev,
		.dev = e->dev,
		.ino = e->ino,
		.nlink = e->nlink,
		.segment = e->segment,
		.segment_offset = e->segment_offset,
		.compression = e->compression,
	};
	const void *data = S_ISREG(e->mode) ? (ctx->data ? (void *)ctx->data : "") : NULL;
	return ctx->fn(&ie, data, ctx->userdata);
}

int image_read(const char *path, image_entry_fn fn, void *userdata)
{
	static const struct cpio_ops ops = {gather_entry, gather_data, gather_done};
	struct read_ctx ctx = {fn, userdata, NULL, 0, 0};
	char err[CPIO_ERROR_MAX];
	const char *why;
	_cleanup_close_ int fd = imgread_open(path, &why);

	if (fd < 0)
		return fd;
	int r = cpio_walk_fd(NULL, fd, &ops, &ctx, err);
	free(ctx.data);
	return r;
}
