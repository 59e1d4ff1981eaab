/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/modload.c against the fake sys: order, params, failures, matching. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fake_sys.h"
#include "log.h"
#include "modload.h"

static struct plan plan;
static struct cmdline cmd;
static char buf[8192];
static int logpipe[2];
static char logs[16384];

static const char plan_text[] =
	"mkinitramfs-plan\t1\n"
	"M\tcrc32c_intel\t/m/crc32c-intel.ko\tas\t-\t\n" /* 0 */
	"M\tcrc32c_generic\t/m/crc32c_generic.ko\tas\t-\t\n" /* 1 */
	"M\text4\t/m/ext4.ko\ta\t0,1\t\n" /* 2 */
	"M\tnbd\t/m/nbd.ko\ta\t-\tnbds_max=1024\n" /* 3 */
	"M\tvirtio\t/m/virtio.ko\t-\t-\t\n" /* 4 */
	"M\tvirtio_blk\t/m/virtio_blk.ko\tm\t4\t\n" /* 5 */
	"M\tnvme\t/m/nvme.ko\tm\t-\t\n" /* 6 */
	"M\tbroken\t/m/broken.ko\ta\t-\t\n" /* 7 */
	"A\tvirtio:d00000002v*\t5\n"
	"A\tpci:v*d*sv*sd*bc01sc08i02*\t6\n";

static void setup(const char *cmdline)
{
	size_t len = strlen(plan_text);

	fake_sys_reset();
	memcpy(buf, plan_text, len + 1);
	cr_assert_eq(plan_parse(&plan, buf, len), 0);
	cmdline_parse(&cmd, cmdline);
	modload_init(&plan, &cmd);
	cr_assert_eq(pipe2(logpipe, O_NONBLOCK), 0);
	log_set_fd(logpipe[1], NULL);
	log_set_level(LOG_DEBUG);
}

/* Another plan than plan_text, without logs: text is copied into buf (cap bytes). */
static void setup_text(char *buf_, size_t cap, const char *text)
{
	size_t len = strlen(text);

	cr_assert_lt(len, cap);
	fake_sys_reset();
	memcpy(buf_, text, len + 1);
	cr_assert_eq(plan_parse(&plan, buf_, len), 0);
	cmdline_parse(&cmd, "");
	modload_init(&plan, &cmd);
}

static const char *read_logs(void)
{
	ssize_t n = read(logpipe[0], logs, sizeof(logs) - 1);

	logs[n > 0 ? n : 0] = '\0';
	return logs;
}

/* plan_text loaded with crc32c_generic blacklisted, crc32c-intel failing (optional),
 * nbd already there (EEXIST), broken failing (required): states, counts, lines. */
static void assert_failed_as_planned(void)
{
	cr_assert_eq(plan.modules[3].state, PLAN_LOADED, "EEXIST is success");
	cr_assert_eq(plan.modules[1].state, PLAN_SKIPPED);
	cr_assert_eq(modload_stats()->loaded, 2);
	cr_assert_eq(modload_stats()->failed_optional, 1);
	cr_assert_eq(modload_stats()->failed_required, 1);
	cr_assert_eq(modload_stats()->skipped, 1);
	read_logs();
	cr_assert(strstr(logs, "<4>initramfs: optional module 'crc32c_intel' failed to load: "
			       "ENODEV, ignoring\n"),
		  "%s", logs);
	cr_assert(strstr(logs, "<3>initramfs: module 'broken' failed to load from "
			       "'/m/broken.ko': ENOENT\n"),
		  "%s", logs);
}

