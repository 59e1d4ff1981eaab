/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The generator's messages: one prefix, one level switch, stderr only. */
#ifndef MKINITRAMFS_LOG_H
#define MKINITRAMFS_LOG_H

#include <sys/types.h>

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
/*
 * The one way to report a failure (CODING_STYLE.md): at the site that knows what failed,
 * log the message followed by ": <strerror(-r)>" and return r (a negative errno), so the
 * caller writes `return log_error_errno(r, "cannot read '%s'", path);` and its own
 * callers only pass r up without logging again. A message that already says why uses
 * log_error() and returns its own negative errno.
 */
int log_error_errno(int r, const char *fmt, ...) _printf_(2, 3);
int log_warning_errno(int r, const char *fmt, ...) _printf_(2, 3);
/*
 * Untrusted text (names from module trees, archives, the command line) for a message:
 * control characters, quotes and backslashes escaped C-style, at most `size - 1` bytes.
 * Returns buf.
 */
const char *log_escape(const char *s, char *buf, size_t size);
/* What a non-regular file is, for a message: "a FIFO", "a socket", "a directory",
 * "a character device", "a block device", "a symbolic link", "a regular file". */
const char *log_file_type(mode_t mode);
/* Plain lines to stderr at normal level and above (not shown with -q). */
/* How many warnings this process has logged so far. */
unsigned log_warning_count(void);
/* Every warning's message (after "warning: "), shown or not, also to `sink` (NULL:
 * none): the input journal keeps a build's, for its no-op to say them again. */
void log_set_warning_sink(void (*sink)(const char *message));
void log_info(const char *fmt, ...) _printf_(1, 2);
void log_verbose(const char *fmt, ...) _printf_(1, 2);
void log_debug(const char *fmt, ...) _printf_(1, 2);

#endif
