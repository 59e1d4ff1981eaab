/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For the test roots' inits: the boot tests read the serial line, but a boot typed on the
 * emulated keyboard makes the virtual console (console=tty0) the init's stdout. So the
 * markers always go to the first serial port (with console=ttyS0 the same tty as before).
 */
#ifndef TESTS_BOOT_SERIAL_H
#define TESTS_BOOT_SERIAL_H
#include <fcntl.h>
#include <unistd.h>

static void serial_stdout(void)
{
	int fd = open("/dev/ttyS0", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return; /* no serial port: stay on the console */
	dup2(fd, STDOUT_FILENO);
	close(fd);
}
#endif
