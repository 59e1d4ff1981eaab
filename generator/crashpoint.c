/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test-only crash points: stop a build at a numbered step, as a crash or Ctrl-C would. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashpoint.h"

void crashpoint(const char *where)
{
	static int ready, list, sig = SIGKILL;
	static long at = -1, count;

	if (!ready) {
		const char *e = getenv("MKINITRAMFS_TEST_KILL_AT");
		const char *s = getenv("MKINITRAMFS_TEST_KILL_SIGNAL");
		ready = 1;
		if (e && strcmp(e, "list") == 0)
			list = 1;
		else if (e && *e)
			at = strtol(e, NULL, 10);
		if (s && strcmp(s, "INT") == 0)
			sig = SIGINT;
		else if (s && strcmp(s, "TERM") == 0)
			sig = SIGTERM;
		else if (s && strcmp(s, "STOP") == 0)
			sig = SIGSTOP; /* the test looks around, then sends SIGCONT */
	}
	if (!list && at <= 0)
		return;
	count++;
	if (list)
		fprintf(stderr, "crashpoint %ld: %s\n", count, where);
	else if (count == at)
		raise(sig);
}
