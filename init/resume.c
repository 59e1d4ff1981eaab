/* SPDX-License-Identifier: GPL-2.0-or-later */
/* resume=, resume_offset=, noresume: the device goes to /sys/power/resume on sight. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "resume.h"
#include "str.h"

static struct root_spec spec;
static const char *text;
static const char *offset;
static const char *sys;
static bool pending;

void resume_init(const struct cmdline *cmd, const char *sysfs)
{
	unsigned long v;

	pending = false;
	sys = sysfs;
	text = cmd->resume;
	offset = NULL;
	if (!text || !*text)
		return;
	if (cmd->noresume) {
		log_info("noresume: not resuming from '%s'", text);
		return;
	}
	if (root_spec_parse(text, &spec) < 0) {
		log_error("cannot understand resume='%s', booting without resume", text);
		return;
	}
	if (cmd->resume_offset && str_to_uint(cmd->resume_offset, &v) < 0)
		log_error("resume_offset='%s' is not a number, ignoring it",
			  cmd->resume_offset);
	else
		offset = cmd->resume_offset;
	pending = true;
}

static int write_attr(const char *attr, const char *value)
{
	char path[128];
	struct str s;
	int fd, r = 0;

	str_init(&s, path, sizeof(path));
	str_addf(&s, "%s/power/%s", sys, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		r = -errno;
	close(fd);
	return r;
}

void resume_device(const struct root_dev *dev)
{
	char num[32];
	struct str s;
	int r;

	if (!pending || !root_match(&spec, dev))
		return;
	pending = false;
	if (strcmp(dev->fs.type, PROBE_TYPE_HIBERNATED) == 0)
		log_info("resume: '/dev/%s' holds a hibernation image, resuming from it",
			 dev->name);
	else
		log_info(
			"resume: '/dev/%s' (%s) holds no hibernation image signature, the kernel checks it",
			dev->name, dev->has_fs ? dev->fs.type : "unknown content");
	if (offset) {
		r = write_attr("resume_offset", offset);
		if (r < 0)
			log_error(
				"cannot write resume_offset '%s' to '%s/power/resume_offset': %s",
				offset, sys, log_errname(r));
	}
	str_init(&s, num, sizeof(num));
	str_addf(&s, "%u:%u", dev->major, dev->minor);
	/* Returns only when there is nothing to resume (or it failed). */
	r = write_attr("resume", num);
	if (r < 0)
		log_error("cannot resume from '/dev/%s' (%s): %s", dev->name, num,
			  log_errname(r));
	else
		log_info("resume: nothing resumed from '/dev/%s' (%s), booting on",
			 dev->name, num);
}

bool resume_pending(void)
{
	return pending;
}

void resume_log_pending(int level)
{
	if (pending)
		log_msg(level, "resume device '%s' did not appear", text);
}
