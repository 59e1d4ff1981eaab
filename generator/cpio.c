/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading initramfs images as the kernel does: segments, decompressors, cpio parser. */
#include <archive.h>
#include <errno.h>
#include <limits.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "cpio.h"
#include "util.h"

#define SRC_BUF_SIZE (256u << 10)
#define LZ4_LEGACY_MAGIC 0x184C2102u
#define LZ4_LEGACY_BLOCK (8u << 20)
/*
 * xz and lzma headers name the dictionary the decoder allocates: a hostile image could
 * ask for gigabytes. Real images use 1-64 MiB (xz -9 and mkinitcpio, dracut's 1 MiB).
 */
#define XZ_MEMLIMIT (512u << 20)
/* File data is read in pieces this big, so a size in a header alone allocates little. */
#define DATA_CHUNK (1u << 20)

enum codec {
	CODEC_RAW,
	CODEC_ZSTD,
	CODEC_GZIP,
	CODEC_XZ,
	CODEC_LZMA,
	CODEC_LZ4_LEGACY,
	CODEC_LZ4_FRAME,
	CODEC_BZIP2,
};

static const char *const codec_names[] = {
	[CODEC_RAW] = "none",
	[CODEC_ZSTD] = "zstd",
	[CODEC_GZIP] = "gzip",
	[CODEC_XZ] = "xz",
	[CODEC_LZMA] = "lzma",
	[CODEC_LZ4_LEGACY] = "lz4",
	[CODEC_LZ4_FRAME] = "lz4-frame",
	[CODEC_BZIP2] = "bzip2",
};

/*
 * A byte stream the parser pulls from: either the mapped file itself (raw segments,
 * whose file data is handed out without a copy) or a decoder over the rest of the file.
 */
struct src {
	enum codec codec;
	const uint8_t *in; /* compressed input: from the segment start to the file end */
	size_t in_len;
	size_t in_pos;	 /* consumed input; for raw, the read position */
	uint64_t offset; /* bytes handed to the parser: cpio padding is relative to it */
	int ended;	 /* the decoder saw the end of its stream */
	/* Decoded bytes not yet handed out. */
	uint8_t *buf;
	size_t buf_pos, buf_len;
	ZSTD_DStream *zstd;
	z_stream gz;
	int gz_init;
	lzma_stream xz;
	int xz_init;
	LZ4F_dctx *lz4f;
	uint8_t *block; /* lz4 legacy: a block decoded but not handed out */
	size_t block_pos, block_len;
	struct archive *ar;
};

static void src_done(struct src *s)
{
	free(s->buf);
	ZSTD_freeDStream(s->zstd);
	if (s->gz_init)
		inflateEnd(&s->gz);
	if (s->xz_init)
		lzma_end(&s->xz);
	if (s->lz4f)
		LZ4F_freeDecompressionContext(s->lz4f);
	free(s->block);
	if (s->ar)
		archive_read_free(s->ar);
}

