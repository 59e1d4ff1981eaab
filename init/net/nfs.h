/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mount an NFS root on the new root directory with mount(2) and text options. */
#ifndef INIT_NET_NFS_H
#define INIT_NET_NFS_H

#include <stdbool.h>

#include "netspec.h"

/* 0 once target holds the export; every failure is logged here. */
int nfs_mount_root(const struct netspec *n, uint32_t client, bool rw, const char *target);

#endif
