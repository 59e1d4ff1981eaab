/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The calls that change the system: sys.c is the only file that makes them, so that
 * every other file runs on the host against tests/unit/init/fake_sys.c.
 * All return 0 or a negative errno.
 */
#ifndef INIT_SYS_H
#define INIT_SYS_H

#include <sys/types.h>

int sys_mount(const char *src, const char *target, const char *type, unsigned long flags,
	      const char *data);
int sys_umount(const char *target, int flags);
/* Open path and hand it to finit_module(2) with params and flags (MODULE_INIT_*). */
int sys_finit_module(const char *path, const char *params, int flags);
/* At most this many module loads at once. */
#define SYS_MODULE_JOBS_MAX 16
/* The CPUs the init may run on, at least 1. */
int sys_ncpu(void);
/* sys_finit_module() in a child process, so that several loads run at once. Returns
 * the child's pid. */
int sys_module_start(const char *path, const char *params, int flags);
/*
 * Wait until one of the n loads started as pids[] ends; reaps it, stores its result in
 * *ret_err (0 or a negative errno: -EIO when the child died without one) and returns its
 * index in pids[].
 */
int sys_module_wait(const int *pids, int n, int *ret_err);
int sys_chroot(const char *path);
/* unlinkat(2): the deletion of the old root's files after switching root. */
int sys_unlinkat(int dirfd, const char *name, int flags);
/* execv(path, argv) with the current environment; returns only on failure. */
int sys_exec(const char *path, char *const argv[]);
/* Run "busybox sh" on the console in a child session and wait until it exits. */
int sys_run_shell(const char *busybox, const char *console);
/*
 * Start path with argv and an empty environment but PATH, stdin from stdin_fd (closed
 * in the parent by the caller), every signal unblocked. Returns the child's pid.
 */
int sys_spawn(const char *path, char *const argv[], int stdin_fd);
/* A socket on the kernel's uevent multicast group, nonblocking. Returns the fd. */
int sys_uevent_open(void);

#endif
