/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/devqueue.c: which queued driver is cheapest, what is left at root. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "devqueue.h"
#include "log.h"
#include "testutil.h"

static struct plan plan;
static char text[64 * 1024];
static char *dir;

/* Module files of the given sizes in a scratch directory (.ko.zst: as the image has
 * them, the cost is what is read). */
static const struct {
	const char *name, *deps;
	unsigned size;
} mods[] = {
	{"scsi_mod", "-", 1000},    /* 0 */
	{"libata", "0", 3000},	    /* 1 */
	{"ata_piix", "0,1", 100},   /* 2: 4100 */
	{"ata_generic", "0,1", 50}, /* 3: 4050 */
	{"sym53c8xx", "0", 400},    /* 4: 1400 */
	{"virtio", "-", 200},	    /* 5 */
	{"virtio_pci", "5", 300},   /* 6: 500 */
	{"twin_a", "-", 250},	    /* 7: 250 */
	{"twin_b", "-", 250},	    /* 8: 250 */
};

static void setup(void)
{
	size_t n = 0;

	dir = tu_tmpdir();
	n += (size_t)snprintf(text + n, sizeof(text) - n, "mkinitramfs-plan\t1\n");
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		cr_assert_eq(tu_sh("truncate -s %u '%s/%s.ko.zst'", mods[i].size, dir,
				   mods[i].name),
			     0);
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "M\t%s\t%s/%s.ko.zst\tmu\t%s\t\n", mods[i].name, dir,
				      mods[i].name, mods[i].deps);
	}
	cr_assert_eq(plan_parse(&plan, text, n), 0);
	devqueue_reset();
}

static void loaded(size_t i)
{
	plan.modules[i].state = PLAN_LOADED;
}

static size_t take1(const char **why)
{
	unsigned short m = 0xffff;
	const char *w = NULL;

	cr_assert_eq(devqueue_take(&plan, 1, &m, &w), 1);
	if (why)
		*why = w;
	return m;
}

Test(devqueue, cheapest_closure_first_shared_deps_once)
{
	const char *why;

	setup();
	/* Discovery order of the pc machine with an LSI HBA: IDE first. */
	cr_assert_eq(devqueue_add(&plan, 2, "pci:piix"), 0);
	cr_assert_eq(devqueue_add(&plan, 3, "pci:piix"), 0);
	cr_assert_eq(devqueue_add(&plan, 4, "pci:lsi"), 0);
	cr_assert_eq(devqueue_add(&plan, 6, "pci:virtio"), 0);
	cr_assert_eq(devqueue_add(&plan, 4, "pci:lsi2"), 0, "queued once");
	cr_assert_eq(devqueue_cost(&plan, 2), 4100);
	cr_assert_eq(devqueue_cost(&plan, 4), 1400);
	cr_assert_eq(devqueue_cost(&plan, 6), 500);

	cr_assert_eq(take1(&why), 6);
	cr_assert_str_eq(why, "pci:virtio");
	loaded(5);
	loaded(6);
	cr_assert_eq(take1(&why), 4);
	cr_assert_str_eq(why, "pci:lsi", "the first device it was queued for");
	loaded(0);
	loaded(4);
	/* scsi_mod came with sym53c8xx: the IDE drivers no longer pay for it. */
	cr_assert_eq(devqueue_cost(&plan, 2), 3100);
	cr_assert_eq(take1(NULL), 3, "ata_generic's 3050 before ata_piix's 3100");
	loaded(1);
	loaded(3);
	cr_assert_eq(devqueue_cost(&plan, 2), 100, "libata too is shared");
	cr_assert_eq(take1(NULL), 2);
	cr_assert_eq(devqueue_take(&plan, 1, (unsigned short[1]){0}, (const char *[1]){0}),
		     0, "empty");
	tu_rmtree(dir);
}

