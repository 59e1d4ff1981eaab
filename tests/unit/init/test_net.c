/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for the netroot helper's pure parts (init/net/): ip= and BOOTIF=, the NFS and
 * NBD root syntaxes, DHCP frames both ways, the NBD handshake against a scripted server
 * on a socketpair, the /run/net-<iface>.conf text; and the init's netroot_kind().
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmdline.h"
#include "net/dhcp.h"
#include "net/ipconf.h"
#include "net/nbdproto.h"
#include "net/netconf.h"
#include "net/netspec.h"
#include "netroot.h"

static uint32_t ip(const char *s)
{
	uint32_t a;

	cr_assert_eq(ip4_parse(s, strlen(s), &a), 0, "bad test address %s", s);
	return a;
}

/* --- ip= ------------------------------------------------------------------------- */

Test(ipconf, keywords)
{
	struct ipconf c;
	const char *f;

	cr_assert_eq(ipconf_parse(NULL, &c, &f), 0);
	cr_assert(c.dhcp && !c.off);
	cr_assert_eq(ipconf_parse("dhcp", &c, &f), 0);
	cr_assert(c.dhcp);
	cr_assert_eq(ipconf_parse("on", &c, &f), 0);
	cr_assert(c.dhcp);
	cr_assert_eq(ipconf_parse("off", &c, &f), 0);
	cr_assert(c.off && !c.dhcp);
	cr_assert_eq(ipconf_parse("none", &c, &f), 0);
	cr_assert(c.off);
}

Test(ipconf, full_static_form)
{
	struct ipconf c;
	const char *f;

	cr_assert_eq(ipconf_parse("10.0.2.15:10.0.2.2:10.0.2.1:255.255.255.0:box:eth1:off:"
				  "10.0.2.3:8.8.8.8:10.0.2.4",
				  &c, &f),
		     0);
	cr_assert(!c.dhcp && !c.off);
	cr_assert_eq(c.client, ip("10.0.2.15"));
	cr_assert_eq(c.server, ip("10.0.2.2"));
	cr_assert_eq(c.gateway, ip("10.0.2.1"));
	cr_assert_eq(c.netmask, ip("255.255.255.0"));
	cr_assert_str_eq(c.hostname, "box");
	cr_assert_str_eq(c.device, "eth1");
	cr_assert_eq(c.dns[0], ip("10.0.2.3"));
	cr_assert_eq(c.dns[1], ip("8.8.8.8"));
}

Test(ipconf, partial_forms_as_the_kernel)
{
	struct ipconf c;
	const char *f;

	/* No client address and no autoconf field: DHCP, on the named device. */
	cr_assert_eq(ipconf_parse(":::::eth0", &c, &f), 0);
	cr_assert(c.dhcp);
	cr_assert_str_eq(c.device, "eth0");
	cr_assert_eq(ipconf_parse(":::::eth0:dhcp", &c, &f), 0);
	cr_assert(c.dhcp);
	/* A client address without a mask gets the classful one; without autoconf, static. */
	cr_assert_eq(ipconf_parse("192.168.7.9", &c, &f), 0);
	cr_assert(!c.dhcp);
	cr_assert_eq(c.netmask, ip("255.255.255.0"));
	cr_assert_eq(ipconf_parse("10.1.2.3::::", &c, &f), 0);
	cr_assert_eq(c.netmask, ip("255.0.0.0"));
}

Test(ipconf, errors_name_the_field)
{
	struct ipconf c;
	const char *f;

	cr_assert_eq(ipconf_parse("10.0.2.300", &c, &f), -EINVAL);
	cr_assert_str_eq(f, "client-ip");
	cr_assert_eq(ipconf_parse("10.0.2.15::x", &c, &f), -EINVAL);
	cr_assert_str_eq(f, "gw-ip");
	cr_assert_eq(ipconf_parse("10.0.2.15:::255.0.255.0", &c, &f), -EINVAL);
	cr_assert_str_eq(f, "netmask");
	cr_assert_eq(ipconf_parse("10.0.2.15::::::maybe", &c, &f), -EINVAL);
	cr_assert_str_eq(f, "autoconf");
	cr_assert_eq(ipconf_parse(":::::eth0:off", &c, &f), -EINVAL);
	cr_assert_str_eq(f, "client-ip");
	cr_assert_eq(ipconf_parse("::::::::1.2.3", &c, &f), -EINVAL);
	cr_assert_str_eq(f, "dns1");
	cr_assert_eq(ipconf_parse("eth0:dhcp", &c, &f), -EINVAL); /* dracut's form */
}

