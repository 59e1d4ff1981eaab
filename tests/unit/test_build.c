/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One build on a small depmod-built tree: the image holds the base entries and the
 * asked modules' closure; a missing module is named and nothing is written; a failed
 * build leaves the previous image as it was.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "abi.h"
#include "build.h"
#include "image/image.h"
#include "strv.h"
#include "testutil.h"

#define KVER "1.0-test"
#define MODDIR "lib/modules/" KVER "/kernel/drivers/misc/"

/* Bump when the spec changes: the cached tree is keyed by it and mktree.sh's mtime. */
#define SPEC_VERSION 1
static const char spec[] = "module chain_c exports=c_sym\n"
			   "module chain_b exports=b_sym needs=c_sym\n"
			   "module chain_a needs=b_sym\n"
			   "module lonely\n"
			   "file etc/modprobe.d/o.conf options chain_b depth=2\n";

static char *dir;
static char root[4096], init[4200], out[4200];

/* The module tree, built once for every test process. */
static void shared_tree(char *ret, size_t size)
{
	testutil_shared_tree("build", SPEC_VERSION, spec, KVER, ret, size);
}

static void setup(void)
{
	shared_tree(root, sizeof(root));
	dir = testutil_mkdtemp();
	/* Any file serves as /init here: nothing boots the image. */
	testutil_write(dir, "init", "#!/bin/sh\n# not a real init\n");
	snprintf(init, sizeof(init), "%s/init", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	cr_assert_eq(mkdir(out, 0755), 0);
	snprintf(out, sizeof(out), "%s/out/initramfs.img", dir);
	testutil_write(dir, "good.conf",
		       "MODULES=(chain_a)\nHOOKS=(base)\nCOMPRESSION=none\n");
	testutil_write(dir, "zstd.conf",
		       "MODULES=(chain_a)\nHOOKS=(base)\nCOMPRESSION=zstd\n");
	testutil_write(dir, "bad.conf",
		       "MODULES=(lonely no-such_mod)\nHOOKS=(base)\nCOMPRESSION=none\n");
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	/* HOOKS=(base): an empty HOOKS is refused, as mkinitcpio refuses it. */
	char *hooks = realpath("hooks/build", NULL);
	cr_assert_not_null(hooks, "run from the source tree");
	setenv("MKINITRAMFS_HOOKS_DIR", hooks, 1);
	free(hooks);
}

static void teardown(void)
{
	testutil_rmrf(dir);
	free(dir);
}

TestSuite(build, .init = setup, .fini = teardown);

static int build(const char *conf_name, int force)
{
	static struct strv none = STRV_INIT;
	char config[4200];
	snprintf(config, sizeof(config), "%s/%s", dir, conf_name);
	struct build_request req = {
		.kver = KVER,
		.moduleroot = root,
		.config = config,
		.config_required = 1,
		.output = out,
		.init_path = init,
		.add_hooks = &none,
		.skip_hooks = &none,
		.rootfs = "ext4",
		.force = force,
	};
	return build_run(&req);
}

/* build() with stderr in a file: the result, and what was printed in *ret_err. */
static int build_stderr(const char *conf_name, char **ret_err)
{
	struct testutil_stderr c;

	testutil_stderr_begin(&c);
	int r = build(conf_name, 0);
	*ret_err = testutil_stderr_end(&c);
	return r;
}

/* What image_read() saw: one line per entry, and the plan's text. */
struct seen {
	FILE *f;
	char *list;
	size_t size;
	char plan[8192];
	char compression[32];
	int console_ok;
};

static int seen_entry(const struct image_entry *e, const void *data, void *userdata)
{
	struct seen *s = userdata;
	fprintf(s->f, "%s\n", e->path);
	snprintf(s->compression, sizeof(s->compression), "%s", e->compression);
	if (!strcmp(e->path, ABI_PLAN_PATH + 1) && data) {
		cr_assert_lt(e->size, sizeof(s->plan));
		memcpy(s->plan, data, e->size);
		s->plan[e->size] = '\0';
	}
	if (!strcmp(e->path, ABI_CONSOLE_PATH + 1))
		s->console_ok =
			S_ISCHR(e->mode) && major(e->rdev) == 5 && minor(e->rdev) == 1;
	return 0;
}

static void read_image(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	s->f = open_memstream(&s->list, &s->size);
	cr_assert_not_null(s->f);
	cr_assert_eq(image_read(out, seen_entry, s), 0, "cannot read back '%s'", out);
	fclose(s->f);
}

static int has(const struct seen *s, const char *path)
{
	char key[512];
	snprintf(key, sizeof(key), "\n%s\n", path);
	size_t n = strlen(path);
	return strstr(s->list, key) || (!strncmp(s->list, path, n) && s->list[n] == '\n');
}

/* The names in the output directory, sorted, space-separated. */
static char *listdir(void)
{
	static char names[4096];
	char d[4200];
	snprintf(d, sizeof(d), "%s/out", dir);
	struct dirent **v;
	int n = scandir(d, &v, NULL, alphasort);
	cr_assert_geq(n, 0);
	names[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i]->d_name, ".") && strcmp(v[i]->d_name, "..")) {
			strcat(names, names[0] ? " " : "");
			strcat(names, v[i]->d_name);
		}
		free(v[i]);
	}
	free(v);
	return names;
}

