/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compression formats, keyed by their magic: one table for writer and readers. */
#include <string.h>

#include "codec.h"
#include "util.h"

struct magic {
	enum codec codec;
	int variant;
	size_t len;
	uint8_t bytes[6];
};

/* In the order they are tried: no magic here is a prefix of a later one. */
static const struct magic magics[] = {
	{CODEC_ZSTD, 0, 4, {0x28, 0xb5, 0x2f, 0xfd}},
	{CODEC_GZIP, 0, 2, {0x1f, 0x8b}},
	{CODEC_GZIP, 1, 2, {0x1f, 0x9e}},
	{CODEC_XZ, 0, 6, {0xfd, '7', 'z', 'X', 'Z', 0x00}},
	{CODEC_LZMA, 0, 3, {0x5d, 0x00, 0x00}},
	{CODEC_LZ4_LEGACY, 0, 4, {0x02, 0x21, 0x4c, 0x18}},
	{CODEC_LZ4_FRAME, 0, 4, {0x04, 0x22, 0x4d, 0x18}},
	{CODEC_BZIP2, 0, 3, {'B', 'Z', 'h'}},
	{CODEC_LZO, 0, 4, {0x89, 'L', 'Z', 'O'}},
};

static const char *const names[_CODEC_MAX] = {
	[CODEC_RAW] = "none",
	[CODEC_ZSTD] = "zstd",
	[CODEC_GZIP] = "gzip",
	[CODEC_XZ] = "xz",
	[CODEC_LZMA] = "lzma",
	[CODEC_LZ4_LEGACY] = "lz4",
	[CODEC_LZ4_FRAME] = "lz4-frame",
	[CODEC_BZIP2] = "bzip2",
	[CODEC_LZO] = "lzo",
};

const char *codec_name(enum codec codec)
{
	return (size_t)codec < ARRAY_SIZE(names) ? names[codec] : NULL;
}

enum codec codec_detect(const uint8_t *p, size_t len, int *ret_variant)
{
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
		if (len >= magics[i].len &&
		    memcmp(p, magics[i].bytes, magics[i].len) == 0) {
			if (ret_variant)
				*ret_variant = magics[i].variant;
			return magics[i].codec;
		}
	if (ret_variant)
		*ret_variant = 0;
	return CODEC_RAW;
}
