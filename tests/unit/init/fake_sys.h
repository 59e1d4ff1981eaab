/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A recording stand-in for init/sys.c, so the init's logic runs on the host. */
#ifndef FAKE_SYS_H
#define FAKE_SYS_H

#include <stddef.h>

#define FAKE_SYS_MAX_CALLS 256

/* Every call, as one line: "finit_module /path params", "mount src target type 0x.." */
extern char fake_sys_calls[FAKE_SYS_MAX_CALLS][512];
extern size_t fake_sys_n_calls;

void fake_sys_reset(void);
/* Make finit_module of a path containing `needle` fail with -err (err > 0). */
void fake_sys_fail_module(const char *needle, int err);
/* Make mount onto `target` fail with -err. */
void fake_sys_fail_mount(const char *target, int err);
/*
 * sys_spawn starts a real child that exits with `status` after `delay_ms` (status < 0,
 * the default: it starts nothing and returns -ENOSYS).
 */
void fake_sys_spawn_exit(int status, int delay_ms);
/*
 * What sys_ncpu() answers (1 after a reset). sys_module_start() records its call as
 * sys_finit_module() does and keeps the result; sys_module_wait() ends the newest load
 * first and records "done PATH", so a module started before its deps ended shows.
 */
void fake_sys_set_ncpu(int n);
/*
 * When a module whose path contains needle loads, call fn(arg) before returning (a
 * driver's probe making its disk: the test adds it to sysfs and sends its uevent).
 * Up to 4; a reset clears them.
 */
void fake_sys_on_module(const char *needle, void (*fn)(void *), void *arg);
/* The most loads that were running at once since the reset. */
size_t fake_sys_max_running(void);
/* The index of the first call starting with prefix, or -1. */
int fake_sys_find(const char *prefix);

#endif
