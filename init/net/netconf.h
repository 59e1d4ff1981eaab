/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the interface was given, and its record for the real root (/run/net-<iface>.conf).
 */
#ifndef INIT_NET_NETCONF_H
#define INIT_NET_NETCONF_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp.h"
#include "ipconf.h"
#include "link.h"

struct netconf {
	char device[16];
	const char *proto; /* "dhcp" or "none" (static), as klibc ipconfig writes */
	uint32_t addr, netmask, gateway, server, rootserver;
	uint32_t dns[2];
	uint32_t lease_s;
	char hostname[64], domain[64], rootpath[256];
};

void netconf_from_lease(struct netconf *nc, const struct link *l,
			const struct ipconf *ipc, const struct dhcp_lease *lease);
void netconf_from_static(struct netconf *nc, const struct link *l,
			 const struct ipconf *ipc);
/* The klibc-ipconfig style shell-variable file; returns its length or -ENOSPC. */
int netconf_format(const struct netconf *nc, char *buf, size_t cap);
/* Write /run/net-<device>.conf; a failure is logged, never fatal. */
void netconf_write(const struct netconf *nc);

#endif