static int src_init(struct src *s, enum codec codec, const uint8_t *in, size_t len)
{
	*s = (struct src){.codec = codec, .in = in, .in_len = len};
	if (codec == CODEC_RAW)
		return 0;
	s->buf = malloc(SRC_BUF_SIZE);
	if (!s->buf)
		return -ENOMEM;
	switch (codec) {
	case CODEC_ZSTD:
		s->zstd = ZSTD_createDStream();
		return s->zstd ? 0 : -ENOMEM;
	case CODEC_GZIP:
		if (inflateInit2(&s->gz, 16 + 15) != Z_OK)
			return -ENOMEM;
		s->gz_init = 1;
		s->gz.next_in = (Bytef *)(uintptr_t)in;
		s->gz.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
		return 0;
	case CODEC_XZ:
	case CODEC_LZMA:
		s->xz = (lzma_stream)LZMA_STREAM_INIT;
		if ((codec == CODEC_XZ
			     ? lzma_stream_decoder(&s->xz, XZ_MEMLIMIT, 0)
			     : lzma_alone_decoder(&s->xz, XZ_MEMLIMIT)) != LZMA_OK)
			return -ENOMEM;
		s->xz_init = 1;
		s->xz.next_in = in;
		s->xz.avail_in = len;
		return 0;
	case CODEC_LZ4_LEGACY:
		s->block = malloc(LZ4_LEGACY_BLOCK);
		s->in_pos = 4;
		return s->block ? 0 : -ENOMEM;
	case CODEC_LZ4_FRAME:
		return LZ4F_isError(
			       LZ4F_createDecompressionContext(&s->lz4f, LZ4F_VERSION))
			       ? -ENOMEM
			       : 0;
	case CODEC_BZIP2:
		/* libarchive has bzip2; it cannot say where the stream ends: the rest. */
		s->ar = archive_read_new();
		if (!s->ar)
			return -ENOMEM;
		if (archive_read_support_filter_all(s->ar) != ARCHIVE_OK ||
		    archive_read_support_format_raw(s->ar) != ARCHIVE_OK ||
		    archive_read_open_memory(s->ar, in, len) != ARCHIVE_OK)
			return -EBADMSG;
		struct archive_entry *e;
		if (archive_read_next_header(s->ar, &e) != ARCHIVE_OK)
			return -EBADMSG;
		return 0;
	default:
		return -EINVAL;
	}
}

static int is_zstd_frame(const uint8_t *p, size_t len)
{
	if (len < 4)
		return 0;
	uint32_t m = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		     (uint32_t)p[3] << 24;
	return m == 0xFD2FB528u || (m & 0xFFFFFFF0u) == 0x184D2A50u;
}

static int fill_zstd(struct src *s, uint8_t *dst, size_t cap, size_t *got)
{
	ZSTD_outBuffer out = {dst, cap, 0};
	while (out.pos == 0) {
		ZSTD_inBuffer in = {s->in, s->in_len, s->in_pos};
		size_t ret = ZSTD_decompressStream(s->zstd, &out, &in);
		if (ZSTD_isError(ret))
			return ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation
				       ? -ENOMEM
				       : -EBADMSG;
		/* No progress with all input consumed: a truncated frame. */
		if (ret != 0 && out.pos == 0 && in.pos == s->in_pos && in.pos == in.size)
			return -EBADMSG;
		s->in_pos = in.pos;
		/* A frame ended: the stream goes on only if another frame follows. */
		if (ret == 0 &&
		    !is_zstd_frame(s->in + s->in_pos, s->in_len - s->in_pos)) {
			s->ended = 1;
			break;
		}
	}
	*got = out.pos;
	return 0;
}

static int fill_gzip(struct src *s, uint8_t *dst, size_t cap, size_t *got)
{
	s->gz.next_out = dst;
	s->gz.avail_out = cap > UINT32_MAX ? UINT32_MAX : (uInt)cap;
	while (s->gz.next_out == dst) {
		int ret = inflate(&s->gz, Z_NO_FLUSH);
		if (ret == Z_STREAM_END) {
			s->ended = 1;
			break;
		}
		if (ret == Z_MEM_ERROR)
			return -ENOMEM;
		if (ret != Z_OK)
			return -EBADMSG; /* corrupt, or Z_BUF_ERROR: truncated */
	}
	s->in_pos = (size_t)((const uint8_t *)s->gz.next_in - s->in);
	*got = (size_t)(s->gz.next_out - dst);
	return 0;
}

