/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DKMS test module: a stand-in named like the in-tree nbd, so the tests show that
 * the DKMS build in updates/dkms wins over kernel/drivers/block/nbd.ko, in the image and
 * at boot. It only keeps its parameters and says it was loaded.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

static int nbds_max = 16;
module_param(nbds_max, int, 0444);
MODULE_PARM_DESC(nbds_max, "a number, kept under /sys/module/nbd/parameters");

/* Only this build has it: /sys/module/nbd/parameters/origin tells the two apart. */
static char *origin = "dkms";
module_param(origin, charp, 0444);
MODULE_PARM_DESC(origin, "where this module was built");

static int __init stand_in_init(void)
{
	pr_info("mkinitramfs-dkms-test: nbd stand-in loaded, nbds_max=%d origin=%s\n",
		nbds_max, origin);
	return 0;
}

static void __exit stand_in_exit(void)
{
}

module_init(stand_in_init);
module_exit(stand_in_exit);
MODULE_VERSION("1.0");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mkinitramfs DKMS test module (an nbd stand-in)");
