/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Roots on the network: the init hands them to the netroot helper (init/net/). */
#ifndef INIT_NETROOT_H
#define INIT_NETROOT_H

#include "cmdline.h"

enum {
	NETROOT_NONE = 0,    /* root= is not on the network: nothing done */
	NETROOT_MOUNTED = 1, /* NFS: the root is mounted on ABI_NEW_ROOT */
	NETROOT_BLOCK = 2,   /* NBD: c->root now names the attached /dev/nbdN */
};

/* Which kind of network root c asks for, without doing anything. */
int netroot_kind(const struct cmdline *c);
/*
 * Run ABI_NETROOT_PATH for a network root; for dracut's root=nbd:… point c->root (and
 * rootfstype, rootflags when unset) at the attached device. Returns NETROOT_* or a
 * negative errno after logging why.
 */
int netroot_prepare(struct cmdline *c);

#endif