static char *slurp(const char *path, size_t *ret_size)
{
	FILE *f = fopen(path, "re");
	cr_assert_not_null(f, "cannot open %s", path);
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	*ret_size = size;
	return buf;
}

Test(build, image_holds_the_base_and_the_closure)
{
	cr_assert_eq(build("good.conf", 0), 0);
	struct seen s;
	read_image(&s);
	cr_expect_str_eq(s.compression, "none");
	for (const char *const *p =
		     (const char *const[]){"init", "dev", "proc", "sys", "run", "tmp",
					   "new_root", "etc/mkinitramfs/plan",
					   MODDIR "chain_a.ko", MODDIR "chain_b.ko",
					   MODDIR "chain_c.ko",
					   "lib/modules/" KVER "/modules.dep", NULL};
	     *p; p++)
		cr_expect(has(&s, *p), "'%s' missing from:\n%s", *p, s.list);
	cr_expect_not(has(&s, MODDIR "lonely.ko"), "%s", s.list);
	cr_expect(s.console_ok, "dev/console is not char 5:1");
	/* The plan loads the chain in order, chain_b with its modprobe.d option. */
	const char *c = strstr(s.plan, "M\tchain_c\t");
	const char *b = strstr(s.plan, "M\tchain_b\t");
	const char *a = strstr(s.plan, "M\tchain_a\t");
	cr_assert(a && b && c, "%s", s.plan);
	cr_expect(c < b && b < a, "%s", s.plan);
	cr_expect_null(strstr(s.plan, "lonely"), "%s", s.plan);
	const char *eol = strchr(b, '\n');
	cr_expect(eol && !strncmp(eol - 7, "depth=2", 7), "%s", s.plan);
	/* The image and the record of its inputs (to skip an unchanged rebuild), nothing
	 * else. */
	cr_expect_str_eq(listdir(), "initramfs.img initramfs.img.inputs");
	free(s.list);
}

Test(build, compression_from_the_config)
{
	cr_assert_eq(build("zstd.conf", 0), 0);
	struct seen s;
	read_image(&s);
	cr_expect_str_eq(s.compression, "zstd");
	cr_expect(has(&s, MODDIR "chain_c.ko"), "%s", s.list);
	free(s.list);
}

