/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of moddep on the fake tree of tests/fixtures/basic.spec. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "modules/moddep.h"
#include "stage.h"
#include "testutil.h"
#include "util.h"

#define KVER "1.0-test"

static char root[4096];

/* Build the tree once for all tests (they run in parallel processes): build, rename. */
static void tree(void)
{
	const char *b = getenv("B") ? getenv("B") : "build";
	struct stat st;
	/* Keyed by the spec's and the script's mtimes: an edited spec gets a new tree. */
	cr_assert_eq(stat("tests/fixtures/basic.spec", &st), 0);
	long spec = (long)st.st_mtime;
	cr_assert_eq(stat("tests/fixtures/mktree.sh", &st), 0);
	snprintf(root, sizeof(root), "%s/tmp/unit-moddep-tree-%ld-%ld", b, spec,
		 (long)st.st_mtime);
	if (stat(root, &st) == 0)
		return;
	char tmp[4200], cmd[9000];
	snprintf(tmp, sizeof(tmp), "%s.%d", root, (int)getpid());
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s/tmp' && tests/fixtures/mktree.sh tests/fixtures/basic.spec '%s' "
		 "%s",
		 b, tmp, KVER);
	cr_assert_eq(system(cmd), 0, "mktree failed");
	if (rename(tmp, root) < 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		cr_assert_eq(system(cmd), 0);
	}
}

static struct moddep *open_tree(void)
{
	struct moddep *m;
	tree();
	cr_assert_eq(moddep_new(root, KVER, &m), 0);
	return m;
}

static char *closure(struct moddep *m)
{
	static char buf[4096];
	buf[0] = '\0';
	for (size_t i = 0; i < moddep_closure_size(m); i++) {
		strcat(buf, i ? " " : "");
		strcat(buf, moddep_closure_name(m, i));
	}
	return buf;
}

Test(moddep, missing_kernel_version_is_enoent)
{
	struct moddep *m;
	tree();
	cr_assert_eq(moddep_new(root, "0.0-none", &m), -ENOENT);
}

