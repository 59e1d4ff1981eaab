/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test-only crash points: stop a build at a numbered step, as a crash or Ctrl-C would. */
#ifndef MKINITRAMFS_CRASHPOINT_H
#define MKINITRAMFS_CRASHPOINT_H

/*
 * Every call is one numbered step of a build. Nothing happens unless the environment
 * asks, for the crash-safety tests (tests/integration/robust_kill.sh):
 *   MKINITRAMFS_TEST_KILL_AT=N        the Nth step raises SIGKILL (or the signal below)
 *   MKINITRAMFS_TEST_KILL_AT=list     print "crashpoint N: WHERE" for every step
 *   MKINITRAMFS_TEST_KILL_SIGNAL=INT|TERM|KILL|STOP
 */
void crashpoint(const char *where);

#endif
