/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One kmsg record per message, with a level, a prefix, and errno names. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "log.h"
#include "str.h"

#define LOG_LINE_MAX 1024
/*
 * The kernel rate-limits each open /dev/kmsg file (10 records per 5 s by default), so
 * a chatty boot would lose lines: reopen before the burst is used up.
 */
#define LOG_REOPEN_EVERY 8

static int log_fd = 2;
static const char *log_path;
static unsigned log_count;
static int log_max = LOG_INFO;

void log_set_fd(int fd, const char *path)
{
	log_fd = fd;
	log_path = path;
	log_count = 0;
}

void log_set_level(int max_level)
{
	log_max = max_level;
}

bool log_enabled(int level)
{
	return level <= log_max;
}

static void log_reopen(void)
{
	int fd;

	if (!log_path)
		return;
	fd = open(log_path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	close(log_fd);
	log_fd = fd;
}

void log_msg(int level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	struct str s;
	va_list ap;
	ssize_t n;

	if (!log_enabled(level) || log_fd < 0)
		return;
	str_init(&s, line, sizeof(line) - 1);
	/*
	 * Debug lines exist only when rd.debug asked for them: give them the info level,
	 * which the console shows by default, so rd.debug needs no loglevel=8 as well.
	 */
	str_addf(&s, "<%d>initramfs: ", level == LOG_DEBUG ? LOG_INFO : level);
	va_start(ap, fmt);
	str_vaddf(&s, fmt, ap);
	va_end(ap);
	if (s.truncated) {
		/* Say so rather than cut silently; the mark fits in the spare byte. */
		s.len = s.len > 14 ? s.len - 14 : s.len;
		s.cap = sizeof(line);
		s.truncated = false;
		str_add(&s, " [truncated]");
	}
	str_addc(&s, '\n');
	if (log_path && ++log_count % LOG_REOPEN_EVERY == 0)
		log_reopen();
	n = write(log_fd, s.buf, s.len);
	(void)n;
}

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{EPERM, "EPERM"},
	{ENOENT, "ENOENT"},
	{EIO, "EIO"},
	{ENXIO, "ENXIO"},
	{E2BIG, "E2BIG"},
	{ENOEXEC, "ENOEXEC"},
	{EBADF, "EBADF"},
	{EAGAIN, "EAGAIN"},
	{ENOMEM, "ENOMEM"},
	{EACCES, "EACCES"},
	{EFAULT, "EFAULT"},
	{EBUSY, "EBUSY"},
	{EEXIST, "EEXIST"},
	{ENODEV, "ENODEV"},
	{ENOTDIR, "ENOTDIR"},
	{EISDIR, "EISDIR"},
	{EINVAL, "EINVAL"},
	{ENOSPC, "ENOSPC"},
	{EROFS, "EROFS"},
	{ERANGE, "ERANGE"},
	{ENAMETOOLONG, "ENAMETOOLONG"},
	{ENOSYS, "ENOSYS"},
	{ENOTEMPTY, "ENOTEMPTY"},
	{ELOOP, "ELOOP"},
	{ENOKEY, "ENOKEY"},
	{EKEYREJECTED, "EKEYREJECTED"},
	{EBADMSG, "EBADMSG"},
	{ETIMEDOUT, "ETIMEDOUT"},
	{ENOTBLK, "ENOTBLK"},
	{EUCLEAN, "EUCLEAN"},
	{ENOMEDIUM, "ENOMEDIUM"},
	{EKEYEXPIRED, "EKEYEXPIRED"},
};

const char *log_errname(int err)
{
	static char unknown[16];
	struct str s;

	if (err < 0)
		err = -err;
	for (size_t i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	str_init(&s, unknown, sizeof(unknown));
	str_addf(&s, "errno %d", err);
	return unknown;
}