static int fill_xz(struct src *s, uint8_t *dst, size_t cap, size_t *got)
{
	s->xz.next_out = dst;
	s->xz.avail_out = cap;
	while (s->xz.next_out == dst) {
		lzma_ret ret = lzma_code(&s->xz, LZMA_FINISH);
		if (ret == LZMA_STREAM_END) {
			s->ended = 1;
			break;
		}
		if (ret == LZMA_MEM_ERROR)
			return -ENOMEM;
		if (ret != LZMA_OK)
			return -EBADMSG;
	}
	s->in_pos = (size_t)(s->xz.next_in - s->in);
	*got = (size_t)(s->xz.next_out - dst);
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * Legacy lz4: after the magic, blocks of (le32 compressed size, data), each decoding
 * to at most 8 MiB. The format has no end mark: the stream ends at the end of the
 * input, at zero padding, or at anything that cannot be a block size.
 */
static int fill_lz4_legacy(struct src *s, uint8_t *dst, size_t cap, size_t *got)
{
	while (s->block_pos == s->block_len) {
		size_t left = s->in_len - s->in_pos;
		uint32_t size = left >= 4 ? le32(s->in + s->in_pos) : 0;
		if (size == LZ4_LEGACY_MAGIC) {
			s->in_pos += 4;
			continue;
		}
		if (size == 0 || size > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK)) {
			s->ended = 1;
			*got = 0;
			return 0;
		}
		if (size > left - 4)
			return -EBADMSG;
		/* Whole blocks that fit go straight to the caller. */
		uint8_t *out = cap >= LZ4_LEGACY_BLOCK ? dst : s->block;
		int n = LZ4_decompress_safe((const char *)s->in + s->in_pos + 4,
					    (char *)out, (int)size, LZ4_LEGACY_BLOCK);
		if (n < 0)
			return -EBADMSG;
		s->in_pos += 4 + size;
		if (out == dst) {
			*got = (size_t)n;
			if (n)
				return 0;
			continue;
		}
		s->block_pos = 0;
		s->block_len = (size_t)n;
	}
	size_t n = s->block_len - s->block_pos;
	if (n > cap)
		n = cap;
	memcpy(dst, s->block + s->block_pos, n);
	s->block_pos += n;
	*got = n;
	return 0;
}

static int fill_lz4_frame(struct src *s, uint8_t *dst, size_t cap, size_t *got)
{
	size_t produced = 0;
	while (produced == 0) {
		size_t out_len = cap, in_len = s->in_len - s->in_pos;
		size_t ret = LZ4F_decompress(s->lz4f, dst, &out_len, s->in + s->in_pos,
					     &in_len, NULL);
		if (LZ4F_isError(ret))
			return -EBADMSG;
		if (ret != 0 && !out_len && !in_len)
			return -EBADMSG; /* truncated */
		s->in_pos += in_len;
		produced = out_len;
		if (ret == 0) {
			s->ended = 1;
			break;
		}
	}
	*got = produced;
	return 0;
}

static int fill_archive(struct src *s, uint8_t *dst, size_t cap, size_t *got)
{
	la_ssize_t n = archive_read_data(s->ar, dst, cap);
	if (n < 0)
		return -EBADMSG;
	if (n == 0) {
		s->ended = 1;
		s->in_pos = s->in_len;
	}
	*got = (size_t)n;
	return 0;
}

/* Decode up to `cap` bytes; *got == 0 only at the end of the stream. */
static int src_fill(struct src *s, uint8_t *dst, size_t cap, size_t *got)
{
	if (s->ended) {
		*got = 0;
		return 0;
	}
	switch (s->codec) {
	case CODEC_ZSTD:
		return fill_zstd(s, dst, cap, got);
	case CODEC_GZIP:
		return fill_gzip(s, dst, cap, got);
	case CODEC_XZ:
	case CODEC_LZMA:
		return fill_xz(s, dst, cap, got);
	case CODEC_LZ4_LEGACY:
		return fill_lz4_legacy(s, dst, cap, got);
	case CODEC_LZ4_FRAME:
		return fill_lz4_frame(s, dst, cap, got);
	case CODEC_BZIP2:
		return fill_archive(s, dst, cap, got);
	default:
		return -EINVAL;
	}
}

/* Make at least one byte available; 0 at the end of the stream, 1 otherwise. */
static int src_more(struct src *s)
{
	if (s->codec == CODEC_RAW)
		return s->in_pos < s->in_len;
	if (s->buf_pos < s->buf_len)
		return 1;
	size_t got;
	int r = src_fill(s, s->buf, SRC_BUF_SIZE, &got);
	if (r < 0)
		return r;
	s->buf_pos = 0;
	s->buf_len = got;
	return got > 0;
}

