// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * md RAID: members go to the image's mdadm as they appear ("mdadm --incremental
 * --export /dev/DEV", one at a time, a child of the event loop, no shell); the array
 * comes back as a block device and is probed like any disk, so LUKS on RAID needs
 * nothing more. An array still inactive when the root wait ends is started degraded,
 * once, and said so: a missing disk costs the wait, never the boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dir.h"
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
	log_info("md member '%s': assembling with mdadm --incremental", dev);
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
			"md member '/dev/%s' (array %s) left alone: not in rd.md.uuid= or "
			"more than %d members",
			dev->name, dev->fs.uuid, MD_MAX_MEMBERS);
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
		log_warning("mdadm failed (wait status %d)", status);
	step();
	return true;
}

/* An md array assembled but not running: its members are too few to start it. */
static int count_inactive(int dirfd, const char *name, unsigned char type, void *ctx)
{
	char path[ROOT_NAME_MAX + 24], state[16];
	struct str s;

	(void)type;
	str_init(&s, path, sizeof(path));
	str_addf(&s, "%s/md/array_state", name);
	if (file_read_at(dirfd, path, state, sizeof(state), NULL) == 0 &&
	    str_startswith(state, "inactive"))
		++*(unsigned *)ctx;
	return 0;
}

bool md_degrade(void)
{
	static char *argv[] = {(char *)"mdadm", (char *)"--incremental", (char *)"--run",
			       (char *)"--scan", NULL};
	unsigned n = 0;
	int fd;

	if (forced || !n_members || child > 0)
		return false;
	forced = true;
	fd = open("/sys/class/block", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)dir_each(fd, count_inactive, &n);
		close(fd);
	}
	if (!n)
		return false;
	log_warning("no root yet and %u md array(s) incomplete: starting them degraded "
		    "(mdadm --incremental --run --scan)",
		    n);
	run(argv);
	return child > 0;
}

bool md_waiting(void)
{
	return n_members && !forced;
}
