/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/log.c: record format, levels, truncation, errno names. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int p[2];
static char out[8192];

static const char *drain(void)
{
	ssize_t n = read(p[0], out, sizeof(out) - 1);

	out[n > 0 ? n : 0] = '\0';
	return out;
}

static void setup(void)
{
	cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
	log_set_fd(p[1], NULL);
	log_set_level(LOG_INFO);
}

Test(log, record_format_and_levels)
{
	setup();
	log_error("module '%s' failed: %s", "nbd", log_errname(-ENOENT));
	cr_assert_str_eq(drain(), "<3>initramfs: module 'nbd' failed: ENOENT\n");
	log_debug("hidden");
	cr_assert_str_eq(drain(), "");
	log_set_level(LOG_WARNING);
	log_info("hidden too");
	log_warning("shown");
	cr_assert_str_eq(drain(), "<4>initramfs: shown\n");
}

/* rd.debug's lines must reach a console at the default loglevel, which hides <7>. */
Test(log, debug_lines_use_a_level_the_console_shows)
{
	setup();
	log_set_level(LOG_DEBUG);
	log_debug("step %d", 1);
	cr_assert_str_eq(drain(), "<6>initramfs: step 1\n");
}

Test(log, long_lines_say_they_were_cut)
{
	static char big[3000];

	setup();
	memset(big, 'a', sizeof(big) - 1);
	log_info("%s", big);
	drain();
	cr_assert_leq(strlen(out), 1024);
	cr_assert_gt(strlen(out), 1000);
	cr_assert(strstr(out, " [truncated]\n"), "%s", out + 1000);
}

Test(log, errno_names)
{
	cr_assert_str_eq(log_errname(ENODEV), "ENODEV");
	cr_assert_str_eq(log_errname(-EEXIST), "EEXIST");
	cr_assert_str_eq(log_errname(4095), "errno 4095");
}
