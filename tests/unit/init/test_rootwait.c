/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/rootwait.c: devices that are there, that come by uevent, that never do. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fake_sys.h"
#include "devqueue.h"
#include "log.h"
#include "modload.h"
#include "resume.h"
#include "rootwait.h"
#include "testutil.h"

#define UUID "3f1c2a6e-8d5b-4c1e-9a7f-0b2d4e6f8a10"

static char sys[512], dev[512];
static struct plan plan;
static struct cmdline cmd;
static char plan_buf[1024];

static char *setup(void)
{
	static const char text[] = "mkinitramfs-plan\t1\n"
				   "M\tvirtio_blk\t/m/virtio_blk.ko\tm\t-\t\n"
				   "A\tvirtio:d00000002v*\t0\n";
	char *t = tu_tmpdir();

	snprintf(sys, sizeof(sys), "%s/sys", t);
	snprintf(dev, sizeof(dev), "%s/dev", t);
	cr_assert_eq(tu_sh("mkdir -p '%s/class/block' '%s'", sys, dev), 0);
	memcpy(plan_buf, text, sizeof(text));
	cr_assert_eq(plan_parse(&plan, plan_buf, sizeof(text) - 1), 0);
	cmdline_parse(&cmd, "");
	fake_sys_reset();
	modload_init(&plan, &cmd);
	return t;
}

/* A block device as the kernel would show it: sysfs entries and a /dev node. */
static void add_disk(const char *t, const char *name, const char *devnum, const char *mkfs)
{
	cr_assert_eq(tu_sh("cd '%s' && set -e\n"
			   "d=sys/devices/virtual/block/%s; mkdir -p $d\n"
			   "echo %s > $d/dev\n"
			   "%s dev/%s.new 4M >/dev/null && mv dev/%s.new dev/%s\n"
			   "ln -s ../../devices/virtual/block/%s sys/class/block/%s\n",
			   t, name, devnum, mkfs, name, name, name, name, name),
		     0);
}

