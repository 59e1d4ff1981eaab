// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Network roots need rtnetlink, DHCP, NFS options and the NBD handshake: a separate
 * static helper does that, so /init stays within its size budget. Here only the
 * decision, the run of the helper, and dracut's NBD syntax mapped onto a block root.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "coldplug.h"
#include "helper.h"
#include "log.h"
#include "modload.h"
#include "netroot.h"
#include "str.h"

static bool has_arg(const struct cmdline *c, const char *prefix)
{
	for (size_t i = 0; i < c->n_args; i++)
		if (str_startswith(c->args[i], prefix))
			return true;
	return false;
}

int netroot_kind(const struct cmdline *c)
{
	if (!c->root)
		return NETROOT_NONE;
	if (!strcmp(c->root, "/dev/nfs") || str_startswith(c->root, "nfs:") ||
	    str_startswith(c->root, "nfs4:"))
		return NETROOT_MOUNTED;
	if (str_startswith(c->root, "nbd:") ||
	    (str_startswith(c->root, "/dev/nbd") && has_arg(c, "nbdroot=")))
		return NETROOT_BLOCK;
	return NETROOT_NONE;
}

static int run_helper(void)
{
	static char *const argv[] = {(char *)"netroot", NULL};

	return helper_run(ABI_NETROOT_PATH, argv);
}

/* dracut: nbd:<server>:<port>[/<export>][:<fstype>[:<rootflags>]] -> /dev/nbd0. */
static void map_dracut_nbd(struct cmdline *c)
{
	static char fstype[32], flags[256];
	const char *p = strchr(c->root + 4, ':'), *q;

	p = p ? strchr(p + 1, ':') : NULL;
	if (p) {
		q = strchr(++p, ':');
		size_t len = q ? (size_t)(q - p) : strlen(p);

		if (!c->rootfstype && len && len < sizeof(fstype)) {
			memcpy(fstype, p, len);
			fstype[len] = '\0';
			c->rootfstype = fstype;
		}
		if (q && !c->rootflags && q[1] &&
		    str_copy(flags, sizeof(flags), q + 1) == 0)
			c->rootflags = flags;
	}
	c->root = "/dev/nbd0";
}

/*
 * A network card often sits behind a bus driver that coldplug loaded (virtio_pci, whose
 * probe creates the virtio device that virtio_net binds to) after the walk had passed
 * that place. Block roots catch such devices through rootwait's uevents; here nothing
 * listens while the helper runs, so walk again until a pass loads nothing new.
 */
static void coldplug_settle(void)
{
	for (int pass = 0; pass < 4 && modload_has_match(); pass++)
		if (coldplug_scan("/sys/devices") <= 0)
			break;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int netroot_prepare(struct cmdline *c)
{
	int kind = netroot_kind(c), r;
	long t0;

	if (kind == NETROOT_NONE)
		return NETROOT_NONE;
	if (access(ABI_NETROOT_PATH, X_OK) < 0) {
		log_error(
			"root '%s' is on the network, but the image has no '%s': build it with the net hook",
			c->root, ABI_NETROOT_PATH);
		return -ENOENT;
	}
	coldplug_settle();
	log_info("root '%s' is on the network: running '%s'", c->root, ABI_NETROOT_PATH);
	t0 = now_ms();
	r = run_helper();
	if (r < 0)
		return r;
	log_info("network root ready in %ld ms (%s)", now_ms() - t0,
		 kind == NETROOT_MOUNTED ? "mounted" : "block device attached");
	if (str_startswith(c->root, "nbd:"))
		map_dracut_nbd(c);
	return kind;
}
