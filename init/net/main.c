/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netroot: the init runs this helper when the command line asks for a root on NFS or
 * NBD. It brings up one interface (ip=, BOOTIF=, DHCP), records what it configured in
 * /run/net-<iface>.conf, then mounts the NFS root on the new root directory or attaches
 * the NBD export as /dev/nbdN for the init to probe and mount like a disk. A separate
 * program so that the init stays small. Exit 0 on success, 1 after a logged failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "abi.h"
#include "cmdline.h"
#include "dhcpc.h"
#include "file.h"
#include "ipconf.h"
#include "link.h"
#include "log.h"
#include "nbd.h"
#include "netconf.h"
#include "nfs.h"
#include "nl.h"
#include "str.h"

#define LINK_TIMEOUT_MS 30000
#define CARRIER_TIMEOUT_MS 10000
#define DHCP_TRIES 5 /* 1 + 2 + 4 + 8 + 8 s per stage */

static struct cmdline cmd;

static const char *arg(const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < cmd.n_args; i++)
		if (!strncmp(cmd.args[i], key, klen) && cmd.args[i][klen] == '=')
			return cmd.args[i] + klen + 1;
	return NULL;
}

static int pick_link(int rt, const struct ipconf *ipc, struct link *l)
{
	const char *bootif = arg("BOOTIF");
	uint8_t mac[6];
	struct link_want w = {0};
	char seen[256];
	int r;

	if (ipc->device[0])
		w.name = ipc->device;
	else if (bootif) {
		if (ipconf_parse_bootif(bootif, mac) < 0) {
			log_error("BOOTIF='%s' is not 01-xx-xx-xx-xx-xx-xx", bootif);
			return -EINVAL;
		}
		w.mac = mac;
	}
	r = link_wait(rt, &w, LINK_TIMEOUT_MS, l);
	if (r < 0) {
		link_list_names(rt, seen, sizeof(seen));
		log_error(
			"no network interface %s%s%s within %d s (interfaces: %s): is its driver in the image?",
			w.name	? "'"
			: w.mac ? "with BOOTIF "
				: "of type Ethernet",
			w.name	? w.name
			: w.mac ? bootif
				: "",
			w.name ? "'" : "", LINK_TIMEOUT_MS / 1000, seen);
		return r;
	}
	return 0;
}

static int configure(int rt, const struct link *l, struct netconf *nc)
{
	int r = link_add_addr(rt, l->index, nc->addr, ip4_prefix(nc->netmask));
	char a[IP4_TEXT_MAX], g[IP4_TEXT_MAX];

	if (r < 0 && r != -EEXIST) {
		log_error("cannot give '%s' address %s/%d: %s", l->name,
			  ip4_format(nc->addr, a), ip4_prefix(nc->netmask),
			  log_errname(r));
		return r;
	}
	if (nc->gateway) {
		r = link_add_default_route(rt, l->index, nc->gateway);
		if (r < 0 && r != -EEXIST) {
			log_error("cannot add a default route via %s on '%s': %s",
				  ip4_format(nc->gateway, g), l->name, log_errname(r));
			return r;
		}
	}
	log_info("'%s' is %s/%d, gateway %s (%s)", l->name, ip4_format(nc->addr, a),
		 ip4_prefix(nc->netmask),
		 nc->gateway ? ip4_format(nc->gateway, g) : "none", nc->proto);
	return 0;
}

