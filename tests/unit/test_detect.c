/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of autodetect's part of a build: what it finds, its facts, its filter. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "log.h"
#include "testutil.h"

#define KVER "1.0-detect"

static const char spec[] = "module m-a alias=pci:v00001234d00000001sv*sd*bc*sc*i*\n"
			   "module m_b alias=virtio:d00000002v*\n"
			   "module m_c alias=pci:v00009999d*sv*sd*bc*sc*i*\n"
			   "module m_loaded\n";

static char root[4096];

static struct moddep *tree(void)
{
	struct moddep *m;

	testutil_shared_tree("detect", 1, spec, KVER, root, sizeof(root));
	cr_assert_eq(moddep_new(root, KVER, &m), 0);
	return m;
}

/* A captured sysfs: two devices with modaliases, one module held by a mount. */
static char *sysfs_tree(void)
{
	char *dir = testutil_mkdtemp();
	testutil_write(dir, "devices/pci0000:00/0000:00:04.0/modalias",
		       "pci:v00001234d00000001sv00001AF4sd00000002bc01sc00i00\n");
	testutil_write(dir, "devices/pci0000:00/0000:00:04.0/virtio1/modalias",
		       "virtio:d00000002v00001AF4\n");
	testutil_write(dir, "module/m_loaded/initstate", "live\n");
	testutil_write(dir, "module/m_loaded/refcnt", "1\n");
	cr_assert_eq(testutil_sh("mkdir -p '%s/module/m_loaded/holders'", dir), 0);
	return dir;
}

Test(detect, finds_the_devices_modules_and_keeps_its_facts)
{
	struct moddep *m = tree();
	char *sysfs = sysfs_tree();
	struct build_request req = {.kver = KVER, .moduleroot = root, .sysfs = sysfs,
				    .rootfs = "ext4"};
	struct detect d = {0};
	char *now = NULL;

	cr_assert_eq(detect_run(&d, &req, m), 0);
	cr_assert(d.ran);
	cr_assert_eq(d.detected.n, 3, "m_a, m_b, m_loaded: %zu", d.detected.n);
	cr_assert_str_eq(d.detected.v[0], "m_a");
	cr_assert_str_eq(d.detected.v[1], "m_b");
	cr_assert_str_eq(d.detected.v[2], "m_loaded");
	cr_assert_str_eq(d.rootfs, "ext4");
	cr_assert_not_null(strstr(d.facts, "alias virtio:d00000002v00001AF4\n"), "%s", d.facts);
	/* The no-op's check reads the same facts, until a device changes. */
	cr_assert_eq(detect_facts_now(&req, &now), 0);
	cr_assert_str_eq(now, d.facts);
	free(now);
	testutil_write(sysfs, "devices/pci0000:00/0000:00:05.0/modalias",
		       "pci:v00009999d00000001sv0sd0bc0sc0i0\n");
	cr_assert_eq(detect_facts_now(&req, &now), 0);
	cr_assert_str_neq(now, d.facts);
	free(now);
	detect_clear(&d);
	moddep_free(m);
	testutil_rmrf(sysfs);
	free(sysfs);
}

Test(detect, filter_keeps_what_the_host_needs_and_defers_what_root_does_not)
{
	struct moddep *m = tree();
	struct detect d = {.ran = 1, .moddep = m, .nstacks = 1};
	char name[] = "block";
	struct hook hook = {.name = name, .load = HOOK_LOAD_BOOT};
	enum moddep_load load;

	d.stacks[0].role = "root";
	cr_assert_eq(strv_push(&d.detected, "m_a"), 0);
	cr_assert_eq(strv_push(&d.detected, "m_b"), 0);
	cr_assert_eq(strv_push(&d.on_stack, "m_a"), 0);
	cr_assert_eq(detect_filter(&d, &hook, "m-a", "hook 'block'", &load), 1);
	cr_assert_eq(load, MODDEP_LOAD_ALWAYS, "on the root's stack: at boot");
	cr_assert_eq(detect_filter(&d, &hook, "m_b opt=1", "hook 'block'", &load), 1);
	cr_assert_eq(load, MODDEP_LOAD_DEFERRED, "present, not on the stack: deferred");
	cr_assert_eq(detect_filter(&d, &hook, "m_c?", "hook 'block'", &load), 0,
		     "not on this host: left out");
	cr_assert_eq(detect_filter(&d, &hook, "virtio:d00000002v1", "hook 'block'", &load), 1,
		     "an alias stands for its modules");
	hook.load = HOOK_LOAD_EARLY;
	cr_assert_eq(detect_filter(&d, &hook, "m_b", "hook 'kms'", &load), 1);
	cr_assert_eq(load, MODDEP_LOAD_ALWAYS, "LOAD=early: at boot");
	hook.load = HOOK_LOAD_BOOT;
	d.nstacks = 0;
	cr_assert_eq(detect_filter(&d, &hook, "m_b", "hook 'block'", &load), 1);
	cr_assert_eq(load, MODDEP_LOAD_ALWAYS, "the root unknown: nothing deferred");
	strv_clear(&d.detected);
	strv_clear(&d.on_stack);
	moddep_free(m);
}