Test(ipconf, ip4_helpers)
{
	char buf[IP4_TEXT_MAX];
	uint32_t a;

	cr_assert_str_eq(ip4_format(ip("255.255.255.255"), buf), "255.255.255.255");
	cr_assert_str_eq(ip4_format(ip("10.0.2.15"), buf), "10.0.2.15");
	cr_assert_eq(ip4_prefix(ip("255.255.240.0")), 20);
	cr_assert_eq(ip4_prefix(ip("0.0.0.0")), 0);
	cr_assert_eq(ip4_prefix(ip("255.0.255.0")), -1);
	cr_assert_eq(ip4_parse("1.2.3", 5, &a), -EINVAL);
	cr_assert_eq(ip4_parse("1.2.3.4.5", 9, &a), -EINVAL);
	cr_assert_eq(ip4_parse("1..3.4", 6, &a), -EINVAL);
	cr_assert_eq(ip4_parse("1.2.3.0004", 10, &a), -EINVAL);
}

Test(ipconf, bootif)
{
	uint8_t mac[6];
	static const uint8_t want[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0xab};

	cr_assert_eq(ipconf_parse_bootif("01-52-54-00-12-34-AB", mac), 0);
	cr_assert_arr_eq(mac, want, 6);
	cr_assert_eq(ipconf_parse_bootif("52-54-00-12-34-ab", mac), -EINVAL);
	cr_assert_eq(ipconf_parse_bootif("01-52-54-00-12-34-zz", mac), -EINVAL);
	cr_assert_eq(ipconf_parse_bootif("01:52:54:00:12:34:ab", mac), -EINVAL);
}

/* --- root specifications ----------------------------------------------------------- */

Test(netspec, kernel_nfsroot)
{
	struct netspec n;
	const char *w;

	cr_assert_eq(netspec_parse("/dev/nfs", "10.0.2.2:/srv/root,vers=4.2,port=2050", NULL,
				   &n, &w),
		     0);
	cr_assert_eq(n.type, NETSPEC_NFS);
	cr_assert_eq(n.server, ip("10.0.2.2"));
	cr_assert_str_eq(n.path, "/srv/root");
	cr_assert_str_eq(n.options, "vers=4.2,port=2050");
	cr_assert_eq(n.nfs_vers, 4);
	cr_assert_eq(n.port, 2050);
	/* No server: DHCP must name it; no nfsroot= at all: the root path must. */
	cr_assert_eq(netspec_parse("/dev/nfs", "/srv/root", NULL, &n, &w), 0);
	cr_assert_eq(n.server, 0);
	cr_assert_eq(n.nfs_vers, 3);
	cr_assert_eq(n.port, NETSPEC_NFS_PORT);
	cr_assert_eq(netspec_parse("/dev/nfs", NULL, NULL, &n, &w), 0);
	cr_assert_eq(n.type, NETSPEC_NFS);
	cr_assert_str_eq(n.path, "");
}

Test(netspec, dracut_nfs)
{
	struct netspec n;
	const char *w;

	cr_assert_eq(netspec_parse("nfs4:10.0.2.2:/export:port=2050,sec=sys", NULL, NULL, &n,
				   &w),
		     0);
	cr_assert_eq(n.type, NETSPEC_NFS);
	cr_assert_eq(n.nfs_vers, 4);
	cr_assert_str_eq(n.path, "/export");
	cr_assert_str_eq(n.options, "port=2050,sec=sys");
	cr_assert_eq(n.port, 2050);
	cr_assert_eq(netspec_parse("nfs:10.0.2.2:/export", NULL, NULL, &n, &w), 0);
	cr_assert_eq(n.nfs_vers, 3);
	cr_assert_eq(netspec_parse("nfs:/export", NULL, NULL, &n, &w), 0);
	cr_assert_eq(n.server, 0);
	cr_assert_str_eq(n.path, "/export");
}