/* Read exactly n bytes; into `dst`, or dropped when dst is NULL. */
static int src_read(struct src *s, void *dst, size_t n)
{
	uint8_t *d = dst;
	s->offset += n;
	if (s->codec == CODEC_RAW) {
		if (n > s->in_len - s->in_pos)
			return -EBADMSG;
		if (d)
			memcpy(d, s->in + s->in_pos, n);
		s->in_pos += n;
		return 0;
	}
	while (n) {
		if (s->buf_pos == s->buf_len && d && n >= SRC_BUF_SIZE) {
			/* Large reads decode straight into the destination. */
			size_t got;
			int r = src_fill(s, d, n, &got);
			if (r < 0)
				return r;
			if (!got)
				return -EBADMSG;
			d += got;
			n -= got;
			continue;
		}
		int r = src_more(s);
		if (r <= 0)
			return r < 0 ? r : -EBADMSG;
		size_t k = s->buf_len - s->buf_pos;
		if (k > n)
			k = n;
		if (d) {
			memcpy(d, s->buf + s->buf_pos, k);
			d += k;
		}
		s->buf_pos += k;
		n -= k;
	}
	return 0;
}

static int src_align4(struct src *s)
{
	size_t pad = (size_t)((4 - (s->offset & 3)) & 3);
	return pad ? src_read(s, NULL, pad) : 0;
}

/* Skip NUL bytes; 1 if a non-NUL byte follows, 0 at the end. */
static int src_skip_zeros(struct src *s)
{
	for (;;) {
		int r = src_more(s);
		if (r <= 0)
			return r;
		const uint8_t *p, *end;
		if (s->codec == CODEC_RAW) {
			p = s->in + s->in_pos;
			end = s->in + s->in_len;
		} else {
			p = s->buf + s->buf_pos;
			end = s->buf + s->buf_len;
		}
		const uint8_t *q = p;
		while (q < end && !*q)
			q++;
		s->offset += (size_t)(q - p);
		if (s->codec == CODEC_RAW)
			s->in_pos += (size_t)(q - p);
		else
			s->buf_pos += (size_t)(q - p);
		if (q < end)
			return 1;
	}
}

struct walker {
	cpio_entry_fn fn;
	void *userdata;
	unsigned segment;
	uint64_t segment_offset; /* where the current segment starts in the file */
	uint8_t *data;		 /* scratch for decoded file data, grown as needed */
	size_t data_cap;
	char name[PATH_MAX + 1];
	char target[PATH_MAX + 1];
};

static int parse_num(const char *p, size_t len, unsigned base, uint64_t *ret)
{
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		char c = p[i];
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -EBADMSG;
		if (d >= base)
			return -EBADMSG;
		v = v * base + d;
	}
	*ret = v;
	return 0;
}

struct header {
	uint64_t ino, mode, uid, gid, nlink, mtime, size, rdev_major, rdev_minor, rdev,
		namesize;
	int newc;
};

static int read_header(struct src *s, struct header *h)
{
	char raw[110];
	int r = src_read(s, raw, 6);
	if (r < 0)
		return r;
	if (memcmp(raw, "070701", 6) == 0 || memcmp(raw, "070702", 6) == 0) {
		/* newc: 13 fields of 8 hex digits. */
		uint64_t f[13];
		r = src_read(s, raw + 6, 104);
		if (r < 0)
			return r;
		for (int i = 0; i < 13; i++)
			if (parse_num(raw + 6 + 8 * i, 8, 16, &f[i]) < 0)
				return -EBADMSG;
		*h = (struct header){.ino = f[0],
				     .mode = f[1],
				     .uid = f[2],
				     .gid = f[3],
				     .nlink = f[4],
				     .mtime = f[5],
				     .size = f[6],
				     .rdev = makedev(f[9], f[10]),
				     .namesize = f[11],
				     .newc = 1};
		return 0;
	}
	if (memcmp(raw, "070707", 6) == 0) {
		/* odc: octal fields dev6 ino6 mode6 uid6 gid6 nlink6 rdev6 mtime11
		 * namesize6 filesize11, no padding. */
		static const unsigned widths[] = {6, 6, 6, 6, 6, 6, 6, 11, 6, 11};
		uint64_t f[10];
		size_t at = 6;
		r = src_read(s, raw + 6, 70);
		if (r < 0)
			return r;
		for (int i = 0; i < 10; i++) {
			if (parse_num(raw + at, widths[i], 8, &f[i]) < 0)
				return -EBADMSG;
			at += widths[i];
		}
		*h = (struct header){.ino = f[1],
				     .mode = f[2],
				     .uid = f[3],
				     .gid = f[4],
				     .nlink = f[5],
				     .rdev = (dev_t)f[6],
				     .mtime = f[7],
				     .namesize = f[8],
				     .size = f[9]};
		return 0;
	}
	return -EBADMSG;
}

