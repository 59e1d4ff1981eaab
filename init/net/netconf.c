/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /run/net-<iface>.conf in klibc ipconfig's format, which initramfs-tools' scripts and
 * ifupdown read, so that the real root keeps the interface its root is reached through.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netconf.h"
#include "str.h"

void netconf_from_lease(struct netconf *nc, const struct link *l,
			const struct ipconf *ipc, const struct dhcp_lease *lease)
{
	memset(nc, 0, sizeof(*nc));
	memcpy(nc->device, l->name, sizeof(nc->device));
	nc->proto = "dhcp";
	nc->addr = lease->addr;
	nc->netmask = lease->netmask ? lease->netmask : ip4_default_mask(lease->addr);
	nc->gateway = lease->router;
	nc->server = lease->server_id;
	nc->rootserver = ipc->server;
	memcpy(nc->dns, lease->dns, sizeof(nc->dns));
	nc->lease_s = lease->lease_s;
	memcpy(nc->hostname, lease->hostname, sizeof(nc->hostname));
	if (ipc->hostname[0])
		(void)str_copy(nc->hostname, sizeof(nc->hostname), ipc->hostname);
	memcpy(nc->domain, lease->domain, sizeof(nc->domain));
	memcpy(nc->rootpath, lease->rootpath, sizeof(nc->rootpath));
}

void netconf_from_static(struct netconf *nc, const struct link *l,
			 const struct ipconf *ipc)
{
	memset(nc, 0, sizeof(*nc));
	memcpy(nc->device, l->name, sizeof(nc->device));
	nc->proto = "none";
	nc->addr = ipc->client;
	nc->netmask = ipc->netmask;
	nc->gateway = ipc->gateway;
	nc->server = ipc->server;
	nc->rootserver = ipc->server;
	memcpy(nc->dns, ipc->dns, sizeof(nc->dns));
	(void)str_copy(nc->hostname, sizeof(nc->hostname), ipc->hostname);
}

/* VAR='value' with every ' in value written as '\'' : the values may come from DHCP. */
static void put_quoted(struct str *s, const char *var, const char *value)
{
	str_addf(s, "%s='", var);
	for (const char *p = value; *p; p++) {
		if (*p == '\'')
			str_add(s, "'\\''");
		else if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			str_addc(s, *p);
	}
	str_add(s, "'\n");
}

static void put_ip(struct str *s, const char *var, uint32_t addr)
{
	char ip[IP4_TEXT_MAX];

	put_quoted(s, var, ip4_format(addr, ip));
}

int netconf_format(const struct netconf *nc, char *buf, size_t cap)
{
	char num[24];
	struct str s, n;

	str_init(&s, buf, cap);
	put_quoted(&s, "DEVICE", nc->device);
	put_quoted(&s, "PROTO", nc->proto);
	put_ip(&s, "IPV4ADDR", nc->addr);
	put_ip(&s, "IPV4BROADCAST", nc->addr | ~nc->netmask);
	put_ip(&s, "IPV4NETMASK", nc->netmask);
	put_ip(&s, "IPV4GATEWAY", nc->gateway);
	put_ip(&s, "IPV4DNS0", nc->dns[0]);
	put_ip(&s, "IPV4DNS1", nc->dns[1]);
	put_quoted(&s, "HOSTNAME", nc->hostname);
	put_quoted(&s, "DNSDOMAIN", nc->domain);
	put_ip(&s, "ROOTSERVER", nc->rootserver);
	put_quoted(&s, "ROOTPATH", nc->rootpath);
	str_init(&n, num, sizeof(num));
	str_addf(&n, "%u", nc->lease_s);
	put_quoted(&s, "DHCPLEASETIME", num);
	return s.truncated ? -ENOSPC : (int)s.len;
}

void netconf_write(const struct netconf *nc)
{
	char path[64], text[1024];
	struct str p;
	int fd, len;

	str_init(&p, path, sizeof(path));
	str_addf(&p, "/run/net-%s.conf", nc->device);
	len = netconf_format(nc, text, sizeof(text));
	fd = len < 0 ? -1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, (size_t)len) != len)
		log_warning("cannot write '%s': %s", path,
			    log_errname(len < 0 ? len : -errno));
	if (fd >= 0)
		close(fd);
}