Test(netspec, nfs_errors)
{
	struct netspec n;
	const char *w;

	cr_assert_eq(netspec_parse("nfs:server.example:/x", NULL, NULL, &n, &w), -EINVAL);
	cr_assert_str_eq(w, "root");
	cr_assert_eq(n.type, NETSPEC_NONE);
	cr_assert_eq(netspec_parse("/dev/nfs", "10.0.2.2:relative", NULL, &n, &w), -EINVAL);
	cr_assert_str_eq(w, "nfsroot");
	cr_assert_eq(netspec_parse("nfs:10.0.2.2:/x:vers=2", NULL, NULL, &n, &w), -EINVAL);
	cr_assert_eq(netspec_parse("nfs:10.0.2.2:/x:port=70000", NULL, NULL, &n, &w), -EINVAL);
	cr_assert_eq(netspec_parse("nfs:", NULL, NULL, &n, &w), -EINVAL);
}

Test(netspec, nbd_forms)
{
	struct netspec n;
	const char *w;

	cr_assert_eq(netspec_parse("nbd:10.0.2.2:10809/rootexp:ext4:noatime,ro", NULL, NULL,
				   &n, &w),
		     0);
	cr_assert_eq(n.type, NETSPEC_NBD);
	cr_assert_eq(n.server, ip("10.0.2.2"));
	cr_assert_eq(n.port, 10809);
	cr_assert_str_eq(n.path, "rootexp");
	cr_assert_str_eq(n.fstype, "ext4");
	cr_assert_str_eq(n.rootflags, "noatime,ro");
	cr_assert_eq(netspec_parse("nbd:10.0.2.2:2000", NULL, NULL, &n, &w), 0);
	cr_assert_str_eq(n.path, "");
	cr_assert_eq(n.port, 2000);
	cr_assert_eq(netspec_parse("/dev/nbd0", NULL, "10.0.2.2,10809,rootexp", &n, &w), 0);
	cr_assert_eq(n.type, NETSPEC_NBD);
	cr_assert_str_eq(n.path, "rootexp");
	cr_assert_eq(netspec_parse("/dev/nbd0", NULL, "10.0.2.2,rootexp", &n, &w), 0);
	cr_assert_eq(n.port, NETSPEC_NBD_PORT);
	cr_assert_str_eq(n.path, "rootexp");
	/* Without nbdroot=, /dev/nbd0 is a plain disk path for the init. */
	cr_assert_eq(netspec_parse("/dev/nbd0", NULL, NULL, &n, &w), 0);
	cr_assert_eq(n.type, NETSPEC_NONE);
	cr_assert_eq(netspec_parse("nbd:10.0.2.2:0", NULL, NULL, &n, &w), -EINVAL);
	cr_assert_eq(netspec_parse("nbd:10.0.2.2", NULL, NULL, &n, &w), -EINVAL);
	cr_assert_eq(netspec_parse("/dev/nbd0", NULL, "10.0.2.2", &n, &w), -EINVAL);
	cr_assert_str_eq(w, "nbdroot");
	cr_assert_eq(netspec_parse("UUID=1234", NULL, NULL, &n, &w), 0);
	cr_assert_eq(n.type, NETSPEC_NONE);
}

