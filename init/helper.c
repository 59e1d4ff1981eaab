/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Run a helper program of the image (netroot, fsck, usr, vconsole) and report how it
 * ended. */
#include <errno.h>
#include <sys/wait.h>

#include "helper.h"
#include "log.h"
#include "sys.h"

int helper_run(const char *path, char *const argv[])
{
	int status;
	/* Through sys.c, as every exec of the init: the child starts with no signal
	 * blocked (the init blocks SIGCHLD for its signalfd). */
	pid_t pid = sys_spawn(path, argv, -1);

	if (pid < 0) {
		log_error("cannot run '%s': %s", path, log_errname(pid));
		return pid;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		log_error("cannot run '%s'", path);
	else
		log_error("'%s' failed (%s %d): see its messages above", path,
			  WIFEXITED(status) ? "exit status" : "signal",
			  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return -EIO;
}