Test(moddep, tree_without_depmod_is_enoexec)
{
	struct moddep *m;
	char dir[4200];
	tree();
	snprintf(dir, sizeof(dir), "%s/../unit-nodep-%d/lib/modules/" KVER, root, (int)getpid());
	char cmd[9000];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(dir, sizeof(dir), "%s/../unit-nodep-%d", root, (int)getpid());
	cr_assert_eq(moddep_new(dir, KVER, &m), -ENOEXEC);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(moddep, missing_required_module_names_it)
{
	struct moddep *m = open_tree();
	struct testutil_stderr cap;
	char want[4300];

	testutil_stderr_begin(&cap);
	cr_assert_eq(moddep_request(m, "nosuch", "config", MODDEP_LOAD_ALWAYS), -ENOENT);
	_cleanup_free_ char *err = testutil_stderr_end(&cap);
	snprintf(want, sizeof(want),
		 "mkinitramfs: error: module 'nosuch' not found in '%s/lib/modules/%s' (asked by config)\n",
		 root, KVER);
	cr_assert_str_eq(err, want);
	testutil_stderr_begin(&cap);
	cr_assert_eq(moddep_request(m, "nosuch? a=1", "config", MODDEP_LOAD_ALWAYS), 0);
	_cleanup_free_ char *quiet = testutil_stderr_end(&cap);
	cr_assert_str_eq(quiet, "", "an optional missing module is not an error");
	testutil_stderr_begin(&cap);
	cr_assert_eq(moddep_request(m, "   ", "config", MODDEP_LOAD_ALWAYS), -EINVAL);
	_cleanup_free_ char *inval = testutil_stderr_end(&cap);
	cr_assert_str_eq(
		inval,
		"mkinitramfs: error: cannot resolve module '   ' (config): not a valid module name or alias\n");
	moddep_free(m);
}

Test(moddep, closure_in_load_order_and_idempotent)
{
	struct moddep *m = open_tree();
	cr_assert_eq(moddep_request(m, "chain-a", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_assert_eq(moddep_resolve(m), 0);
	cr_assert_str_eq(closure(m), "chain_c chain_b chain_a nbd");
	cr_assert_eq(moddep_resolve(m), 0);
	cr_assert_str_eq(closure(m), "chain_c chain_b chain_a nbd");
	/* Ask for more, resolve again: the earlier answer is extended, not duplicated. */
	cr_assert_eq(moddep_request(m, "fs-fsx", "hook 'filesystems'", MODDEP_LOAD_ALWAYS), 0);
	cr_assert_eq(moddep_resolve(m), 0);
	cr_assert_str_eq(closure(m),
			 "chain_c chain_b chain_a nbd hashy_fast hashy_generic fsx fsx_helper");
	moddep_free(m);
}

Test(moddep, builtin_is_satisfied)
{
	struct moddep *m = open_tree();
	cr_assert_eq(moddep_request(m, "bi_thing", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_assert_eq(moddep_request(m, "fs-bi", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_assert_eq(moddep_resolve(m), 0);
	cr_assert_eq(moddep_closure_size(m), 0);
	moddep_free(m);
}

static const char *plan_of(struct moddep *m, struct stage *stage)
{
	static char text[65536];
	size_t n;
	cr_assert_eq(moddep_stage(m, stage, NULL), 0);
	const struct stage_entry *e = stage_entries(stage, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].path, ABI_PLAN_PATH + 1)) {
			cr_assert_lt(e[i].size, sizeof(text));
			memcpy(text, e[i].data, e[i].size);
			text[e[i].size] = '\0';
			return text;
		}
	cr_assert_fail("no plan staged");
	return NULL;
}

Test(moddep, plan_has_params_flags_and_deps)
{
	struct moddep *m = open_tree();
	struct stage *stage;
	cr_assert_eq(stage_new(&stage), 0);
	cr_assert_eq(moddep_request(m, "dia_top", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_assert_eq(moddep_request(m, "nbd nbds_max=1024", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_assert_eq(moddep_request(m, "netcard_b?", "config", MODDEP_LOAD_ON_MATCH), 0);
	const char *plan = plan_of(m, stage);
	cr_assert(strstr(plan, "M\tdia_top\t/lib/modules/" KVER
			       "/kernel/drivers/misc/dia_top.ko\ta\t0,1,2\t\n"),
		  "%s", plan);
	cr_assert(strstr(plan, "\ta\t-\tmax_part=8 nbds_max=16 nbds_max=1024\n"), "%s", plan);
	cr_assert(strstr(plan, "M\tnetcard_b\t/lib/modules/" KVER
			       "/kernel/drivers/misc/netcard_b.ko\tmo\t-\t\n"),
		  "%s", plan);
	cr_assert(strstr(plan, "A\tpci:v00001234d0000000*sv*sd*bc*sc*i*\t5\n"), "%s", plan);
	cr_assert(stage_contains(stage, "lib/modules/" KVER "/modules.dep"));
	stage_free(stage);
	moddep_free(m);
}

/*
 * A generic image: a filesystem asked for on request gets 'r' and its aliases as A
 * records (the init asks for "fs-TYPE"), a keyboard's modules wait for a person ('k'),
 * and what is also needed at boot or on a device's match stays so.
 */
Test(moddep, plan_on_request_and_console)
{
	struct moddep *m = open_tree();
	struct stage *stage;
	cr_assert_eq(stage_new(&stage), 0);
	cr_assert_eq(moddep_request(m, "fsx", "hook", MODDEP_LOAD_ON_REQUEST), 0);
	cr_assert_eq(moddep_request(m, "chain_a", "hook", MODDEP_LOAD_CONSOLE), 0);
	cr_assert_eq(moddep_request(m, "dia_top", "hook", MODDEP_LOAD_CONSOLE), 0);
	cr_assert_eq(moddep_request(m, "dia_top", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_assert_eq(moddep_request(m, "netcard_b", "hook", MODDEP_LOAD_CONSOLE_MATCH), 0);
	cr_assert_eq(moddep_request(m, "netcard-a", "hook", MODDEP_LOAD_CONSOLE_MATCH), 0);
	cr_assert_eq(moddep_request(m, "netcard-a", "block", MODDEP_LOAD_ON_MATCH), 0);
	/* A keyboard's driver is both: loaded for the person, whatever device is there. */
	cr_assert_eq(moddep_request(m, "chain_a", "hook", MODDEP_LOAD_CONSOLE_MATCH), 0);
	const char *plan = plan_of(m, stage);
	cr_assert(strstr(plan, "M\tfsx\t/lib/modules/" KVER "/kernel/drivers/misc/fsx.ko\tr\t"),
		  "%s", plan);
	cr_assert(strstr(plan, "M\tchain_a\t/lib/modules/" KVER
			       "/kernel/drivers/misc/chain_a.ko\tak\t"),
		  "%s", plan);
	/* Its post softdep nbd follows it, at the same time. */
	cr_assert(strstr(plan, "M\tnbd\t/lib/modules/" KVER "/kernel/drivers/misc/nbd.ko\taks\t"),
		  "%s", plan);
	cr_assert(strstr(plan, "M\tdia_top\t/lib/modules/" KVER
			       "/kernel/drivers/misc/dia_top.ko\ta\t"),
		  "%s", plan);
	cr_assert(strstr(plan, "M\tnetcard_b\t/lib/modules/" KVER
			       "/kernel/drivers/misc/netcard_b.ko\tmk\t"),
		  "%s", plan);
	cr_assert(strstr(plan, "M\tnetcard_a\t/lib/modules/" KVER
			       "/kernel/drivers/misc/netcard-a.ko\tm\t"),
		  "%s", plan);
	cr_assert(strstr(plan, "\nA\tfs-fsx\t"), "%s", plan);
	stage_free(stage);
	moddep_free(m);
}

/* Every line of want (a module's name, path and flags) is in the plan. */
static void assert_plan_has(const char *plan, const char *const *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_assert(strstr(plan, want[i]), "%s in %s", want[i], plan);
}

/*
 * A host image's driver for a device off the root's path is deferred ('ad'), with its
 * closure (its dependencies, its post softdep); what the root also needs stays 'a',
 * and a keyboard's module that is also deferred loads with the deferred ones.
 */
Test(moddep, plan_deferred)
{
	struct moddep *m = open_tree();
	struct stage *stage;
	cr_assert_eq(stage_new(&stage), 0);
	cr_assert_eq(moddep_request(m, "chain_a", "hook", MODDEP_LOAD_DEFERRED), 0);
	cr_assert_eq(moddep_request(m, "dia_left", "hook", MODDEP_LOAD_DEFERRED), 0);
	cr_assert_eq(moddep_request(m, "dia_top", "autodetect", MODDEP_LOAD_ALWAYS), 0);
	cr_assert_eq(moddep_request(m, "fsx", "hook", MODDEP_LOAD_CONSOLE), 0);
	cr_assert_eq(moddep_request(m, "fsx", "hook", MODDEP_LOAD_DEFERRED), 0);
	const char *plan = plan_of(m, stage);
	const char *const want[] = {"chain_a\t/lib/modules/" KVER "/kernel/drivers/misc/chain_a.ko\tad\t",
				    "chain_c\t/lib/modules/" KVER "/kernel/drivers/misc/chain_c.ko\tad\t",
				    "nbd\t/lib/modules/" KVER "/kernel/drivers/misc/nbd.ko\tads\t",
				    "dia_left\t/lib/modules/" KVER "/kernel/drivers/misc/dia_left.ko\ta\t",
				    "dia_base\t/lib/modules/" KVER "/kernel/drivers/misc/dia_base.ko\ta\t",
				    "fsx\t/lib/modules/" KVER "/kernel/drivers/misc/fsx.ko\tad\t"};
	assert_plan_has(plan, want, sizeof(want) / sizeof(*want));
	cr_assert_null(strstr(plan, "\nA\t"), "no alias records: %s", plan);
	stage_free(stage);
	moddep_free(m);
}

/*
 * A generic image's early match (kms's LOAD=early): 'me', loaded as soon as its device
 * matches instead of waiting in the init's root-first queue; its dependencies load
 * with it ("-"), its post softdep after it, as early, a plain match stays 'm'; loaded at
 * boot by another request, it is 'a' as before.
 */
Test(moddep, plan_early_match)
{
	struct moddep *m = open_tree();
	struct stage *stage;
	cr_assert_eq(stage_new(&stage), 0);
	cr_assert_eq(moddep_request(m, "chain_a", "kms", MODDEP_LOAD_EARLY_MATCH), 0);
	cr_assert_eq(moddep_request(m, "netcard-a", "block", MODDEP_LOAD_ON_MATCH), 0);
	cr_assert_eq(moddep_request(m, "dia_top", "kms", MODDEP_LOAD_EARLY_MATCH), 0);
	cr_assert_eq(moddep_request(m, "dia_top", "config", MODDEP_LOAD_ALWAYS), 0);
	const char *plan = plan_of(m, stage);
	const char *const want[] = {"chain_a\t/lib/modules/" KVER "/kernel/drivers/misc/chain_a.ko\tme\t",
				    "chain_c\t/lib/modules/" KVER "/kernel/drivers/misc/chain_c.ko\t-\t",
				    "nbd\t/lib/modules/" KVER "/kernel/drivers/misc/nbd.ko\tmes\t",
				    "netcard_a\t/lib/modules/" KVER "/kernel/drivers/misc/netcard-a.ko\tm\t",
				    "dia_top\t/lib/modules/" KVER "/kernel/drivers/misc/dia_top.ko\ta\t"};
	assert_plan_has(plan, want, sizeof(want) / sizeof(*want));
	stage_free(stage);
	moddep_free(m);
}

/* The staged bytes of every generated entry (plan, indexes, builtin lists), by path. */
static char *data_entries(struct moddep *m, size_t *ret_size)
{
	struct stage *stage;
	char *text = NULL;
	size_t size, n;
	cr_assert_eq(stage_new(&stage), 0);
	cr_assert_eq(moddep_request(m, "dia_top", "config", MODDEP_LOAD_ALWAYS), 0);
	cr_assert_eq(moddep_request(m, "fs-fsx", "config", MODDEP_LOAD_ON_MATCH), 0);
	cr_assert_eq(moddep_stage(m, stage, NULL), 0);
	FILE *f = open_memstream(&text, &size);
	const struct stage_entry *e = stage_entries(stage, &n);
	for (size_t i = 0; i < n; i++)
		if (e[i].kind == STAGE_FILE && e[i].from == STAGE_FROM_DATA) {
			fprintf(f, "== %s %zu\n", e[i].path, e[i].size);
			fwrite(e[i].data, 1, e[i].size, f);
		}
	fclose(f);
	stage_free(stage);
	*ret_size = size;
	return text;
}

Test(moddep, preload_reads_every_list_now_and_changes_no_byte)
{
	struct moddep *m = open_tree(), *copy;
	size_t nwant, ngot, nagain;
	char *want = data_entries(m, &nwant);
	char *dir = testutil_mkdtemp();
	cr_assert_eq(testutil_sh("cp -a '%s/.' '%s'", root, dir), 0);
	cr_assert_eq(moddep_new(dir, KVER, &copy), 0);
	cr_assert_eq(moddep_preload(copy), 0);
	/* What a forked build would read later is gone: it must come from the preload. */
	cr_assert_eq(testutil_sh("cd '%s/lib/modules/" KVER "' && rm modules.dep "
				 "modules.alias modules.order modules.builtin "
				 "modules.builtin.modinfo",
				 dir),
		     0);
	char *got = data_entries(copy, &ngot);
	cr_assert(strstr(want, "modules.builtin.modinfo"), "%s", want);
	cr_assert(ngot == nwant && !memcmp(got, want, nwant), "%s", got);
	/* Reset and asked again, as a second build in one process: the same bytes. */
	cr_assert_eq(moddep_reset(copy), 0);
	char *again = data_entries(copy, &nagain);
	cr_assert(nagain == nwant && !memcmp(again, want, nwant), "%s", again);
	free(want);
	free(got);
	free(again);
	moddep_free(copy);
	moddep_free(m);
	testutil_rmrf(dir);
	free(dir);
}

/* The names moddep_names() gives for each word equal moddep_lookup()'s on a fresh
 * moddep (no lookup cached by the other), as a set. */
static size_t names_as_lookup(const char *dir, const char *const *words, size_t n)
{
	struct moddep *byname, *bylookup;
	size_t answered = 0;

	cr_assert_eq(moddep_new(dir, KVER, &byname), 0);
	cr_assert_eq(moddep_new(dir, KVER, &bylookup), 0);
	for (size_t i = 0; i < n; i++) {
		struct strv a = STRV_INIT, b = STRV_INIT;
		int ra = moddep_names(byname, words[i], &a);
		int rb = moddep_lookup(bylookup, words[i], &b);
		/* libkmod refuses a ']' without its '[' (-EINVAL): the same answer. */
		cr_assert_eq(ra, rb, "'%s': %d, libkmod %d", words[i], ra, rb);
		strv_sort(&a); /* a set: libkmod's order is its index's */
		strv_sort(&b);
		cr_assert_eq(a.n, b.n, "'%s': %zu names, libkmod %zu", words[i], a.n, b.n);
		for (size_t j = 0; j < a.n; j++)
			cr_assert_str_eq(a.v[j], b.v[j], "'%s'", words[i]);
		answered += a.n > 0;
		strv_clear(&a);
		strv_clear(&b);
	}
	moddep_free(byname);
	moddep_free(bylookup);
	return answered; /* words that stand for at least one module */
}

Test(moddep, names_answer_as_libkmod_lookup)
{
	static const char *const words[] = {
		"chain_a", "nbd", "fsx", "netcard-a", "netcard_a", "hashy-fast",
		"hashy_fast", "hashy", "crypto-hashy", "fs-fsx", "my-disk", "my_disk",
		"bi_thing", "upd", "comp_xz", "comp-gzip", "comp_gz", "gz_fw",
		"pci:v00001234d00000001sv0sd0bc0sc0i0", "no_such_module", "net-fake"};
	tree();
	names_as_lookup(root, words, ARRAY_SIZE(words));
}

/* modprobe.d aliases come first in libkmod's lookup: one named as a module, and a
 * pattern matching one, stand for their targets, never for the module itself. */
Test(moddep, names_follow_modprobe_d_aliases_over_module_names)
{
	static const char *const words[] = {"shadowed", "pat_victim", "pat-victim",
					    "plain_one", "plain-one", "target"};
	char *dir = testutil_mkdtemp();
	cr_assert_eq(testutil_sh("printf '%%s\\n' 'module shadowed' 'module pat-victim' "
				 "'module plain-one' 'module target' "
				 "'file etc/modprobe.d/a.conf alias shadowed target\\nalias "
				 "pat_vic* target' >'%s/spec' && tests/fixtures/mktree.sh "
				 "'%s/spec' '%s/root' " KVER,
				 dir, dir, dir),
		     0);
	char root2[4200];
	snprintf(root2, sizeof(root2), "%s/root", dir);
	names_as_lookup(root2, words, ARRAY_SIZE(words));
	struct moddep *m;
	struct strv v = STRV_INIT;
	cr_assert_eq(moddep_new(root2, KVER, &m), 0);
	cr_assert_eq(moddep_names(m, "shadowed", &v), 0);
	cr_assert(v.n == 1 && streq(v.v[0], "target"), "the alias wins");
	strv_clear(&v);
	cr_assert_eq(moddep_names(m, "plain-one", &v), 0);
	cr_assert(v.n == 1 && streq(v.v[0], "plain_one"), "a plain name: itself");
	strv_clear(&v);
	moddep_free(m);
	testutil_rmrf(dir);
	free(dir);
}

/* Modaliases answered from the alias indexes (modalias.h) as libkmod answers them:
 * stars, '?', classes (libkmod's fnmatch fallback), a built-in module's alias, and
 * the modprobe.d alias and install command that come before the indexes. */
static const char alias_spec[] =
	"module m-star alias=acpi*:PNP0A05:*,acpi*:QEMU0002:*\n"
	"module m_pci alias=pci:v00001AF4d00001001sv*sd*bc*sc*i*,pci:v00001AF4d*sv*sd*bc01sc*i*\n"
	"module m_q alias=serio:ty0?pr*id*ex*\n"
	"module m_class alias=usb:v13FDp3940d0[0-2]*dc*,usb:v1645p0007d01[!3]*dc*\n"
	"module m_tail alias=virtio:d00000002v*\n"
	"module m_dash alias=dmi*:bvnSeaBIOS:bvr1.16.2-debian*\n"
	"module m_all alias=platform:*\n"
	"module m_multi alias=a:*x*y*z*,a:x?*\n"
	"builtin b_in alias=cpu:type:x86*feature:*0020*\n"
	"file etc/modprobe.d/a.conf alias pci:v0000BEEF* m_tail\\ninstall acpi:PNP0C0F: /bin/true\n";

static void mutate(char *key, size_t size, const char *pattern, unsigned seed)
{
	static const char alphabet[] = "a:xyz0123-_PNCv*?";
	size_t o = 0;

	srand(seed);
	for (const char *p = pattern; *p && o + 8 < size; p++) {
		int roll = rand() % 10;
		if (*p == '*')
			for (int n = rand() % 4; n > 0; n--)
				key[o++] = alphabet[rand() % (sizeof(alphabet) - 1)];
		else if (*p == '?' || roll == 0)
			key[o++] = alphabet[rand() % (sizeof(alphabet) - 1)];
		else if (*p == '[')
			while (*p && *p != ']')
				p++;
		else if (roll != 1) /* sometimes a character left out */
			key[o++] = *p;
	}
	key[o] = '\0';
}

Test(moddep, names_of_modaliases_answer_as_libkmod_lookup)
{
	static const char *const fixed[] = {
		"acpi:PNP0A05:", "acpi:PNP0A03:PNP0A05:", "acpi:QEMU0002:", "acpi:PNP0C0F:",
		"pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00",
		"pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00",
		"pci:v0000BEEFd00000001sv0sd0bc0sc0i0", "serio:ty01pr00id00ex00",
		"usb:v13FDp3940d01AAdc00", "usb:v1645p0007d013Adc00", "usb:v1645p0007d012Adc00",
		"virtio:d00000002v00001AF4", "dmi:bvnSeaBIOS:bvr1.16.2-debian-1.16.2-1:bd",
		"platform:i8042", "a:xyz", "a:x", "a:xy", "cpu:type:x86,ven:feature:,0020,",
		"cpu:type:x86,ven:feature:,0021,", "nothing:here", "symbol:c_sym"};
	static const char *const patterns[] = {
		"acpi*:PNP0A05:*", "pci:v00001AF4d*sv*sd*bc01sc*i*", "serio:ty0?pr*id*ex*",
		"usb:v13FDp3940d0[0-2]*dc*", "dmi*:bvnSeaBIOS:bvr1.16.2-debian*", "a:*x*y*z*",
		"a:x?*", "cpu:type:x86*feature:*0020*", "virtio:d00000002v*"};
	char root2[4096], key[256];
	const char *words[ARRAY_SIZE(fixed) + 40 * ARRAY_SIZE(patterns)];
	static char keys[40 * ARRAY_SIZE(patterns)][256];
	size_t n = 0;

	testutil_shared_tree("moddep-alias", 1, alias_spec, KVER, root2, sizeof(root2));
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		words[n++] = fixed[i];
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++)
		for (unsigned s = 0; s < 40; s++) {
			mutate(key, sizeof(key), patterns[i], (unsigned)(i * 100 + s));
			if (!strchr(key, ':'))
				continue;
			snprintf(keys[n - ARRAY_SIZE(fixed)], sizeof(keys[0]), "%s", key);
			words[n] = keys[n - ARRAY_SIZE(fixed)];
			n++;
		}
	size_t answered = names_as_lookup(root2, words, n);
	cr_log_info("%zu of %zu modaliases match a module", answered, n);
	cr_assert_gt(answered, n / 10, "the keys must exercise matches, not only misses");
}