Test(netspec, rootpath_and_mount_data)
{
	struct netspec n;
	const char *w;
	char data[256];

	cr_assert_eq(netspec_parse("/dev/nfs", NULL, NULL, &n, &w), 0);
	cr_assert_eq(netspec_apply_rootpath(&n, "10.0.2.9:/srv/diskless,vers=4"), 0);
	cr_assert_eq(n.server, ip("10.0.2.9"));
	cr_assert_str_eq(n.path, "/srv/diskless");
	cr_assert_eq(n.nfs_vers, 4);
	cr_assert_eq(netspec_nfs_data(&n, ip("10.0.2.15"), data, sizeof(data)), 0);
	cr_assert_str_eq(data, "vers=4,addr=10.0.2.9,clientaddr=10.0.2.15");

	cr_assert_eq(netspec_parse("nfs:10.0.2.2:/export", NULL, NULL, &n, &w), 0);
	cr_assert_eq(netspec_nfs_data(&n, ip("10.0.2.15"), data, sizeof(data)), 0);
	cr_assert_str_eq(data, "addr=10.0.2.2,vers=3,nolock");
	/* The command line's server wins over the root path's; "lock" is respected. */
	cr_assert_eq(netspec_parse("nfs:10.0.2.2:/export:lock", NULL, NULL, &n, &w), 0);
	cr_assert_eq(netspec_apply_rootpath(&n, "10.9.9.9:/other"), 0);
	cr_assert_eq(n.server, ip("10.0.2.2"));
	cr_assert_str_eq(n.path, "/export");
	cr_assert_eq(netspec_nfs_data(&n, 0, data, sizeof(data)), 0);
	cr_assert_str_eq(data, "lock,addr=10.0.2.2,vers=3");
	cr_assert_eq(netspec_apply_rootpath(&n, "no-path-here"), -EINVAL);
}

/* --- DHCP ------------------------------------------------------------------------------ */

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/* A server's reply frame: BOOTREPLY for xid/MAC with the given options (after cookie). */
static size_t reply(uint8_t *f, uint32_t xid, const uint8_t *opts, size_t olen)
{
	uint8_t *bp = f + 28;
	size_t blen = 240 + olen, tot = 28 + blen;

	memset(f, 0, 28 + 240 + olen);
	f[0] = 0x45;
	f[2] = (uint8_t)(tot >> 8), f[3] = (uint8_t)tot;
	f[9] = 17;
	f[20] = 0, f[21] = 67, f[22] = 0, f[23] = 68;
	f[24] = (uint8_t)((blen + 8) >> 8), f[25] = (uint8_t)(blen + 8);
	bp[0] = 2;
	bp[4] = (uint8_t)(xid >> 24), bp[5] = (uint8_t)(xid >> 16);
	bp[6] = (uint8_t)(xid >> 8), bp[7] = (uint8_t)xid;
	memcpy(bp + 16, "\x0a\x00\x02\x0f", 4); /* yiaddr 10.0.2.15 */
	memcpy(bp + 28, MAC, 6);
	memcpy(bp + 236, "\x63\x82\x53\x63", 4);
	memcpy(bp + 240, opts, olen);
	return tot;
}

Test(dhcp, discover_frame)
{
	uint8_t f[DHCP_FRAME_MAX];
	size_t len = dhcp_build(f, DHCP_DISCOVER, 0x11223344, MAC, 0, 0);
	uint32_t sum = 0;

	cr_assert_eq(len, 20 + 8 + 300);
	cr_assert_eq(f[0], 0x45);
	cr_assert_eq(f[9], 17);
	cr_assert_eq(memcmp(f + 16, "\xff\xff\xff\xff", 4), 0);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	cr_assert_eq(sum, 0xffff, "IP header checksum does not verify");
	cr_assert_eq(f[20] << 8 | f[21], 68);
	cr_assert_eq(f[22] << 8 | f[23], 67);
	cr_assert_eq(f[28], 1);
	cr_assert_eq(memcmp(f + 28 + 4, "\x11\x22\x33\x44", 4), 0);
	cr_assert_eq(f[28 + 10], 0x80, "broadcast flag");
	cr_assert_eq(memcmp(f + 28 + 28, MAC, 6), 0);
	cr_assert_eq(memcmp(f + 28 + 236, "\x63\x82\x53\x63\x35\x01\x01", 7), 0);
	/* The parameter request list asks for the root path (17). */
	cr_assert_not_null(memmem(f + 28 + 240, 60, "\x37\x06\x01\x03\x06\x0c\x0f\x11", 8));
}

