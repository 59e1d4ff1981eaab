/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The DHCP exchange on one interface: DISCOVER, OFFER, REQUEST, ACK, bounded. */
#ifndef INIT_NET_DHCPC_H
#define INIT_NET_DHCPC_H

#include "dhcp.h"
#include "link.h"

/*
 * Ask for an address on l; tries times, waiting 1, 2, 4… s (at most 8) for each answer.
 * -ETIMEDOUT when no server answered, -ECONNREFUSED on a NAK.
 */
int dhcpc_run(const struct link *l, int tries, struct dhcp_lease *lease);

#endif
