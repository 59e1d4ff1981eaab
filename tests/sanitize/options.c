/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Linked into the generator by SANITIZE=1 only: ASan's defaults for where we run it. */
#include <unistd.h>

const char *__asan_default_options(void);

/*
 * LeakSanitizer stops the process's threads through /proc/self/task; in a chroot without
 * /proc (pacman runs its hooks so, tests/integration/integ_pacman.sh) it can only die.
 * There, leaks go unchecked; everywhere else they are errors.
 */
const char *__asan_default_options(void)
{
	return access("/proc/self/task", R_OK) == 0 ? "" : "detect_leaks=0";
}