Test(dhcp, request_carries_offer_and_server)
{
	uint8_t f[DHCP_FRAME_MAX];

	(void)dhcp_build(f, DHCP_REQUEST, 7, MAC, ip("10.0.2.15"), ip("10.0.2.2"));
	cr_assert_not_null(memmem(f + 28 + 240, 60, "\x35\x01\x03", 3));
	cr_assert_not_null(memmem(f + 28 + 240, 60, "\x32\x04\x0a\x00\x02\x0f", 6));
	cr_assert_not_null(memmem(f + 28 + 240, 60, "\x36\x04\x0a\x00\x02\x02", 6));
}

Test(dhcp, parse_ack_with_root_path)
{
	static const uint8_t opts[] = {
		53, 1, 5,		       /* ACK */
		1,  4, 255, 255, 255, 0,       /* subnet */
		3,  4, 10,  0,	 2,   2,       /* router */
		6,  8, 10,  0,	 2,   3, 8, 8, 8, 8, /* dns */
		54, 4, 10,  0,	 2,   2,       /* server id */
		51, 4, 0,   1,	 81,  128,     /* lease 86400 */
		12, 3, 'b', 'o', 'x',	       /* hostname */
		0,  0,			       /* pads */
		17, 25, '1', '0', '.', '0', '.', '2', '.', '9', ':', '/', 's', 'r', 'v', '/',
		'r', 'o', 'o', 't', ',', 'v', 'e', 'r', 's', '=', '4',
		255};
	uint8_t f[600];
	struct dhcp_lease l;
	size_t len = reply(f, 0xabcd, opts, sizeof(opts));

	cr_assert_eq(dhcp_parse(f, len, 0xabcd, MAC, &l), 0);
	cr_assert_eq(l.type, DHCP_ACK);
	cr_assert_eq(l.addr, ip("10.0.2.15"));
	cr_assert_eq(l.netmask, ip("255.255.255.0"));
	cr_assert_eq(l.router, ip("10.0.2.2"));
	cr_assert_eq(l.dns[0], ip("10.0.2.3"));
	cr_assert_eq(l.dns[1], ip("8.8.8.8"));
	cr_assert_eq(l.server_id, ip("10.0.2.2"));
	cr_assert_eq(l.lease_s, 86400);
	cr_assert_str_eq(l.hostname, "box");
	cr_assert_str_eq(l.rootpath, "10.0.2.9:/srv/root,vers=4");
}

Test(dhcp, parse_rejects_others_and_garbage)
{
	static const uint8_t ok[] = {53, 1, 2, 255};
	static const uint8_t overrun[] = {53, 1, 2, 17, 200, 'x'};
	static const uint8_t notype[] = {1, 4, 255, 255, 255, 0, 255};
	uint8_t other[6] = {1, 2, 3, 4, 5, 6}, f[600];
	struct dhcp_lease l;
	size_t len = reply(f, 1, ok, sizeof(ok));

	cr_assert_eq(dhcp_parse(f, len, 1, MAC, &l), 0);
	cr_assert_eq(l.type, DHCP_OFFER);
	cr_assert_eq(dhcp_parse(f, len, 2, MAC, &l), -EAGAIN, "another transaction");
	cr_assert_eq(dhcp_parse(f, len, 1, other, &l), -EAGAIN, "another client");
	cr_assert_eq(dhcp_parse(f, 20, 1, MAC, &l), -EAGAIN, "truncated frame");
	f[23] = 67; /* to the server port */
	cr_assert_eq(dhcp_parse(f, len, 1, MAC, &l), -EAGAIN);
	len = reply(f, 1, overrun, sizeof(overrun));
	cr_assert_eq(dhcp_parse(f, len, 1, MAC, &l), -EBADMSG);
	len = reply(f, 1, notype, sizeof(notype));
	cr_assert_eq(dhcp_parse(f, len, 1, MAC, &l), -EBADMSG);
	len = reply(f, 1, ok, sizeof(ok));
	f[28 + 236] = 0; /* no magic cookie */
	cr_assert_eq(dhcp_parse(f, len, 1, MAC, &l), -EBADMSG);
}

