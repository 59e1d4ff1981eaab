/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Root-first: the drivers devices matched wait here; the cheapest to load goes first. */
#ifndef INIT_DEVQUEUE_H
#define INIT_DEVQUEUE_H

#include <stddef.h>

#include "plan.h"

#define DEVQUEUE_MAX 128

void devqueue_reset(void);
/*
 * Queue module mod of plan, matched by a device's modalias why (copied; its "loaded
 * for" line names it). 0 when queued or already there, -ENOSPC when the queue is full
 * (the caller then loads it at once).
 */
int devqueue_add(const struct plan *plan, size_t mod, const char *why);
/*
 * What module i would cost now: the bytes of the files of its closure (itself and its
 * <deps>) not loaded yet, as they are in the image (.ko or .ko.zst).
 */
unsigned long devqueue_cost(const struct plan *plan, size_t i);
/*
 * Take up to max queued modules still waiting to load, the cheapest first (ties: the
 * first queued), into ret_mods and ret_whys, but after the first only those that cost
 * at most twice as much (loaded side by side, the dearest would hold the others).
 * Returns how many: 1 or more unless nothing waits.
 */
size_t devqueue_take(const struct plan *plan, size_t max, unsigned short *ret_mods,
		     const char **ret_whys);
/* The root was found: one info line naming what is left to the real root, and at
 * debug level each with its device. Returns how many. */
size_t devqueue_log_left(const struct plan *plan);
/* How many queued drivers still wait to load. */
size_t devqueue_waiting(const struct plan *plan);

#endif
