/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel uevent messages (NETLINK_KOBJECT_UEVENT): "add@/devpath\0KEY=value\0...". */
#ifndef INIT_UEVENT_H
#define INIT_UEVENT_H

#include <stdbool.h>
#include <stddef.h>

#define UEVENT_BUFFER 8192

struct uevent {
	const char *action;
	const char *devpath;
	const char *subsystem;
	const char *devname;
	const char *devtype;
	const char *modalias;
	unsigned major;
	unsigned minor;
	bool has_devnum;
};

/* buf must be NUL-terminated at len (buf[len] == 0). -EBADMSG for other senders'. */
int uevent_parse(const char *buf, size_t len, struct uevent *ret);

#endif