Test(modload, always_in_order_with_params_and_failures)
{
	setup("nbd.nbds_max=7 modprobe.blacklist=crc32c_generic");
	fake_sys_fail_module("crc32c-intel", ENODEV);
	fake_sys_fail_module("nbd", EEXIST);
	fake_sys_fail_module("broken", ENOENT);
	cr_assert_eq(modload_always(), -ENOENT);
	cr_assert_eq(fake_sys_n_calls, 4);
	cr_assert_str_eq(fake_sys_calls[0], "finit_module /m/crc32c-intel.ko ");
	cr_assert_str_eq(fake_sys_calls[1], "finit_module /m/ext4.ko ");
	cr_assert_str_eq(fake_sys_calls[2], "finit_module /m/nbd.ko nbds_max=1024 nbds_max=7");
	cr_assert_str_eq(fake_sys_calls[3], "finit_module /m/broken.ko ");
	modload_log_failures(LOG_ERR);
	assert_failed_as_planned();
	cr_assert(strstr(logs, "blacklisted"), "%s", logs);
	cr_assert(strstr(logs, "modules that failed to load: crc32c_intel (ENODEV), broken "
			       "(ENOENT)"),
		  "%s", logs);
	/* Loading again does nothing: each module is tried once. */
	fake_sys_reset();
	modload_always();
	cr_assert_eq(fake_sys_n_calls, 0);
}

Test(modload, match_loads_deps_first_and_only_matches)
{
	setup("");
	cr_assert(modload_has_match());
	cr_assert_eq(modload_match("platform:serial8250"), 0);
	cr_assert_eq(fake_sys_n_calls, 0);
	cr_assert_eq(modload_match("virtio:d00000002v00001AF4"), 1);
	cr_assert_eq(fake_sys_n_calls, 2);
	cr_assert_str_eq(fake_sys_calls[0], "finit_module /m/virtio.ko ");
	cr_assert_str_eq(fake_sys_calls[1], "finit_module /m/virtio_blk.ko ");
	cr_assert_eq(modload_match("virtio:d00000002v00001AF4"), 0, "already loaded");
	cr_assert_eq(modload_match("pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02"), 1);
	cr_assert_str_eq(fake_sys_calls[2], "finit_module /m/nvme.ko ");
	cr_assert_eq(fake_sys_find("finit_module /m/ext4.ko"), -1);
}

Test(modload, params_too_long_is_an_error)
{
	static char long_cmdline[CMDLINE_MAX];
	char params[64];

	setup("");
	memcpy(long_cmdline, "nbd.x=", 6);
	memset(long_cmdline + 6, 'y', 100);
	cmdline_parse(&cmd, long_cmdline);
	cr_assert_eq(modload_params(3, params, sizeof(params)), -E2BIG);
}

Test(modload, quiet_keeps_warnings_only)
{
	setup("");
	log_set_level(LOG_WARNING);
	fake_sys_fail_module("crc32c-intel", ENODEV);
	modload_always();
	read_logs();
	cr_assert(strstr(logs, "<4>initramfs: optional module"), "%s", logs);
	cr_assert_null(strstr(logs, "<7>"), "%s", logs);
	cr_assert_null(strstr(logs, "<6>"), "%s", logs);
}

Test(modload, compressed_files_are_loaded_with_the_kernel_decompressing)
{
	static char zbuf[256];
	static const char ztext[] = "mkinitramfs-plan\t1\n"
				    "M\tcrc16\t/m/crc16.ko.xz\taz\t-\t\n"
				    "M\text4\t/m/ext4.ko.xz\tza\t0\tnoload=1\n"
				    "M\tplain\t/m/plain.ko\ta\t-\t\n";

	setup_text(zbuf, sizeof(zbuf), ztext);
	cr_assert_eq(plan.modules[0].flags, PLAN_ALWAYS | PLAN_COMPRESSED);
	cr_assert_eq(modload_always(), 0);
	cr_assert_eq(fake_sys_n_calls, 3);
	/* MODULE_INIT_COMPRESSED_FILE is 4 in linux/module.h. */
	cr_assert_str_eq(fake_sys_calls[0], "finit_module /m/crc16.ko.xz  flags=4");
	cr_assert_str_eq(fake_sys_calls[1], "finit_module /m/ext4.ko.xz noload=1 flags=4");
	cr_assert_str_eq(fake_sys_calls[2], "finit_module /m/plain.ko ");
}

