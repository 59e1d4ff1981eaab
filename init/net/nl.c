/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Netlink messages: build, send, wait for the answer; one request at a time. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl.h"

struct nl_sockaddr {
	sa_family_t family;
	unsigned short pad;
	uint32_t pid, groups;
};

static uint32_t nl_seq;

int nl_open(int protocol)
{
	struct nl_sockaddr sa = {.family = AF_NETLINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

void nl_begin(struct nlmsg *m, uint16_t type, uint16_t flags, const void *fixed,
	      size_t fixed_len)
{
	struct nl_hdr *h;

	memset(m, 0, sizeof(*m));
	h = (struct nl_hdr *)m->buf;
	h->type = type;
	h->flags = (uint16_t)(NL_F_REQUEST | flags);
	h->seq = ++nl_seq;
	memcpy(m->buf + sizeof(*h), fixed, fixed_len);
	m->len = NL_ALIGN(sizeof(*h) + fixed_len);
}

/* Messages here are a few fixed attributes: the buffer is sized for them. */
void nl_put(struct nlmsg *m, uint16_t type, const void *data, size_t len)
{
	struct nl_attr a = {.len = (uint16_t)(sizeof(a) + len), .type = type};

	if (m->len + NL_ALIGN(a.len) > sizeof(m->buf))
		return;
	memcpy(m->buf + m->len, &a, sizeof(a));
	memcpy(m->buf + m->len + sizeof(a), data, len);
	m->len += NL_ALIGN(a.len);
}

void nl_put_u32(struct nlmsg *m, uint16_t type, uint32_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_u64(struct nlmsg *m, uint16_t type, uint64_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_nest_begin(struct nlmsg *m, uint16_t type)
{
	m->nest[m->depth++] = m->len;
	nl_put(m, (uint16_t)(type | 0x8000), NULL, 0); /* NLA_F_NESTED */
}

void nl_nest_end(struct nlmsg *m)
{
	size_t at = m->nest[--m->depth];
	uint16_t len = (uint16_t)(m->len - at);

	memcpy(m->buf + at, &len, sizeof(len));
}

int nl_talk(int fd, struct nlmsg *m, void *reply, size_t cap)
{
	struct nl_hdr *h = (struct nl_hdr *)m->buf;
	uint8_t in[8192];
	ssize_t n;

	h->len = (uint32_t)m->len;
	if (send(fd, m->buf, m->len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, in, sizeof(in), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (size_t off = 0; off + sizeof(struct nl_hdr) <= (size_t)n;) {
			const struct nl_hdr *r = (const struct nl_hdr *)(in + off);

			if (r->len < sizeof(*r) || off + r->len > (size_t)n)
				break;
			if (r->seq == h->seq && r->type == NL_MSG_ERROR) {
				int32_t err;

				memcpy(&err, in + off + sizeof(*r), sizeof(err));
				return err;
			}
			if (r->seq == h->seq && reply) {
				memcpy(reply, r, r->len < cap ? r->len : cap);
				return 0;
			}
			off += NL_ALIGN(r->len);
		}
	}
}

const struct nl_attr *nl_find(const void *p, size_t len, uint16_t type)
{
	const uint8_t *b = p;

	for (size_t off = 0; off + sizeof(struct nl_attr) <= len;) {
		const struct nl_attr *a = (const struct nl_attr *)(b + off);

		if (a->len < sizeof(*a) || off + a->len > len)
			return NULL;
		if ((a->type & 0x3fff) == type)
			return a;
		off += NL_ALIGN(a->len);
	}
	return NULL;
}
