/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/lvm.c: when lvm runs, with which argv, and what is said when it fails. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fake_sys.h"
#include "log.h"
#include "lvm.h"

static struct plan plan;
static struct cmdline cmd;
static char plan_buf[256];

static void setup(const char *cmdline, bool with_lvm)
{
	const char *text = with_lvm ? "mkinitramfs-plan\t1\nL\t/usr/sbin/lvm\tcfg{x=0}\n"
				    : "mkinitramfs-plan\t1\n";

	snprintf(plan_buf, sizeof(plan_buf), "%s", text);
	cr_assert_eq(plan_parse(&plan, plan_buf, strlen(text)), 0);
	cmdline_parse(&cmd, cmdline);
	fake_sys_reset();
	lvm_init(&plan, &cmd);
}

static struct root_dev pv(const char *name, unsigned minor)
{
	struct root_dev d = {.major = 254, .minor = minor, .has_fs = true};

	snprintf(d.name, sizeof(d.name), "%s", name);
	snprintf(d.fs.type, sizeof(d.fs.type), "%s", PROBE_TYPE_LVM);
	return d;
}

static int spawns(void)
{
	int n = 0;

	for (size_t i = 0; i < fake_sys_n_calls; i++)
		n += strncmp(fake_sys_calls[i], "spawn ", 6) == 0;
	return n;
}

Test(lvm, a_pv_runs_vgchange_without_udev)
{
	struct root_dev d = pv("vda", 0);

	setup("root=/dev/vg/root", true);
	lvm_device(&d);
	cr_assert_str_eq(fake_sys_calls[0],
			 "spawn /usr/sbin/lvm vgchange -ay --sysinit --config cfg{x=0}");
}

Test(lvm, rd_lvm_limits_with_lvchange)
{
	struct root_dev d = pv("vda", 0);

	setup("rd.lvm.vg=vg0 quiet rd.lvm.lv=vg1/root rd.lvm.vgx=no", true);
	lvm_device(&d);
	cr_assert_str_eq(
		fake_sys_calls[0],
		"spawn /usr/sbin/lvm lvchange -ay --sysinit --config cfg{x=0} vg0 vg1/root");
}

Test(lvm, nothing_without_the_plan_record_or_a_pv)
{
	struct root_dev d = pv("vda", 0), fs = {.name = "vdb", .has_fs = true};

	setup("", false);
	lvm_device(&d);
	cr_assert_eq(spawns(), 0, "no L record: PVs are left alone");
	setup("", true);
	snprintf(fs.fs.type, sizeof(fs.fs.type), "ext4");
	lvm_device(&fs);
	cr_assert_eq(spawns(), 0);
	cr_assert(!lvm_busy());
}

/* A PV that comes while lvm runs gets a run of its own after it; a failure is told. */
Test(lvm, one_run_at_a_time_and_the_failure_said)
{
	struct root_dev a = pv("vda", 0), b = pv("vdb", 16);
	char logs[2048];
	int lp[2];
	ssize_t n;

	setup("", true);
	fake_sys_spawn_exit(5, 200);
	lvm_device(&a);
	lvm_device(&b);
	cr_assert_eq(spawns(), 1, "the second PV waits for the first run");
	cr_assert(lvm_busy());
	for (int i = 0; i < 500 && spawns() < 2; i++) {
		usleep(10 * 1000);
		lvm_reap();
	}
	cr_assert_eq(spawns(), 2, "the run after the first one ended");
	for (int i = 0; i < 500 && lvm_busy(); i++) {
		usleep(10 * 1000);
		lvm_reap();
	}
	cr_assert(!lvm_busy());
	cr_assert_eq(pipe2(lp, O_NONBLOCK), 0);
	log_set_fd(lp[1], NULL);
	lvm_log_pending(LOG_ERR);
	n = read(lp[0], logs, sizeof(logs) - 1);
	logs[n > 0 ? n : 0] = '\0';
	cr_assert(strstr(logs, "LVM: lvm exited with status 5 after PV '/dev/vdb': a volume "
			       "group is incomplete"),
		  "%s", logs);
	close(lp[0]);
	close(lp[1]);
}
