/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The generator's messages: one prefix, one level switch, stderr only. */
#ifndef MKINITRAMFS_LOG_H
#define MKINITRAMFS_LOG_H

#include "util.h"

enum log_level {
	LOG_LEVEL_QUIET = 0,   /* errors only (-q) */
	LOG_LEVEL_NORMAL = 1,  /* errors, warnings, short summaries */
	LOG_LEVEL_VERBOSE = 2, /* -v: explanations */
	LOG_LEVEL_DEBUG = 3,   /* -vv */
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* "mkinitramfs: error: ...", to stderr. Messages are lowercase, no trailing period. */
void log_error(const char *fmt, ...) _printf_(1, 2);
void log_warning(const char *fmt, ...) _printf_(1, 2);
/* Plain lines to stderr at normal level and above (not shown with -q). */
void log_info(const char *fmt, ...) _printf_(1, 2);
void log_verbose(const char *fmt, ...) _printf_(1, 2);
void log_debug(const char *fmt, ...) _printf_(1, 2);

#endif
