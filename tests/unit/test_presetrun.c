/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The preset runner: parallel images of a fake tree, a failure among them, no presets. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "presetrun.h"
#include "testutil.h"

#define KVER "1.0-test"

static char *dir;
static char root[4096];

static void setup(void)
{
	char init[4200];
	dir = testutil_mkdtemp();
	/* A tree of its own: two modules, one needing the other. */
	testutil_write(dir, "tree.spec",
		       "module chain_c exports=c_sym\nmodule chain_a needs=c_sym\n");
	snprintf(root, sizeof(root), "%s/root", dir);
	cr_assert_eq(testutil_sh("tests/fixtures/mktree.sh '%s/tree.spec' '%s' %s", dir, root,
				 KVER),
		     0, "mktree failed");
	/* Any file serves as /init here: nothing boots the image. */
	testutil_write(dir, "init", "#!/bin/sh\n");
	snprintf(init, sizeof(init), "%s/init", dir);
	setenv("MKINITRAMFS_INIT", init, 1);
	/* HOOKS=(base): an empty HOOKS is refused, as mkinitcpio refuses it. */
	char *hooks = realpath("hooks/build", NULL);
	cr_assert_not_null(hooks, "run from the source tree");
	setenv("MKINITRAMFS_HOOKS_DIR", hooks, 1);
	free(hooks);
	testutil_write(dir, "good.conf", "MODULES=(chain_a)\nHOOKS=(base)\nCOMPRESSION=none\n");
	testutil_write(dir, "bad.conf", "MODULES=(no_such_module)\nHOOKS=(base)\nCOMPRESSION=none\n");
}

static void teardown(void)
{
	testutil_rmrf(dir);
	free(dir);
}

TestSuite(presetrun, .init = setup, .fini = teardown);

/* The before_build hook leaves a mark named by the process that ran it. */
static void mark(void)
{
	char rel[64];
	snprintf(rel, sizeof(rel), "marks/%d", (int)getpid());
	testutil_write(dir, rel, "");
}

/* How many marks, and whether this process left one. */
static int marks(int *ret_mine)
{
	char path[4200], mine[32];
	int n = 0;
	snprintf(path, sizeof(path), "%s/marks", dir);
	snprintf(mine, sizeof(mine), "%d", (int)getpid());
	*ret_mine = 0;
	DIR *d = opendir(path);
	for (struct dirent *de; d && (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		*ret_mine |= strcmp(de->d_name, mine) == 0;
	}
	if (d)
		closedir(d);
	return n;
}

static int exists(const char *rel)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return stat(path, &st) == 0 && st.st_size > 0;
}

static struct presetrun_request request(void)
{
	static struct strv none = STRV_INIT;
	static char good[4200];
	snprintf(good, sizeof(good), "%s/good.conf", dir);
	return (struct presetrun_request){
		.moduleroot = root,
		.default_config = good,
		.add_hooks = &none,
		.skip_hooks = &none,
		.preset_dir = dir,
		.before_build = mark,
	};
}

Test(presetrun, failing_image_is_reported_the_others_finish)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "ALL_kver=%s\nALL_config=%s/good.conf\nPRESETS=(one two bad)\n"
		 "one_image=%s/one.img\ntwo_image=%s/two.img\n"
		 "bad_image=%s/bad.img\nbad_config=%s/bad.conf\n",
		 KVER, dir, dir, dir, dir, dir);
	testutil_write(dir, "a.preset", text);
	snprintf(text, sizeof(text),
		 "ALL_kver=%s\nPRESETS=(three)\nthree_image=%s/three.img\n", KVER, dir);
	testutil_write(dir, "b.preset", text);
	struct presetrun_request req = request();
	int mine;

	cr_assert_eq(presetrun_build_presets(&req), -EIO);
	cr_assert(exists("one.img") && exists("two.img") && exists("three.img"));
	cr_assert(!exists("bad.img"));
	cr_assert_eq(marks(&mine), 4, "every image is built in a child of its own");
	cr_assert(!mine, "the parent does not run before_build");

	req.preset = "b";
	cr_assert_eq(presetrun_build_presets(&req), 0);
}

Test(presetrun, command_line_image_is_built_in_this_process)
{
	char out[4200], config[4200];
	snprintf(out, sizeof(out), "%s/cli.img", dir);
	struct presetrun_request req = request();
	req.kernel = KVER;
	req.output = out;
	int mine;

	cr_assert_eq(presetrun_build_image(&req), 0);
	cr_assert(exists("cli.img"));
	cr_assert_eq(marks(&mine), 1);
	cr_assert(mine);

	snprintf(config, sizeof(config), "%s/missing.conf", dir);
	req.config = config; /* given with -c: a missing one is an error */
	cr_assert_lt(presetrun_build_image(&req), 0);
}

Test(presetrun, no_presets_or_a_missing_one_builds_nothing)
{
	struct presetrun_request req = request();
	int mine;

	cr_assert_eq(presetrun_build_presets(&req), -ENOENT);
	req.preset = "nope";
	int r = presetrun_build_presets(&req);
	cr_assert(r < 0 && r != -EIO, "a missing preset is not a failed image (%d)", r);
	cr_assert_eq(marks(&mine), 0);
}
