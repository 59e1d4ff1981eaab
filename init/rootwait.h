/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Wait for the root device: one scan of sysfs, then kernel uevents, no polling. */
#ifndef INIT_ROOTWAIT_H
#define INIT_ROOTWAIT_H

#include <stdbool.h>

#include "root.h"

#define ROOTWAIT_MAX_SEEN 64

struct rootwait {
	const struct root_spec *spec;
	const char *sysfs;  /* "/sys" */
	const char *devdir; /* "/dev" */
	int uevent_fd;	    /* from sys_uevent_open(), or -1 */
	int signal_fd;	    /* a nonblocking signalfd for SIGCHLD, or -1 */
	long timeout_ms;    /* < 0: forever */
	bool match_modules; /* load 'm' modules on MODALIAS of new devices */
	long defer_ms;	    /* > 0: then the plan's deferred ('d') modules load */
};

/*
 * Returns 0 with *ret filled when the device appeared, -ETIMEDOUT when the time ran
 * out (a passphrase prompt or a running cryptsetup or lvm stops the clock),
 * unlock_error() when a LUKS device could not be opened. Every block device seen is
 * remembered for rootwait_log_seen().
 */
int rootwait_run(const struct rootwait *w, struct root_dev *ret);
/* Log the block devices seen, with fs types, UUIDs and labels. */
void rootwait_log_seen(int level);
/*
 * Before switching root: tell the udev of the new root that the dm devices made here
 * (LUKS, LVM) are ready, as dm's rules would have: <rundir>/udev/data/b<major>:<minor>.
 */
void rootwait_finish(const char *sysfs, const char *rundir);
/* The probed identity of a device seen, by name, for later use (fs type); or NULL. */
const struct root_dev *rootwait_seen(const char *name);

#endif
