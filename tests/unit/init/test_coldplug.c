/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/coldplug.c: a sysfs device tree of files, symlinks not followed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "coldplug.h"
#include "fake_sys.h"
#include "modload.h"
#include "testutil.h"

Test(coldplug, loads_what_matches)
{
	static char text[] = "mkinitramfs-plan\t1\n"
			     "M\tvirtio_pci\t/m/virtio_pci.ko\tm\t-\t\n"
			     "M\tvirtio_blk\t/m/virtio_blk.ko\tm\t-\t\n"
			     "M\tnvme\t/m/nvme.ko\tm\t-\t\n"
			     "A\tpci:v00001AF4d*sv*sd*bc*sc*i*\t0\n"
			     "A\tvirtio:d00000002v*\t1\n"
			     "A\tpci:v*d*sv*sd*bc01sc08i02*\t2\n";
	static struct plan plan;
	static struct cmdline cmd;
	char *t = tu_tmpdir();
	char devices[512];

	cr_assert_eq(plan_parse(&plan, text, sizeof(text) - 1), 0);
	cmdline_parse(&cmd, "");
	fake_sys_reset();
	modload_init(&plan, &cmd);
	tu_write(t, "sys/devices/pci0000:00/0000:00:04.0/modalias",
		 "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00\n");
	tu_write(t, "sys/devices/pci0000:00/0000:00:04.0/virtio1/modalias",
		 "virtio:d00000002v00001AF4\n");
	tu_write(t, "sys/devices/platform/serial8250/modalias", "platform:serial8250\n");
	tu_write(t, "sys/elsewhere/nvme/modalias",
		 "pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02\n");
	/* A symlink out of the tree, as sysfs has everywhere: never followed. */
	cr_assert_eq(tu_sh("ln -s ../../../elsewhere '%s/sys/devices/pci0000:00/0000:00:04.0/"
			   "subsystem'",
			   t),
		     0);
	snprintf(devices, sizeof(devices), "%s/sys/devices", t);
	cr_assert_eq(coldplug_scan(devices), 2);
	cr_assert_neq(fake_sys_find("finit_module /m/virtio_pci.ko"), -1);
	cr_assert_neq(fake_sys_find("finit_module /m/virtio_blk.ko"), -1);
	cr_assert_eq(fake_sys_find("finit_module /m/nvme.ko"), -1);
	cr_assert_eq(coldplug_scan("/nonexistent/devices"), -ENOENT);
	tu_rmtree(t);
}
