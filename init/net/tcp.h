/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A TCP connection with a bounded connect, for the NBD socket and the NFS probe. */
#ifndef INIT_NET_TCP_H
#define INIT_NET_TCP_H

#include <stdint.h>

/* Connected blocking socket fd, or -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH, … */
int tcp_connect(uint32_t addr, uint16_t port, long timeout_ms);
/* Words for the errors a connection attempt gives, else the errno name. */
const char *tcp_strerror(int r);

#endif