/* --- NBD handshake ---------------------------------------------------------------------- */

static size_t put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
	return (size_t)bytes;
}

static size_t greeting(uint8_t *p, uint16_t flags)
{
	size_t n = put_be(p, 0x4e42444d41474943ull, 8);

	n += put_be(p + n, 0x49484156454f5054ull, 8);
	return n + put_be(p + n, flags, 2);
}

static size_t opt_reply(uint8_t *p, uint32_t opt, uint32_t type, uint32_t len)
{
	size_t n = put_be(p, 0x3e889045565a9ull, 8);

	n += put_be(p + n, opt, 4);
	n += put_be(p + n, type, 4);
	return n + put_be(p + n, len, 4);
}

/* Run the handshake against a server whose answers are already in the socket. */
static int shake(const uint8_t *srv, size_t len, const char *name, struct nbd_export *ex,
		 uint8_t *sent, size_t *sent_len)
{
	const char *why;
	int sv[2], r;
	ssize_t n;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(write(sv[1], srv, len), (ssize_t)len);
	shutdown(sv[1], SHUT_WR); /* a server that has nothing more to say hangs up */
	r = nbdproto_handshake(sv[0], name, ex, &why);
	close(sv[0]);
	n = read(sv[1], sent, 512);
	*sent_len = n > 0 ? (size_t)n : 0;
	close(sv[1]);
	return r;
}

Test(nbd, opt_go_with_export_info)
{
	uint8_t srv[256], sent[512];
	size_t n = greeting(srv, 3), sl;
	struct nbd_export ex;

	n += opt_reply(srv + n, 7, 3, 12); /* NBD_REP_INFO, NBD_INFO_EXPORT */
	n += put_be(srv + n, 0, 2);
	n += put_be(srv + n, 67108864, 8);
	n += put_be(srv + n, 0x0043, 2);
	n += opt_reply(srv + n, 7, 1, 0); /* ACK */
	cr_assert_eq(shake(srv, n, "rootexp", &ex, sent, &sl), 0);
	cr_assert_eq(ex.size, 67108864);
	cr_assert_eq(ex.flags, 0x0043);
	/* Client flags FIXED_NEWSTYLE|NO_ZEROES, then IHAVEOPT, GO, len, name, 0 infos. */
	cr_assert_eq(sl, 4 + 16 + 4 + 7 + 2);
	cr_assert_eq(memcmp(sent, "\0\0\0\x03IHAVEOPT\0\0\0\x07\0\0\0\x0d\0\0\0\x07rootexp\0\0", sl),
		     0);
}

Test(nbd, unknown_export)
{
	uint8_t srv[128], sent[512];
	size_t n = greeting(srv, 1), sl;
	struct nbd_export ex;

	n += opt_reply(srv + n, 7, 0x80000006u, 5);
	memcpy(srv + n, "nope!", 5);
	n += 5;
	cr_assert_eq(shake(srv, n, "nosuch", &ex, sent, &sl), -ENOENT);
}

Test(nbd, falls_back_to_export_name)
{
	uint8_t srv[256], sent[512];
	size_t n = greeting(srv, 1), sl;
	struct nbd_export ex;

	n += opt_reply(srv + n, 7, 0x80000001u, 0); /* GO unsupported */
	n += put_be(srv + n, 1048576, 8);
	n += put_be(srv + n, 1, 2);
	memset(srv + n, 0, 124); /* no NO_ZEROES: 124 zero bytes follow */
	n += 124;
	cr_assert_eq(shake(srv, n, "a", &ex, sent, &sl), 0);
	cr_assert_eq(ex.size, 1048576);
	cr_assert_eq(ex.flags, 1);
	/* The second option is NBD_OPT_EXPORT_NAME (1) with the bare name. */
	cr_assert_eq(memcmp(sent + sl - 17, "IHAVEOPT\0\0\0\x01\0\0\0\x01" "a", 17), 0);
}

