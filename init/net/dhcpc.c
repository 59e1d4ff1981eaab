/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DHCP over a packet socket: before it has an address the interface cannot use a UDP
 * socket (no source address, replies to an address it does not own), so frames are
 * IPv4 built by dhcp.c, sent to the Ethernet broadcast address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dhcpc.h"
#include "log.h"

#define ETH_P_IP_ 0x0800

struct ll_addr {
	unsigned short family, protocol;
	int ifindex;
	unsigned short hatype;
	unsigned char pkttype, halen, addr[8];
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t make_xid(const uint8_t mac[6])
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_nsec ^ (uint32_t)mac[5] << 24 ^ (uint32_t)mac[4] << 16 ^
	       (uint32_t)ts.tv_sec;
}

static int send_frame(int fd, const struct link *l, uint8_t type, uint32_t xid,
		      uint32_t req_ip, uint32_t server_id)
{
	uint8_t frame[DHCP_FRAME_MAX];
	struct ll_addr to = {.family = AF_PACKET,
			     .protocol = htons(ETH_P_IP_),
			     .ifindex = l->index,
			     .halen = 6};
	size_t len = dhcp_build(frame, type, xid, l->mac, req_ip, server_id);

	memset(to.addr, 0xff, 6);
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/* Wait until deadline for a reply of type want (or a NAK). */
static int receive(int fd, const struct link *l, uint32_t xid, uint8_t want,
		   long deadline, struct dhcp_lease *lease)
{
	uint8_t frame[1600];

	for (;;) {
		long left = deadline - now_ms();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(fd, frame, sizeof(frame), 0);
		if (n < 0)
			continue;
		if (dhcp_parse(frame, (size_t)n, xid, l->mac, lease) < 0)
			continue;
		if (lease->type == DHCP_NAK)
			return -ECONNREFUSED;
		if (lease->type == want)
			return 0;
	}
}

static int exchange(int fd, const struct link *l, long wait_ms, struct dhcp_lease *lease)
{
	uint32_t xid = make_xid(l->mac);
	struct dhcp_lease offer;
	int r;

	r = send_frame(fd, l, DHCP_DISCOVER, xid, 0, 0);
	if (r == 0)
		r = receive(fd, l, xid, DHCP_OFFER, now_ms() + wait_ms, &offer);
	if (r < 0)
		return r;
	if (!offer.addr || !offer.server_id)
		return -EBADMSG;
	r = send_frame(fd, l, DHCP_REQUEST, xid, offer.addr, offer.server_id);
	if (r == 0)
		r = receive(fd, l, xid, DHCP_ACK, now_ms() + wait_ms, lease);
	return r;
}

int dhcpc_run(const struct link *l, int tries, struct dhcp_lease *lease)
{
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP_));
	struct ll_addr me = {
		.family = AF_PACKET, .protocol = htons(ETH_P_IP_), .ifindex = l->index};
	long wait_ms = 1000;
	int r = -ETIMEDOUT;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	for (int i = 0; i < tries; i++) {
		r = exchange(fd, l, wait_ms, lease);
		if (r == 0 || r == -ECONNREFUSED)
			break;
		log_info("no DHCP answer on '%s' within %ld ms (try %d of %d)", l->name,
			 wait_ms, i + 1, tries);
		if (wait_ms < 8000)
			wait_ms *= 2;
	}
	close(fd);
	return r;
}
