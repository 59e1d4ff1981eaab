/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading initramfs images as the kernel does: segments, decompressors, cpio parser. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "arlib.h"
#include "codec.h"
#include "decode.h"
#include "cpio.h"
#include "util.h"

#define IN_BUF_SIZE (256u << 10)
#define OUT_BUF_SIZE (256u << 10)
#define LZ4_LEGACY_MAGIC 0x184C2102u
#define LZ4_LEGACY_BLOCK (8u << 20)
/*
 * xz and lzma headers name the dictionary the decoder allocates: a hostile image could
 * ask for gigabytes. Real images use 1-64 MiB (xz -9 and mkinitcpio, dracut's 1 MiB).
 */
#define XZ_MEMLIMIT (128u << 20)
/* zstd frames name their window too; 2^27 is what zstd itself accepts by default. */
#define ZSTD_WINDOW_LOG_MAX 27
static const struct decode_opts decode_opts = {
	.xz_memlimit = XZ_MEMLIMIT,
	.zstd_window_log_max = ZSTD_WINDOW_LOG_MAX,
};

/* File data goes to the caller in pieces this big at most. */
#define DATA_CHUNK (1u << 20)

/* ---- the file, read in pieces ---- */

struct input {
	int fd;
	uint8_t *buf;
	size_t cap, pos, len;
	uint64_t base; /* file offset of buf[0] */
	uint64_t size; /* what fstat said at the start */
	int eof;
	const struct cpio_follow *follow; /* a file still being written, or NULL */
};

/* Read more; 0 at the end of the file. */
static int in_fill(struct input *in)
{
	if (in->eof)
		return 0;
	if (in->pos) {
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
		in->base += in->pos;
		in->len -= in->pos;
		in->pos = 0;
	}
	for (;;) {
		if (in->len == in->cap)
			return 1;
		/* pread: the descriptor's offset may be a writer's (cpio_walk_growing).
		 */
		ssize_t n = pread(in->fd, in->buf + in->len, in->cap - in->len,
				  (off_t)(in->base + in->len));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0) {
			int more =
				in->follow ? in->follow->grow(in->follow->userdata) : 0;
			if (more < 0)
				return more;
			if (more)
				continue;
			in->eof = 1;
			return 0;
		}
		if (in->follow && in->follow->bytes)
			in->follow->bytes(in->buf + in->len, (size_t)n,
					  in->follow->userdata);
		in->len += (size_t)n;
		return 1;
	}
}

/* At least n contiguous bytes at buf + pos: 1, or 0 when the file ends first. */
static int in_need(struct input *in, size_t n)
{
	while (in->len - in->pos < n) {
		if (n > in->cap) {
			memmove(in->buf, in->buf + in->pos, in->len - in->pos);
			in->base += in->pos;
			in->len -= in->pos;
			in->pos = 0;
			uint8_t *p = realloc(in->buf, n);
			if (!p)
				return -ENOMEM;
			in->buf = p;
			in->cap = n;
		}
		int r = in_fill(in);
		if (r <= 0)
			return r;
	}
	return 1;
}

static size_t in_avail(const struct input *in)
{
	return in->len - in->pos;
}

/* ---- decoders, kept across walks ---- */

struct cpio_reader {
	struct input in;
	uint8_t *out;	    /* decoded bytes not yet handed out */
	struct decoder dec; /* zstd, gzip, xz, lzma */
	LZ4F_dctx *lz4f;
	uint8_t *block; /* lz4 legacy: one decoded block */
	char err[CPIO_ERROR_MAX];
};

int cpio_reader_new(struct cpio_reader **ret)
{
	struct cpio_reader *rd = calloc(1, sizeof(*rd));
	if (!rd)
		return -ENOMEM;
	rd->in.cap = IN_BUF_SIZE;
	rd->in.buf = malloc(IN_BUF_SIZE);
	rd->out = malloc(OUT_BUF_SIZE);
	decoder_init(&rd->dec);
	if (!rd->in.buf || !rd->out) {
		cpio_reader_free(rd);
		return -ENOMEM;
	}
	*ret = rd;
	return 0;
}

void cpio_reader_free(struct cpio_reader *rd)
{
	if (!rd)
		return;
	free(rd->in.buf);
	free(rd->out);
	decoder_free(&rd->dec);
	if (rd->lz4f)
		LZ4F_freeDecompressionContext(rd->lz4f);
	free(rd->block);
	free(rd);
}