/* 'u': one unzstd run for all the modules about to load, then their .ko files. */
Test(modload, unzstd_modules_are_decompressed_once_per_load_then_loaded)
{
	static char ubuf[512];
	static const char utext[] = "mkinitramfs-plan\t1\n"
				    "M\tcrc16\t/m/crc16.ko.zst\tau\t-\t\n"
				    "M\text4\t/m/ext4.ko.zst\tua\t0\tnoload=1\n"
				    "M\tplain\t/m/plain.ko\ta\t-\t\n"
				    "M\tnvme\t/m/nvme.ko.zst\tmu\t-\t\n"
				    "M\tunused\t/m/unused.ko.zst\tmu\t-\t\n"
				    "A\tpci:nvme\t3\n"
				    "A\tpci:unused\t4\n";

	setup_text(ubuf, sizeof(ubuf), utext);
	fake_sys_spawn_exit(0, 0);
	cr_assert_eq(plan.modules[0].flags, PLAN_ALWAYS | PLAN_UNZSTD);
	cr_assert_eq(modload_always(), 0);
	cr_assert_eq(fake_sys_n_calls, 4);
	cr_assert_str_eq(fake_sys_calls[0],
			 "spawn " ABI_UNZSTD_PATH " /m/crc16.ko.zst /m/ext4.ko.zst");
	cr_assert_str_eq(fake_sys_calls[1], "finit_module /m/crc16.ko ");
	cr_assert_str_eq(fake_sys_calls[2], "finit_module /m/ext4.ko noload=1");
	cr_assert_str_eq(fake_sys_calls[3], "finit_module /m/plain.ko ");
	/* A device's match: its module alone; the other 'u' module is never touched. */
	cr_assert_eq(modload_match("pci:nvme"), 1);
	cr_assert_str_eq(fake_sys_calls[4], "spawn " ABI_UNZSTD_PATH " /m/nvme.ko.zst");
	cr_assert_str_eq(fake_sys_calls[5], "finit_module /m/nvme.ko ");
	cr_assert_eq(fake_sys_n_calls, 6);
	cr_assert_eq(fake_sys_find("spawn " ABI_UNZSTD_PATH " /m/unused"), -1);
	cr_assert_str_eq(plan.modules[4].path, "/m/unused.ko.zst");
}

/* A failed unzstd: the load of the file it could not write fails, naming it. */
Test(modload, unzstd_failure_fails_the_load_naming_the_file)
{
	static char ubuf[256];
	static const char utext[] = "mkinitramfs-plan\t1\n"
				    "M\tbroken\t/m/broken.ko.zst\tau\t-\t\n";

	setup_text(ubuf, sizeof(ubuf), utext);
	fake_sys_spawn_exit(1, 0);
	fake_sys_fail_module("broken", ENOENT);
	cr_assert_eq(modload_always(), -ENOENT);
	cr_assert_str_eq(fake_sys_calls[1], "finit_module /m/broken.ko ");
	cr_assert_eq(plan.modules[0].state, PLAN_FAILED);
}

/* With several CPUs, one unzstd run for the whole batch. */
Test(modload, unzstd_once_per_batch)
{
	static char ubuf[512];
	static const char utext[] = "mkinitramfs-plan\t1\n"
				    "M\tcrc16\t/m/crc16.ko.zst\tau\t-\t\n"
				    "M\text4\t/m/ext4.ko.zst\tua\t0\t\n"
				    "M\tnvme\t/m/nvme.ko.zst\tmu\t-\t\n"
				    "A\tpci:nvme\t2\n";

	setup_text(ubuf, sizeof(ubuf), utext);
	fake_sys_spawn_exit(0, 0);
	fake_sys_set_ncpu(2);
	modload_batch_begin();
	modload_always();
	modload_match("pci:nvme");
	cr_assert_eq(fake_sys_n_calls, 0);
	modload_batch_run();
	cr_assert_str_eq(fake_sys_calls[0], "spawn " ABI_UNZSTD_PATH
					    " /m/crc16.ko.zst /m/ext4.ko.zst /m/nvme.ko.zst");
	cr_assert_geq(fake_sys_find("finit_module /m/nvme.ko "), 1);
	cr_assert_geq(fake_sys_find("finit_module /m/ext4.ko "), 1);
}

