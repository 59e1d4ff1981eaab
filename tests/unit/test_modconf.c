/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The modprobe.d configuration as a build sees it: options, softdep pre/post, blacklist,
 * aliases and install commands, each written into a copy of a small depmod-built tree
 * and observed through moddep's closure and the plan and indexes it stages.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "log.h"
#include "modules/moddep.h"
#include "stage.h"
#include "strv.h"
#include "testutil.h"

#define KVER "1.0-test"

/* Bump when the spec changes: the cached tree is keyed by it and mktree.sh's mtime. */
#define SPEC_VERSION 2
static const char spec[] = "module m_top\n"
			   "module m_pre\n"
			   "module m_post\n"
			   "module m-opt\n"
			   "module m_target\n"
			   "module sh-bad alias=shared-alias\n"
			   "module sh_ok alias=shared-alias\n"
			   "module m_inst\n"
			   "module hd_base exports=hd_sym\n"
			   "module hd_user needs=hd_sym\n";

static char *dir;
static char root[4096];

/* The module tree, built once for every test process. */
static void shared_tree(char *out, size_t size)
{
	testutil_shared_tree("modconf", SPEC_VERSION, spec, KVER, out, size);
}

static void setup(void)
{
	char shared[4096];
	shared_tree(shared, sizeof(shared));
	dir = testutil_mkdtemp();
	snprintf(root, sizeof(root), "%s/root", dir);
	/* Each test gets its own copy to write its modprobe.d into. */
	cr_assert_eq(testutil_sh("cp -a '%s' '%s'", shared, root), 0);
}

static void teardown(void)
{
	testutil_rmrf(dir);
	free(dir);
}

TestSuite(modconf, .init = setup, .fini = teardown);

static struct moddep *open_root(void)
{
	struct moddep *m;
	cr_assert_eq(moddep_new(root, KVER, &m), 0);
	return m;
}

static const char *closure(struct moddep *m)
{
	static char buf[4096];
	cr_assert_eq(moddep_resolve(m), 0);
	buf[0] = '\0';
	for (size_t i = 0; i < moddep_closure_size(m); i++) {
		strcat(buf, i ? " " : "");
		strcat(buf, moddep_closure_name(m, i));
	}
	return buf;
}

/* The staged bytes of `path` (under the image's root), NUL-terminated. */
static char *staged_text(struct stage *stage, const char *path)
{
	size_t n;
	const struct stage_entry *e = stage_entries(stage, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].path, path)) {
			cr_assert_eq(e[i].from, STAGE_FROM_DATA, "%s", path);
			char *s = strndup(e[i].data, e[i].size);
			cr_assert_not_null(s);
			return s;
		}
	cr_assert_fail("'%s' not staged", path);
	return NULL;
}

/* Stage the resolved closure; return the plan's text. */
static char *plan_of(struct moddep *m, struct stage **ret_stage)
{
	cr_assert_eq(stage_new(ret_stage), 0);
	cr_assert_eq(moddep_stage(m, *ret_stage, NULL), 0);
	return staged_text(*ret_stage, ABI_PLAN_PATH + 1);
}

/* The plan's parameter field (the last, tab-separated) of module `name`. */
static char *params_of(const char *plan, const char *name)
{
	char key[256];
	snprintf(key, sizeof(key), "M\t%s\t", name);
	const char *line = strstr(plan, key);
	cr_assert_not_null(line, "no plan line for %s in:\n%s", name, plan);
	const char *end = strchr(line, '\n');
	cr_assert_not_null(end);
	const char *tab = end;
	while (tab > line && tab[-1] != '\t')
		tab--;
	return strndup(tab, (size_t)(end - tab));
}