Test(devqueue, ties_in_discovery_order_batches_of_the_cheapest_alike)
{
	unsigned short m[4];
	const char *w[4];

	setup();
	cr_assert_eq(devqueue_add(&plan, 8, "b"), 0);
	cr_assert_eq(devqueue_add(&plan, 2, "piix"), 0);
	cr_assert_eq(devqueue_add(&plan, 7, "a"), 0);
	cr_assert_eq(devqueue_add(&plan, 6, "virtio"), 0);
	cr_assert_eq(devqueue_cost(&plan, 7), devqueue_cost(&plan, 8));
	/* Two CPUs: the two cheapest, the twin queued first first. */
	cr_assert_eq(devqueue_take(&plan, 2, m, w), 2);
	cr_assert_eq(m[0], 8);
	cr_assert_eq(m[1], 7);
	cr_assert_str_eq(w[1], "a");
	/* Room for all: virtio_pci (500) goes alone, the LSI's 1400 would hold it; then
	 * the LSI's, and not the IDE's 4100 beside it. */
	cr_assert_eq(devqueue_add(&plan, 4, "lsi"), 0);
	cr_assert_eq(devqueue_take(&plan, 4, m, w), 1);
	cr_assert_eq(m[0], 6);
	cr_assert_eq(devqueue_take(&plan, 4, m, w), 1);
	cr_assert_eq(m[0], 4);
	/* At most twice the first's cost: side by side. */
	cr_assert_eq(devqueue_add(&plan, 3, "piix"), 0);
	cr_assert_eq(devqueue_cost(&plan, 3), 4050);
	cr_assert_eq(devqueue_take(&plan, 4, m, w), 2);
	cr_assert_eq(m[0], 3);
	cr_assert_eq(m[1], 2);
	tu_rmtree(dir);
}

Test(devqueue, left_at_root_named_once_loaded_ones_dropped)
{
	char logs[4096];
	int lp[2];
	ssize_t n;

	setup();
	cr_assert_eq(pipe2(lp, O_NONBLOCK), 0);
	log_set_fd(lp[1], NULL);
	log_set_level(LOG_DEBUG);
	cr_assert_eq(devqueue_log_left(&plan), 0, "nothing queued, nothing said");
	cr_assert_eq(devqueue_add(&plan, 2, "pci:v00008086d00007010"), 0);
	cr_assert_eq(devqueue_add(&plan, 3, "pci:v00008086d00007010"), 0);
	cr_assert_eq(devqueue_add(&plan, 6, "pci:virtio"), 0);
	loaded(6); /* by a request, as a dep: no longer waiting */
	cr_assert_eq(devqueue_log_left(&plan), 2);
	n = read(lp[0], logs, sizeof(logs) - 1);
	logs[n > 0 ? n : 0] = '\0';
	cr_assert(strstr(logs, "<6>initramfs: root found: leaving 2 device drivers to the "
			       "real root: ata_piix, ata_generic\n"),
		  "%s", logs);
	cr_assert(strstr(logs, "<6>initramfs: leaving 'ata_piix' for device "
			       "'pci:v00008086d00007010'\n"),
		  "%s", logs);
	cr_assert_null(strstr(logs, "virtio_pci"), "%s", logs);
	close(lp[0]);
	close(lp[1]);
	tu_rmtree(dir);
}

Test(devqueue, full_queue_says_so)
{
	size_t n = 0;

	dir = tu_tmpdir();
	n += (size_t)snprintf(text + n, sizeof(text) - n, "mkinitramfs-plan\t1\n");
	for (int i = 0; i <= DEVQUEUE_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "M\tm%d\t/m/m%d.ko\tm\t-\t\n",
				      i, i);
	cr_assert_eq(plan_parse(&plan, text, n), 0);
	devqueue_reset();
	for (int i = 0; i < DEVQUEUE_MAX; i++)
		cr_assert_eq(devqueue_add(&plan, (size_t)i, "dev"), 0);
	cr_assert_eq(devqueue_add(&plan, DEVQUEUE_MAX, "dev"), -ENOSPC);
	tu_rmtree(dir);
}
