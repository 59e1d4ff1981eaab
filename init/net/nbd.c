/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NBD root: the handshake in userspace, then generic netlink NBD_CMD_CONNECT hands the
 * socket to the kernel. Unlike the NBD_DO_IT ioctl, nothing has to keep running: the
 * connection outlives this helper and the switch to the real root.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ipconf.h"
#include "log.h"
#include "nbd.h"
#include "nbdproto.h"
#include "nl.h"
#include "tcp.h"

#define CONNECT_TIMEOUT_MS 15000
#define HANDSHAKE_TIMEOUT_S 30
#define GENL_ID_CTRL 0x10
#define CTRL_CMD_GETFAMILY 3
#define CTRL_ATTR_FAMILY_ID 1
#define CTRL_ATTR_FAMILY_NAME 2
/* linux/nbd-netlink.h */
#define NBD_CMD_CONNECT 1
#define NBD_ATTR_INDEX 1
#define NBD_ATTR_SIZE_BYTES 2
#define NBD_ATTR_BLOCK_SIZE_BYTES 3
#define NBD_ATTR_SERVER_FLAGS 5
#define NBD_ATTR_SOCKETS 7
#define NBD_SOCK_ITEM 1
#define NBD_SOCK_FD 1

struct genl_hdr {
	uint8_t cmd, version;
	uint16_t reserved;
};

static int genl_family(int fd, const char *name)
{
	struct genl_hdr g = {.cmd = CTRL_CMD_GETFAMILY, .version = 1};
	uint8_t reply[1024] = {0}; /* filled by nl_talk(), which cppcheck cannot see */
	const struct nl_hdr *h = (const void *)reply;
	const struct nl_attr *a;
	struct nlmsg m;
	uint16_t id;
	int r;

	nl_begin(&m, GENL_ID_CTRL, 0, &g, sizeof(g));
	nl_put(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	r = nl_talk(fd, &m, reply, sizeof(reply));
	if (r < 0)
		return r;
	if (h->len > sizeof(reply) || h->len < sizeof(*h) + sizeof(g))
		return -EBADMSG;
	a = nl_find(reply + sizeof(*h) + sizeof(g), h->len - sizeof(*h) - sizeof(g),
		    CTRL_ATTR_FAMILY_ID);
	if (!a || a->len < sizeof(*a) + 2)
		return -EBADMSG;
	memcpy(&id, a + 1, 2);
	return id;
}

static int genl_connect(int sock, unsigned index, const struct nbd_export *ex)
{
	struct genl_hdr g = {.cmd = NBD_CMD_CONNECT, .version = 1};
	struct nlmsg m;
	int fd, family, r;

	fd = nl_open(NL_GENERIC);
	if (fd < 0)
		return fd;
	family = genl_family(fd, "nbd");
	if (family < 0) {
		log_error(
			"the kernel has no 'nbd' netlink family (is the nbd module loaded?): %s",
			log_errname(family));
		close(fd);
		return family;
	}
	nl_begin(&m, (uint16_t)family, NL_F_ACK, &g, sizeof(g));
	nl_put_u32(&m, NBD_ATTR_INDEX, index);
	nl_put_u64(&m, NBD_ATTR_SIZE_BYTES, ex->size);
	/* 512: a filesystem of 1 KiB blocks must mount, whatever its size. */
	nl_put_u64(&m, NBD_ATTR_BLOCK_SIZE_BYTES, 512);
	nl_put_u64(&m, NBD_ATTR_SERVER_FLAGS, ex->flags);
	nl_nest_begin(&m, NBD_ATTR_SOCKETS);
	nl_nest_begin(&m, NBD_SOCK_ITEM);
	nl_put_u32(&m, NBD_SOCK_FD, (uint32_t)sock);
	nl_nest_end(&m);
	nl_nest_end(&m);
	r = nl_talk(fd, &m, NULL, 0);
	close(fd);
	if (r < 0)
		log_error("the kernel refused to connect '/dev/nbd%u': %s", index,
			  log_errname(r));
	return r;
}

static void set_timeout(int fd, long s)
{
	struct timeval tv = {.tv_sec = s};

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int nbd_attach(const struct netspec *n, unsigned index)
{
	char ip[IP4_TEXT_MAX];
	struct nbd_export ex = {0};
	const char *why;
	int fd, r;

	ip4_format(n->server, ip);
	fd = tcp_connect(n->server, n->port, CONNECT_TIMEOUT_MS);
	if (fd < 0) {
		log_error("NBD server %s port %u is unreachable: %s", ip, n->port,
			  tcp_strerror(fd));
		return fd;
	}
	set_timeout(fd, HANDSHAKE_TIMEOUT_S);
	r = nbdproto_handshake(fd, n->path, &ex, &why);
	if (r < 0) {
		if (r == -ENOENT)
			log_error("NBD server %s port %u has no export '%s' (%s)", ip,
				  n->port, n->path, why);
		else
			log_error("NBD handshake with %s port %u failed: %s%s%s", ip,
				  n->port, log_errname(r), why[0] ? ", " : "", why);
		close(fd);
		return r;
	}
	set_timeout(fd, 0); /* the kernel's own timeouts apply from now on */
	log_info("NBD export '%s' on %s port %u: %llu bytes", n->path, ip, n->port,
		 (unsigned long long)ex.size);
	r = genl_connect(fd, index, &ex);
	close(fd); /* the kernel holds its own reference */
	return r;
}