Test(modconf, options_from_every_directory_in_file_name_order_then_the_request)
{
	testutil_write(root, "etc/modprobe.d/b.conf", "options m-opt b=2\n");
	testutil_write(root, "lib/modprobe.d/a.conf", "# a comment\noptions m_opt a=1\n");
	testutil_write(root, "usr/lib/modprobe.d/c.conf",
		       "options m_opt c=3 d=\"x y\"\n");
	struct moddep *m = open_root();
	cr_assert_eq(moddep_request(m, "m_opt e=5", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_assert_str_eq(closure(m), "m_opt");
	struct stage *stage;
	char *plan = plan_of(m, &stage);
	char *p = params_of(plan, "m_opt");
	cr_expect_str_eq(p, "a=1 b=2 c=3 d=\"x y\" e=5", "%s", plan);
	free(p);
	free(plan);
	stage_free(stage);
	moddep_free(m);
}

Test(modconf, etc_overrides_a_lib_file_of_the_same_name)
{
	testutil_write(root, "lib/modprobe.d/same.conf", "options m_opt from=lib\n");
	testutil_write(root, "etc/modprobe.d/same.conf", "options m_opt from=etc\n");
	struct moddep *m = open_root();
	cr_assert_eq(moddep_request(m, "m_opt", "config", MODDEP_LOAD_ALWAYS), 0);
	closure(m);
	struct stage *stage;
	char *plan = plan_of(m, &stage);
	char *p = params_of(plan, "m_opt");
	cr_expect_str_eq(p, "from=etc", "%s", plan);
	free(p);
	free(plan);
	stage_free(stage);
	moddep_free(m);
}

Test(modconf, no_configuration_means_no_parameters_and_no_softdeps)
{
	struct moddep *m = open_root();
	cr_assert_eq(moddep_request(m, "m_top", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_assert_str_eq(closure(m), "m_top");
	struct stage *stage;
	char *plan = plan_of(m, &stage);
	char *p = params_of(plan, "m_top");
	cr_expect_str_eq(p, "");
	char *sd = staged_text(stage, "lib/modules/" KVER "/modules.softdep");
	cr_expect_null(strstr(sd, "softdep "), "%s", sd);
	free(sd);
	free(p);
	free(plan);
	stage_free(stage);
	moddep_free(m);
}

Test(modconf, softdep_pre_before_and_post_after_and_in_modules_softdep)
{
	testutil_write(root, "etc/modprobe.d/sd.conf",
		       "softdep m_top pre: m_pre post: m_post\n");
	struct moddep *m = open_root();
	cr_assert_eq(moddep_request(m, "m_top", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_expect_str_eq(closure(m), "m_pre m_top m_post");
	struct stage *stage;
	char *plan = plan_of(m, &stage);
	free(plan);
	char *sd = staged_text(stage, "lib/modules/" KVER "/modules.softdep");
	cr_expect(strstr(sd, "softdep m_top pre: m_pre post: m_post\n"), "%s", sd);
	free(sd);
	stage_free(stage);
	moddep_free(m);
}

Test(modconf, softdep_post_only_and_several_words)
{
	testutil_write(root, "lib/modprobe.d/sd.conf",
		       "softdep m-target post: m_post m_pre\n");
	struct moddep *m = open_root();
	cr_assert_eq(moddep_request(m, "m_target", "config", MODDEP_LOAD_ALWAYS), 0);
	const char *c = closure(m);
	cr_expect(!strncmp(c, "m_target ", 9), "%s", c);
	cr_expect(strstr(c, "m_post") && strstr(c, "m_pre"), "%s", c);
	struct stage *stage;
	free(plan_of(m, &stage));
	char *sd = staged_text(stage, "lib/modules/" KVER "/modules.softdep");
	cr_expect(strstr(sd, "softdep m_target post: m_post m_pre\n"), "%s", sd);
	free(sd);
	stage_free(stage);
	moddep_free(m);
}

Test(modconf, blacklist_keeps_an_alias_from_bringing_a_module_but_not_its_name)
{
	testutil_write(root, "etc/modprobe.d/bl.conf", "blacklist sh-bad\n");
	struct moddep *m = open_root();
	cr_assert_eq(moddep_request(m, "shared-alias", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_expect_str_eq(closure(m), "sh_ok");
	/* Asked by its own name, a blacklisted module comes in, as with modprobe. */
	cr_assert_eq(moddep_request(m, "sh-bad", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_expect_str_eq(closure(m), "sh_ok sh_bad");
	moddep_free(m);
}

Test(modconf, blacklist_applies_to_a_softdep_alias_but_not_to_a_hard_dependency)
{
	testutil_write(root, "etc/modprobe.d/bl.conf",
		       "blacklist sh_bad\nblacklist hd-base\n"
		       "softdep m_top pre: shared-alias\n");
	struct moddep *m = open_root();
	cr_assert_eq(moddep_request(m, "m_top", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_expect_str_eq(closure(m), "sh_ok m_top");
	cr_assert_eq(moddep_request(m, "hd_user", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_expect_str_eq(closure(m), "sh_ok m_top hd_base hd_user");
	moddep_free(m);
}

Test(modconf, only_the_first_softdep_rule_of_a_module_counts)
{
	testutil_write(root, "lib/modprobe.d/a.conf", "softdep m_top pre: m_pre\n");
	testutil_write(root, "lib/modprobe.d/b.conf", "softdep m_top post: m_post\n");
	struct moddep *m = open_root();
	cr_assert_eq(moddep_request(m, "m_top", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_expect_str_eq(closure(m), "m_pre m_top");
	moddep_free(m);
}

Test(modconf, without_blacklist_the_alias_brings_both)
{
	struct moddep *m = open_root();
	struct strv names = STRV_INIT;
	cr_assert_eq(moddep_lookup(m, "shared-alias", &names), 0);
	cr_expect_eq(names.n, 2, "%zu names", names.n);
	strv_clear(&names);
	cr_assert_eq(moddep_request(m, "shared-alias", "config", MODDEP_LOAD_ALWAYS), 0);
	const char *c = closure(m);
	cr_expect(strstr(c, "sh_ok") && strstr(c, "sh_bad"), "%s", c);
	moddep_free(m);
}

Test(modconf, alias_names_a_module)
{
	testutil_write(root, "usr/lib/modprobe.d/al.conf", "alias my-disk m_target\n");
	struct moddep *m = open_root();
	struct strv names = STRV_INIT;
	cr_assert_eq(moddep_lookup(m, "my-disk", &names), 0);
	cr_assert_eq(names.n, 1);
	cr_expect_str_eq(names.v[0], "m_target");
	strv_clear(&names);
	cr_assert_eq(moddep_request(m, "my-disk", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_expect_str_eq(closure(m), "m_target");
	moddep_free(m);
}

/*
 * libkmod hands back a module object for the target of a modprobe.d alias even when the
 * tree has no such module; it must not pass for a builtin: modprobe says not found.
 */
Test(modconf, dangling_alias_is_missing)
{
	testutil_write(root, "usr/lib/modprobe.d/al.conf",
		       "alias gone-disk no_such_module\n");
	struct moddep *m = open_root();
	cr_expect_eq(moddep_request(m, "gone-disk", "config", MODDEP_LOAD_ALWAYS),
		     -ENOENT);
	cr_expect_eq(moddep_request(m, "gone-disk?", "config", MODDEP_LOAD_ALWAYS), 0);
	moddep_free(m);
}

/* Run a resolve at verbose level with stderr in a file; return what it printed. */
static char *resolve_stderr(struct moddep *m)
{
	enum log_level level = log_get_level();
	struct testutil_stderr c;

	testutil_stderr_begin(&c);
	log_set_level(LOG_LEVEL_VERBOSE);
	int r = moddep_resolve(m);
	log_set_level(level);
	char *err = testutil_stderr_end(&c);
	cr_assert_eq(r, 0);
	return err;
}

Test(modconf, install_command_is_not_run_and_is_said_with_verbose)
{
	char mark[4200];
	snprintf(mark, sizeof(mark), "%s/ran", dir);
	char conf[8600];
	snprintf(conf, sizeof(conf), "install m_inst /bin/touch '%s'\n", mark);
	testutil_write(root, "etc/modprobe.d/inst.conf", conf);
	struct moddep *m = open_root();
	cr_assert_eq(moddep_request(m, "m_inst", "config", MODDEP_LOAD_ALWAYS), 0);
	char *err = resolve_stderr(m);
	cr_expect(strstr(err, "1 module(s) have install commands in modprobe.d"), "%s",
		  err);
	free(err);
	cr_expect_str_eq(closure(m), "m_inst");
	struct stage *stage;
	char *plan = plan_of(m, &stage);
	cr_expect(strstr(plan, "M\tm_inst\t"), "%s", plan);
	free(plan);
	stage_free(stage);
	moddep_free(m);
	struct stat st;
	cr_expect_neq(stat(mark, &st), 0, "the install command was run");
}

Test(modconf, no_install_command_no_word)
{
	struct moddep *m = open_root();
	cr_assert_eq(moddep_request(m, "m_inst", "config", MODDEP_LOAD_ALWAYS), 0);
	char *err = resolve_stderr(m);
	cr_expect_null(strstr(err, "install commands"), "%s", err);
	free(err);
	moddep_free(m);
}
