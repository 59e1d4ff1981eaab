/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ip= and BOOTIF= from the kernel command line, and IPv4 text helpers. */
#ifndef INIT_NET_IPCONF_H
#define INIT_NET_IPCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPCONF_NAME_MAX 64
#define IPCONF_IFNAME_MAX 16
#define IP4_TEXT_MAX 16

/* Addresses are in network byte order; 0 means "not given". */
struct ipconf {
	bool off;  /* ip=off or ip=none: no network at all */
	bool dhcp; /* the address comes from DHCP */
	uint32_t client, server, gateway, netmask;
	uint32_t dns[2];
	char hostname[IPCONF_NAME_MAX];
	char device[IPCONF_IFNAME_MAX];
};

/*
 * The kernel's ip= (Documentation/admin-guide/nfs/nfsroot.rst): "dhcp", "on", "any",
 * "off", "none", or <client>:<server>:<gw>:<netmask>:<hostname>:<device>:<autoconf>
 * [:<dns0>:<dns1>[:<ntp0>]]. NULL (no ip=) means DHCP on the first interface.
 * Returns -EINVAL when the text is not that syntax; *field names the culprit.
 */
int ipconf_parse(const char *text, struct ipconf *c, const char **field);

/* PXE's BOOTIF=01-aa-bb-cc-dd-ee-ff (hardware type 01, Ethernet) into a MAC. */
int ipconf_parse_bootif(const char *text, uint8_t mac[6]);

/* Dotted quad of exactly len characters into *ret (network order). */
int ip4_parse(const char *s, size_t len, uint32_t *ret);
/* Text of an address into buf (at least IP4_TEXT_MAX bytes); returns buf. */
char *ip4_format(uint32_t addr, char *buf);
/* Prefix length of a netmask, or -1 when the mask has holes. */
int ip4_prefix(uint32_t mask);
/* The classful default mask the kernel assumes when none is given. */
uint32_t ip4_default_mask(uint32_t addr);

#endif