/* The kernel's request_module() through /sbin/modprobe: a name, or an alias pattern. */
Test(modload, by_name_or_alias_for_modprobe)
{
	setup("");
	cr_assert_eq(modload_name("virtio-blk"), 1);
	cr_assert_geq(fake_sys_find("finit_module /m/virtio.ko"), 0);
	cr_assert_gt(fake_sys_find("finit_module /m/virtio_blk.ko"),
		     fake_sys_find("finit_module /m/virtio.ko"));
	/* An A record answers a name no module has, as "crypto-xts" is answered. */
	cr_assert_eq(modload_name("pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02"),
		     1);
	cr_assert_geq(fake_sys_find("finit_module /m/nvme.ko"), 0);
	cr_assert_eq(modload_name("crypto-nothing"), 0);
	fake_sys_fail_module("broken", ENOENT);
	cr_assert_eq(modload_name("broken"), -ENOENT);
	cr_assert(strstr(read_logs(), "module 'broken' failed to load"));
}

/*
 * A generic image: its filesystems load only on request ('r': the root's type before
 * the mount, never a device's match), its keyboard only once a person must type ('k').
 */
Test(modload, on_request_and_for_the_console)
{
	static char rbuf[1024];
	static const char rtext[] = "mkinitramfs-plan\t1\n"
				    "M\tcrc16\t/m/crc16.ko\t-\t-\t\n"     /* 0 */
				    "M\text4\t/m/ext4.ko\tr\t0\t\n"       /* 1 */
				    "M\txfs\t/m/xfs.ko\tr\t-\t\n"         /* 2 */
				    "M\tnls_cp437\t/m/nls.ko\tro\t-\t\n"  /* 3 */
				    "M\tusbhid\t/m/usbhid.ko\tak\t-\t\n"  /* 4 */
				    "M\tvirtio_blk\t/m/vblk.ko\tm\t-\t\n" /* 5 */
				    "M\thid_x\t/m/hid_x.ko\tmk\t-\t\n"    /* 6 */
				    "A\tfs-ext4\t1\n"
				    "A\tfs-xfs\t2\n"
				    "A\tvirtio:*\t5\n"
				    "A\thid:*\t6\n"
				    "A\tpci:*\t2\n";

	setup_text(rbuf, sizeof(rbuf), rtext);
	cr_assert_eq(plan.modules[1].flags, PLAN_REQUEST);
	cr_assert_eq(plan.modules[4].flags, PLAN_ALWAYS | PLAN_CONSOLE);
	cr_assert_eq(modload_always(), 0);
	cr_assert_eq(fake_sys_n_calls, 0, "nothing at boot");
	cr_assert_eq(modload_match("pci:v1"), 0, "a device never matches an 'r' module");
	cr_assert_eq(modload_match("hid:b0003"), 0, "nor a 'k' one before a person types");
	cr_assert_eq(modload_match("virtio:d2"), 1);
	modload_fs("ext4");
	cr_assert_eq(fake_sys_n_calls, 3);
	cr_assert_str_eq(fake_sys_calls[1], "finit_module /m/crc16.ko ");
	cr_assert_str_eq(fake_sys_calls[2], "finit_module /m/ext4.ko ");
	modload_fs("no-such-fs");
	cr_assert_eq(fake_sys_n_calls, 3);
	cr_assert_eq(modload_name("nls_cp437"), 1, "the kernel asks vfat's codepage by name");
	modload_console();
	cr_assert_eq(fake_sys_n_calls, 5);
	cr_assert_str_eq(fake_sys_calls[4], "finit_module /m/usbhid.ko ");
	cr_assert_eq(modload_match("hid:b0003"), 1);
	cr_assert_eq(fake_sys_find("finit_module /m/xfs.ko"), -1);
	modload_requested_all(); /* a root of unknown type */
	cr_assert_geq(fake_sys_find("finit_module /m/xfs.ko"), 0);
}

/*
 * A host image's deferred drivers ('d', with 'a'): not at boot, not for a device's
 * match; all of them, with their deps, once the root is late (one log line, once); an
 * init that sees a person type loads them too.
 */
static const char dtext[] = "mkinitramfs-plan\t1\n"
			    "M\tvirtio_blk\t/m/vblk.ko\ta\t-\t\n"   /* 0 */
			    "M\tscsi_mod\t/m/scsi.ko\tad\t-\t\n"    /* 1 */
			    "M\tsr_mod\t/m/sr.ko\tad\t1\t\n"        /* 2 */
			    "M\tserio_raw\t/m/serio.ko\tadk\t-\t\n" /* 3 */
			    "M\tata_piix\t/m/piix.ko\tado\t1\t\n"   /* 4 */
			    "M\tnls\t/m/nls.ko\tr\t-\t\n"           /* 5 */
			    "A\tpci:*\t5\n";

