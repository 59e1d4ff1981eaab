/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Progress lines: a build that has run for a second on a terminal says which step it is
 * in. A one-shot interval timer prints the step that is running when it fires (write(2)
 * from the handler: async-signal-safe), so a long compression that started early is
 * still announced; after that, each step is printed as it starts.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

static volatile sig_atomic_t active, shown;
static char image_name[256];
static char line[512];
static volatile size_t line_len;

static void on_timer(int sig)
{
	(void)sig;
	shown = 1;
	if (line_len)
		(void)!write(STDERR_FILENO, line, line_len);
}

static long delay_ms(void)
{
	const char *env = getenv("MKINITRAMFS_PROGRESS_DELAY_MS");
	char *end;
	long v;

	if (!env || !*env)
		return PROGRESS_DELAY_MS;
	v = strtol(env, &end, 10);
	return *end || v < 0 || v > 3600000 ? PROGRESS_DELAY_MS : v;
}

void progress_start(const char *image)
{
	struct sigaction sa = {.sa_handler = on_timer, .sa_flags = SA_RESTART};
	long ms = delay_ms();
	struct itimerval it = {.it_value = {ms / 1000, (ms % 1000) * 1000}};
	const char *slash = image ? strrchr(image, '/') : NULL;

	active = shown = 0;
	line_len = 0;
	if (!isatty(STDERR_FILENO) || log_get_level() < LOG_LEVEL_NORMAL)
		return;
	snprintf(image_name, sizeof(image_name), "%s",
		 slash	 ? slash + 1
		 : image ? image
			 : "image");
	active = 1;
	if (ms == 0) { /* every step from the start */
		shown = 1;
		return;
	}
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &it, NULL) < 0)
		active = 0;
}

void progress_step(const char *what)
{
	sigset_t block, old;
	int n;

	if (!active)
		return;
	/* The handler never sees a half-written line. */
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	n = snprintf(line, sizeof(line), "mkinitramfs: %s: %s...\n", image_name, what);
	line_len = n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	if (shown)
		(void)!write(STDERR_FILENO, line, line_len);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void progress_stop(void)
{
	struct itimerval off = {0};

	if (!active)
		return;
	(void)setitimer(ITIMER_REAL, &off, NULL);
	active = 0;
	line_len = 0;
}
