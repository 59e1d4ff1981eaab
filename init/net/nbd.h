/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attach an NBD export as /dev/nbd<index>: handshake, then the kernel takes the socket.
 */
#ifndef INIT_NET_NBD_H
#define INIT_NET_NBD_H

#include "netspec.h"

/* 0 once /dev/nbd<index> serves the export; every failure is logged here. */
int nbd_attach(const struct netspec *n, unsigned index);

#endif
