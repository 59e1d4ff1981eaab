/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel-log logging for the init: "<N>initramfs: message" records on /dev/kmsg. */
#ifndef INIT_LOG_H
#define INIT_LOG_H

#include <stdbool.h>

enum {
	LOG_ERR = 3,
	LOG_WARNING = 4,
	LOG_NOTICE = 5,
	LOG_INFO = 6,
	LOG_DEBUG = 7,
};

/* Write to fd (the kmsg, or stderr before /dev exists); path lets us reopen it. */
void log_set_fd(int fd, const char *path);
/* quiet keeps warnings and errors; debug adds the step by step messages. */
void log_set_level(int max_level);
bool log_enabled(int level);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "ENOENT" for ENOENT, or the number when the table does not know it. */
const char *log_errname(int err);

#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
