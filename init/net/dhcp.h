/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DHCP (RFC 2131/2132) messages in IPv4/UDP frames: building and parsing, no I/O. */
#ifndef INIT_NET_DHCP_H
#define INIT_NET_DHCP_H

#include <stddef.h>
#include <stdint.h>

#define DHCP_DISCOVER 1
#define DHCP_OFFER 2
#define DHCP_REQUEST 3
#define DHCP_ACK 5
#define DHCP_NAK 6

#define DHCP_CLIENT_PORT 68
#define DHCP_SERVER_PORT 67
/* The largest frame built or accepted: IP + UDP + BOOTP with 312 bytes of options. */
#define DHCP_FRAME_MAX 600

/* What a server offered; addresses in network order, 0 when absent. */
struct dhcp_lease {
	uint8_t type;
	uint32_t addr, netmask, router, server_id;
	uint32_t dns[2];
	uint32_t lease_s;
	char hostname[64];
	char domain[64];
	char rootpath[256];
};

/*
 * A DISCOVER (req_ip = server_id = 0) or a REQUEST for an offer, as a whole IPv4/UDP
 * frame from 0.0.0.0:68 to 255.255.255.255:67. Returns its length.
 */
size_t dhcp_build(uint8_t *frame, uint8_t type, uint32_t xid, const uint8_t mac[6],
		  uint32_t req_ip, uint32_t server_id);

/*
 * A received IPv4 frame: 0 and the lease when it is a DHCP reply to xid for mac;
 * -EAGAIN for anything else on the wire (someone else's traffic), -EBADMSG for a
 * reply that is malformed.
 */
int dhcp_parse(const uint8_t *frame, size_t len, uint32_t xid, const uint8_t mac[6],
	       struct dhcp_lease *l);

#endif
