/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fake system calls for the init's unit tests: record, and fail on request. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fake_sys.h"
#include "sys.h"

char fake_sys_calls[FAKE_SYS_MAX_CALLS][512];
size_t fake_sys_n_calls;

static struct {
	char needle[256];
	int err;
} fails[16];
static size_t n_fails;

static struct {
	char target[256];
	int err;
} mount_fails[8];
static size_t n_mount_fails;
static int spawn_status = -1, spawn_delay_ms;
static int ncpu = 1;
static struct {
	int pid, err;
	char path[256];
} running[64];
static size_t n_running, max_running;
static int last_pid = 1000;
static struct {
	char needle[256];
	void (*fn)(void *);
	void *arg;
} on_module[4];
static size_t n_on_module;

void fake_sys_reset(void)
{
	fake_sys_n_calls = 0;
	n_fails = 0;
	n_mount_fails = 0;
	spawn_status = -1;
	ncpu = 1;
	n_running = max_running = 0;
	n_on_module = 0;
}

void fake_sys_on_module(const char *needle, void (*fn)(void *), void *arg)
{
	snprintf(on_module[n_on_module].needle, sizeof(on_module[0].needle), "%s", needle);
	on_module[n_on_module].fn = fn;
	on_module[n_on_module++].arg = arg;
}

void fake_sys_set_ncpu(int n)
{
	ncpu = n;
}

size_t fake_sys_max_running(void)
{
	return max_running;
}

void fake_sys_spawn_exit(int status, int delay_ms)
{
	spawn_status = status;
	spawn_delay_ms = delay_ms;
}

void fake_sys_fail_module(const char *needle, int err)
{
	snprintf(fails[n_fails].needle, sizeof(fails[n_fails].needle), "%s", needle);
	fails[n_fails++].err = err;
}

void fake_sys_fail_mount(const char *target, int err)
{
	snprintf(mount_fails[n_mount_fails].target, sizeof(mount_fails[0].target), "%s", target);
	mount_fails[n_mount_fails++].err = err;
}

int fake_sys_find(const char *prefix)
{
	for (size_t i = 0; i < fake_sys_n_calls; i++)
		if (strncmp(fake_sys_calls[i], prefix, strlen(prefix)) == 0)
			return (int)i;
	return -1;
}

static void record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void record(const char *fmt, ...)
{
	va_list ap;

	if (fake_sys_n_calls >= FAKE_SYS_MAX_CALLS)
		return;
	va_start(ap, fmt);
	vsnprintf(fake_sys_calls[fake_sys_n_calls++], sizeof(fake_sys_calls[0]), fmt, ap);
	va_end(ap);
}

int sys_mount(const char *src, const char *target, const char *type, unsigned long flags,
	      const char *data)
{
	record("mount %s %s %s 0x%lx", src, target, type ? type : "-", flags);
	(void)data;
	for (size_t i = 0; i < n_mount_fails; i++)
		if (strcmp(mount_fails[i].target, target) == 0)
			return -mount_fails[i].err;
	return 0;
}

int sys_umount(const char *target, int flags)
{
	record("umount %s %d", target, flags);
	return 0;
}

int sys_finit_module(const char *path, const char *params, int flags)
{
	if (flags)
		record("finit_module %s %s flags=%d", path, params, flags);
	else
		record("finit_module %s %s", path, params);
	for (size_t i = 0; i < n_on_module; i++)
		if (strstr(path, on_module[i].needle))
			on_module[i].fn(on_module[i].arg);
	for (size_t i = 0; i < n_fails; i++)
		if (strstr(path, fails[i].needle))
			return -fails[i].err;
	return 0;
}

int sys_ncpu(void)
{
	return ncpu;
}

int sys_module_start(const char *path, const char *params, int flags)
{
	int err = sys_finit_module(path, params, flags);

	if (n_running == sizeof(running) / sizeof(running[0]))
		return -EAGAIN;
	running[n_running].pid = ++last_pid;
	running[n_running].err = err;
	snprintf(running[n_running].path, sizeof(running[0].path), "%s", path);
	if (++n_running > max_running)
		max_running = n_running;
	return last_pid;
}

int sys_module_wait(const int *pids, int n, int *ret_err)
{
	int k = 0;

	for (int i = 1; i < n; i++)
		if (pids[i] > pids[k])
			k = i;
	for (size_t i = 0; i < n_running; i++) {
		if (running[i].pid != pids[k])
			continue;
		record("done %s", running[i].path);
		*ret_err = running[i].err;
		running[i] = running[--n_running];
		return k;
	}
	*ret_err = -ECHILD; /* not a load we started: the caller's bug */
	record("done unknown pid %d", pids[k]);
	return k;
}

int sys_chroot(const char *path)
{
	record("chroot %s", path);
	return 0;
}

/* Real: the tests delete scratch trees they made, and check what is left. */
int sys_unlinkat(int dirfd, const char *name, int flags)
{
	record("unlinkat %s", name);
	return unlinkat(dirfd, name, flags) < 0 ? -errno : 0;
}

int sys_exec(const char *path, char *const argv[])
{
	(void)argv;
	record("exec %s", path);
	return -ENOEXEC;
}

int sys_run_shell(const char *busybox, const char *console)
{
	record("shell %s %s", busybox, console);
	return 0;
}

int sys_uevent_open(void)
{
	return -EPERM;
}

int sys_spawn(const char *path, char *const argv[], int stdin_fd)
{
	char line[400] = "";
	size_t n = 0;

	(void)stdin_fd;
	for (size_t i = 1; argv[i] && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s", argv[i]);
	record("spawn %s%s", path, line);
	if (spawn_status < 0)
		return -ENOSYS;
	pid_t pid = fork();
	if (pid == 0) {
		usleep((useconds_t)spawn_delay_ms * 1000);
		_exit(spawn_status);
	}
	return pid < 0 ? -errno : pid;
}
