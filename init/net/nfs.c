/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NFS root: what the kernel's nfsroot would do, since Debian's kernel cannot. */
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipconf.h"
#include "log.h"
#include "nfs.h"
#include "str.h"
#include "tcp.h"

#define PROBE_TIMEOUT_MS 15000

int nfs_mount_root(const struct netspec *n, uint32_t client, bool rw, const char *target)
{
	char ip[IP4_TEXT_MAX], src[300], data[512];
	const char *type = n->nfs_vers == 4 ? "nfs4" : "nfs";
	struct str s;
	int fd, r;

	ip4_format(n->server, ip);
	/* The kernel's own RPC retries take minutes: find a dead server quickly first. */
	fd = tcp_connect(n->server, n->port, PROBE_TIMEOUT_MS);
	if (fd < 0) {
		log_error("NFS server %s port %u is unreachable: %s", ip, n->port,
			  tcp_strerror(fd));
		return fd;
	}
	close(fd);
	str_init(&s, src, sizeof(src));
	str_addf(&s, "%s:%s", ip, n->path);
	r = netspec_nfs_data(n, client, data, sizeof(data));
	if (r < 0 || s.truncated) {
		log_error("NFS options '%s' are too long", n->options);
		return -ENAMETOOLONG;
	}
	(void)mkdir(target, 0755);
	log_info("mounting '%s' (type %s, options '%s') on '%s' %s", src, type, data,
		 target, rw ? "rw" : "ro");
	if (mount(src, target, type, rw ? 0 : MS_RDONLY, data) == 0)
		return 0;
	r = -errno;
	if (r == -ENOENT)
		log_error("NFS server %s has no export '%s' (ENOENT)", ip, n->path);
	else if (r == -ENODEV)
		log_error(
			"cannot mount '%s': the kernel has no '%s' filesystem (is its module in the image?)",
			src, type);
	else
		log_error("cannot mount '%s' (type %s, options '%s'): %s", src, type,
			  data, log_errname(r));
	return r;
}
