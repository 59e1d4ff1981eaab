/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the progress lines: on a terminal only, never with -q, steps as said. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

/* Run start + two steps with stderr on fd; return what the other end read. */
static void run_steps(int fd, const char *delay)
{
	int saved = dup(STDERR_FILENO);

	setenv("MKINITRAMFS_PROGRESS_DELAY_MS", delay, 1);
	cr_assert_geq(saved, 0);
	cr_assert_geq(dup2(fd, STDERR_FILENO), 0);
	progress_start("/boot/initramfs-linux.img");
	progress_step("running the hooks");
	progress_step("writing the image (zstd)");
	progress_stop();
	dup2(saved, STDERR_FILENO);
	close(saved);
}

static size_t drain(int fd, char *buf, size_t cap)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t len = 0;
	ssize_t n;

	while (len + 1 < cap && poll(&p, 1, 200) > 0 &&
	       (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return len;
}

Test(progress, terminal_shows_each_step)
{
	int master, slave;
	char buf[1024];

	cr_assert_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
	log_set_level(LOG_LEVEL_NORMAL);
	run_steps(slave, "0");
	drain(master, buf, sizeof(buf));
	cr_assert(strstr(buf, "mkinitramfs: initramfs-linux.img: running the hooks...\r\n"), "%s",
		  buf);
	cr_assert(strstr(buf, "mkinitramfs: initramfs-linux.img: writing the image (zstd)...\r\n"),
		  "%s", buf);
	close(master);
	close(slave);
}

Test(progress, quiet_and_fast_builds_show_nothing)
{
	int master, slave;
	char buf[1024];

	cr_assert_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
	log_set_level(LOG_LEVEL_QUIET);
	run_steps(slave, "0");
	cr_assert_eq(drain(master, buf, sizeof(buf)), 0, "-q: '%s'", buf);
	log_set_level(LOG_LEVEL_NORMAL);
	run_steps(slave, "60000"); /* a build far shorter than its delay */
	cr_assert_eq(drain(master, buf, sizeof(buf)), 0, "before the delay: '%s'", buf);
	close(master);
	close(slave);
}

Test(progress, not_a_terminal_shows_nothing)
{
	int p[2];
	char buf[1024];

	cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
	log_set_level(LOG_LEVEL_NORMAL);
	run_steps(p[1], "0");
	close(p[1]);
	cr_assert_eq(drain(p[0], buf, sizeof(buf)), 0, "a pipe: '%s'", buf);
	close(p[0]);
}