static int fail(struct cpio_reader *rd, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(struct cpio_reader *rd, int r, const char *fmt, ...)
{
	if (!rd->err[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(rd->err, sizeof(rd->err), fmt, ap);
		va_end(ap);
	}
	return r;
}

static int truncated(struct cpio_reader *rd)
{
	if (rd->in.base + rd->in.len < rd->in.size)
		return fail(rd, -EBADMSG, "truncated image (the file shrank while read)");
	return fail(rd, -EBADMSG, "truncated image");
}

/*
 * A byte stream the parser pulls from: the file itself (raw segments, whose bytes are
 * handed out from the input buffer) or a decoder over the rest of the file.
 */
struct src {
	struct cpio_reader *rd;
	enum codec codec;
	uint64_t offset; /* bytes handed to the parser: cpio padding is relative to it */
	int ended;	 /* the decoder saw the end of its stream */
	size_t out_pos, out_len;
	size_t block_pos, block_len; /* lz4 legacy */
	struct archive *ar;	     /* bzip2 */
	const struct arlib *lib;     /* with ar */
	/* zstd: where frames followed by another ended, in decoded bytes, not yet
	 * checked against the entries (the decoder runs ahead of the parser) */
	uint64_t *frame_ends;
	size_t nframe_ends, frame_ends_cap;
};

static la_ssize_t ar_read(struct archive *a _unused_, void *userdata, const void **buf)
{
	struct input *in = userdata;
	if (in_avail(in) == 0) {
		int r = in_fill(in);
		if (r < 0)
			return -1;
	}
	*buf = in->buf + in->pos;
	size_t n = in_avail(in);
	in->pos += n;
	return (la_ssize_t)n;
}

static int src_init(struct src *s, struct cpio_reader *rd, enum codec codec)
{
	*s = (struct src){.rd = rd, .codec = codec};
	switch (codec) {
	case CODEC_RAW:
		s->offset = rd->in.base + rd->in.pos;
		return 0;
	case CODEC_ZSTD:
	case CODEC_GZIP:
	case CODEC_XZ:
	case CODEC_LZMA:
		return decoder_start(&rd->dec, codec, &decode_opts);
	case CODEC_LZ4_LEGACY:
		if (!rd->block && !(rd->block = malloc(LZ4_LEGACY_BLOCK)))
			return -ENOMEM;
		rd->in.pos += 4;
		return 0;
	case CODEC_LZ4_FRAME:
		if (!rd->lz4f && LZ4F_isError(LZ4F_createDecompressionContext(
					 &rd->lz4f, LZ4F_VERSION)))
			return -ENOMEM;
		LZ4F_resetDecompressionContext(rd->lz4f);
		return 0;
	case CODEC_BZIP2:
		/* libarchive has bzip2; it cannot say where the stream ends: the rest. */
		if (!(s->lib = arlib_get(rd->err, sizeof(rd->err))))
			return -ENOSYS;
		s->ar = s->lib->read_new();
		if (!s->ar)
			return -ENOMEM;
		struct archive_entry *e;
		if (s->lib->read_support_filter_all(s->ar) != ARCHIVE_OK ||
		    s->lib->read_support_format_raw(s->ar) != ARCHIVE_OK ||
		    s->lib->read_open(s->ar, &rd->in, NULL, ar_read, NULL) !=
			    ARCHIVE_OK ||
		    s->lib->read_next_header(s->ar, &e) != ARCHIVE_OK)
			return fail(rd, -EBADMSG, "corrupt bzip2 data");
		return 0;
	default:
		return -EINVAL;
	}
}

static void src_done(struct src *s)
{
	if (s->ar)
		s->lib->read_free(s->ar);
	free(s->frame_ends);
}

static int note_frame_end(struct src *s, uint64_t at)
{
	if (s->nframe_ends == s->frame_ends_cap) {
		size_t cap = s->frame_ends_cap ? s->frame_ends_cap * 2 : 16;
		uint64_t *p = realloc(s->frame_ends, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->frame_ends = p;
		s->frame_ends_cap = cap;
	}
	s->frame_ends[s->nframe_ends++] = at;
	return 0;
}

/*
 * The parser is at a point where the kernel's cpio state machine rests (an entry's
 * start, the end of an archive, NUL padding): the frames that ended up to here must
 * have ended exactly here or at an earlier such point. The kernel decodes one zstd
 * frame per call and refuses one that stops inside an entry ("junk at the end of
 * compressed archive"); `inside` names the entry read last, for the message.
 */
static int check_frame_ends(struct src *s, const char *inside)
{
	size_t n = 0;

	while (n < s->nframe_ends && s->frame_ends[n] <= s->offset) {
		if (s->frame_ends[n] < s->offset)
			return fail(
				s->rd, -EBADMSG,
				"a zstd frame ends inside entry '%s' (at byte %llu of the archive): the kernel stops there",
				inside, (unsigned long long)s->frame_ends[n]);
		n++;
	}
	if (n) {
		memmove(s->frame_ends, s->frame_ends + n,
			(s->nframe_ends - n) * sizeof(uint64_t));
		s->nframe_ends -= n;
	}
	return 0;
}

/* Input for a streaming decoder: 1 with bytes available, 0 at the end of the file. */
static int need_input(struct input *in)
{
	if (in_avail(in))
		return 1;
	return in_fill(in);
}

/*
 * zstd, gzip, xz, lzma. A gzip, xz or lzma stream ends the segment; a zstd frame does
 * only when no other frame follows it.
 */
static int fill_stream(struct src *s, uint8_t *dst, size_t cap, size_t *got)
{
	struct input *in = &s->rd->in;
	size_t produced = 0;

	while (produced == 0) {
		int more = need_input(in);
		if (more < 0)
			return more;
		const uint8_t *p = in->buf + in->pos;
		size_t len = in_avail(in);
		int r = decoder_step(&s->rd->dec, &p, &len, dst, cap, &produced, !more);
		size_t used = in_avail(in) - len;
		in->pos += used;
		if (r == -ENOMEM)
			return r;
		if (r == DECODE_E_LIMIT)
			return fail(s->rd, -EBADMSG, "%s %s larger than 128 MiB",
				    codec_name(s->codec),
				    s->codec == CODEC_ZSTD ? "window" : "dictionary");
		if (r == DECODE_E_NO_PROGRESS ||
		    (r == DECODE_MORE && !produced && !used && !more))
			return truncated(s->rd);
		if (r < 0)
			return fail(s->rd, -EBADMSG, "corrupt %s data",
				    codec_name(s->codec));
		if (r == DECODE_END && s->codec == CODEC_ZSTD) {
			int k = in_need(in, 4);
			if (k < 0)
				return k;
			if (decoder_zstd_frame_follows(in->buf + in->pos, in_avail(in))) {
				k = note_frame_end(s, s->offset + produced);
				if (k < 0)
					return k;
				continue;
			}
		}
		if (r == DECODE_END) {
			s->ended = 1;
			break;
		}
	}
	*got = produced;
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
	struct input *in = &s->rd->in;
	uint8_t *block = s->rd->block;
	while (s->block_pos == s->block_len) {
		int r = in_need(in, 4);
		if (r < 0)
			return r;
		uint32_t size = r ? le32(in->buf + in->pos) : 0;
		if (size == LZ4_LEGACY_MAGIC) {
			in->pos += 4;
			continue;
		}
		if (size == 0 || size > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK)) {
			s->ended = 1;
			*got = 0;
			return 0;
		}
		r = in_need(in, 4 + (size_t)size);
		if (r < 0)
			return r;
		if (r == 0)
			return truncated(s->rd);
		/* Whole blocks that fit go straight to the caller. */
		uint8_t *out = cap >= LZ4_LEGACY_BLOCK ? dst : block;
		int n = LZ4_decompress_safe((const char *)in->buf + in->pos + 4,
					    (char *)out, (int)size, LZ4_LEGACY_BLOCK);
		if (n < 0)
			return fail(s->rd, -EBADMSG, "corrupt lz4 data");
		in->pos += 4 + size;
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
	memcpy(dst, block + s->block_pos, n);
	s->block_pos += n;
	*got = n;
	return 0;
}

static int fill_lz4_frame(struct src *s, uint8_t *dst, size_t cap, size_t *got)
{
	struct input *in = &s->rd->in;
	size_t produced = 0;
	while (produced == 0) {
		int more = need_input(in);
		if (more < 0)
			return more;
		size_t out_len = cap, in_len = in_avail(in);
		size_t ret = LZ4F_decompress(s->rd->lz4f, dst, &out_len,
					     in->buf + in->pos, &in_len, NULL);
		if (LZ4F_isError(ret))
			return fail(s->rd, -EBADMSG, "corrupt lz4 data");
		in->pos += in_len;
		if (ret != 0 && !out_len && !in_len && !more)
			return truncated(s->rd);
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
	la_ssize_t n = s->lib->read_data(s->ar, dst, cap);
	if (n < 0)
		return fail(s->rd, -EBADMSG, "corrupt bzip2 data");
	if (n == 0)
		s->ended = 1;
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
	case CODEC_GZIP:
	case CODEC_XZ:
	case CODEC_LZMA:
		return fill_stream(s, dst, cap, got);
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

/*
 * Make bytes available: 1 with *p and *len set to what is there (not consumed), 0 at
 * the end of the stream.
 */
static int src_peek(struct src *s, const uint8_t **p, size_t *len)
{
	if (s->codec == CODEC_RAW) {
		struct input *in = &s->rd->in;
		int r = need_input(in);
		if (r <= 0)
			return r;
		*p = in->buf + in->pos;
		*len = in_avail(in);
		return 1;
	}
	if (s->out_pos == s->out_len) {
		size_t got = 0;
		int r = src_fill(s, s->rd->out, OUT_BUF_SIZE, &got);
		if (r < 0)
			return r;
		s->out_pos = 0;
		s->out_len = got;
		if (!got)
			return 0;
	}
	*p = s->rd->out + s->out_pos;
	*len = s->out_len - s->out_pos;
	return 1;
}

static void src_consume(struct src *s, size_t n)
{
	s->offset += n;
	if (s->codec == CODEC_RAW)
		s->rd->in.pos += n;
	else
		s->out_pos += n;
}

/*
 * Read exactly n bytes: into `dst`; or, with dst NULL, handed to `sink` in pieces (or
 * dropped when sink is NULL too).
 */
static int src_read(struct src *s, void *dst, size_t n,
		    int (*sink)(const void *, size_t, void *), void *userdata)
{
	uint8_t *d = dst;
	while (n) {
		const uint8_t *p;
		size_t k;
		int r = src_peek(s, &p, &k);
		if (r < 0)
			return r;
		if (r == 0)
			return truncated(s->rd);
		if (k > n)
			k = n;
		if (k > DATA_CHUNK)
			k = DATA_CHUNK;
		if (d) {
			memcpy(d, p, k);
			d += k;
		} else if (sink) {
			r = sink(p, k, userdata);
			if (r != 0)
				return r;
		}
		src_consume(s, k);
		n -= k;
	}
	return 0;
}

static int src_align4(struct src *s)
{
	size_t pad = (size_t)((4 - (s->offset & 3)) & 3);
	return pad ? src_read(s, NULL, pad, NULL, NULL) : 0;
}

/* Skip NUL bytes; 1 if a non-NUL byte follows (*next set to it), 0 at the end. */
static int src_skip_zeros(struct src *s, uint8_t *next)
{
	for (;;) {
		const uint8_t *p;
		size_t len;
		int r = src_peek(s, &p, &len);
		if (r <= 0)
			return r;
		size_t i = 0;
		while (i < len && !p[i])
			i++;
		src_consume(s, i);
		if (i < len) {
			*next = p[i];
			return 1;
		}
	}
}

/* ---- the cpio parser ---- */

struct walker {
	const struct cpio_ops *ops;
	void *userdata;
	struct cpio_reader *rd;
	unsigned segment;
	uint64_t segment_offset; /* where the current segment starts in the file */
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
	uint64_t ino, mode, uid, gid, nlink, mtime, size, namesize;
	dev_t dev, rdev;
	int newc;
};

static int bad_header(struct src *s)
{
	return fail(s->rd, -EBADMSG, "bad cpio header at offset %llu of segment %s",
		    (unsigned long long)s->offset, codec_name(s->codec));
}

static int read_header(struct src *s, struct header *h)
{
	char raw[CPIO_NEWC_HEADER_SIZE];
	int r = src_read(s, raw, 6, NULL, NULL);
	if (r < 0)
		return r;
	if (memcmp(raw, CPIO_NEWC_MAGIC, 6) == 0 || memcmp(raw, "070702", 6) == 0) {
		/* newc (or newc with checksums): 13 fields of 8 hex digits. */
		uint64_t f[13];
		r = src_read(s, raw + 6, CPIO_NEWC_HEADER_SIZE - 6, NULL, NULL);
		if (r < 0)
			return r;
		for (int i = 0; i < 13; i++)
			if (parse_num(raw + 6 + 8 * i, 8, 16, &f[i]) < 0)
				return bad_header(s);
		*h = (struct header){.ino = f[0],
				     .mode = f[1],
				     .uid = f[2],
				     .gid = f[3],
				     .nlink = f[4],
				     .mtime = f[5],
				     .size = f[6],
				     .dev = makedev(f[7], f[8]),
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
		r = src_read(s, raw + 6, 70, NULL, NULL);
		if (r < 0)
			return r;
		for (int i = 0; i < 10; i++) {
			if (parse_num(raw + at, widths[i], 8, &f[i]) < 0)
				return bad_header(s);
			at += widths[i];
		}
		*h = (struct header){.dev = (dev_t)f[0],
				     .ino = f[1],
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
	return bad_header(s);
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

/* The name for a message: control characters and quotes as \xNN, cut short. */
static const char *quote_name(const char *name, char *buf, size_t size)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p && o + 5 < size;
	     p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\'' || *p == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", *p);
		else
			buf[o++] = (char)*p;
	}
	buf[o] = '\0';
	return buf;
}

/* One entry; sets *trailer at the end of the archive. */
static int parse_entry(struct walker *w, struct src *s, int *trailer)
{
	const struct cpio_ops *ops = w->ops;
	struct header h = {0};
	char q[256];
	int r = check_frame_ends(s, quote_name(w->name, q, sizeof(q)));
	if (r < 0)
		return r;
	r = read_header(s, &h);
	if (r < 0)
		return r;
	if (h.namesize < 1 || h.namesize > PATH_MAX)
		return fail(s->rd, -EBADMSG, "entry name of %llu bytes",
			    (unsigned long long)h.namesize);
	r = src_read(s, w->name, h.namesize, NULL, NULL);
	if (r < 0)
		return r;
	if (w->name[h.namesize - 1] != '\0' || strlen(w->name) != h.namesize - 1)
		return fail(s->rd, -EBADMSG, "entry name not NUL-terminated");
	if (h.newc && (r = src_align4(s)) < 0)
		return r;
	if (streq(w->name, "TRAILER!!!")) {
		*trailer = 1;
		return h.size ? fail(s->rd, -EBADMSG, "trailer with data") : 0;
	}
	if (h.size > CPIO_ENTRY_MAX)
		return fail(s->rd, -EFBIG,
			    "entry '%s' is %llu bytes, more than the limit of 1 GiB",
			    quote_name(w->name, q, sizeof(q)),
			    (unsigned long long)h.size);

	struct cpio_entry e = {
		.name = w->name,
		.path = strip_path(w->name),
		.mode = (mode_t)h.mode,
		.size = h.size,
		.rdev = h.rdev,
		.dev = h.dev,
		.ino = h.ino,
		.mtime = h.mtime,
		.uid = (uint32_t)h.uid,
		.gid = (uint32_t)h.gid,
		.nlink = (uint32_t)h.nlink,
		.segment = w->segment,
		.segment_offset = w->segment_offset,
		.compression = codec_name(s->codec),
	};
	if (S_ISLNK(e.mode)) {
		if (h.size == 0 || h.size > PATH_MAX)
			return fail(s->rd, -EBADMSG,
				    "symlink '%s' with a target of %llu bytes",
				    quote_name(w->name, q, sizeof(q)),
				    (unsigned long long)h.size);
		r = src_read(s, w->target, h.size, NULL, NULL);
		if (r < 0)
			return r;
		w->target[h.size] = '\0';
		if (strlen(w->target) != h.size)
			return fail(s->rd, -EBADMSG,
				    "symlink '%s' with a NUL in its target",
				    quote_name(w->name, q, sizeof(q)));
		e.target = w->target;
	}
	r = ops->entry(&e, w->userdata);
	if (r != 0)
		return r;
	if (!S_ISLNK(e.mode)) {
		r = src_read(s, NULL, h.size, S_ISREG(e.mode) ? ops->data : NULL,
			     w->userdata);
		if (r != 0)
			return r;
	}
	if (h.newc && (r = src_align4(s)) < 0)
		return r;
	return ops->done ? ops->done(&e, w->userdata) : 0;
}

/* Entries up to and including the trailer. */
static int parse_archive(struct walker *w, struct src *s)
{
	int trailer = 0;
	while (!trailer) {
		int r = parse_entry(w, s, &trailer);
		if (r != 0)
			return r;
	}
	return 0;
}

/* A decoded stream: archives separated by NUL padding, as lib/initramfs.c takes it. */
static int parse_stream(struct walker *w, struct src *s)
{
	for (;;) {
		uint8_t next;
		int r = src_skip_zeros(s, &next);
		if (r <= 0)
			return r;
		/* Anything but another archive is junk inside the compressed stream. */
		if (next != '0')
			return fail(s->rd, -EBADMSG, "junk within the %s stream",
				    codec_name(s->codec));
		/* Frames may end anywhere in the padding between archives. */
		while (s->nframe_ends && s->frame_ends[0] <= s->offset) {
			memmove(s->frame_ends, s->frame_ends + 1,
				--s->nframe_ends * sizeof(uint64_t));
		}
		r = parse_archive(w, s);
		if (r == 0)
			r = check_frame_ends(s, "TRAILER!!!");
		if (r != 0)
			return r;
	}
}

/* Skip the NUL padding between segments; 1 with a segment ahead, 0 at the end. */
static int skip_padding(struct input *in)
{
	for (;;) {
		if (!in_avail(in)) {
			int r = in_fill(in);
			if (r <= 0)
				return r;
		}
		while (in->pos < in->len && !in->buf[in->pos])
			in->pos++;
		if (in->pos < in->len)
			return 1;
	}
}

/* One segment, through a source of codec `c` (freed on every way out). */
static int walk_segment(struct walker *w, enum codec c)
{
	_cleanup_(src_done) struct src s = {0};
	int r = src_init(&s, w->rd, c);

	if (r < 0)
		return r;
	return c == CODEC_RAW ? parse_archive(w, &s) : parse_stream(w, &s);
}

static int walk_segments(struct walker *w)
{
	struct cpio_reader *rd = w->rd;
	struct input *in = &rd->in;

	for (;;) {
		int r = skip_padding(in);
		if (r <= 0)
			return r;
		r = in_need(in, 6);
		if (r < 0)
			return r;
		w->segment_offset = in->base + in->pos;

		enum codec c = CODEC_RAW;
		if (in->buf[in->pos] != '0') {
			c = codec_detect(in->buf + in->pos, in_avail(in), NULL);
			if (c == CODEC_LZO)
				return fail(rd, -EOPNOTSUPP,
					    "lzo compression is not supported");
			if (c == CODEC_RAW)
				return fail(rd, -EBADMSG, "junk at offset %llu",
					    (unsigned long long)(in->base + in->pos));
		}
		r = walk_segment(w, c);
		if (r != 0)
			return r;
		if (c == CODEC_BZIP2)
			return 0; /* it took the rest of the file */
		w->segment++;
	}
}

static int walk_fd(struct cpio_reader *rd, int fd, const struct cpio_ops *ops,
		   void *userdata, const struct cpio_follow *follow,
		   char err[CPIO_ERROR_MAX])
{
	struct cpio_reader *tmp = NULL;
	struct stat st;
	int r;

	err[0] = '\0';
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, CPIO_ERROR_MAX, "not a regular file");
		return -EINVAL;
	}
	if (!rd) {
		r = cpio_reader_new(&tmp);
		if (r < 0)
			return r;
		rd = tmp;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	rd->in.fd = fd;
	rd->in.pos = rd->in.len = 0;
	rd->in.base = 0;
	rd->in.eof = 0;
	rd->in.size = (uint64_t)st.st_size;
	rd->in.follow = follow;
	rd->err[0] = '\0';
	struct walker w = {.ops = ops, .userdata = userdata, .rd = rd};
	r = walk_segments(&w);
	if (r < 0)
		snprintf(err, CPIO_ERROR_MAX, "%s", rd->err);
	rd->in.follow = NULL;
	cpio_reader_free(tmp);
	return r;
}

int cpio_walk_fd(struct cpio_reader *rd, int fd, const struct cpio_ops *ops,
		 void *userdata, char err[CPIO_ERROR_MAX])
{
	return walk_fd(rd, fd, ops, userdata, NULL, err);
}

int cpio_walk_growing(int fd, const struct cpio_ops *ops, void *userdata,
		      const struct cpio_follow *follow, char err[CPIO_ERROR_MAX])
{
	return walk_fd(NULL, fd, ops, userdata, follow, err);
}
