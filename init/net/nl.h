/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Netlink without libraries: rtnetlink (links, addresses, routes) and generic netlink. */
#ifndef INIT_NET_NL_H
#define INIT_NET_NL_H

#include <stddef.h>
#include <stdint.h>

/* A message under construction, with room for nested attributes. */
struct nlmsg {
	uint8_t buf[512];
	size_t len;
	size_t nest[4];
	unsigned depth;
};

/* The kernel's netlink ABI (linux/netlink.h, rtnetlink.h, genetlink.h): musl has none. */
struct nl_hdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};
struct nl_attr {
	uint16_t len, type;
};
struct nl_ifinfo {
	uint8_t family, pad;
	uint16_t type;
	int32_t index;
	uint32_t flags, change;
};

#define NL_F_REQUEST 0x1
#define NL_F_ACK 0x4
#define NL_F_DUMP 0x300
#define NL_F_CREATE 0x400
#define NL_F_EXCL 0x200
#define NL_MSG_ERROR 2
#define NL_MSG_DONE 3
#define NL_ALIGN(n) (((n) + 3u) & ~3u)

enum { NL_ROUTE = 0, NL_GENERIC = 16 };

int nl_open(int protocol);
void nl_begin(struct nlmsg *m, uint16_t type, uint16_t flags, const void *fixed,
	      size_t fixed_len);
void nl_put(struct nlmsg *m, uint16_t type, const void *data, size_t len);
void nl_put_u32(struct nlmsg *m, uint16_t type, uint32_t v);
void nl_put_u64(struct nlmsg *m, uint16_t type, uint64_t v);
void nl_nest_begin(struct nlmsg *m, uint16_t type);
void nl_nest_end(struct nlmsg *m);
/*
 * Send m; with a reply buffer, the first non-error reply is copied there (for
 * requests that answer with data), else wait for the ACK. Returns 0 or -errno.
 */
int nl_talk(int fd, struct nlmsg *m, void *reply, size_t cap);
/* The attribute of type in the attributes from p for len bytes, or NULL. */
const struct nl_attr *nl_find(const void *p, size_t len, uint16_t type);

#endif
