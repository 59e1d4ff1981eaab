/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The stage: the sorted set of entries an image will hold, collected before any write. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "hashindex.h"
#include "path.h"
#include "stage.h"
#include "util.h"

struct stage {
	struct stage_entry *entries;
	size_t count;
	size_t cap;
	struct hashindex index; /* path -> entry, so adds stay O(1) */
	int sorted;
};

int stage_new(struct stage **ret)
{
	struct stage *stage = calloc(1, sizeof(*stage));
	if (!stage)
		return -ENOMEM;
	*ret = stage;
	return 0;
}

static void entry_clear(struct stage_entry *e)
{
	free(e->path);
	free(e->source);
	free(e->data);
	free(e->target);
}

void stage_free(struct stage *stage)
{
	if (!stage)
		return;
	for (size_t i = 0; i < stage->count; i++)
		entry_clear(&stage->entries[i]);
	free(stage->entries);
	hashindex_clear(&stage->index);
	free(stage);
}

static const char *entry_path(size_t pos, const void *userdata)
{
	const struct stage *stage = userdata;
	return stage->entries[pos].path;
}

static struct stage_entry *lookup(const struct stage *stage, const char *path)
{
	ptrdiff_t pos = hashindex_find(&stage->index, path, entry_path, stage);
	return pos < 0 ? NULL : &stage->entries[pos];
}

static int nullable_streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return streq(a, b);
}

static int same_entry(const struct stage_entry *a, const struct stage_entry *b)
{
	if (a->kind != b->kind || a->mode != b->mode)
		return 0;
	switch (a->kind) {
	case STAGE_DIR:
		return 1;
	case STAGE_SYMLINK:
		return streq(a->target, b->target);
	case STAGE_DEVICE:
		return a->rdev == b->rdev;
	case STAGE_FILE:
		if (a->from != b->from)
			return 0;
		if (a->from == STAGE_FROM_DATA)
			return a->size == b->size &&
			       memcmp(a->data, b->data, a->size) == 0;
		return nullable_streq(a->source, b->source);
	}
	return 0;
}

/* Takes ownership of everything in *e, whatever happens. */
static int insert(struct stage *stage, struct stage_entry *e)
{
	struct stage_entry *old = lookup(stage, e->path);
	if (old) {
		int same = same_entry(old, e);
		/* Directories merge: the first mode wins, as parents are implicit. */
		if (old->kind == STAGE_DIR && e->kind == STAGE_DIR)
			same = 1;
		entry_clear(e);
		return same ? 0 : -EEXIST;
	}
	if (stage->count + 1 > stage->cap) {
		size_t cap = stage->cap ? stage->cap * 2 : 256;
		struct stage_entry *v = realloc(stage->entries, cap * sizeof(*v));
		if (!v) {
			entry_clear(e);
			return -ENOMEM;
		}
		stage->entries = v;
		stage->cap = cap;
	}
	int r = hashindex_add(&stage->index, e->path, stage->count + 1, entry_path,
			      stage);
	if (r < 0) {
		entry_clear(e);
		return r;
	}
	stage->entries[stage->count++] = *e;
	stage->sorted = 0;
	return 0;
}

static int add(struct stage *stage, const char *path, struct stage_entry *e)
{
	int r = path_normalise(path, PATH_STRICT, &e->path);
	if (r < 0) {
		entry_clear(e);
		return r;
	}
	return insert(stage, e);
}

int stage_add_dir(struct stage *stage, const char *path, mode_t perm)
{
	struct stage_entry e = {.kind = STAGE_DIR, .mode = S_IFDIR | (perm & 07777)};
	return add(stage, path, &e);
}

static int add_file_from(struct stage *stage, const char *path, mode_t perm,
			 const char *source, enum stage_source from,
			 const struct stat *st)
{
	struct stage_entry e = {.kind = STAGE_FILE,
				.mode = S_IFREG | (perm & 07777),
				.from = from,
				.source = strdup(source),
				.source_dev = st ? st->st_dev : 0,
				.source_ino = st ? st->st_ino : 0};
	if (!e.source)
		return -ENOMEM;
	return add(stage, path, &e);
}