static const char *strip_path(const char *name)
{
	for (;;) {
		if (name[0] == '/')
			name++;
		else if (name[0] == '.' && name[1] == '/')
			name += 2;
		else
			break;
	}
	return *name ? name : ".";
}

/* Room for `size` bytes, keeping what the buffer holds. */
static int ensure_data(struct walker *w, size_t size)
{
	if (size <= w->data_cap)
		return 0;
	size_t cap = w->data_cap > size / 2 ? w->data_cap * 2 : size;
	uint8_t *p = realloc(w->data, cap);
	if (!p)
		return -ENOMEM;
	w->data = p;
	w->data_cap = cap;
	return 0;
}

/* A file's bytes from a decoder, the buffer growing only as data really arrives. */
static int read_data(struct walker *w, struct src *s, size_t size)
{
	for (size_t got = 0; got < size;) {
		size_t n = size - got < DATA_CHUNK ? size - got : DATA_CHUNK;
		int r = ensure_data(w, got + n);
		if (r < 0)
			return r;
		r = src_read(s, w->data + got, n);
		if (r < 0)
			return r;
		got += n;
	}
	return 0;
}

/* One entry; sets *trailer at the end of the archive. */
static int parse_entry(struct walker *w, struct src *s, const char *compression,
		       int *trailer)
{
	struct header h;
	const void *data = NULL;
	int r = read_header(s, &h);
	if (r < 0)
		return r;
	if (h.namesize < 1 || h.namesize > PATH_MAX)
		return -EBADMSG;
	r = src_read(s, w->name, h.namesize);
	if (r < 0)
		return r;
	if (w->name[h.namesize - 1] != '\0' || strlen(w->name) != h.namesize - 1)
		return -EBADMSG;
	if (h.newc && (r = src_align4(s)) < 0)
		return r;
	if (streq(w->name, "TRAILER!!!")) {
		*trailer = 1;
		return h.size ? -EBADMSG : 0;
	}
	if (h.size > SIZE_MAX)
		return -EFBIG;

	struct cpio_entry e = {
		.name = w->name,
		.path = strip_path(w->name),
		.mode = (mode_t)h.mode,
		.size = h.size,
		.rdev = (dev_t)h.rdev,
		.ino = h.ino,
		.mtime = h.mtime,
		.uid = (uint32_t)h.uid,
		.gid = (uint32_t)h.gid,
		.nlink = (uint32_t)h.nlink,
		.segment = w->segment,
		.segment_offset = w->segment_offset,
		.compression = compression,
	};
	if (S_ISLNK(e.mode)) {
		if (h.size == 0 || h.size > PATH_MAX)
			return -EBADMSG;
		r = src_read(s, w->target, h.size);
		if (r < 0)
			return r;
		w->target[h.size] = '\0';
		if (strlen(w->target) != h.size)
			return -EBADMSG;
		e.target = w->target;
	} else if (S_ISREG(e.mode) && s->codec == CODEC_RAW) {
		if (h.size > s->in_len - s->in_pos)
			return -EBADMSG;
		data = s->in + s->in_pos; /* zero copy from the mapping */
		r = src_read(s, NULL, h.size);
	} else if (S_ISREG(e.mode)) {
		r = read_data(w, s, h.size);
		/* Never NULL for a regular file, even an empty one before any data. */
		data = w->data ? (const void *)w->data : "";
	} else {
		r = src_read(s, NULL, h.size);
	}
	if (r < 0)
		return r;
	if (h.newc && (r = src_align4(s)) < 0)
		return r;
	return w->fn(&e, data, w->userdata);
}