static void setup_deferred(char *b, size_t cap)
{
	setup_text(b, cap, dtext);
	cr_assert_eq(pipe2(logpipe, O_NONBLOCK), 0);
	log_set_fd(logpipe[1], NULL);
	cr_assert_eq(plan.modules[1].flags, PLAN_ALWAYS | PLAN_DEFERRED);
	cr_assert_eq(plan.modules[3].flags, PLAN_ALWAYS | PLAN_DEFERRED | PLAN_CONSOLE);
	cr_assert_eq(modload_always(), 0);
	cr_assert_eq(fake_sys_n_calls, 1, "only the root's driver at boot");
	cr_assert_str_eq(fake_sys_calls[0], "finit_module /m/vblk.ko ");
	cr_assert_eq(modload_match("pci:v8086d7010"), 0, "no device matches a 'd' module");
	cr_assert_eq(fake_sys_n_calls, 1);
}

Test(modload, deferred_for_a_late_root)
{
	static char dbuf[1024];

	setup_deferred(dbuf, sizeof(dbuf));
	cr_assert_eq(modload_deferred(3), 3, "scsi_mod, sr_mod, ata_piix waited");
	cr_assert(strstr(read_logs(), "root not seen after 3 s: loading the 3 deferred drivers"));
	cr_assert_eq(fake_sys_n_calls, 4);
	cr_assert_str_eq(fake_sys_calls[1], "finit_module /m/scsi.ko ");
	cr_assert_str_eq(fake_sys_calls[2], "finit_module /m/sr.ko ");
	cr_assert_str_eq(fake_sys_calls[3], "finit_module /m/piix.ko ");
	cr_assert_eq(fake_sys_find("finit_module /m/serio.ko"), -1, "'k' waits for a person");
	cr_assert_eq(modload_deferred(3), 0, "once");
	modload_console();
	cr_assert_eq(fake_sys_n_calls, 5);
	cr_assert_str_eq(fake_sys_calls[4], "finit_module /m/serio.ko ");
	cr_assert_eq(fake_sys_find("finit_module /m/nls.ko"), -1);
}

Test(modload, deferred_for_a_person_or_a_request)
{
	static char dbuf[1024];

	setup_deferred(dbuf, sizeof(dbuf));
	cr_assert_eq(modload_name("sr_mod"), 1, "the kernel asks for one by name");
	cr_assert_eq(fake_sys_n_calls, 3);
	cr_assert_str_eq(fake_sys_calls[1], "finit_module /m/scsi.ko ");
	modload_console();
	cr_assert_eq(fake_sys_n_calls, 5, "the rest for the shell: ata_piix, serio_raw");
	cr_assert_eq(modload_deferred(3), 0, "nothing left for a late root");
	cr_assert_eq(fake_sys_n_calls, 5);
}

/* The index of the call "<verb> <path of module i>" (with the space after it), or -1. */
static int call_of(const char *verb, size_t i)
{
	char prefix[300];

	snprintf(prefix, sizeof(prefix), "%s %s%s", verb, plan.modules[i].path,
		 strcmp(verb, "done") == 0 ? "" : " ");
	return fake_sys_find(prefix);
}

/* Every module of a batch started only after each of its deps that was tried ended. */
static void assert_deps_ended_first(void)
{
	for (size_t i = 0; i < plan.n_modules; i++) {
		const char *p = plan.modules[i].deps;
		int start = call_of("finit_module", i);
		long d;

		while (start >= 0 && (d = plan_next_dep(&p)) >= 0) {
			if (call_of("finit_module", (size_t)d) < 0)
				continue; /* blacklisted */
			cr_assert_geq(call_of("done", (size_t)d), 0, "%s", plan.modules[d].name);
			cr_assert_lt(call_of("done", (size_t)d), start, "%s before %s",
				     plan.modules[d].name, plan.modules[i].name);
		}
	}
}

