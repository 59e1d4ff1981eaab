/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NBD handshake: blocking reads and writes of the few messages a client needs. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "nbdproto.h"

#define NBD_MAGIC 0x4e42444d41474943ull	   /* "NBDMAGIC" */
#define NBD_IHAVEOPT 0x49484156454f5054ull /* "IHAVEOPT" */
#define NBD_REPLY_MAGIC 0x3e889045565a9ull
#define FLAG_FIXED_NEWSTYLE 1u
#define FLAG_NO_ZEROES 2u
#define OPT_EXPORT_NAME 1u
#define OPT_GO 7u
#define REP_ACK 1u
#define REP_INFO 3u
#define REP_ERR_UNSUP 0x80000001u
#define REP_ERR_POLICY 0x80000002u
#define REP_ERR_UNKNOWN 0x80000006u
#define INFO_EXPORT 0u
#define NAME_MAX_LEN 4096

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static uint64_t be(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* An option request: IHAVEOPT, option, length, then the data. */
static int send_option(int fd, uint32_t opt, const void *data, uint32_t len)
{
	uint8_t h[16];
	int r;

	put_be(h, NBD_IHAVEOPT, 8);
	put_be(h + 8, opt, 4);
	put_be(h + 12, len, 4);
	r = write_full(fd, h, sizeof(h));
	return r < 0 ? r : write_full(fd, data, len);
}

static int discard(int fd, uint32_t len)
{
	uint8_t buf[256];
	int r = 0;

	while (len && r == 0) {
		uint32_t n = len < sizeof(buf) ? len : sizeof(buf);

		r = read_full(fd, buf, n);
		len -= n;
	}
	return r;
}

/* NBD_OPT_GO: 1 when the server does not support it (fall back), 0 when done. */
static int opt_go(int fd, const char *name, struct nbd_export *ex, const char **why)
{
	uint8_t req[4 + NAME_MAX_LEN + 2], rep[20], info[12];
	uint32_t nlen = (uint32_t)strlen(name), type, len;
	bool have_info = false;
	int r;

	put_be(req, nlen, 4);
	memcpy(req + 4, name, nlen);
	put_be(req + 4 + nlen, 0,
	       2); /* no information requests: NBD_INFO_EXPORT always comes */
	r = send_option(fd, OPT_GO, req, 4 + nlen + 2);
	for (;;) {
		if (r == 0)
			r = read_full(fd, rep, sizeof(rep));
		if (r < 0)
			return r;
		if (be(rep, 8) != NBD_REPLY_MAGIC || be(rep + 8, 4) != OPT_GO) {
			*why = "bad option reply";
			return -EPROTO;
		}
		type = (uint32_t)be(rep + 12, 4);
		len = (uint32_t)be(rep + 16, 4);
		if (type == REP_ACK) {
			if (!have_info) {
				*why = "no export information";
				return -EPROTO;
			}
			return discard(fd, len);
		}
		if (type == REP_INFO && len >= sizeof(info)) {
			r = read_full(fd, info, 2);
			if (r == 0 && be(info, 2) == INFO_EXPORT && len == 12) {
				r = read_full(fd, info + 2, 10);
				ex->size = be(info + 2, 8);
				ex->flags = (uint16_t)be(info + 10, 2);
				have_info = true;
			} else if (r == 0) {
				r = discard(fd, len - 2);
			}
			continue;
		}
		r = discard(fd, len);
		if (r < 0)
			return r;
		if (type == REP_ERR_UNSUP)
			return 1;
		if (type == REP_ERR_UNKNOWN || type == REP_ERR_POLICY) {
			*why = type == REP_ERR_UNKNOWN ? "unknown export"
						       : "export refused";
			return -ENOENT;
		}
		if (type & 0x80000000u) {
			*why = "the server refused the export";
			return -EPROTO;
		}
	}
}

/* NBD_OPT_EXPORT_NAME: the old way; an unknown name makes the server hang up. */
static int opt_export_name(int fd, const char *name, bool zeroes, struct nbd_export *ex,
			   const char **why)
{
	uint8_t rep[10];
	int r;

	r = send_option(fd, OPT_EXPORT_NAME, name, (uint32_t)strlen(name));
	if (r == 0)
		r = read_full(fd, rep, sizeof(rep));
	if (r == -ECONNRESET) {
		*why = "the server closed the connection (unknown export?)";
		return -ENOENT;
	}
	if (r < 0)
		return r;
	ex->size = be(rep, 8);
	ex->flags = (uint16_t)be(rep + 8, 2);
	return zeroes ? discard(fd, 124) : 0;
}

int nbdproto_handshake(int fd, const char *name, struct nbd_export *ex, const char **why)
{
	uint8_t hello[18], cflags[4];
	uint16_t sflags;
	int r;

	*why = "";
	if (strlen(name) > NAME_MAX_LEN) {
		*why = "export name too long";
		return -ENAMETOOLONG;
	}
	r = read_full(fd, hello, sizeof(hello));
	if (r < 0)
		return r;
	if (be(hello, 8) != NBD_MAGIC || be(hello + 8, 8) != NBD_IHAVEOPT) {
		*why = "not an NBD newstyle server";
		return -EPROTO;
	}
	sflags = (uint16_t)be(hello + 16, 2);
	if (!(sflags & FLAG_FIXED_NEWSTYLE)) {
		*why = "the server does not speak fixed newstyle";
		return -EPROTO;
	}
	put_be(cflags, FLAG_FIXED_NEWSTYLE | (sflags & FLAG_NO_ZEROES), 4);
	r = write_full(fd, cflags, sizeof(cflags));
	if (r == 0)
		r = opt_go(fd, name, ex, why);
	if (r == 1)
		r = opt_export_name(fd, name, !(sflags & FLAG_NO_ZEROES), ex, why);
	return r;
}
