/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/fsck/fstab.c: the /usr line of an fstab, the options the kernel takes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "fsck/fstab.h"

Test(fstab, find)
{
	char text[] = "# /etc/fstab: static file system information.\n"
		      "UUID=1111 /  ext4 errors=remount-ro 0 1\n"
		      "\n"
		      "   # a comment line\n"
		      "LABEL=my\\040usr\t/usr/\text4\tdefaults,noatime\t0\t2 # trailing\n"
		      "/dev/vdc /usr/local ext4 defaults 0 0\n";
	struct fstab_entry e;

	cr_assert_eq(fstab_find(text, "/usr", &e), 0);
	cr_assert_str_eq(e.spec, "LABEL=my usr", "octal escapes are decoded");
	cr_assert_str_eq(e.type, "ext4");
	cr_assert_str_eq(e.opts, "defaults,noatime");
	cr_assert_eq(e.passno, 2);
}

Test(fstab, find_short_and_missing)
{
	char none[] = "UUID=1 / ext4 defaults 0 1\n/dev/vdb /usr/local ext4 rw 0 2";
	char short3[] = "PARTUUID=ab-02 /usr xfs";
	char short2[] = "/dev/vdb /usr\n";
	struct fstab_entry e;

	cr_assert_eq(fstab_find(none, "/usr", &e), -ENOENT, "/usr/local is not /usr");
	cr_assert_eq(fstab_find(short3, "/usr", &e), 0);
	cr_assert_str_eq(e.spec, "PARTUUID=ab-02");
	cr_assert_str_eq(e.opts, "defaults");
	cr_assert_eq(e.passno, 0, "no sixth field: not checked, as fstab(5) says");
	cr_assert_eq(fstab_find(short2, "/usr", &e), -EBADMSG);
}

Test(fstab, kernel_options)
{
	char out[64];

	cr_assert_eq(fstab_kernel_options("defaults", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(fstab_kernel_options("rw,noauto,x-systemd.device-timeout=5,nofail,"
					  "comment=x,_netdev,user,data=journal,relatime",
					  out, sizeof(out)),
		     0);
	cr_assert_str_eq(out, "rw,data=journal,relatime");
	cr_assert_eq(fstab_kernel_options("ro,,subvol=@usr", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "ro,subvol=@usr");
	cr_assert_eq(fstab_kernel_options("aaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbb", out, 16),
		     -E2BIG);
	cr_assert(fstab_has_option("rw,bind,noatime", "bind"));
	cr_assert(!fstab_has_option("rw,rbind", "bind"));
}