/* Two chains and two loners, on four CPUs: side by side, each after its deps. */
Test(modload, batch_loads_side_by_side_after_deps)
{
	static char pbuf[1024];
	static const char ptext[] = "mkinitramfs-plan\t1\n"
				    "M\tscsi_mod\t/m/scsi_mod.ko\ta\t-\t\n"	/* 0 */
				    "M\tsd_mod\t/m/sd_mod.ko\ta\t0\t\n"		/* 1 */
				    "M\tmptspi\t/m/mptspi.ko\ta\t0,1\tx=1\n"	/* 2 */
				    "M\tcrc16\t/m/crc16.ko\ta\t-\t\n"		/* 3 */
				    "M\text4\t/m/ext4.ko\ta\t3\t\n"		/* 4 */
				    "M\tvfat\t/m/vfat.ko\ta\t-\t\n"		/* 5 */
				    "M\tnls\t/m/nls.ko\ta\t-\t\n";		/* 6 */

	setup_text(pbuf, sizeof(pbuf), ptext);
	cr_assert_eq(pipe2(logpipe, O_NONBLOCK), 0);
	log_set_fd(logpipe[1], NULL);
	log_set_level(LOG_DEBUG);
	fake_sys_set_ncpu(4);
	modload_batch_begin();
	cr_assert_eq(modload_always(), 0);
	cr_assert_eq(fake_sys_n_calls, 0, "a batch only queues");
	cr_assert_eq(plan.modules[2].state, PLAN_QUEUED);
	cr_assert_eq(modload_batch_run(), 0, "no device's match in it");
	cr_assert_eq(modload_stats()->loaded, 7);
	cr_assert_eq(fake_sys_n_calls, 14, "each module once, and its end");
	cr_assert_neq(fake_sys_find("finit_module /m/mptspi.ko x=1"), -1);
	assert_deps_ended_first();
	cr_assert_gt(fake_sys_max_running(), 1);
	cr_assert_leq(fake_sys_max_running(), 4);
	read_logs();
	cr_assert(strstr(logs, "<6>initramfs: loading 7 modules, up to 4 at once\n"), "%s",
		  logs);
	cr_assert(strstr(logs, "initramfs: loading module 'mptspi' from '/m/mptspi.ko' "
			       "with 'x=1'\n"),
		  "%s", logs);
	/* Closed: loads happen in place again. */
	modload_name("nothing");
	cr_assert_eq(plan.modules[6].state, PLAN_LOADED);
}

/* The failures of the in-place test, in a batch: the same outcome, the same lines. */
Test(modload, batch_failures_end_as_in_place)
{
	setup("nbd.nbds_max=7 modprobe.blacklist=crc32c_generic");
	fake_sys_set_ncpu(2);
	fake_sys_fail_module("crc32c-intel", ENODEV);
	fake_sys_fail_module("nbd", EEXIST);
	fake_sys_fail_module("broken", ENOENT);
	modload_batch_begin();
	cr_assert_eq(modload_always(), 0);
	modload_batch_run();
	assert_deps_ended_first();
	cr_assert_eq(fake_sys_max_running(), 2);
	cr_assert_neq(fake_sys_find("finit_module /m/nbd.ko nbds_max=1024 nbds_max=7"), -1);
	cr_assert_neq(fake_sys_find("finit_module /m/ext4.ko "), -1,
		      "tried although a dep failed: the kernel says what it misses");
	cr_assert_eq(fake_sys_find("finit_module /m/crc32c_generic.ko"), -1);
	cr_assert_eq(plan.modules[7].state, PLAN_FAILED);
	cr_assert_eq(plan.modules[7].err, -ENOENT);
	assert_failed_as_planned();
	cr_assert(strstr(logs, "loading 4 modules, up to 2 at once"), "%s", logs);
}

