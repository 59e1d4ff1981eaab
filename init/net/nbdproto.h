/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The NBD fixed-newstyle handshake (NetworkBlockDevice doc/proto.md), client side. */
#ifndef INIT_NET_NBDPROTO_H
#define INIT_NET_NBDPROTO_H

#include <stdint.h>

struct nbd_export {
	uint64_t size;
	uint16_t flags; /* transmission flags, handed to the kernel as they are */
};

/*
 * Negotiate export name on the connected socket fd: NBD_OPT_GO, or NBD_OPT_EXPORT_NAME
 * when the server does not know GO. On success the socket is in the transmission phase.
 * -ENOENT: the server has no such export; -EPROTO: not an NBD server or not fixed
 * newstyle; -ECONNRESET: the server closed the connection; -errno of read/write.
 * *why gets a short text for the log.
 */
int nbdproto_handshake(int fd, const char *name, struct nbd_export *ex, const char **why);

#endif
