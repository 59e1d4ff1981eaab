/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The read-back check: the written image walked as the kernel reads it, against the
 * stage. */
#include <errno.h>
#include <lzma.h>
#include <pthread.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "cpio.h"
#include "image-internal.h"
#include "log.h"
#include "util.h"

/*
 * When the image is still being written: wait until the writer has finished the entry
 * at (part, index), whose expected size and hash it fills in after the last byte. The
 * bytes of an entry reach the file only after they went through the compressor, so
 * the wait is short. -ECANCELED when the writer failed.
 */
static int wait_ready(struct imgverify *v)
{
	struct imgfollow *f = v->follow;
	int r = 0;

	if (!f)
		return 0;
	pthread_mutex_lock(&f->lock);
	while (!f->failed && !f->finished && f->ready[v->part] <= v->index)
		pthread_cond_wait(&f->cond, &f->lock);
	if (f->failed)
		r = -ECANCELED;
	pthread_mutex_unlock(&f->lock);
	return r;
}

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
	if (v->part == 2)
		return -EBADMSG;
	int r = wait_ready(v);
	if (r < 0)
		return r;
	if (!entry_matches(v, e))
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

static const struct cpio_ops verify_ops = {verify_entry, verify_data, verify_done};

/* The walk's verdict: 0, or -EBADMSG logged, or another failure for the caller. */
static int report(struct imgverify *v, int r, struct imgreport *rep)
{
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

/* Read the image back as the kernel will, one piece at a time, and compare. */
int imgverify_image(int fd, struct imgverify *v, struct imgreport *rep)
{
	char err[CPIO_ERROR_MAX];
	return report(v, cpio_walk_fd(NULL, fd, &verify_ops, v, err), rep);
}

/* Where the file ends for now: wait for the writer's next write, or its end. */
static int grow(void *userdata)
{
	struct imgfollow *f = userdata;
	int r;

	pthread_mutex_lock(&f->lock);
	while (f->writes == f->seen && !f->finished && !f->failed)
		pthread_cond_wait(&f->cond, &f->lock);
	if (f->failed)
		r = -ECANCELED;
	else if (f->writes != f->seen)
		r = 1; /* bytes written since the last look, maybe after that read */
	else
		r = 0; /* finished, and every write was seen: the end is the end */
	f->seen = f->writes;
	pthread_mutex_unlock(&f->lock);
	return r;
}

/* The image's bytes as the check reads them: its record's CRC without a second read. */
static void sum_bytes(const void *data, size_t len, void *userdata)
{
	struct imgverify *v = userdata;
	v->sum.crc64 = lzma_crc64(data, len, v->sum.crc64);
	v->sum.size += len;
}

static int grow_verify(void *userdata)
{
	struct imgverify *v = userdata;
	return grow(v->follow);
}

static void *verify_thread(void *userdata)
{
	static const struct cpio_follow follow = {grow_verify, sum_bytes, NULL};
	struct imgverify *v = userdata;
	struct cpio_follow f = follow;

	f.userdata = v;
	v->sum = (struct image_sum){0};
	v->result = cpio_walk_growing(v->fd, &verify_ops, v, &f, v->err);
	return NULL;
}

int imgverify_start(int fd, struct imgverify *v, struct imgfollow *f)
{
	*f = (struct imgfollow){0};
	if (pthread_mutex_init(&f->lock, NULL) != 0)
		return -ENOMEM;
	if (pthread_cond_init(&f->cond, NULL) != 0) {
		pthread_mutex_destroy(&f->lock);
		return -ENOMEM;
	}
	v->follow = f;
	v->fd = fd;
	int r = -pthread_create(&v->thread, NULL, verify_thread, v);
	if (r < 0) {
		pthread_cond_destroy(&f->cond);
		pthread_mutex_destroy(&f->lock);
		v->follow = NULL;
	}
	return r;
}

void imgverify_wrote(struct imgfollow *f, int part, size_t entries_done)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->ready[part] = entries_done;
	f->writes++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

int imgverify_finish(struct imgverify *v, int failed, struct imgreport *rep)
{
	struct imgfollow *f = v->follow;

	pthread_mutex_lock(&f->lock);
	f->writes++;
	f->finished = 1;
	f->failed = failed;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(v->thread, NULL);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	v->follow = NULL;
	return failed ? 0 : report(v, v->result, rep);
}
