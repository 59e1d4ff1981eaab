/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The generator's messages: one prefix, one level switch, stderr only. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

static enum log_level current_level = LOG_LEVEL_NORMAL;
static unsigned warnings; /* shown or not: a no-op must not skip one (build.c) */
static void (*warning_sink)(const char *message);
static const char warning_prefix[] = "warning: ";

void log_set_warning_sink(void (*sink)(const char *message))
{
	warning_sink = sink;
}

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

static void log_emit(enum log_level min, const char *prefix, const char *fmt, va_list ap)
{
	int sink = prefix == warning_prefix && warning_sink;

	if (current_level < min && !sink)
		return;
	/* One fputs per line would interleave under -P; build the line first. */
	char line[4096];
	int n = snprintf(line, sizeof(line), "mkinitramfs: %s", prefix);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (sink && (size_t)n < sizeof(line))
		warning_sink(line + n); /* whatever the level: a -q build's, said by -v */
	if (current_level >= min)
		fprintf(stderr, "%s\n", line);
}

#define DEFINE_LOG(fn, min, prefix)                                                      \
	void fn(const char *fmt, ...)                                                    \
	{                                                                                \
		va_list ap;                                                              \
		va_start(ap, fmt);                                                       \
		log_emit(min, prefix, fmt, ap);                                          \
		va_end(ap);                                                              \
	}

static void log_emit_plain(enum log_level min, const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(min, prefix, fmt, ap);
	va_end(ap);
}

DEFINE_LOG(log_error, LOG_LEVEL_QUIET, "error: ")
void log_warning(const char *fmt, ...)
{
	va_list ap;

	warnings++;
	va_start(ap, fmt);
	log_emit(LOG_LEVEL_NORMAL, warning_prefix, fmt, ap);
	va_end(ap);
}

unsigned log_warning_count(void)
{
	return warnings;
}

DEFINE_LOG(log_info, LOG_LEVEL_NORMAL, "")
DEFINE_LOG(log_verbose, LOG_LEVEL_VERBOSE, "")
DEFINE_LOG(log_debug, LOG_LEVEL_DEBUG, "debug: ")

static int log_errno(enum log_level min, const char *prefix, int r, const char *fmt,
		     va_list ap)
{
	char what[3072];

	vsnprintf(what, sizeof(what), fmt, ap);
	log_emit_plain(min, prefix, "%s: %s", what, strerror(r < 0 ? -r : r));
	return r < 0 ? r : -r;
}

int log_error_errno(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = log_errno(LOG_LEVEL_QUIET, "error: ", r, fmt, ap);
	va_end(ap);
	return r;
}

int log_warning_errno(int r, const char *fmt, ...)
{
	va_list ap;

	warnings++;
	va_start(ap, fmt);
	r = log_errno(LOG_LEVEL_NORMAL, warning_prefix, r, fmt, ap);
	va_end(ap);
	return r;
}

const char *log_escape(const char *s, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (; *s && size > 0; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[5];
		size_t len = 0;

		if (c == '\\' || c == '\'' || c == '"') {
			esc[len++] = '\\';
			esc[len++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			esc[len++] = '\\';
			esc[len++] = 'x';
			esc[len++] = hex[c >> 4];
			esc[len++] = hex[c & 15];
		} else {
			esc[len++] = (char)c;
		}
		if (n + len >= size)
			break;
		memcpy(buf + n, esc, len);
		n += len;
	}
	if (size > 0)
		buf[n] = '\0';
	return buf;
}

const char *log_file_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symbolic link";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	}
	return "not a regular file";
}
