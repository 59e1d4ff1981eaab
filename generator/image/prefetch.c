/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The writer's read-ahead: sources (de)compressed by a few threads, in order. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "compress.h"
#include "image-internal.h"
#include "util.h"

/*
 * Compressed sources (modules) are decompressed ahead by a few threads, in stage order,
 * a bounded number of entries ahead: xz modules otherwise make the writer serial.
 */
#define PREFETCH_MAX_THREADS 8
#define PREFETCH_WINDOW 32

struct prefetch_slot {
	void *data;
	size_t size;
	uint64_t hash;
	int r;
	int done;
};

struct prefetch {
	const struct stage_entry **order; /* the compressed entries, in stage order */
	struct imgcache *cache;		  /* for STAGE_FROM_ZSTD's frames, or NULL */
	struct prefetch_slot *slots;
	size_t count;
	size_t next_claim; /* under lock, like everything below */
	size_t taken;	   /* the writer's progress */
	int stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t threads[PREFETCH_MAX_THREADS];
	unsigned nthreads;
};

/* Sources whose bytes in the image are not the file's: decompressed, or compressed. */
static bool is_transformed(const struct stage_entry *e)
{
	return e->kind == STAGE_FILE &&
	       (e->from == STAGE_FROM_COMPRESSED || e->from == STAGE_FROM_ZSTD);
}

/*
 * A module as one zstd frame (STAGE_FROM_ZSTD): from the frame cache when it has the
 * frame of these bytes (a generic image's hundreds of modules are most of its build),
 * else compressed, and kept there. Window 0 in the key: compress_frame()'s recipe.
 */
static int read_frame(const struct stage_entry *e, struct imgcache *cache,
		      void **ret_data, size_t *ret_size)
{
	_cleanup_free_ void *raw = NULL;
	struct imgcache_key key;
	size_t size;
	int r = compress_read_source(e->source, e->source_dev, e->source_ino, &raw,
				     &size);

	if (r < 0)
		return r;
	if (!cache)
		return compress_frame(raw, size, ret_data, ret_size);
	imgcache_key(COMPRESS_FRAME_LEVEL, 0, raw, size, &key);
	if (imgcache_get(cache, &key, ret_data, ret_size) > 0)
		return 0;
	r = compress_frame(raw, size, ret_data, ret_size);
	if (r >= 0)
		imgcache_put(cache, &key, *ret_data, *ret_size);
	return r;
}

int prefetch_read(const struct stage_entry *e, struct imgcache *cache, void **ret_data,
		  size_t *ret_size)
{
	if (e->from == STAGE_FROM_ZSTD)
		return read_frame(e, cache, ret_data, ret_size);
	return compress_read_source(e->source, e->source_dev, e->source_ino, ret_data,
				    ret_size);
}

static void *prefetch_run(void *arg)
{
	struct prefetch *pf = arg;
	pthread_mutex_lock(&pf->lock);
	for (;;) {
		while (!pf->stop && pf->next_claim < pf->count &&
		       pf->next_claim >= pf->taken + PREFETCH_WINDOW)
			pthread_cond_wait(&pf->cond, &pf->lock);
		if (pf->stop || pf->next_claim == pf->count)
			break;
		size_t i = pf->next_claim++;
		pthread_mutex_unlock(&pf->lock);

		struct prefetch_slot slot = {0};
		const struct stage_entry *e = pf->order[i];
		slot.r = prefetch_read(e, pf->cache, &slot.data, &slot.size);
		if (slot.r >= 0)
			slot.hash = imghash_buffer(slot.data, slot.size);
		slot.done = 1;

		pthread_mutex_lock(&pf->lock);
		pf->slots[i] = slot;
		pthread_cond_broadcast(&pf->cond);
	}
	pthread_mutex_unlock(&pf->lock);
	return NULL;
}

void prefetch_free(struct prefetch *pf)
{
	if (!pf)
		return;
	pthread_mutex_lock(&pf->lock);
	pf->stop = 1;
	pthread_cond_broadcast(&pf->cond);
	pthread_mutex_unlock(&pf->lock);
	for (unsigned t = 0; t < pf->nthreads; t++)
		pthread_join(pf->threads[t], NULL);
	for (size_t i = 0; i < pf->count; i++)
		free(pf->slots[i].data);
	pthread_cond_destroy(&pf->cond);
	pthread_mutex_destroy(&pf->lock);
	free(pf->slots);
	free(pf->order);
	free(pf);
}

int prefetch_new(const struct stage_entry *entries, size_t count, int threads,
		 struct imgcache *cache, struct prefetch **ret)
{
	struct prefetch *pf;
	size_t n = 0;

	*ret = NULL;
	for (size_t i = 0; i < count; i++)
		n += is_transformed(&entries[i]);
	if (n < 2)
		return 0;
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	pf->order = calloc(n, sizeof(*pf->order));
	pf->slots = calloc(n, sizeof(*pf->slots));
	if (!pf->order || !pf->slots) {
		free(pf->order);
		free(pf->slots);
		free(pf);
		return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++)
		if (is_transformed(&entries[i]))
			pf->order[pf->count++] = &entries[i];
	pf->cache = cache;
	pthread_mutex_init(&pf->lock, NULL);
	pthread_cond_init(&pf->cond, NULL);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned want = threads > 0 ? (unsigned)threads : cpus > 0 ? (unsigned)cpus : 1;
	if (want > PREFETCH_MAX_THREADS)
		want = PREFETCH_MAX_THREADS;
	for (; pf->nthreads < want; pf->nthreads++)
		if (pthread_create(&pf->threads[pf->nthreads], NULL, prefetch_run, pf) !=
		    0)
			break;
	if (!pf->nthreads) {
		prefetch_free(pf);
		return 0;
	}
	*ret = pf;
	return 0;
}

int prefetch_take(struct prefetch *pf, const struct stage_entry *e, void **ret_data,
		  size_t *ret_size, uint64_t *ret_hash)
{
	pthread_mutex_lock(&pf->lock);
	size_t i = pf->taken;
	if (i == pf->count || pf->order[i] != e) {
		pthread_mutex_unlock(&pf->lock);
		return -EINVAL; /* entries visited out of order: a bug */
	}
	while (!pf->slots[i].done)
		pthread_cond_wait(&pf->cond, &pf->lock);
	struct prefetch_slot slot = pf->slots[i];
	pf->slots[i].data = NULL;
	pf->taken++;
	pthread_cond_broadcast(&pf->cond);
	pthread_mutex_unlock(&pf->lock);
	if (slot.r < 0)
		return slot.r;
	*ret_data = slot.data;
	*ret_size = slot.size;
	*ret_hash = slot.hash;
	return 0;
}
