/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ip= and BOOTIF= parsing: pure functions on text, unit-tested on the host. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "ipconf.h"
#include "str.h"

int ip4_parse(const char *s, size_t len, uint32_t *ret)
{
	uint32_t v = 0;
	unsigned part = 0, digits = 0, dots = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (!digits || ++dots > 3)
				return -EINVAL;
			v = v << 8 | part;
			part = digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			part = part * 10 + (unsigned)(s[i] - '0');
			digits++;
			if (part > 255)
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	if (dots != 3 || !digits)
		return -EINVAL;
	*ret = htonl(v << 8 | part);
	return 0;
}

char *ip4_format(uint32_t addr, char *buf)
{
	uint32_t h = ntohl(addr);
	struct str s;

	str_init(&s, buf, IP4_TEXT_MAX);
	str_addf(&s, "%u.%u.%u.%u", h >> 24, (h >> 16) & 255, (h >> 8) & 255, h & 255);
	return buf;
}

int ip4_prefix(uint32_t mask)
{
	uint32_t h = ntohl(mask);
	int n = 0;

	while (n < 32 && (h & (0x80000000u >> n)))
		n++;
	if (n < 32 && (h << n) != 0)
		return -1;
	return n;
}

uint32_t ip4_default_mask(uint32_t addr)
{
	uint32_t h = ntohl(addr);

	if (h >> 31 == 0)
		return htonl(0xff000000u);
	if (h >> 30 == 2)
		return htonl(0xffff0000u);
	return htonl(0xffffff00u);
}

static bool word_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncmp(s, word, len) == 0;
}

static bool autoconf_word(const char *s, size_t len)
{
	static const char *const words[] = {"on", "any", "dhcp", "bootp", "both"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (word_is(s, len, words[i]))
			return true;
	return false;
}

static int parse_field(struct ipconf *c, unsigned idx, const char *s, size_t len,
		       int *autoconf)
{
	uint32_t *addr;

	switch (idx) {
	case 0:
		addr = &c->client;
		break;
	case 1:
		addr = &c->server;
		break;
	case 2:
		addr = &c->gateway;
		break;
	case 3:
		addr = &c->netmask;
		break;
	case 4:
		if (len >= sizeof(c->hostname))
			return -EINVAL;
		memcpy(c->hostname, s, len);
		c->hostname[len] = '\0';
		return 0;
	case 5:
		if (len >= sizeof(c->device))
			return -EINVAL;
		memcpy(c->device, s, len);
		c->device[len] = '\0';
		return 0;
	case 6:
		if (!len)
			return 0;
		if (autoconf_word(s, len))
			*autoconf = 1;
		else if (word_is(s, len, "off") || word_is(s, len, "none"))
			*autoconf = 0;
		else
			return -EINVAL;
		return 0;
	case 7:
		addr = &c->dns[0];
		break;
	case 8:
		addr = &c->dns[1];
		break;
	default:
		return 0; /* ntp0 and later: not used here */
	}
	return len ? ip4_parse(s, len, addr) : 0;
}

int ipconf_parse(const char *text, struct ipconf *c, const char **field)
{
	static const char *const names[] = {"client-ip", "server-ip", "gw-ip",
					    "netmask",	 "hostname",  "device",
					    "autoconf",	 "dns0",      "dns1"};
	int autoconf = -1; /* -1: not given */
	unsigned idx = 0;
	const char *p;

	memset(c, 0, sizeof(*c));
	*field = "ip";
	if (!text || !*text || autoconf_word(text, strlen(text))) {
		c->dhcp = true;
		return 0;
	}
	if (!strcmp(text, "off") || !strcmp(text, "none")) {
		c->off = true;
		return 0;
	}
	for (p = text;; idx++) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);

		if (idx < sizeof(names) / sizeof(names[0]))
			*field = names[idx];
		if (parse_field(c, idx, p, len, &autoconf) < 0)
			return -EINVAL;
		if (!colon)
			break;
		p = colon + 1;
	}
	*field = "ip";
	/* As the kernel: autoconfiguration unless it is off and an address is given. */
	c->dhcp = autoconf == 1 || (autoconf == -1 && !c->client);
	if (!c->dhcp && !c->client) {
		*field = "client-ip";
		return -EINVAL;
	}
	if (c->netmask && ip4_prefix(c->netmask) < 0) {
		*field = "netmask";
		return -EINVAL;
	}
	if (!c->dhcp && !c->netmask)
		c->netmask = ip4_default_mask(c->client);
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int ipconf_parse_bootif(const char *text, uint8_t mac[6])
{
	/* "01-" then six hex pairs separated by '-': 20 characters. */
	if (strlen(text) != 20 || strncmp(text, "01-", 3) != 0)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *h = text + 3 + i * 3;
		int hi = hexval(h[0]), lo = hexval(h[1]);

		if (hi < 0 || lo < 0 || (i < 5 && h[2] != '-'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
