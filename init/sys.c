/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The only file that mounts, loads modules, chroots, execs and powers off. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys.h"

extern char **environ;

/* musl ships no kernel headers: the two netlink definitions we need. */
#define NETLINK_KOBJECT_UEVENT_INIT 15
struct sockaddr_nl_init {
	sa_family_t nl_family;
	unsigned short nl_pad;
	uint32_t nl_pid;
	uint32_t nl_groups;
};

int sys_mount(const char *src, const char *target, const char *type, unsigned long flags,
	      const char *data)
{
	return mount(src, target, type, flags, data) < 0 ? -errno : 0;
}

int sys_umount(const char *target, int flags)
{
	return umount2(target, flags) < 0 ? -errno : 0;
}

int sys_finit_module(const char *path, const char *params, int flags)
{
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, flags) < 0)
		r = -errno;
	close(fd);
	return r;
}

int sys_ncpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	return CPU_COUNT(&set) > 1 ? CPU_COUNT(&set) : 1;
}

int sys_module_start(const char *path, const char *params, int flags)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) /* errno values fit an exit status */
		_exit(-sys_finit_module(path, params, flags));
	return pid;
}

/* A pidfd turns readable when its process ends: poll() waits for whichever ends first
 * without reaping the init's other children (helpers, the event loop's). Without pidfds
 * (Linux < 5.3), the oldest load is waited for. */
int sys_module_wait(const int *pids, int n, int *ret_err)
{
	struct pollfd p[SYS_MODULE_JOBS_MAX];
	int k = 0, status = -1;

	for (int i = 0; i < n; i++) {
		p[i].fd = (int)syscall(SYS_pidfd_open, pids[i], 0);
		p[i].events = POLLIN;
		p[i].revents = 0;
	}
	while (p[0].fd >= 0 && poll(p, (nfds_t)n, -1) < 0 && errno == EINTR)
		;
	for (int i = n - 1; i >= 0; i--) {
		if (p[i].fd >= 0 && p[i].revents)
			k = i;
		if (p[i].fd >= 0)
			close(p[i].fd);
	}
	while (waitpid(pids[k], &status, 0) < 0 && errno == EINTR)
		;
	*ret_err = WIFEXITED(status) ? -WEXITSTATUS(status) : -EIO;
	return k;
}

int sys_chroot(const char *path)
{
	return chroot(path) < 0 ? -errno : 0;
}

int sys_unlinkat(int dirfd, const char *name, int flags)
{
	return unlinkat(dirfd, name, flags) < 0 ? -errno : 0;
}

int sys_exec(const char *path, char *const argv[])
{
	execve(path, argv, environ);
	return -errno;
}

int sys_run_shell(const char *busybox, const char *console)
{
	static char *const argv[] = {(char *)"sh", NULL};
	static char *const envp[] = {(char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				     (char *)"PS1=(initramfs) # ", (char *)"HOME=/",
				     (char *)"TERM=linux", NULL};
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd;

		sigset_t none;

		/* The init blocks SIGCHLD for its signalfd: the shell must not inherit
		 * it. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* Its own session with the console as controlling tty, so ^C works. */
		setsid();
		fd = open(console, O_RDWR | O_NOCTTY);
		if (fd >= 0) {
			(void)ioctl(fd, TIOCSCTTY, 1);
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		execve(busybox, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

int sys_spawn(const char *path, char *const argv[], int stdin_fd)
{
	static char *const envp[] = {(char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	sigset_t all;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (stdin_fd >= 0 && stdin_fd != 0) {
			dup2(stdin_fd, 0);
			close(stdin_fd);
		}
		execve(path, argv, envp);
		_exit(127);
	}
	return pid;
}

int sys_uevent_open(void)
{
	struct sockaddr_nl_init addr = {.nl_family = AF_NETLINK, .nl_groups = 1};
	int size = 16 << 20;
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    NETLINK_KOBJECT_UEVENT_INIT);
	if (fd < 0)
		return -errno;
	/* Module loading can burst many events; losing them costs a rescan. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}
