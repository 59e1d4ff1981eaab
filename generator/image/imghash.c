/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The read-back check's content hash: four multiply-rotate lanes, not cryptographic. */
#include <stdint.h>
#include <string.h>

#include "image-internal.h"

/* Four independent multiply-rotate lanes: a few GB/s, enough to catch corruption. */

static uint64_t rotl64(uint64_t v, unsigned n)
{
	return (v << n) | (v >> (64 - n));
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

void imghash_init(struct imghash *h)
{
	*h = (struct imghash){
		.lane = {IMGHASH_P1 + IMGHASH_P2, IMGHASH_P2, 0, -IMGHASH_P1}};
}

static uint64_t imghash_round(uint64_t acc, uint64_t v)
{
	return rotl64(acc + v * IMGHASH_P2, 31) * IMGHASH_P1;
}

static void imghash_block(struct imghash *h, const uint8_t *p)
{
	for (int i = 0; i < 4; i++)
		h->lane[i] = imghash_round(h->lane[i], load64(p + 8 * i));
}

void imghash_update(struct imghash *h, const void *data, size_t len)
{
	const uint8_t *p = data;
	h->total += len;
	if (h->tail_len) {
		size_t n = 32 - h->tail_len;
		if (n > len)
			n = len;
		memcpy(h->tail + h->tail_len, p, n);
		h->tail_len += n;
		p += n;
		len -= n;
		if (h->tail_len < 32)
			return;
		imghash_block(h, h->tail);
		h->tail_len = 0;
	}
	for (; len >= 32; p += 32, len -= 32)
		imghash_block(h, p);
	memcpy(h->tail, p, len);
	h->tail_len = len;
}

uint64_t imghash_final(struct imghash *h)
{
	uint64_t v = rotl64(h->lane[0], 1) + rotl64(h->lane[1], 7) +
		     rotl64(h->lane[2], 12) + rotl64(h->lane[3], 18);
	v ^= h->total * IMGHASH_P1;
	for (size_t i = 0; i < h->tail_len; i++)
		v = rotl64(v ^ (h->tail[i] * IMGHASH_P2), 11) * IMGHASH_P1;
	v ^= v >> 33;
	v *= IMGHASH_P2;
	v ^= v >> 29;
	return v;
}

/*
 * 128 bits of the same state, for the frame cache's key: the folded value above and a
 * second projection of the four lanes with other rotations and multipliers.
 */
void imghash_final_wide(struct imghash *h, uint64_t ret[2])
{
	uint64_t w = rotl64(h->lane[0], 29) * IMGHASH_P2 + rotl64(h->lane[1], 3) +
		     rotl64(h->lane[2] * IMGHASH_P1, 41) + rotl64(h->lane[3], 53);
	w ^= h->total * IMGHASH_P2;
	for (size_t i = 0; i < h->tail_len; i++)
		w = rotl64(w ^ (h->tail[i] * IMGHASH_P1), 23) * IMGHASH_P2;
	w ^= w >> 31;
	w *= IMGHASH_P1;
	w ^= w >> 27;
	ret[0] = imghash_final(h);
	ret[1] = w;
}

uint64_t imghash_buffer(const void *data, size_t len)
{
	struct imghash h;
	imghash_init(&h);
	imghash_update(&h, data, len);
	return imghash_final(&h);
}
