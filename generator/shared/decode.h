/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One streaming decoder per codec (zstd, gzip, xz, lzma) for both readers: compress.c
 * (module and firmware files, whole in memory) and cpio.c (image segments, read in
 * pieces). What differs between them is in struct decode_opts; how a caller ends a
 * stream (a truncated file, another frame after this one) stays with the caller.
 */
#ifndef MKINITRAMFS_DECODE_H
#define MKINITRAMFS_DECODE_H

#include <lzma.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>
#include <zstd.h>

#include "codec.h"

struct decode_opts {
	int gzip_any_header;	 /* also zlib's header (modules), not only gzip's */
	uint64_t xz_memlimit;	 /* the largest dictionary an xz/lzma header may ask */
	int xz_concatenated;	 /* xz streams one after the other are one stream */
	int zstd_window_log_max; /* 0: zstd's default */
};

struct decoder {
	enum codec codec;
	ZSTD_DCtx *zstd; /* may be lent by the caller: decoder_free leaves it when lent */
	int zstd_lent;
	z_stream gz;
	int gz_init;
	lzma_stream xz;
	int xz_init;
};

/* What one decoder_step did; negative errno values are failures. */
enum {
	DECODE_MORE = 0, /* progress; the stream (or zstd frame) goes on */
	DECODE_END = 1,	 /* the stream (for zstd: a frame) ended */
};

/* Failures decoder_step returns besides -ENOMEM: */
#define DECODE_E_CORRUPT (-EBADMSG)
#define DECODE_E_LIMIT (-E2BIG)		/* window or dictionary over the limit */
#define DECODE_E_NO_PROGRESS (-ENOBUFS) /* nothing to do with this input: truncated */

void decoder_init(struct decoder *d);

/* Start (or restart, reusing memory) a stream of `codec`: zstd, gzip, xz or lzma. */
int decoder_start(struct decoder *d, enum codec codec, const struct decode_opts *o);

/*
 * Decode from *in (*in_len bytes) into out (out_cap bytes): advances *in, lowers
 * *in_len and sets *ret_produced. `finish` says no input follows what is given (xz
 * and lzma decode differently then).
 */
int decoder_step(struct decoder *d, const uint8_t **in, size_t *in_len, uint8_t *out,
		 size_t out_cap, size_t *ret_produced, int finish);

/* Whether the bytes at p start another zstd frame (a skippable one too). */
int decoder_zstd_frame_follows(const uint8_t *p, size_t len);

void decoder_free(struct decoder *d);

#endif
