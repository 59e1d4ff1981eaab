/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: what the netroot helper takes from the network and the command line. The
 * input is a DHCP reply frame, an NBD server's handshake bytes, and ip=/root= text.
 */
#include <errno.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "net/dhcp.h"
#include "net/ipconf.h"
#include "net/nbdproto.h"
#include "net/netspec.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void dhcp(const uint8_t *data, size_t size)
{
	struct dhcp_lease l;
	uint32_t xid = size >= 36 ? (uint32_t)data[32] << 24 | (uint32_t)data[33] << 16 |
					    (uint32_t)data[34] << 8 | data[35]
				  : 0;

	if (dhcp_parse(data, size, xid, MAC, &l) == 0) {
		FUZZ_ASSERT(l.type != 0);
		FUZZ_ASSERT(strlen(l.hostname) < sizeof(l.hostname));
		FUZZ_ASSERT(strlen(l.rootpath) < sizeof(l.rootpath));
	}
}

static void nbd(const uint8_t *data, size_t size)
{
	struct nbd_export ex;
	const char *why;
	int sv[2];

	if (size > 65536 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	if (write(sv[1], data, size) == (ssize_t)size) {
		shutdown(sv[1], SHUT_WR);
		int r = nbdproto_handshake(sv[0], "export", &ex, &why);
		FUZZ_ASSERT(r <= 0 && why);
	}
	close(sv[0]);
	close(sv[1]);
}

static void text(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size), *second = strchr(s, '\n');
	struct netspec n;
	struct ipconf c;
	const char *what;
	char buf[512];

	if (second)
		*second++ = '\0';
	if (ipconf_parse(s, &c, &what) == 0)
		FUZZ_ASSERT(c.off || c.dhcp || c.client);
	else
		FUZZ_ASSERT(what && *what);
	if (netspec_parse(s, second, second, &n, &what) == 0 && n.type == NETSPEC_NFS) {
		FUZZ_ASSERT(n.nfs_vers == 3 || n.nfs_vers == 4);
		(void)netspec_nfs_data(&n, 0x0100000a, buf, sizeof(buf));
		if (second)
			(void)netspec_apply_rootpath(&n, second);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dhcp(data, size);
	nbd(data, size);
	text(data, size);
	return 0;
}
