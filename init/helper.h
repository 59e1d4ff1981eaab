/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The image's helper programs (netroot, vconsole): run one and wait for it. */
#ifndef INIT_HELPER_H
#define INIT_HELPER_H

/*
 * Run path with argv (an empty environment but PATH) and wait for it. Returns 0 when it
 * exited 0, else a negative errno after logging how it ended (its own messages, in the
 * kernel log, say why).
 */
int helper_run(const char *path, char *const argv[]);

#endif
