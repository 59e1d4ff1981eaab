/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The read-back check: the written image walked as the kernel reads it, against the
 * stage. */
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "cpio.h"
#include "image-internal.h"
#include "log.h"
#include "util.h"

/* The entry's header against the stage; its data is hashed as it comes. */
static int entry_matches(const struct imgverify *v, const struct cpio_entry *e)
{
	const struct stage_entry *se = &v->entries[v->part][v->index];
	const struct expect *exp = &v->exp[v->part][v->index];
	uint64_t size = se->kind == STAGE_FILE	    ? exp->size
			: se->kind == STAGE_SYMLINK ? strlen(se->target)
						    : 0;

	if (!streq(e->name, se->path) || e->mode != se->mode || e->size != size ||
	    e->uid || e->gid || e->mtime != v->mtime ||
	    e->segment != v->segment[v->part] ||
	    !streq(e->compression, v->compression[v->part]))
		return 0;
	switch (se->kind) {
	case STAGE_SYMLINK:
		return e->target && streq(e->target, se->target);
	case STAGE_DEVICE:
		return major(e->rdev) == major(se->rdev) &&
		       minor(e->rdev) == minor(se->rdev);
	case STAGE_FILE:
	case STAGE_DIR:
		return 1;
	}
	return 0;
}

static int verify_entry(const struct cpio_entry *e, void *userdata)
{
	struct imgverify *v = userdata;
	while (v->part < 2 && v->index == v->count[v->part]) {
		v->part++;
		v->index = 0;
	}
	if (v->part == 2 || !entry_matches(v, e))
		return -EBADMSG;
	imghash_init(&v->data);
	return 0;
}

static int verify_data(const void *bytes, size_t len, void *userdata)
{
	struct imgverify *v = userdata;
	imghash_update(&v->data, bytes, len);
	return 0;
}

static int verify_done(const struct cpio_entry *e _unused_, void *userdata)
{
	struct imgverify *v = userdata;
	const struct stage_entry *se = &v->entries[v->part][v->index];
	if (se->kind == STAGE_FILE &&
	    imghash_final(&v->data) != v->exp[v->part][v->index].hash)
		return -EBADMSG;
	v->index++;
	return 0;
}

/* At the end of the walk: was every entry of both archives seen? */
static int all_seen(struct imgverify *v)
{
	while (v->part < 2 && v->index == v->count[v->part]) {
		v->part++;
		v->index = 0;
	}
	return v->part == 2;
}

/* Read the image back as the kernel will, one piece at a time, and compare. */
int imgverify_image(int fd, struct imgverify *v, struct imgreport *rep)
{
	static const struct cpio_ops ops = {verify_entry, verify_data, verify_done};
	char err[CPIO_ERROR_MAX];
	int r = cpio_walk_fd(NULL, fd, &ops, v, err);

	if (r < 0 && r != -EBADMSG)
		return r;
	if (r == -EBADMSG || !all_seen(v)) {
		log_error(
			"image '%s' failed its read-back check; the previous image is kept",
			rep->target);
		rep->logged = 1;
		return -EBADMSG;
	}
	return 0;
}
