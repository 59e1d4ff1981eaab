/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/switchroot.c: deleting a tree without leaving its filesystem. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "switchroot.h"
#include "testutil.h"

static char *make_tree(void)
{
	char *t = tu_tmpdir();

	cr_assert_eq(tu_sh("cd '%s' && set -e\n"
			   "mkdir -p root/lib/modules/k/kernel/drivers root/etc/mkinitramfs "
			   "root/new_root root/dev outside\n"
			   "echo x > root/init; echo p > root/etc/mkinitramfs/plan\n"
			   "echo m > root/lib/modules/k/kernel/drivers/a.ko\n"
			   "echo keep > outside/precious\n"
			   "ln -s ../outside root/link-out; ln -s /outside/precious root/abs-link\n"
			   "mkfifo root/fifo\n",
			   t),
		     0);
	return t;
}

/* Run switchroot_clean on t/root as if its device were `dev_offset` away from the real. */
static void clean_root(const char *t, dev_t dev_offset)
{
	char path[512];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/root", t);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_eq(switchroot_clean(fd, st.st_dev + dev_offset), 0);
	close(fd);
}

Test(switchroot, clean_deletes_everything_on_the_device)
{
	char *t = make_tree();

	clean_root(t, 0);
	cr_assert_eq(tu_sh("test -z \"$(ls -A '%s/root')\"", t), 0, "the tree is not empty");
	cr_assert_eq(tu_sh("test \"$(cat '%s/outside/precious')\" = keep", t), 0,
		     "a symlink was followed");
	tu_rmtree(t);
}

Test(switchroot, clean_never_crosses_into_another_device)
{
	char *t = make_tree();

	/* As if everything here were another filesystem mounted into the old root. */
	clean_root(t, 1);
	cr_assert_eq(tu_sh("test -f '%s/root/init' && test -f "
			   "'%s/root/lib/modules/k/kernel/drivers/a.ko'",
			   t, t),
		     0);
	tu_rmtree(t);
}
