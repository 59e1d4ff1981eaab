/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LVM activation with the image's own lvm, run for every new physical volume: lvm reads
 * the format (large and moving), the init only notices PVs and keeps one run at a time.
 * vgchange -ay is idempotent, so a volume group whose PVs come one by one is activated
 * by the run after its last PV, and a logical volume of the PVs present by the first.
 */
#include <string.h>
#include <sys/wait.h>

#include "log.h"
#include "lvm.h"
#include "str.h"
#include "sys.h"

#define LVM_FIXED_ARGS 6

/*
 * argv[0] is NULL when LVM is off: no L record in the plan. Room for every word of the
 * command line, so no rd.lvm.* is ever dropped.
 */
static char *argv[LVM_FIXED_ARGS + CMDLINE_MAX_ARGS + 1];
static const char *const fixed[LVM_FIXED_ARGS] = {"", "vgchange", "-ay", "--sysinit",
						  "--config"};
static pid_t child = -1;
static bool again; /* a PV appeared while lvm ran: that run may not have seen it */
static int status; /* of the last run that ended; 0 before any */
static char last_pv[ROOT_NAME_MAX];

void lvm_init(const struct plan *plan, const struct cmdline *cmd)
{
	size_t n = LVM_FIXED_ARGS;

	if (!plan->lvm)
		return;
	memcpy(argv, fixed, sizeof(fixed));
	for (size_t i = 0; i < cmd->n_args; i++) {
		const char *w = cmd->args[i];

		if (!str_startswith(w, "rd.lvm.vg=") && !str_startswith(w, "rd.lvm.lv="))
			continue;
		argv[n++] = (char *)w + 10;
	}
	argv[0] = (char *)plan->lvm;
	/* lvchange takes VG and VG/LV names alike; vgchange alone activates all. */
	if (n > LVM_FIXED_ARGS)
		argv[1] = (char *)"lvchange";
	argv[5] = (char *)plan->lvm_config;
}

static void start(void)
{
	pid_t pid = sys_spawn(argv[0], argv, -1);

	again = false;
	if (pid < 0) {
		log_error("cannot run '%s': %s", argv[0], log_errname(pid));
		status = 127;
		return;
	}
	child = pid;
	log_info("LVM PV '/dev/%s': lvm %s", last_pv, argv[1]);
}

void lvm_device(const struct root_dev *dev)
{
	if (!argv[0] || strcmp(dev->fs.type, PROBE_TYPE_LVM) != 0)
		return;
	(void)str_copy(last_pv, sizeof(last_pv), dev->name);
	if (child > 0)
		again = true;
	else
		start();
}

void lvm_reap(void)
{
	int st;

	if (child <= 0 || waitpid(child, &st, WNOHANG) != child)
		return;
	child = -1;
	status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	/* A failure is normal while a volume group waits for its other PVs: said at the
	 * end if the root never appears (lvm itself says more on the console). */
	if (again)
		start();
}

bool lvm_busy(void)
{
	return child > 0;
}

void lvm_log_pending(int level)
{
	if (status)
		log_msg(level,
			"LVM: lvm exited with status %d after PV '/dev/%s': a volume group is incomplete",
			status, last_pv);
}
