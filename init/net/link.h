/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network interfaces through rtnetlink: find one, bring it up, give it an address. */
#ifndef INIT_NET_LINK_H
#define INIT_NET_LINK_H

#include <stdbool.h>
#include <stdint.h>

struct link {
	int index;
	char name[16];
	uint8_t mac[6];
	bool up, carrier;
};

/* What we want: a name (ip='s device), a MAC (BOOTIF=), or the first Ethernet card. */
struct link_want {
	const char *name;
	const uint8_t *mac;
};

/*
 * Wait up to timeout_ms for the wanted interface, woken by kernel uevents; lists what
 * was seen on failure. -ETIMEDOUT when it never came.
 */
int link_wait(int rt, const struct link_want *w, long timeout_ms, struct link *ret);
int link_set_up(int rt, int index);
/* Wait for carrier (IFF_LOWER_UP); -ETIMEDOUT when the cable or switch stays down. */
int link_wait_carrier(int rt, int index, long timeout_ms);
int link_add_addr(int rt, int index, uint32_t addr, int prefix);
int link_add_default_route(int rt, int index, uint32_t gateway);
/* Names of the interfaces there are, for error messages. */
void link_list_names(int rt, char *buf, size_t cap);

#endif
