/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * md RAID: members go to the image's mdadm as they appear ("mdadm --incremental
 * --export /dev/DEV", one at a time, a child of the event loop, no shell); the array
 * comes back as a block device and is probed like any disk, so LUKS on RAID needs
 * nothing more. An array still inactive when the root wait ends is started degraded,
 * once, and said so: a missing disk costs the wait, never the boot.
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "md.h"
#include "modload.h"
#include "str.h"
#include "sys.h"

static const char *mdadm;
static const struct cmdline *cmd;
static char members[MD_MAX_MEMBERS][ROOT_NAME_MAX];
static size_t n_members, n_started;
static pid_t child = -1;
static bool forced;

void md_init(const struct cmdline *c, const char *program)
{
	cmd = c;
	mdadm = program;
}

/* rd.md.uuid= in mdadm's form (or any other): compared on hex digits alone. */
static bool uuid_same(const char *a, const char *b)
{
	for (;; a++, b++) {
		while (*a == ':' || *a == '-')
			a++;
		while (*b == ':' || *b == '-')
			b++;
		if ((*a | 0x20) != (*b | 0x20))
			return false;
		if (!*a)
			return true;
	}
}

/* Whether rd.md.uuid= words (if any) name this array. */
static bool wanted(const char *uuid)
{
	bool limited = false;

	for (size_t i = 0; i < cmd->n_args; i++)
		if (str_startswith(cmd->args[i], "rd.md.uuid=")) {
			limited = true;
			if (uuid_same(cmd->args[i] + 11, uuid))
				return true;
		}
	return !limited;
}

static void run(char **argv)
{
	child = sys_spawn(mdadm, argv, -1);
	if (child < 0)
		log_error("cannot run '%s': %s", mdadm, log_errname(child));
}

/* The next member waiting, when mdadm is not running. */
static void step(void)
{
	static char dev[ROOT_NAME_MAX + 8];
	static char *argv[] = {(char *)"mdadm", (char *)"--incremental",
			       (char *)"--export", dev, NULL};
	struct str s;

	if (child > 0 || n_started == n_members)
		return;
	str_init(&s, dev, sizeof(dev));
	str_addf(&s, "/dev/%s", members[n_started++]);
	log_info("md member '%s' to mdadm --incremental", dev);
	run(argv);
}

void md_device(const struct root_dev *dev)
{
	if (!mdadm || strcmp(dev->fs.type, PROBE_TYPE_MD) != 0)
		return;
	for (size_t i = 0; i < n_members; i++)
		if (strcmp(members[i], dev->name) == 0)
			return; /* a "change" of one already handed over */
	if (!wanted(dev->fs.uuid) || n_members == MD_MAX_MEMBERS) {
		log_info(
			"md member '/dev/%s' left alone: not in rd.md.uuid= or one too many",
			dev->name);
		return;
	}
	if (!n_members)
		(void)modload_name("md_mod");
	(void)str_copy(members[n_members++], ROOT_NAME_MAX, dev->name);
	step();
}

bool md_reap(void)
{
	int status;

	if (child <= 0 || waitpid(child, &status, WNOHANG) != child)
		return false;
	child = -1;
	if (status)
		log_warning("mdadm: wait status %d", status);
	step();
	return true;
}

bool md_degrade(void)
{
	static char *argv[] = {(char *)"mdadm", (char *)"--incremental", (char *)"--run",
			       (char *)"--scan", NULL};
	static char mdstat[4096];
	const char *p = mdstat;

	if (forced || !n_members || child > 0)
		return false;
	forced = true;
	/* "md127 : inactive vda[1](S)": assembled, too few members to run (no strstr:
	 * musl's costs a kilobyte). */
	(void)file_read("/proc/mdstat", mdstat, sizeof(mdstat), NULL);
	while (*p && !str_startswith(p, " inactive"))
		p++;
	if (!*p)
		return false;
	log_warning("no root yet and an md array is incomplete: starting it degraded");
	run(argv);
	return child > 0;
}
