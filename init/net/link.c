/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtnetlink: link dumps, link up, addresses, the default route. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "link.h"
#include "log.h"
#include "nl.h"
#include "str.h"

#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_NEWROUTE 24
#define IFLA_ADDRESS 1
#define IFLA_IFNAME 3
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_BROADCAST 4
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define ARPHRD_ETHER 1
#define IF_UP 0x1u
#define IF_LOWER_UP 0x10000u

struct ifaddr_msg {
	uint8_t family, prefixlen, flags, scope;
	uint32_t index;
};
struct route_msg {
	uint8_t family, dst_len, src_len, tos, table, protocol, scope, type;
	uint32_t flags;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef bool (*link_fn)(const struct link *l, uint16_t type, void *ctx);

/* Dump every link; fn returns true to stop at one. */
static int link_dump(int rt, link_fn fn, void *ctx)
{
	struct nl_ifinfo ifi = {0};
	struct nlmsg m;
	uint8_t in[16384];
	bool done = false, stop = false;

	nl_begin(&m, RTM_GETLINK, NL_F_DUMP, &ifi, sizeof(ifi));
	((struct nl_hdr *)m.buf)->len = (uint32_t)m.len;
	if (send(rt, m.buf, m.len, 0) < 0)
		return -errno;
	while (!done) {
		ssize_t n = recv(rt, in, sizeof(in), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (size_t off = 0; off + sizeof(struct nl_hdr) <= (size_t)n;) {
			const struct nl_hdr *h = (const struct nl_hdr *)(in + off);
			const struct nl_ifinfo *ii = (const void *)(h + 1);
			const struct nl_attr *a;
			size_t alen;
			struct link l = {0};

			if (h->len < sizeof(*h) || off + h->len > (size_t)n)
				break;
			off += NL_ALIGN(h->len);
			if (h->type == NL_MSG_DONE || h->type == NL_MSG_ERROR) {
				done = true;
				break;
			}
			if (h->type != RTM_NEWLINK || stop ||
			    h->len < sizeof(*h) + sizeof(*ii))
				continue;
			alen = h->len - sizeof(*h) - NL_ALIGN(sizeof(*ii));
			l.index = ii->index;
			l.up = ii->flags & IF_UP;
			l.carrier = ii->flags & IF_LOWER_UP;
			a = nl_find((const uint8_t *)ii + NL_ALIGN(sizeof(*ii)), alen,
				    IFLA_IFNAME);
			if (a)
				(void)str_copy(l.name, sizeof(l.name),
					       (const char *)(a + 1));
			a = nl_find((const uint8_t *)ii + NL_ALIGN(sizeof(*ii)), alen,
				    IFLA_ADDRESS);
			if (a && a->len >= sizeof(*a) + 6)
				memcpy(l.mac, a + 1, 6);
			stop = fn(&l, ii->type, ctx);
		}
	}
	return stop ? 1 : 0;
}

struct pick {
	const struct link_want *w;
	struct link *ret;
	int index; /* or 0 */
};

static bool pick_fn(const struct link *l, uint16_t type, void *ctx)
{
	struct pick *p = ctx;

	if (p->index	 ? l->index != p->index
	    : p->w->name ? strcmp(l->name, p->w->name) != 0
	    : p->w->mac	 ? memcmp(l->mac, p->w->mac, 6) != 0
			 : type != ARPHRD_ETHER)
		return false;
	*p->ret = *l;
	return true;
}

static int uevent_open(void)
{
	struct {
		sa_family_t family;
		unsigned short pad;
		uint32_t pid, groups;
	} sa = {.family = AF_NETLINK, .groups = 1};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 15);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int link_wait(int rt, const struct link_want *w, long timeout_ms, struct link *ret)
{
	struct pick p = {.w = w, .ret = ret};
	long deadline = now_ms() + timeout_ms;
	int ue = uevent_open(), r;
	char drain[4096];

	for (;;) {
		r = link_dump(rt, pick_fn, &p);
		if (r != 0 || now_ms() >= deadline)
			break;
		/* A new interface is a uevent; poll also wakes every 500 ms in case we
		 * could not listen. */
		struct pollfd pfd = {.fd = ue, .events = POLLIN};
		if (poll(&pfd, ue >= 0 ? 1 : 0, 500) > 0)
			while (read(ue, drain, sizeof(drain)) > 0)
				;
	}
	if (ue >= 0)
		close(ue);
	if (r < 0)
		return r;
	return r ? 0 : -ETIMEDOUT;
}

int link_set_up(int rt, int index)
{
	struct nl_ifinfo ifi = {.index = index, .flags = IF_UP, .change = IF_UP};
	struct nlmsg m;

	nl_begin(&m, RTM_NEWLINK, NL_F_ACK, &ifi, sizeof(ifi));
	return nl_talk(rt, &m, NULL, 0);
}

int link_wait_carrier(int rt, int index, long timeout_ms)
{
	struct link l;
	struct pick p = {.ret = &l, .index = index};
	long deadline = now_ms() + timeout_ms;
	int r;

	for (;;) {
		r = link_dump(rt, pick_fn, &p);
		if (r < 0)
			return r;
		if (r && l.carrier)
			return 0;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		usleep(50 * 1000);
	}
}

int link_add_addr(int rt, int index, uint32_t addr, int prefix)
{
	struct ifaddr_msg ia = {.family = AF_INET,
				.prefixlen = (uint8_t)prefix,
				.index = (uint32_t)index};
	struct nlmsg m;
	uint32_t bcast;

	/* ~0 >> prefix is the host part in host order: swap it into network order. */
	bcast = addr | __builtin_bswap32(prefix ? ~(uint32_t)0 >> prefix : ~(uint32_t)0);
	nl_begin(&m, RTM_NEWADDR, NL_F_ACK | NL_F_CREATE | NL_F_EXCL, &ia, sizeof(ia));
	nl_put(&m, IFA_LOCAL, &addr, 4);
	nl_put(&m, IFA_ADDRESS, &addr, 4);
	nl_put(&m, IFA_BROADCAST, &bcast, 4);
	return nl_talk(rt, &m, NULL, 0);
}

int link_add_default_route(int rt, int index, uint32_t gateway)
{
	struct route_msg rm = {.family = AF_INET,
			       .table = 254 /* main */,
			       .protocol = 3 /* boot */,
			       .type = 1 /* unicast */};
	struct nlmsg m;

	nl_begin(&m, RTM_NEWROUTE, NL_F_ACK | NL_F_CREATE, &rm, sizeof(rm));
	nl_put(&m, RTA_GATEWAY, &gateway, 4);
	nl_put_u32(&m, RTA_OIF, (uint32_t)index);
	return nl_talk(rt, &m, NULL, 0);
}

struct names {
	struct str s;
};

static bool names_fn(const struct link *l, uint16_t type, void *ctx)
{
	struct names *n = ctx;

	(void)type;
	str_addf(&n->s, "%s%s", n->s.len ? ", " : "", l->name);
	return false;
}

void link_list_names(int rt, char *buf, size_t cap)
{
	struct names n;

	str_init(&n.s, buf, cap);
	buf[0] = '\0';
	(void)link_dump(rt, names_fn, &n);
	if (!n.s.len)
		str_add(&n.s, "none");
}