static void send_event(int fd, const char *const *parts)
{
	char msg[1024];
	size_t n = 0;

	for (; *parts; parts++) {
		size_t l = strlen(*parts) + 1;

		memcpy(msg + n, *parts, l);
		n += l;
	}
	cr_assert_eq(send(fd, msg, n, 0), (ssize_t)n);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

Test(rootwait, present_at_start)
{
	char *t = setup();
	struct root_spec spec;
	struct root_dev found;
	struct rootwait w = { &spec, sys, dev, -1, -1, 0, false };

	add_disk(t, "vdb", "254:16", "mkfs.ext4 -q -F -U " UUID);
	cr_assert_eq(root_spec_parse("UUID=" UUID, &spec), 0);
	cr_assert_eq(rootwait_run(&w, &found), 0);
	cr_assert_str_eq(found.name, "vdb");
	cr_assert_str_eq(rootwait_seen("vdb")->fs.type, "ext4");
	tu_rmtree(t);
}

Test(rootwait, arrives_by_uevent)
{
	static const char *const noise[] = { "libudev", "ACTION=add", NULL };
	static const char *const virtio[] = { "add@/devices/virtio1", "ACTION=add",
					      "DEVPATH=/devices/virtio1", "SUBSYSTEM=virtio",
					      "MODALIAS=virtio:d00000002v00001AF4", NULL };
	static const char *const block[] = { "add@/devices/virtual/block/vdc", "ACTION=add",
					     "DEVPATH=/devices/virtual/block/vdc",
					     "SUBSYSTEM=block", "DEVNAME=vdc", NULL };
	char *t = setup();
	struct root_spec spec;
	struct root_dev found;
	int sv[2];
	long start;
	pid_t pid;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	cr_assert_eq(root_spec_parse("LABEL=late", &spec), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		usleep(300 * 1000);
		send_event(sv[1], noise);
		send_event(sv[1], virtio);
		add_disk(t, "vdc", "254:32", "mkfs.ext4 -q -F -L late");
		send_event(sv[1], block);
		_exit(0);
	}
	start = now_ms();
	{
		struct rootwait w = { &spec, sys, dev, sv[0], -1, 20000, true };

		cr_assert_eq(rootwait_run(&w, &found), 0);
	}
	waitpid(pid, NULL, 0);
	cr_assert_str_eq(found.name, "vdc");
	cr_assert_lt(now_ms() - start, 10000, "the uevent must end the wait, not the timeout");
	cr_assert_neq(fake_sys_find("finit_module /m/virtio_blk.ko"), -1,
		      "the MODALIAS of the uevent loads its module");
	tu_rmtree(t);
}

Test(rootwait, never_appears)
{
	char *t = setup();
	struct root_spec spec;
	struct root_dev found;
	char logs[8192];
	int sv[2], lp[2];
	long start, took;
	ssize_t n;

	add_disk(t, "vdd", "254:48", "mkfs.ext4 -q -F -U " UUID " -L other");
	cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	cr_assert_eq(root_spec_parse("PARTLABEL=nowhere", &spec), 0);
	start = now_ms();
	{
		struct rootwait w = { &spec, sys, dev, sv[0], -1, 300, false };

		cr_assert_eq(rootwait_run(&w, &found), -ETIMEDOUT);
	}
	took = now_ms() - start;
	cr_assert_geq(took, 300);
	cr_assert_lt(took, 3000);
	cr_assert_eq(pipe2(lp, O_NONBLOCK), 0);
	log_set_fd(lp[1], NULL);
	rootwait_log_seen(LOG_ERR);
	n = read(lp[0], logs, sizeof(logs) - 1);
	logs[n > 0 ? n : 0] = '\0';
	cr_assert(strstr(logs, "<3>initramfs:   vdd (254:48) type 'ext4' uuid '" UUID
			       "' label 'other'\n"),
		  "%s", logs);
	tu_rmtree(t);
}

/*
 * A host image's deferred drivers ('ad'): not loaded while the root is there at once;
 * loaded when it is not there by the bound (the wait then starts again), and only once.
 */
Test(rootwait, loads_deferred_drivers_when_root_is_late)
{
	static const char text[] = "mkinitramfs-plan\t1\n"
				   "M\tata_piix\t/m/piix.ko\tad\t-\t\n";
	char *t = setup();
	struct root_spec spec;
	struct root_dev found;
	long start;
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	memcpy(plan_buf, text, sizeof(text));
	cr_assert_eq(plan_parse(&plan, plan_buf, sizeof(text) - 1), 0);
	modload_init(&plan, &cmd);
	add_disk(t, "vde", "254:64", "mkfs.ext4 -q -F -L here");
	cr_assert_eq(root_spec_parse("LABEL=here", &spec), 0);
	{
		struct rootwait w = {&spec, sys, dev, sv[0], -1, 300, false, 1};

		cr_assert_eq(rootwait_run(&w, &found), 0);
	}
	cr_assert_eq(fake_sys_n_calls, 0, "the root was there: nothing deferred loads");
	cr_assert_eq(root_spec_parse("LABEL=elsewhere", &spec), 0);
	start = now_ms();
	{
		struct rootwait w = {&spec, sys, dev, sv[0], -1, 300, false, 100};

		cr_assert_eq(rootwait_run(&w, &found), -ETIMEDOUT);
	}
	cr_assert_eq(fake_sys_n_calls, 1);
	cr_assert_str_eq(fake_sys_calls[0], "finit_module /m/piix.ko ");
	cr_assert_geq(now_ms() - start, 400, "the wait started again after the load");
	close(sv[0]);
	close(sv[1]);
	tu_rmtree(t);
}

/*
 * resume=: the root is there, but nothing is mounted before the resume device came
 * and went to power/resume; when it never comes, the boot goes on at the deadline.
 */
Test(rootwait, resume_device_first)
{
	char *t = setup();
	struct root_spec spec;
	struct root_dev found;
	char path[600], got[64] = "", logs[4096];
	int sv[2], lp[2];
	ssize_t n;
	FILE *f;

	add_disk(t, "vde", "254:64", "mkfs.ext4 -q -F -L rootfs");
	/* mkswap takes no "4M": the size goes to truncate, the file to mkswap. */
	add_disk(t, "vdf", "254:80",
		 "sh -c 'truncate -s 4M $0 && mkswap -L swp $0 >/dev/null 2>&1'");
	cr_assert_eq(tu_sh("mkdir -p '%s/power' && : > '%s/power/resume'", sys, sys), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	cr_assert_eq(root_spec_parse("LABEL=rootfs", &spec), 0);
	cmdline_parse(&cmd, "resume=LABEL=swp");
	resume_init(&cmd, sys);
	{
		struct rootwait w = { &spec, sys, dev, sv[0], -1, 20000, false };

		cr_assert_eq(rootwait_run(&w, &found), 0);
	}
	cr_assert_str_eq(found.name, "vde");
	snprintf(path, sizeof(path), "%s/power/resume", sys);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(got, sizeof(got), f));
	fclose(f);
	cr_assert_str_eq(got, "254:80");

	/* A resume device that never appears: the root is used at the deadline. */
	cmdline_parse(&cmd, "resume=PARTUUID=0badc0de-01");
	resume_init(&cmd, sys);
	cr_assert_eq(pipe2(lp, O_NONBLOCK), 0);
	log_set_fd(lp[1], NULL);
	{
		struct rootwait w = { &spec, sys, dev, sv[0], -1, 300, false };

		cr_assert_eq(rootwait_run(&w, &found), 0);
	}
	cr_assert_str_eq(found.name, "vde");
	n = read(lp[0], logs, sizeof(logs) - 1);
	logs[n > 0 ? n : 0] = '\0';
	cr_assert(strstr(logs, "resume device 'PARTUUID=0badc0de-01' did not appear"), "%s",
		  logs);
	cr_assert(strstr(logs, "booting without resume"), "%s", logs);
	tu_rmtree(t);
}

/* Drivers' probes in the fake sys: an HBA's finds a SCSI device, whose driver (sd_mod)
 * makes its disk. */
struct probe {
	const char *t;
	int fd;
};

static void probe_hba(void *arg)
{
	const struct probe *p = arg;
	static const char *const scsi[] = {"add@/devices/pci0/host0/target0:0:0/0:0:0:0",
					   "ACTION=add",
					   "DEVPATH=/devices/pci0/host0/target0:0:0/0:0:0:0",
					   "SUBSYSTEM=scsi", "MODALIAS=scsi:t-0x00", NULL};

	send_event(p->fd, scsi);
}

static void probe_disk(void *arg)
{
	const struct probe *p = arg;
	static const char *const block[] = {"add@/devices/virtual/block/sda", "ACTION=add",
					    "DEVPATH=/devices/virtual/block/sda",
					    "SUBSYSTEM=block", "DEVNAME=sda", NULL};

	add_disk(p->t, "sda", "8:0", "mkfs.ext4 -q -F -L onhba");
	send_event(p->fd, block);
}

/* Two controllers' drivers queued by coldplug, the PIIX's first: the LSI's costs
 * 13000 bytes (scsi_mod 9000), the PIIX's 39900 (libata 30000). */
static void held_controllers(const char *t, char *text, size_t cap)
{
	snprintf(text, cap,
		 "mkinitramfs-plan\t1\n"
		 "M\tscsi_mod\t%s/scsi_mod.ko\t-\t-\t\n"
		 "M\tlibata\t%s/libata.ko\t-\t0\t\n"
		 "M\tata_piix\t%s/ata_piix.ko\tm\t0,1\t\n"
		 "M\tsym53c8xx\t%s/sym53c8xx.ko\tm\t0\t\n"
		 "M\tsd_mod\t%s/sd_mod.ko\tm\t0\t\n"
		 "A\tpci:piix*\t2\nA\tpci:lsi*\t3\nA\tscsi:t-0x00*\t4\n",
		 t, t, t, t, t);
	cr_assert_eq(plan_parse(&plan, text, strlen(text)), 0);
	fake_sys_reset();
	modload_init(&plan, &cmd);
	modload_hold(true);
	cr_assert_eq(modload_match("pci:piix"), 0);
	cr_assert_eq(modload_match("pci:lsi"), 0);
}

/* The disk appears behind hba's driver (and sd_mod): wait for it as the root. */
static void wait_behind(const char *t, const char *hba, struct probe *p,
			const struct root_spec *spec, int fd, size_t n_loads)
{
	static char text[2048];
	struct rootwait w = {spec, sys, dev, fd, -1, 20000, true};
	struct root_dev found;

	held_controllers(t, text, sizeof(text));
	fake_sys_on_module(hba, probe_hba, p);
	fake_sys_on_module("sd_mod", probe_disk, p);
	cr_assert_eq(rootwait_run(&w, &found), 0);
	cr_assert_str_eq(found.name, "sda");
	cr_assert_eq(fake_sys_n_calls, n_loads);
	cr_assert(strstr(fake_sys_calls[1], "/sym53c8xx.ko"), "the cheapest first: %s",
		  fake_sys_calls[1]);
	cr_assert(strstr(fake_sys_calls[n_loads - 1], "/sd_mod.ko"), "the disk's last: %s",
		  fake_sys_calls[n_loads - 1]);
}

/*
 * Root first: of two controllers' drivers queued, the cheaper loads first; when its
 * disk is the root, the other is left to the real root. When the root is behind the
 * dearer one, both load, the cheap one first. Either way the disk's own driver,
 * queued by the uevent of the disk the HBA found, loads before the root is found.
 */
Test(rootwait, root_first_loads_the_cheapest_until_the_root)
{
	char *t = setup();
	struct root_spec spec;
	struct probe p = {t, -1};
	char logs[8192];
	int sv[2], lp[2];
	ssize_t n;

	cr_assert_eq(tu_sh("cd '%s' && truncate -s 9000 scsi_mod.ko && truncate -s 30000 "
			   "libata.ko && truncate -s 900 ata_piix.ko && truncate -s 4000 "
			   "sym53c8xx.ko && truncate -s 500 sd_mod.ko",
			   t),
		     0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	p.fd = sv[1];
	cr_assert_eq(pipe2(lp, O_NONBLOCK), 0);
	log_set_fd(lp[1], NULL);
	log_set_level(LOG_INFO);
	cr_assert_eq(root_spec_parse("LABEL=onhba", &spec), 0);

	/* The LSI's disk is the root: scsi_mod, sym53c8xx, sd_mod; ata_piix and libata
	 * never load. */
	wait_behind(t, "sym53c8xx", &p, &spec, sv[0], 3);
	cr_assert_eq(plan.modules[1].state, PLAN_PENDING);
	cr_assert_eq(plan.modules[2].state, PLAN_PENDING);
	(void)devqueue_log_left(&plan);
	n = read(lp[0], logs, sizeof(logs) - 1);
	logs[n > 0 ? n : 0] = '\0';
	cr_assert(strstr(logs, "<6>initramfs: root found: leaving 1 device drivers to the "
			       "real root: ata_piix\n"),
		  "%s", logs);

	/* The root behind the PIIX: the cheap LSI's first, in vain, then the dear one. */
	cr_assert_eq(tu_sh("cd '%s' && rm -rf sys/class/block/sda "
			   "sys/devices/virtual/block/sda dev/sda",
			   t),
		     0);
	wait_behind(t, "ata_piix", &p, &spec, sv[0], 5);
	cr_assert(strstr(fake_sys_calls[3], "/ata_piix.ko"), "%s", fake_sys_calls[3]);
	close(sv[0]);
	close(sv[1]);
	close(lp[0]);
	close(lp[1]);
	tu_rmtree(t);
}
