/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/plan.c: the abi.h format, accepted and refused. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"

static struct plan plan;
static char buf[65536];

static int parse(const char *text)
{
	size_t len = strlen(text);

	memcpy(buf, text, len + 1);
	return plan_parse(&plan, buf, len);
}

Test(plan, a_full_plan)
{
	cr_assert_eq(parse("mkinitramfs-plan\t1\n"
			   "K\t6.1.0-56-amd64\n"
			   "F\tgenerator\tmkinitramfs 0.1\n"
			   "M\tcrc32c_intel\t/lib/modules/k/crc32c-intel.ko\tas\t-\t\n"
			   "M\tvirtio_blk\t/lib/modules/k/virtio_blk.ko\tme\t0\t\n"
			   "M\tnbd\t/lib/modules/k/nbd.ko\tao\t0,1\tnbds_max=1024 max_part=8\n"
			   "M\tsr_mod\t/lib/modules/k/sr_mod.ko\tadY\t-\t\n"
			   "A\tvirtio:d00000002v*\t1\n"
			   "Z\tsomething from a later generator\n"),
		     0);
	cr_assert_str_eq(plan.kernel, "6.1.0-56-amd64");
	cr_assert_eq(plan.n_modules, 4);
	cr_assert_str_eq(plan.modules[0].name, "crc32c_intel");
	/* 'd' is known; an unknown letter (a later generator's) is ignored. */
	cr_assert_eq(plan.modules[3].flags, PLAN_ALWAYS | PLAN_DEFERRED);
	cr_assert_eq(plan.modules[0].flags, PLAN_ALWAYS | PLAN_SOFTDEP);
	cr_assert_eq(plan.modules[1].flags, PLAN_MATCH | PLAN_EARLY);
	cr_assert_str_eq(plan.modules[1].deps, "0");
	cr_assert_eq(plan.modules[2].flags, PLAN_ALWAYS | PLAN_OPTIONAL);
	cr_assert_str_eq(plan.modules[2].params, "nbds_max=1024 max_part=8");
	cr_assert_str_eq(plan.modules[0].deps, "");
	cr_assert_eq(plan.n_aliases, 1);
	cr_assert_str_eq(plan.aliases[0].pattern, "virtio:d00000002v*");
	cr_assert_eq(plan.aliases[0].module, 1);
}

Test(plan, md_record)
{
	cr_assert_eq(parse("mkinitramfs-plan\t1\nR\t/usr/sbin/mdadm\n"), 0);
	cr_assert_str_eq(plan.mdadm, "/usr/sbin/mdadm");
	cr_assert_eq(parse("mkinitramfs-plan\t1\n"), 0);
	cr_assert_null(plan.mdadm);
	cr_assert_eq(parse("mkinitramfs-plan\t1\nR\tmdadm\n"), -EBADMSG);
	cr_assert_eq(parse("mkinitramfs-plan\t1\nR\n"), -EBADMSG);
}

Test(plan, params_may_hold_tabs_and_be_absent)
{
	cr_assert_eq(parse("mkinitramfs-plan\t1\n"
			   "M\ta\t/a.ko\ta\t-\tx=1\ty=2\n"
			   "M\tb\t/b.ko\t-\t-\n"),
		     0);
	cr_assert_str_eq(plan.modules[0].params, "x=1\ty=2");
	cr_assert_str_eq(plan.modules[1].params, "");
	cr_assert_eq(plan.modules[1].flags, 0);
}

Test(plan, deps_iterate)
{
	const char *p = "3,10,2";

	cr_assert_eq(plan_next_dep(&p), 3);
	cr_assert_eq(plan_next_dep(&p), 10);
	cr_assert_eq(plan_next_dep(&p), 2);
	cr_assert_eq(plan_next_dep(&p), -1);
}