/* One CPU: no batch, no child, the same calls as without one. */
Test(modload, batch_on_one_cpu_loads_in_place)
{
	setup("");
	fake_sys_set_ncpu(1);
	modload_batch_begin();
	fake_sys_fail_module("broken", ENOENT);
	cr_assert_eq(modload_always(), -ENOENT, "loaded in place, the failure returned");
	cr_assert_eq(fake_sys_n_calls, 5);
	cr_assert_str_eq(fake_sys_calls[2], "finit_module /m/ext4.ko ");
	cr_assert_eq(modload_match("virtio:d00000002v00001AF4"), 1);
	cr_assert_eq(modload_batch_run(), 0);
	cr_assert_eq(fake_sys_n_calls, 7);
	cr_assert_eq(fake_sys_find("done"), -1);
	cr_assert_eq(fake_sys_max_running(), 0);
	cr_assert_null(strstr(read_logs(), "at once"), "%s", logs);
}

/* Devices' matches in a batch: counted and named once loaded, after their deps. */
Test(modload, batch_of_matches_names_the_devices)
{
	setup("");
	fake_sys_set_ncpu(64);
	modload_batch_begin();
	cr_assert_eq(modload_match("virtio:d00000002v00001AF4"), 0, "queued, not loaded");
	cr_assert_eq(modload_match("virtio:d00000002v00001AF4"), 0, "queued once");
	cr_assert_eq(modload_match("pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02"), 0);
	cr_assert_eq(modload_batch_run(), 2);
	assert_deps_ended_first();
	cr_assert_eq(fake_sys_n_calls, 6);
	read_logs();
	cr_assert(strstr(logs, "loading 3 modules, up to 16 at once"), "%s", logs);
	cr_assert(strstr(logs, "<6>initramfs: module 'virtio_blk' loaded for device "
			       "'virtio:d00000002v00001AF4'\n"),
		  "%s", logs);
	cr_assert(strstr(logs, "<6>initramfs: module 'nvme' loaded for device 'pci:v00001B36"),
		  "%s", logs);
	cr_assert_null(strstr(logs, "'virtio' loaded for"), "a dep is no device's match");
}

/*
 * More than a batch holds (256 modules, 4 KiB of devices' modaliases): what is queued
 * loads early and the batch goes on; every module and every device is accounted for.
 */
Test(modload, batch_overflow_loads_early)
{
	static char text[32 * 1024], big[sizeof(text)];
	char xs[401], alias[420];
	const char *p;
	size_t n = 0;
	int lines = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "mkinitramfs-plan\t1\n");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "M\tm%d\t/m/m%d.ko\t%s\t%s\t\n",
				      i, i, i < 280 ? "a" : "m", i % 10 ? "0" : "-");
	for (int i = 280; i < 300; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "A\tdev:*:%d\t%d\n", i, i);
	cr_assert_lt(n, sizeof(text) - 1);
	setup_text(big, sizeof(big), text);
	cr_assert_eq(pipe2(logpipe, O_NONBLOCK), 0);
	log_set_fd(logpipe[1], NULL);
	log_set_level(LOG_INFO);
	fake_sys_set_ncpu(3);
	modload_batch_begin();
	modload_always();
	cr_assert_eq(modload_stats()->loaded, 256, "a full batch loaded early");
	memset(xs, 'x', sizeof(xs) - 1);
	xs[sizeof(xs) - 1] = '\0';
	for (int i = 280; i < 300; i++) {
		snprintf(alias, sizeof(alias), "dev:%s:%d", xs, i);
		modload_match(alias);
	}
	cr_assert_eq(modload_batch_run(), 20);
	cr_assert_eq(modload_stats()->loaded, 300);
	cr_assert_eq(fake_sys_max_running(), 3);
	read_logs();
	cr_assert(strstr(logs, "loading 256 modules, up to 3 at once"), "%s", logs);
	for (p = logs; (p = strstr(p, "' loaded for device 'dev:xxx")); p++)
		lines++;
	cr_assert_eq(lines, 20, "%s", logs);
	cr_assert(strstr(logs, "module 'm299' loaded for device 'dev:xxx"), "%s", logs);
}

/* Root first (devqueue.c): a plan with a GPU driver its hook wants early ('e'), a
 * keyboard for a person ('k'), and devices' drivers; the files do not exist here, so
 * every cost is 0 and the queue goes in the order the devices came. */
