/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which network root the command line asks for: NFS (kernel and dracut syntax) or NBD. */
#ifndef INIT_NET_NETSPEC_H
#define INIT_NET_NETSPEC_H

#include <stdint.h>

enum netspec_type { NETSPEC_NONE, NETSPEC_NFS, NETSPEC_NBD };

#define NETSPEC_NFS_PORT 2049
#define NETSPEC_NBD_PORT 10809

struct netspec {
	enum netspec_type type;
	/* The server as an IPv4 address; 0 when the command line leaves it to DHCP. */
	uint32_t server;
	/* NFS: the exported directory. NBD: the export name ("" = the default export). */
	char path[256];
	/* NFS: the options as given (comma-separated). */
	char options[256];
	/* NFS: 4 for nfs4: or vers=4*, else 3. */
	int nfs_vers;
	uint16_t port;
	/* NBD (dracut): the filesystem type and mount options of the root; "" if absent.
	 */
	char fstype[32];
	char rootflags[256];
};

/*
 * root= with nfsroot= and nbdroot= (each NULL when absent):
 *   root=/dev/nfs nfsroot=[<server>:]<path>[,<options>]
 *   root=nfs:[<server>:]<path>[:<options>]     root=nfs4:…
 *   root=nbd:<server>:<port>[/<export>][:<fstype>[:<rootflags>]]
 *   root=/dev/nbd0 nbdroot=<server>,<port>[,<export>]
 * Returns 0 (type NETSPEC_NONE for any other root), or -EINVAL with *what naming the
 * parameter that is wrong.
 */
int netspec_parse(const char *root, const char *nfsroot, const char *nbdroot,
		  struct netspec *n, const char **what);

/*
 * DHCP's root path (option 17), "[<server>:]<path>[,<options>]", fills what the command
 * line left open: the server, and the path when root=/dev/nfs had no nfsroot=.
 */
int netspec_apply_rootpath(struct netspec *n, const char *rootpath);

/* The NFS mount(2) data: the user's options plus addr=, clientaddr=, vers=, nolock. */
int netspec_nfs_data(const struct netspec *n, uint32_t client, char *buf, size_t cap);

#endif