Test(build, missing_module_is_named_and_nothing_is_written)
{
	char *err;
	int r = build_stderr("bad.conf", &err);
	cr_expect_lt(r, 0);
	cr_expect(strstr(err, "no-such_mod"), "the error does not name the module:\n%s",
		  err);
	cr_expect_eq(strchr(err, '\n') ? strchr(err, '\n') + 1 - err : -1,
		     (long)strlen(err), "not one line:\n%s", err);
	cr_expect_str_eq(listdir(), "", "left in the output directory: %s", listdir());
	free(err);
}

Test(build, missing_init_or_unknown_hook_is_named_and_nothing_is_written)
{
	char *err;
	testutil_write(dir, "hook.conf",
		       "MODULES=(chain_a)\nHOOKS=(no_such_hook)\nCOMPRESSION=none\n");
	cr_expect_lt(build_stderr("hook.conf", &err), 0);
	cr_expect(strstr(err, "no_such_hook"), "the error does not name the hook:\n%s",
		  err);
	free(err);
	cr_expect_str_eq(listdir(), "", "left in the output directory: %s", listdir());

	cr_assert_eq(unlink(init), 0);
	cr_expect_lt(build_stderr("good.conf", &err), 0);
	cr_expect(strstr(err, init), "the error does not name the init:\n%s", err);
	free(err);
	cr_expect_str_eq(listdir(), "", "left in the output directory: %s", listdir());
}

Test(build, failed_build_leaves_the_previous_image_untouched)
{
	cr_assert_eq(build("good.conf", 0), 0);
	struct stat before, after;
	cr_assert_eq(stat(out, &before), 0);
	size_t nbefore, nafter, nrec1, nrec2;
	char *want = slurp(out, &nbefore), record[4300];
	snprintf(record, sizeof(record), "%s.inputs", out);
	char *rec1 = slurp(record, &nrec1);

	char *err;
	cr_expect_lt(build_stderr("bad.conf", &err), 0);
	cr_expect(strstr(err, "no-such_mod"), "%s", err);
	free(err);
	/* A missing init is found only when the image is written: later, same promise. */
	cr_assert_eq(unlink(init), 0);
	cr_expect_lt(build_stderr("zstd.conf", &err), 0);
	cr_expect(strstr(err, init), "the error does not name the init:\n%s", err);
	free(err);

	cr_assert_eq(stat(out, &after), 0);
	cr_expect_eq(after.st_ino, before.st_ino, "the image was replaced");
	cr_expect_eq(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	cr_expect_eq(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	char *got = slurp(out, &nafter);
	cr_expect_eq(nafter, nbefore);
	cr_expect(nafter == nbefore && !memcmp(got, want, nbefore), "the image changed");
	/* The record of its inputs still describes it; no temporary file is left. */
	char *rec2 = slurp(record, &nrec2);
	cr_expect(nrec1 == nrec2 && !memcmp(rec1, rec2, nrec1),
		  "the inputs record changed");
	cr_expect_str_eq(listdir(), "initramfs.img initramfs.img.inputs");
	free(rec1);
	free(rec2);
	free(want);
	free(got);
}

Test(build, same_inputs_skip_and_force_rebuilds_the_same_bytes)
{
	cr_assert_eq(build("good.conf", 0), 0);
	struct stat first, second;
	cr_assert_eq(stat(out, &first), 0);
	size_t n1, n2;
	char *one = slurp(out, &n1);
	char *err;
	cr_assert_eq(build_stderr("good.conf", &err), 0);
	cr_expect(strstr(err, "up to date"), "%s", err);
	free(err);
	cr_assert_eq(stat(out, &second), 0);
	cr_expect_eq(second.st_ino, first.st_ino, "an unchanged image was rewritten");

	cr_assert_eq(build("good.conf", 1), 0);
	cr_assert_eq(stat(out, &second), 0);
	cr_expect_neq(second.st_ino, first.st_ino, "--force did not rebuild");
	char *two = slurp(out, &n2);
	/* SOURCE_DATE_EPOCH is set: the same inputs make the same bytes. */
	cr_expect(n1 == n2 && !memcmp(one, two, n1), "a forced rebuild differs");
	free(one);
	free(two);
}