static const char held_text[] = "mkinitramfs-plan\t1\n"
				"M\tvirtio\t/m/virtio.ko\t-\t-\t\n"	     /* 0 */
				"M\tvirtio_blk\t/m/virtio_blk.ko\tm\t0\t\n" /* 1 */
				"M\tnvme\t/m/nvme.ko\tm\t-\t\n"		     /* 2 */
				"M\tbochs\t/m/bochs.ko\tme\t-\t\n"	     /* 3 */
				"M\tusbhid\t/m/usbhid.ko\tak\t-\t\n"	     /* 4 */
				"M\tahci\t/m/ahci.ko\tm\t-\t\n"		     /* 5 */
				"A\tvirtio:d00000002v*\t1\n"
				"A\tpci:nvme*\t2\n"
				"A\tpci:vga*\t3\n"
				"A\tpci:ahci*\t5\n";

static void setup_held(void)
{
	static char pbuf[1024];

	setup_text(pbuf, sizeof(pbuf), held_text);
	cr_assert_eq(pipe2(logpipe, O_NONBLOCK), 0);
	log_set_fd(logpipe[1], NULL);
	log_set_level(LOG_INFO);
	modload_hold(true);
	cr_assert_eq(modload_match("pci:nvme1"), 0);
	cr_assert_eq(modload_match("virtio:d00000002v00001AF4"), 0);
	cr_assert_eq(fake_sys_n_calls, 0, "devices' drivers wait");
}

Test(modload, held_matches_wait_for_steps_early_ones_do_not)
{
	setup_held();
	cr_assert_eq(modload_match("pci:vga1"), 1, "an early driver loads at once");
	cr_assert_str_eq(fake_sys_calls[0], "finit_module /m/bochs.ko ");
	cr_assert_eq(modload_queue_step(), 1);
	cr_assert_eq(fake_sys_n_calls, 2);
	cr_assert_str_eq(fake_sys_calls[1], "finit_module /m/nvme.ko ");
	cr_assert_eq(modload_queue_step(), 1);
	cr_assert_eq(fake_sys_n_calls, 4, "with its dep");
	cr_assert_str_eq(fake_sys_calls[2], "finit_module /m/virtio.ko ");
	cr_assert_eq(modload_queue_step(), 0, "empty");
	cr_assert_eq(modload_name("ahci"), 1, "a request by name never waits");
	read_logs();
	cr_assert(strstr(logs, "<6>initramfs: module 'nvme' loaded for device 'pci:nvme1'\n"),
		  "%s", logs);
	cr_assert(strstr(logs, "<6>initramfs: module 'virtio_blk' loaded for device "
			       "'virtio:d00000002v00001AF4'\n"),
		  "%s", logs);
}

/* The passphrase prompt, the shell, rd.break: everything queued loads, then nothing
 * waits any more. */
Test(modload, person_flushes_the_queue_and_stops_holding)
{
	setup_held();
	modload_console();
	cr_assert_eq(fake_sys_n_calls, 4, "usbhid and the three queued");
	cr_assert_str_eq(fake_sys_calls[0], "finit_module /m/usbhid.ko ");
	cr_assert_eq(plan.modules[1].state, PLAN_LOADED);
	cr_assert_eq(plan.modules[2].state, PLAN_LOADED);
	cr_assert_eq(modload_match("pci:ahci1"), 1, "no longer held");
	cr_assert_eq(modload_queue_step(), 0);
	read_logs();
	cr_assert(strstr(logs, "<6>initramfs: module 'nvme' loaded for device 'pci:nvme1'\n"),
		  "%s", logs);
}

/* Several CPUs: one step takes up to one queued driver per CPU, side by side. */
Test(modload, step_takes_one_driver_per_cpu)
{
	setup_held();
	cr_assert_eq(modload_match("pci:ahci1"), 0);
	fake_sys_set_ncpu(2);
	cr_assert_eq(modload_queue_step(), 2);
	cr_assert_eq(plan.modules[2].state, PLAN_LOADED);
	cr_assert_eq(plan.modules[1].state, PLAN_LOADED);
	cr_assert_eq(plan.modules[5].state, PLAN_PENDING, "the third waits");
	assert_deps_ended_first();
	cr_assert_eq(modload_queue_step(), 1);
	cr_assert_eq(plan.modules[5].state, PLAN_LOADED);
	read_logs();
	cr_assert(strstr(logs, "loading 3 modules, up to 2 at once"), "%s", logs);
}