Test(nbd, not_a_server)
{
	uint8_t srv[64], sent[512];
	struct nbd_export ex;
	size_t sl;

	memset(srv, 'x', sizeof(srv));
	cr_assert_eq(shake(srv, 18, "a", &ex, sent, &sl), -EPROTO);
	/* Old-style (not fixed newstyle) servers are refused by name. */
	cr_assert_eq(shake(srv, greeting(srv, 0), "a", &ex, sent, &sl), -EPROTO);
	/* A server that hangs up mid-greeting. */
	cr_assert_eq(shake(srv, 10, "a", &ex, sent, &sl), -ECONNRESET);
	/* A server that hangs up on EXPORT_NAME: the name is unknown to it. */
	size_t n = greeting(srv, 1);
	n += opt_reply(srv + n, 7, 0x80000001u, 0);
	cr_assert_eq(shake(srv, n, "gone", &ex, sent, &sl), -ENOENT);
}

/* --- /run/net-<iface>.conf ------------------------------------------------------------ */

Test(netconf, klibc_format_and_quoting)
{
	struct netconf nc = {.device = "eth0", .proto = "dhcp"};
	char buf[1024];

	nc.addr = ip("10.0.2.15");
	nc.netmask = ip("255.255.255.0");
	nc.gateway = ip("10.0.2.2");
	nc.dns[0] = ip("10.0.2.3");
	nc.rootserver = ip("10.0.2.2");
	nc.lease_s = 86400;
	strcpy(nc.hostname, "it's");
	strcpy(nc.rootpath, "/srv/x\n;reboot");
	cr_assert_gt(netconf_format(&nc, buf, sizeof(buf)), 0);
	cr_assert_not_null(strstr(buf, "DEVICE='eth0'\nPROTO='dhcp'\nIPV4ADDR='10.0.2.15'\n"
					"IPV4BROADCAST='10.0.2.255'\nIPV4NETMASK='255.255.255.0'\n"
					"IPV4GATEWAY='10.0.2.2'\nIPV4DNS0='10.0.2.3'\n"
					"IPV4DNS1='0.0.0.0'\n"));
	cr_assert_not_null(strstr(buf, "HOSTNAME='it'\\''s'\n"));
	cr_assert_not_null(strstr(buf, "ROOTPATH='/srv/x;reboot'\n"), "control bytes dropped");
	cr_assert_not_null(strstr(buf, "DHCPLEASETIME='86400'\n"));
	cr_assert_eq(netconf_format(&nc, buf, 40), -ENOSPC);
}

/* --- the init's side ------------------------------------------------------------------ */

static int kind(const char *line)
{
	static struct cmdline c;

	cmdline_parse(&c, line);
	return netroot_kind(&c);
}

Test(netroot, kind_from_command_line)
{
	cr_assert_eq(kind("root=/dev/nfs nfsroot=10.0.2.2:/x"), NETROOT_MOUNTED);
	cr_assert_eq(kind("root=nfs:10.0.2.2:/x"), NETROOT_MOUNTED);
	cr_assert_eq(kind("root=nfs4:10.0.2.2:/x"), NETROOT_MOUNTED);
	cr_assert_eq(kind("root=nbd:10.0.2.2:10809"), NETROOT_BLOCK);
	cr_assert_eq(kind("nbdroot=10.0.2.2,10809 root=/dev/nbd0"), NETROOT_BLOCK);
	cr_assert_eq(kind("root=/dev/nbd0"), NETROOT_NONE);
	cr_assert_eq(kind("root=/dev/vda1 ip=dhcp"), NETROOT_NONE);
	cr_assert_eq(kind("quiet"), NETROOT_NONE);
}
