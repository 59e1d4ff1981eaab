/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Our static helper programs (netroot, fsck, usr, vconsole): run one and wait for it. */
#ifndef INIT_HELPER_H
#define INIT_HELPER_H

/*
 * Run path with argv (empty environment but PATH, the console as stdio) and wait.
 * 0 when it exited 0; otherwise logs how it ended and returns -EIO (or the spawn's
 * negative errno). The helper logs its own reasons first.
 */
int helper_run(const char *path, char *const argv[]);

#endif