static int network_up(const struct ipconf *ipc, struct netconf *nc)
{
	struct link l;
	struct dhcp_lease lease;
	int rt, r;

	rt = nl_open(NL_ROUTE);
	if (rt < 0) {
		log_error("cannot open rtnetlink: %s", log_errname(rt));
		return rt;
	}
	(void)link_set_up(rt, 1); /* lo: index 1 on every Linux */
	r = pick_link(rt, ipc, &l);
	if (r == 0) {
		r = link_set_up(rt, l.index);
		if (r < 0)
			log_error("cannot bring '%s' up: %s", l.name, log_errname(r));
	}
	if (r == 0) {
		r = link_wait_carrier(rt, l.index, CARRIER_TIMEOUT_MS);
		if (r < 0)
			log_error("no link on '%s' within %d s: is the cable plugged in?",
				  l.name, CARRIER_TIMEOUT_MS / 1000);
	}
	if (r == 0 && ipc->dhcp) {
		r = dhcpc_run(&l, DHCP_TRIES, &lease);
		if (r == -ETIMEDOUT)
			log_error("no DHCP answer on '%s' after %d tries (about %d s)",
				  l.name, DHCP_TRIES, 23);
		else if (r == -ECONNREFUSED)
			log_error(
				"the DHCP server refused the address offered on '%s' (NAK)",
				l.name);
		else if (r < 0)
			log_error("DHCP on '%s' failed: %s", l.name, log_errname(r));
		if (r == 0)
			netconf_from_lease(nc, &l, ipc, &lease);
	} else if (r == 0) {
		netconf_from_static(nc, &l, ipc);
	}
	if (r == 0)
		r = configure(rt, &l, nc);
	close(rt);
	return r;
}

static int server_from_dhcp(struct netspec *n, const struct netconf *nc)
{
	if (n->type == NETSPEC_NFS && nc->rootpath[0] && (!n->server || !n->path[0])) {
		if (netspec_apply_rootpath(n, nc->rootpath) < 0) {
			log_error(
				"DHCP's root path '%s' is not [<server>:]<path>[,<options>]",
				nc->rootpath);
			return -EINVAL;
		}
	}
	if (!n->server)
		n->server = nc->server;
	if (!n->server || !n->path[0]) {
		log_error("root '%s' names no %s, and DHCP gave no root path (option 17)",
			  cmd.root, n->server ? "path" : "server");
		return -EINVAL;
	}
	return 0;
}

static unsigned nbd_index(void)
{
	unsigned long i = 0;

	if (str_startswith(cmd.root, "/dev/nbd") && str_to_uint(cmd.root + 8, &i) == 0)
		return (unsigned)i;
	return 0;
}

static int run(void)
{
	struct netspec n;
	struct ipconf ipc;
	struct netconf nc;
	const char *what, *ip = arg("ip");
	int r;

	if (netspec_parse(cmd.root, arg("nfsroot"), arg("nbdroot"), &n, &what) < 0) {
		log_error("cannot understand %s='%s'", what,
			  !strcmp(what, "root") ? cmd.root : arg(what));
		return -EINVAL;
	}
	if (n.type == NETSPEC_NONE) {
		log_error("root='%s' is not on the network: nothing to do", cmd.root);
		return -EINVAL;
	}
	if (ipconf_parse(ip, &ipc, &what) < 0) {
		log_error("cannot understand ip='%s': bad %s", ip, what);
		return -EINVAL;
	}
	if (ipc.off) {
		log_error("ip=%s turns the network off, but root '%s' is on the network",
			  ip, cmd.root);
		return -EINVAL;
	}
	r = network_up(&ipc, &nc);
	if (r == 0)
		r = server_from_dhcp(&n, &nc);
	if (r == 0 && !nc.rootserver)
		nc.rootserver = n.server;
	if (r == 0)
		netconf_write(&nc);
	if (r == 0 && n.type == NETSPEC_NFS)
		r = nfs_mount_root(&n, nc.addr, cmd.rw, ABI_NEW_ROOT);
	else if (r == 0)
		r = nbd_attach(&n, nbd_index());
	return r;
}

int main(void)
{
	static char text[CMDLINE_MAX];
	int fd, r;

	fd = open(ABI_KMSG_PATH, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0)
		log_set_fd(fd, ABI_KMSG_PATH);
	r = file_read("/proc/cmdline", text, sizeof(text), NULL);
	if (r < 0 && r != -EFBIG) {
		log_error("cannot read '/proc/cmdline': %s", log_errname(r));
		return 1;
	}
	cmdline_parse(&cmd, text);
	if (cmd.debug)
		log_set_level(LOG_DEBUG);
	return run() < 0 ? 1 : 0;
}