Test(plan, refused)
{
	cr_assert_eq(parse(""), -EBADMSG);
	cr_assert_eq(parse("mkinitramfs-plan\t2\n"), -EPROTO);
	cr_assert_eq(parse("not-a-plan\t1\n"), -EBADMSG);
	cr_assert_eq(parse("mkinitramfs-plan\tx\n"), -EBADMSG);
	/* A cut file: the last line has no newline. */
	cr_assert_eq(parse("mkinitramfs-plan\t1\nM\ta\t/a.ko\ta\t-\t"), -EBADMSG);
	cr_assert_eq(plan.line, 2);
	/* A dependency must come earlier. */
	cr_assert_eq(parse("mkinitramfs-plan\t1\nM\ta\t/a.ko\ta\t0\t\n"), -EBADMSG);
	cr_assert_eq(parse("mkinitramfs-plan\t1\nM\ta\t/a.ko\ta\t-\t\nM\tb\t/b.ko\ta\t0,x\t\n"),
		     -EBADMSG);
	cr_assert_eq(plan.line, 3);
	/* Relative path, missing fields, alias to a missing module. */
	cr_assert_eq(parse("mkinitramfs-plan\t1\nM\ta\ta.ko\ta\t-\t\n"), -EBADMSG);
	cr_assert_eq(parse("mkinitramfs-plan\t1\nM\ta\t/a.ko\n"), -EBADMSG);
	cr_assert_eq(parse("mkinitramfs-plan\t1\nM\ta\t/a.ko\ta\t-\t\nA\tx*\t1\n"), -EBADMSG);
	cr_assert_eq(parse("mkinitramfs-plan\t1\nA\tx*\tone\n"), -EBADMSG);
	/* A NUL inside. */
	memcpy(buf, "mkinitramfs-plan\t1\nK\ta\0b\n", 25);
	cr_assert_eq(plan_parse(&plan, buf, 24), -EBADMSG);
}

Test(plan, too_many_modules)
{
	static char big[(ABI_PLAN_MAX_MODULES + 2) * 24];
	size_t n = 0;

	n += (size_t)sprintf(big + n, "mkinitramfs-plan\t1\n");
	for (int i = 0; i <= ABI_PLAN_MAX_MODULES; i++)
		n += (size_t)sprintf(big + n, "M\tm%d\t/m.ko\ta\t-\t\n", i);
	cr_assert_eq(plan_parse(&plan, big, n), -E2BIG);
}

/* mkinitramfs -k none: an empty kernel release, no module. */
Test(plan, no_kernel_no_modules)
{
	cr_assert_eq(parse("mkinitramfs-plan\t1\nK\t\nF\tgenerator\tmkinitramfs 0.1\n"), 0);
	cr_assert_str_eq(plan.kernel, "");
	cr_assert_eq(plan.n_modules, 0);
}

Test(plan, the_console_record)
{
	cr_assert_eq(parse("mkinitramfs-plan\t1\n"
			   "V\t/lib/mkinitramfs/vconsole\t/etc/km.bin\tde-latin1\t-\t-\n"),
		     0);
	cr_assert_str_eq(plan.vconsole[0], "/lib/mkinitramfs/vconsole");
	cr_assert_str_eq(plan.vconsole[1], "/etc/km.bin");
	cr_assert_str_eq(plan.vconsole[2], "de-latin1");
	cr_assert_str_eq(plan.vconsole[3], "-");
	cr_assert_str_eq(plan.vconsole[4], "-");
	cr_assert_null(plan.vconsole[5], "the helper's argv ends with NULL");
	cr_assert_eq(parse("mkinitramfs-plan\t1\nK\tk\n"), 0);
	cr_assert_null(plan.vconsole[0], "no V record, no helper");
}

Test(plan, refuses_a_console_record_it_cannot_run)
{
	cr_assert_eq(parse("mkinitramfs-plan\t1\nV\t/lib/mkinitramfs/vconsole\t/k\tde\n"),
		     -EBADMSG);
	cr_assert_eq(plan.line, 2);
	cr_assert_eq(parse("mkinitramfs-plan\t1\nV\tvconsole\t-\t-\t/f\tlat9\n"), -EBADMSG);
}

Test(plan, lvm_record)
{
	cr_assert_eq(parse("mkinitramfs-plan\t1\nK\tk\n"), 0);
	cr_assert_null(plan.lvm, "no L record: LVM stays off");
	cr_assert_eq(parse("mkinitramfs-plan\t1\n"
			   "L\t/usr/sbin/lvm\tdevices{a=0} activation{b=0}\n"),
		     0);
	cr_assert_str_eq(plan.lvm, "/usr/sbin/lvm");
	cr_assert_str_eq(plan.lvm_config, "devices{a=0} activation{b=0}");
	cr_assert_eq(parse("mkinitramfs-plan\t1\nL\tlvm\tx\n"), -EBADMSG);
	cr_assert_eq(parse("mkinitramfs-plan\t1\nL\t/usr/sbin/lvm\n"), -EBADMSG);
}
