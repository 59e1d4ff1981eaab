/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/fsck/check.c: fsck.mode=/fsck.repair=, the checker's argv, exit codes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "fsck/check.h"
#include "testutil.h"

static struct check_opts opts_of(const char *line)
{
	static struct cmdline c;
	struct check_opts o;

	cmdline_parse(&c, line);
	check_opts_parse(&c, &o);
	return o;
}

Test(check, opts)
{
	struct check_opts o = opts_of("root=/dev/vda quiet");

	cr_assert_eq(o.mode, CHECK_MODE_AUTO);
	cr_assert_eq(o.repair, CHECK_REPAIR_PREEN);
	o = opts_of("fsck.mode=skip fsck.repair=yes");
	cr_assert_eq(o.mode, CHECK_MODE_SKIP);
	cr_assert_eq(o.repair, CHECK_REPAIR_YES);
	o = opts_of("fsck.mode=force fsck.repair=no fsck.mode=auto");
	cr_assert_eq(o.mode, CHECK_MODE_AUTO, "the last word wins");
	cr_assert_eq(o.repair, CHECK_REPAIR_NO);
	o = opts_of("fsck.mode=sometimes fsck.repair=maybe");
	cr_assert_eq(o.mode, CHECK_MODE_AUTO, "an unknown value keeps the default");
	cr_assert_eq(o.repair, CHECK_REPAIR_PREEN);
}

/* A root holding the named programs (empty executable files) in dir. */
static char *root_with(const char *dir, const char *const *names)
{
	char *root = tu_tmpdir(), path[512];

	for (; *names; names++) {
		snprintf(path, sizeof(path), "%s/%s", dir + 1, *names);
		tu_write(root, path, "");
		snprintf(path, sizeof(path), "%s%s/%s", root, dir, *names);
		cr_assert_eq(chmod(path, 0755), 0);
	}
	return root;
}

static void argv_is(const struct check_cmd *c, const char *want)
{
	char got[256] = "";

	for (size_t i = 0; c->argv[i]; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "",
			 c->argv[i]);
	cr_assert_str_eq(got, want);
}

Test(check, command_ext)
{
	static const char *const progs[] = {"e2fsck", NULL};
	char *root = root_with("/usr/sbin", progs);
	struct check_opts o = {CHECK_MODE_AUTO, CHECK_REPAIR_PREEN};
	struct check_cmd c;

	cr_assert_eq(check_command(root, "ext4", "/dev/vda", &o, &c), CHECK_RUN,
		     "e2fsck stands in for a missing fsck.ext4");
	cr_assert_str_eq(c.path, "/usr/sbin/e2fsck");
	argv_is(&c, "e2fsck -p /dev/vda");
	o = (struct check_opts){CHECK_MODE_FORCE, CHECK_REPAIR_YES};
	cr_assert_eq(check_command(root, "ext2", "/dev/sda1", &o, &c), CHECK_RUN);
	argv_is(&c, "e2fsck -y -f /dev/sda1");
	o.repair = CHECK_REPAIR_NO;
	cr_assert_eq(check_command(root, "ext3", "/dev/sda1", &o, &c), CHECK_RUN);
	argv_is(&c, "e2fsck -n -f /dev/sda1");
	tu_rmtree(root);
}

Test(check, command_others)
{
	static const char *const progs[] = {"fsck.vfat", "fsck.ext4", "fsck.f2fs", NULL};
	char *root = root_with("/sbin", progs);
	struct check_opts o = {CHECK_MODE_FORCE, CHECK_REPAIR_PREEN};
	struct check_cmd c;

	cr_assert_eq(check_command(root, "ext4", "/dev/vda", &o, &c), CHECK_RUN);
	cr_assert_str_eq(c.path, "/sbin/fsck.ext4", "fsck.<type> comes first");
	argv_is(&c, "fsck.ext4 -p -f /dev/vda");
	cr_assert_eq(check_command(root, "vfat", "/dev/vdb1", &o, &c), CHECK_RUN);
	argv_is(&c, "fsck.vfat -a /dev/vdb1");
	cr_assert_eq(check_command(root, "f2fs", "/dev/vdc", &o, &c), CHECK_RUN);
	argv_is(&c, "fsck.f2fs -a -f /dev/vdc");
	cr_assert_eq(check_command(root, "xfs", "/dev/vda", &o, &c), CHECK_NOT_NEEDED);
	cr_assert_eq(check_command(root, "btrfs", "/dev/vda", &o, &c), CHECK_NOT_NEEDED);
	cr_assert_eq(check_command(root, "ext2x", "/dev/vda", &o, &c), CHECK_NO_CHECKER);
	cr_assert_eq(check_command(root, "a-type-name-longer-than-the-buffer-holds",
				   "/dev/vda", &o, &c),
		     CHECK_NO_CHECKER);
	tu_rmtree(root);
	root = root_with("/bin", (const char *const[]){"fsck.vfat", NULL});
	cr_assert_eq(check_command(root, "ext4", "/dev/vda", &o, &c), CHECK_NO_CHECKER,
		     "no e2fsck nor fsck.ext4: nothing to run");
	tu_rmtree(root);
}

static int exited(int code)
{
	return (code & 0xff) << 8; /* what waitpid reports for exit(code) */
}

Test(check, verdict)
{
	cr_assert(WIFEXITED(exited(4)) && WEXITSTATUS(exited(4)) == 4);
	cr_assert_eq(check_verdict(exited(0)), CHECK_CLEAN);
	cr_assert_eq(check_verdict(exited(1)), CHECK_CORRECTED);
	cr_assert_eq(check_verdict(exited(2)), CHECK_REBOOT);
	cr_assert_eq(check_verdict(exited(3)), CHECK_REBOOT);
	cr_assert_eq(check_verdict(exited(4)), CHECK_FAILED);
	cr_assert_eq(check_verdict(exited(5)), CHECK_FAILED, "4 wins over 1");
	cr_assert_eq(check_verdict(exited(8)), CHECK_FAILED);
	cr_assert_eq(check_verdict(exited(127)), CHECK_FAILED);
	cr_assert_eq(check_verdict(9 /* killed by SIGKILL */), CHECK_FAILED);
	cr_assert_str_eq(check_failure_text(4), "errors left uncorrected");
	cr_assert_str_eq(check_failure_text(12), "errors left uncorrected");
	cr_assert_str_eq(check_failure_text(8), "operational error");
	cr_assert_str_eq(check_failure_text(16), "usage or syntax error");
	cr_assert_str_eq(check_failure_text(32), "cancelled");
	cr_assert_str_eq(check_failure_text(128), "shared-library error");
}