/* Entries up to and including the trailer. */
static int parse_archive(struct walker *w, struct src *s, const char *compression)
{
	int trailer = 0;
	while (!trailer) {
		int r = parse_entry(w, s, compression, &trailer);
		if (r != 0)
			return r;
	}
	return 0;
}

/* A decoded stream: archives separated by NUL padding, as lib/initramfs.c takes it. */
static int parse_stream(struct walker *w, struct src *s, const char *compression)
{
	for (;;) {
		int r = src_skip_zeros(s);
		if (r <= 0)
			return r;
		/* Anything but another archive is junk inside the compressed stream. */
		if (s->buf[s->buf_pos] != '0')
			return -EBADMSG;
		r = parse_archive(w, s, compression);
		if (r != 0)
			return r;
	}
}

static enum codec detect(const uint8_t *p, size_t len, int *unsupported)
{
	static const uint8_t xz[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
	static const uint8_t lzo[] = {0x89, 'L', 'Z', 'O'};

	*unsupported = 0;
	if (len >= 4 && le32(p) == 0xFD2FB528u)
		return CODEC_ZSTD;
	if (len >= 2 && p[0] == 0x1f && (p[1] == 0x8b || p[1] == 0x9e))
		return CODEC_GZIP;
	if (len >= 6 && memcmp(p, xz, 6) == 0)
		return CODEC_XZ;
	if (len >= 3 && p[0] == 0x5d && p[1] == 0 && p[2] == 0)
		return CODEC_LZMA;
	if (len >= 4 && le32(p) == LZ4_LEGACY_MAGIC)
		return CODEC_LZ4_LEGACY;
	if (len >= 4 && le32(p) == 0x184D2204u)
		return CODEC_LZ4_FRAME;
	if (len >= 3 && memcmp(p, "BZh", 3) == 0)
		return CODEC_BZIP2;
	if (len >= 4 && memcmp(p, lzo, 4) == 0)
		*unsupported = 1;
	return CODEC_RAW;
}

static int walk_map(struct walker *w, const uint8_t *map, size_t size)
{
	size_t off = 0;
	int r;

	for (;;) {
		while (off < size && !map[off])
			off++;
		if (off == size)
			return 0;
		w->segment_offset = off;

		struct src s;
		if (map[off] == '0') {
			src_init(&s, CODEC_RAW, map, size);
			s.in_pos = off;
			s.offset = off;
			r = parse_archive(w, &s, codec_names[CODEC_RAW]);
			off = s.in_pos;
		} else {
			int unsupported;
			enum codec c = detect(map + off, size - off, &unsupported);
			if (c == CODEC_RAW)
				return unsupported ? -EOPNOTSUPP : -EBADMSG;
			r = src_init(&s, c, map + off, size - off);
			if (r >= 0)
				r = parse_stream(w, &s, codec_names[c]);
			off += s.in_pos;
			src_done(&s);
		}
		if (r != 0)
			return r;
		w->segment++;
	}
}

int cpio_walk_fd(int fd, cpio_entry_fn fn, void *userdata)
{
	struct walker *w;
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size == 0)
		return 0;
	if ((uint64_t)st.st_size > SIZE_MAX)
		return -EFBIG;
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return negative_errno();
	(void)madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	w = calloc(1, sizeof(*w));
	if (!w) {
		munmap(map, (size_t)st.st_size);
		return -ENOMEM;
	}
	w->fn = fn;
	w->userdata = userdata;
	r = walk_map(w, map, (size_t)st.st_size);
	free(w->data);
	free(w);
	munmap(map, (size_t)st.st_size);
	return r;
}
