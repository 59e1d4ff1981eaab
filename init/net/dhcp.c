/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DHCP messages: the frame is built and checked here, sockets live in the caller. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "dhcp.h"

#define IP_HDR 20
#define UDP_HDR 8
#define BOOTP_FIXED 236 /* op .. file, before the magic cookie */
#define BOOTP_MIN (BOOTP_FIXED + 4)
#define MAGIC 0x63825363u

enum {
	OPT_PAD = 0,
	OPT_SUBNET = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_HOSTNAME = 12,
	OPT_DOMAIN = 15,
	OPT_ROOTPATH = 17,
	OPT_REQ_IP = 50,
	OPT_LEASE = 51,
	OPT_MSGTYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PARAMS = 55,
	OPT_MAXSIZE = 57,
	OPT_END = 255,
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t put_options(uint8_t *o, uint8_t type, uint32_t req_ip, uint32_t server_id)
{
	static const uint8_t params[] = {OPT_SUBNET,   OPT_ROUTER, OPT_DNS,
					 OPT_HOSTNAME, OPT_DOMAIN, OPT_ROOTPATH};
	size_t n = 0;

	put32(o, MAGIC);
	n = 4;
	o[n++] = OPT_MSGTYPE, o[n++] = 1, o[n++] = type;
	o[n++] = OPT_MAXSIZE, o[n++] = 2;
	put16(o + n, DHCP_FRAME_MAX - IP_HDR - UDP_HDR);
	n += 2;
	if (req_ip) {
		o[n++] = OPT_REQ_IP, o[n++] = 4;
		memcpy(o + n, &req_ip, 4);
		n += 4;
	}
	if (server_id) {
		o[n++] = OPT_SERVER_ID, o[n++] = 4;
		memcpy(o + n, &server_id, 4);
		n += 4;
	}
	o[n++] = OPT_PARAMS, o[n++] = sizeof(params);
	memcpy(o + n, params, sizeof(params));
	n += sizeof(params);
	o[n++] = OPT_END;
	return n;
}

size_t dhcp_build(uint8_t *frame, uint8_t type, uint32_t xid, const uint8_t mac[6],
		  uint32_t req_ip, uint32_t server_id)
{
	uint8_t *ip = frame, *udp = frame + IP_HDR, *bp = udp + UDP_HDR;
	size_t blen, total;

	memset(frame, 0, DHCP_FRAME_MAX);
	bp[0] = 1; /* BOOTREQUEST */
	bp[1] = 1; /* Ethernet */
	bp[2] = 6;
	put32(bp + 4, xid);
	put16(bp + 10, 0x8000); /* broadcast: we cannot receive unicast before we have an
				   address */
	memcpy(bp + 28, mac, 6);
	blen = BOOTP_FIXED + put_options(bp + BOOTP_FIXED, type, req_ip, server_id);
	if (blen < 300)
		blen = 300; /* the BOOTP minimum some relays insist on */
	total = IP_HDR + UDP_HDR + blen;

	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)total);
	ip[8] = 64;
	ip[9] = 17; /* UDP */
	memset(ip + 16, 0xff, 4);
	put16(ip + 10, ip_checksum(ip, IP_HDR));
	put16(udp, DHCP_CLIENT_PORT);
	put16(udp + 2, DHCP_SERVER_PORT);
	put16(udp + 4, (uint16_t)(UDP_HDR + blen));
	/* UDP checksum 0: "none", valid over IPv4. */
	return total;
}

static void copy_text(char *dst, size_t cap, const uint8_t *src, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int parse_option(struct dhcp_lease *l, uint8_t code, const uint8_t *v, size_t len)
{
	switch (code) {
	case OPT_MSGTYPE:
		if (len != 1)
			return -EBADMSG;
		l->type = v[0];
		break;
	case OPT_SUBNET:
	case OPT_ROUTER:
	case OPT_SERVER_ID:
	case OPT_LEASE:
		if (len < 4)
			return -EBADMSG;
		if (code == OPT_SUBNET)
			memcpy(&l->netmask, v, 4);
		else if (code == OPT_ROUTER)
			memcpy(&l->router, v, 4);
		else if (code == OPT_SERVER_ID)
			memcpy(&l->server_id, v, 4);
		else
			l->lease_s = get32(v);
		break;
	case OPT_DNS:
		if (len < 4 || len % 4)
			return -EBADMSG;
		memcpy(&l->dns[0], v, 4);
		if (len >= 8)
			memcpy(&l->dns[1], v + 4, 4);
		break;
	case OPT_HOSTNAME:
		copy_text(l->hostname, sizeof(l->hostname), v, len);
		break;
	case OPT_DOMAIN:
		copy_text(l->domain, sizeof(l->domain), v, len);
		break;
	case OPT_ROOTPATH:
		copy_text(l->rootpath, sizeof(l->rootpath), v, len);
		break;
	default:
		break;
	}
	return 0;
}

static int parse_options(struct dhcp_lease *l, const uint8_t *o, size_t len)
{
	size_t i = 0;
	int r;

	while (i < len) {
		uint8_t code = o[i++];

		if (code == OPT_PAD)
			continue;
		if (code == OPT_END)
			return 0;
		if (i >= len || i + 1 + o[i] > len)
			return -EBADMSG;
		r = parse_option(l, code, o + i + 1, o[i]);
		if (r < 0)
			return r;
		i += 1u + o[i];
	}
	return 0;
}

/* The UDP payload of an IPv4 frame to the client port, or NULL. */
static const uint8_t *udp_payload(const uint8_t *f, size_t len, size_t *plen)
{
	size_t ihl, tot, ulen;

	if (len < IP_HDR || (f[0] >> 4) != 4 || f[9] != 17)
		return NULL;
	ihl = (size_t)(f[0] & 15) * 4;
	tot = get16(f + 2);
	if (ihl < IP_HDR || tot > len || tot < ihl + UDP_HDR || (get16(f + 6) & 0x3fff))
		return NULL; /* a fragment: DHCP replies are small, never fragmented */
	if (get16(f + ihl + 2) != DHCP_CLIENT_PORT)
		return NULL;
	ulen = get16(f + ihl + 4);
	if (ulen < UDP_HDR || ihl + ulen > tot)
		return NULL;
	*plen = ulen - UDP_HDR;
	return f + ihl + UDP_HDR;
}

int dhcp_parse(const uint8_t *frame, size_t len, uint32_t xid, const uint8_t mac[6],
	       struct dhcp_lease *l)
{
	const uint8_t *bp;
	size_t blen;
	int r;

	bp = udp_payload(frame, len, &blen);
	if (!bp || blen < BOOTP_MIN || bp[0] != 2 || get32(bp + 4) != xid ||
	    memcmp(bp + 28, mac, 6) != 0)
		return -EAGAIN;
	if (get32(bp + BOOTP_FIXED) != MAGIC)
		return -EBADMSG;
	memset(l, 0, sizeof(*l));
	memcpy(&l->addr, bp + 16, 4); /* yiaddr */
	r = parse_options(l, bp + BOOTP_MIN, blen - BOOTP_MIN);
	if (r < 0)
		return r;
	if (!l->type)
		return -EBADMSG;
	return 0;
}
