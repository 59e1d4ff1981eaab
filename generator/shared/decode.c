/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The zstd, gzip and xz/lzma decoders, one each, for the module and the image readers. */
#include <errno.h>
#include <string.h>
#include <zstd_errors.h>

#include "decode.h"

void decoder_init(struct decoder *d)
{
	*d = (struct decoder){.xz = LZMA_STREAM_INIT};
}

static int zstd_start(struct decoder *d, const struct decode_opts *o)
{
	if (!d->zstd && !(d->zstd = ZSTD_createDCtx()))
		return -ENOMEM;
	ZSTD_DCtx_reset(d->zstd, ZSTD_reset_session_and_parameters);
	if (o->zstd_window_log_max)
		ZSTD_DCtx_setParameter(d->zstd, ZSTD_d_windowLogMax,
				       o->zstd_window_log_max);
	return 0;
}

static int gzip_start(struct decoder *d, const struct decode_opts *o)
{
	/* 16 + 15: a gzip header; 32 + 15: gzip or zlib, detected from the header. */
	int bits = (o->gzip_any_header ? 32 : 16) + 15;

	if (d->gz_init) {
		/* inflateReset keeps the header kind inflateInit2 was given. */
		if (inflateReset2(&d->gz, bits) != Z_OK)
			return -ENOMEM;
		return 0;
	}
	if (inflateInit2(&d->gz, bits) != Z_OK)
		return -ENOMEM;
	d->gz_init = 1;
	return 0;
}

static int xz_start(struct decoder *d, enum codec codec, const struct decode_opts *o)
{
	lzma_ret ret;

	/* A new decoder on an old stream reuses its memory. */
	if (codec == CODEC_XZ)
		ret = lzma_stream_decoder(&d->xz, o->xz_memlimit,
					  o->xz_concatenated ? LZMA_CONCATENATED : 0);
	else
		ret = lzma_alone_decoder(&d->xz, o->xz_memlimit);
	if (ret != LZMA_OK)
		return -ENOMEM;
	d->xz_init = 1;
	return 0;
}

int decoder_start(struct decoder *d, enum codec codec, const struct decode_opts *o)
{
	d->codec = codec;
	switch (codec) {
	case CODEC_ZSTD:
		return zstd_start(d, o);
	case CODEC_GZIP:
		return gzip_start(d, o);
	case CODEC_XZ:
	case CODEC_LZMA:
		return xz_start(d, codec, o);
	default:
		return -EINVAL;
	}
}

static int zstd_step(struct decoder *d, const uint8_t **in, size_t *in_len, uint8_t *out,
		     size_t out_cap, size_t *ret_produced)
{
	ZSTD_inBuffer ib = {*in, *in_len, 0};
	ZSTD_outBuffer ob = {out, out_cap, 0};
	size_t ret = ZSTD_decompressStream(d->zstd, &ob, &ib);

	if (ZSTD_isError(ret)) {
		ZSTD_ErrorCode code = ZSTD_getErrorCode(ret);
		if (code == ZSTD_error_memory_allocation)
			return -ENOMEM;
		if (code == ZSTD_error_frameParameter_windowTooLarge)
			return DECODE_E_LIMIT;
		return DECODE_E_CORRUPT;
	}
	*in += ib.pos;
	*in_len -= ib.pos;
	*ret_produced = ob.pos;
	return ret == 0 ? DECODE_END : DECODE_MORE;
}

static int gzip_step(struct decoder *d, const uint8_t **in, size_t *in_len, uint8_t *out,
		     size_t out_cap, size_t *ret_produced)
{
	z_stream *z = &d->gz;

	z->next_in = (Bytef *)(uintptr_t)*in;
	z->avail_in = *in_len > UINT32_MAX ? UINT32_MAX : (uInt)*in_len;
	z->next_out = out;
	z->avail_out = out_cap > UINT32_MAX ? UINT32_MAX : (uInt)out_cap;
	int ret = inflate(z, Z_NO_FLUSH);
	size_t used = (size_t)(z->next_in - *in);
	*in += used;
	*in_len -= used;
	*ret_produced = (size_t)(z->next_out - out);
	if (ret == Z_STREAM_END)
		return DECODE_END;
	if (ret == Z_MEM_ERROR)
		return -ENOMEM;
	if (ret == Z_BUF_ERROR)
		return DECODE_E_NO_PROGRESS;
	if (ret != Z_OK)
		return DECODE_E_CORRUPT;
	return DECODE_MORE;
}

static int xz_step(struct decoder *d, const uint8_t **in, size_t *in_len, uint8_t *out,
		   size_t out_cap, size_t *ret_produced, int finish)
{
	lzma_stream *s = &d->xz;

	s->next_in = *in;
	s->avail_in = *in_len;
	s->next_out = out;
	s->avail_out = out_cap;
	lzma_ret ret = lzma_code(s, finish ? LZMA_FINISH : LZMA_RUN);
	size_t used = (size_t)(s->next_in - *in);
	*in += used;
	*in_len -= used;
	*ret_produced = (size_t)(s->next_out - out);
	switch (ret) {
	case LZMA_STREAM_END:
		return DECODE_END;
	case LZMA_OK:
		return DECODE_MORE;
	case LZMA_MEM_ERROR:
		return -ENOMEM;
	case LZMA_MEMLIMIT_ERROR:
		return DECODE_E_LIMIT;
	case LZMA_BUF_ERROR:
		return DECODE_E_NO_PROGRESS;
	default:
		return DECODE_E_CORRUPT;
	}
}

int decoder_step(struct decoder *d, const uint8_t **in, size_t *in_len, uint8_t *out,
		 size_t out_cap, size_t *ret_produced, int finish)
{
	*ret_produced = 0;
	switch (d->codec) {
	case CODEC_ZSTD:
		return zstd_step(d, in, in_len, out, out_cap, ret_produced);
	case CODEC_GZIP:
		return gzip_step(d, in, in_len, out, out_cap, ret_produced);
	case CODEC_XZ:
	case CODEC_LZMA:
		return xz_step(d, in, in_len, out, out_cap, ret_produced, finish);
	default:
		return -EINVAL;
	}
}

int decoder_zstd_frame_follows(const uint8_t *p, size_t len)
{
	if (len < 4)
		return 0;
	uint32_t m = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		     (uint32_t)p[3] << 24;
	return m == 0xFD2FB528u || (m & 0xFFFFFFF0u) == 0x184D2A50u;
}

void decoder_free(struct decoder *d)
{
	if (!d->zstd_lent)
		ZSTD_freeDCtx(d->zstd);
	d->zstd = NULL;
	if (d->gz_init)
		inflateEnd(&d->gz);
	d->gz_init = 0;
	if (d->xz_init)
		lzma_end(&d->xz);
	d->xz_init = 0;
}