int stage_add_file(struct stage *stage, const char *path, mode_t perm, const char *source)
{
	return add_file_from(stage, path, perm, source, STAGE_FROM_FILE, NULL);
}

int stage_add_file_checked(struct stage *stage, const char *path, mode_t perm,
			   const char *source, const struct stat *st)
{
	return add_file_from(stage, path, perm, source, STAGE_FROM_FILE, st);
}

int stage_add_compressed_checked(struct stage *stage, const char *path, mode_t perm,
				 const char *source, const struct stat *st)
{
	return add_file_from(stage, path, perm, source, STAGE_FROM_COMPRESSED, st);
}

int stage_add_zstd_checked(struct stage *stage, const char *path, mode_t perm,
			   const char *source, const struct stat *st)
{
	return add_file_from(stage, path, perm, source, STAGE_FROM_ZSTD, st);
}

int stage_add_compressed(struct stage *stage, const char *path, mode_t perm,
			 const char *source)
{
	return add_file_from(stage, path, perm, source, STAGE_FROM_COMPRESSED, NULL);
}

int stage_add_data(struct stage *stage, const char *path, mode_t perm, const void *data,
		   size_t size)
{
	struct stage_entry e = {.kind = STAGE_FILE,
				.mode = S_IFREG | (perm & 07777),
				.from = STAGE_FROM_DATA,
				.size = size};
	e.data = malloc(size ? size : 1);
	if (!e.data)
		return -ENOMEM;
	if (size)
		memcpy(e.data, data, size);
	return add(stage, path, &e);
}

int stage_add_symlink(struct stage *stage, const char *path, const char *target)
{
	if (!*target)
		return -EINVAL;
	struct stage_entry e = {
		.kind = STAGE_SYMLINK, .mode = S_IFLNK | 0777, .target = strdup(target)};
	if (!e.target)
		return -ENOMEM;
	return add(stage, path, &e);
}

int stage_add_device(struct stage *stage, const char *path, mode_t mode, dev_t rdev)
{
	if (!S_ISCHR(mode) && !S_ISBLK(mode))
		return -EINVAL;
	struct stage_entry e = {.kind = STAGE_DEVICE, .mode = mode, .rdev = rdev};
	return add(stage, path, &e);
}

int stage_contains(const struct stage *stage, const char *path)
{
	_cleanup_free_ char *norm = NULL;
	if (path_normalise(path, PATH_STRICT, &norm) < 0)
		return 0;
	return lookup(stage, norm) != NULL;
}

static int add_parents(struct stage *stage)
{
	/* Entries appended here are visited too, but their parents already exist. */
	for (size_t i = 0; i < stage->count; i++) {
		_cleanup_free_ char *parent = strdup(stage->entries[i].path);
		if (!parent)
			return -ENOMEM;
		char *slash;
		while ((slash = strrchr(parent, '/'))) {
			*slash = '\0';
			const struct stage_entry *e = lookup(stage, parent);
			/* The kernel's unpacker follows a symlink parent (merged /usr),
			 * but cannot create anything under a file or a device. */
			if (e && !S_ISDIR(e->mode) && !S_ISLNK(e->mode)) {
				log_error(
					"cannot stage '%s' in the image: '%s' is not a directory",
					stage->entries[i].path, parent);
				return -ENOTDIR;
			}
			if (e)
				break;
			int r = stage_add_dir(stage, parent, 0755);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int compare_entries(const void *a, const void *b)
{
	return strcmp(((const struct stage_entry *)a)->path,
		      ((const struct stage_entry *)b)->path);
}

int stage_finish(struct stage *stage)
{
	int r = add_parents(stage);
	if (r < 0)
		return r;
	if (stage->sorted)
		return 0;
	/* Sorting by bytes puts "a" before "a/b": parents always precede children. */
	if (stage->count > 1)
		qsort(stage->entries, stage->count, sizeof(*stage->entries),
		      compare_entries);
	r = hashindex_rebuild(&stage->index, stage->count, entry_path, stage);
	if (r < 0)
		return r;
	stage->sorted = 1;
	return 0;
}

const struct stage_entry *stage_entries(const struct stage *stage, size_t *ret_count)
{
	*ret_count = stage->count;
	return stage->entries;
}
