/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Progress lines for a person watching a slow build on a terminal; silent in scripts. */
#ifndef MKINITRAMFS_PROGRESS_H
#define MKINITRAMFS_PROGRESS_H

/*
 * Start watching the build of image: when stderr is a terminal and the level is not
 * quiet, a timer fires after PROGRESS_DELAY_MS (MKINITRAMFS_PROGRESS_DELAY_MS in the
 * environment overrides it; 0 shows every step) and prints the current step; every later
 * step is printed when it starts. Otherwise nothing is ever printed.
 */
void progress_start(const char *image);
/* The step now running ("hooks", "modules", "compressing (zstd)"). */
void progress_step(const char *what);
/* Stop the timer (the build is over). */
void progress_stop(void);

#define PROGRESS_DELAY_MS 1000

#endif
