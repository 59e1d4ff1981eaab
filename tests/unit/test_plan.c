/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the plan writer: the abi.h format, its limits and refusals. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "plan.h"

static const char *render(struct plan *p)
{
	const char *text;
	size_t size;
	cr_assert_eq(plan_render(p, &text, &size), 0);
	cr_assert_eq(strlen(text), size);
	return text;
}

Test(plan, header_modules_aliases_in_order)
{
	struct plan *p;
	cr_assert_eq(plan_new("6.1.0-test", &p), 0);
	cr_assert_eq(plan_add_fact(p, "generator", "mkinitramfs 0.1"), 0);
	cr_assert_eq(plan_add_module(p, "crc16", "/lib/modules/k/crc16.ko", "a", NULL, 0, ""),
		     0);
	size_t deps[] = {0};
	cr_assert_eq(plan_add_module(p, "ext4", "/lib/modules/k/ext4.ko", "am", deps, 1,
				     "a=1 b=2"),
		     1);
	cr_assert_eq(plan_add_alias(p, "fs-ext4", 1), 0);
	cr_assert_str_eq(render(p), "mkinitramfs-plan\t1\n"
				    "K\t6.1.0-test\n"
				    "F\tgenerator\tmkinitramfs 0.1\n"
				    "M\tcrc16\t/lib/modules/k/crc16.ko\ta\t-\t\n"
				    "M\text4\t/lib/modules/k/ext4.ko\tam\t0\ta=1 b=2\n"
				    "A\tfs-ext4\t1\n");
	plan_free(p);
}

Test(plan, handlers_become_records)
{
	struct plan *p;
	struct plan_handlers h = {.mdadm = "/usr/sbin/mdadm"};
	cr_assert_eq(plan_new("6.1.0-test", &p), 0);
	cr_assert_eq(plan_add_handlers(p, NULL), 0);
	cr_assert_eq(plan_add_handlers(p, &h), 0);
	cr_assert_str_eq(render(p), "mkinitramfs-plan\t1\n"
				    "K\t6.1.0-test\n"
				    "R\t/usr/sbin/mdadm\n");
	h.mdadm = "mdadm";
	cr_assert_eq(plan_add_handlers(p, &h), -EINVAL);
	h.mdadm = "/a\tb";
	cr_assert_eq(plan_add_handlers(p, &h), -EINVAL);
	plan_free(p);
}

Test(plan, empty_flags_become_dash)
{
	struct plan *p;
	cr_assert_eq(plan_new("k", &p), 0);
	cr_assert_eq(plan_add_module(p, "x", "/x.ko", "", NULL, 0, ""), 0);
	cr_assert(strstr(render(p), "M\tx\t/x.ko\t-\t-\t\n"));
	plan_free(p);
}

Test(plan, refuses_what_would_break_lines)
{
	struct plan *p;
	cr_assert_eq(plan_new("k\tv", &p), -EINVAL);
	cr_assert_eq(plan_new("k", &p), 0);
	cr_assert_eq(plan_add_module(p, "a\tb", "/x.ko", "a", NULL, 0, ""), -EINVAL);
	cr_assert_eq(plan_add_module(p, "a", "x.ko", "a", NULL, 0, ""), -EINVAL);
	cr_assert_eq(plan_add_module(p, "a", "/x.ko", "a", NULL, 0, "p=1\nq"), -EINVAL);
	size_t self[] = {0};
	cr_assert_eq(plan_add_module(p, "a", "/x.ko", "a", self, 1, ""), -EINVAL);
	cr_assert_eq(plan_add_alias(p, "pci:*", 0), -EINVAL); /* no module 0 yet */
	cr_assert_eq(plan_add_fact(p, "k", "v\n"), -EINVAL);
	plan_free(p);
}

Test(plan, refuses_lines_longer_than_the_init_reads)
{
	struct plan *p;
	cr_assert_eq(plan_new("k", &p), 0);
	char params[ABI_PLAN_MAX_LINE];
	memset(params, 'x', sizeof(params) - 1);
	params[sizeof(params) - 1] = '\0';
	cr_assert_eq(plan_add_module(p, "a", "/x.ko", "a", NULL, 0, params), -E2BIG);
	params[ABI_PLAN_MAX_LINE - 64] = '\0';
	cr_assert_eq(plan_add_module(p, "a", "/x.ko", "a", NULL, 0, params), 0);
	plan_free(p);
}

Test(plan, refuses_more_modules_than_the_abi_allows)
{
	struct plan *p;
	cr_assert_eq(plan_new("k", &p), 0);
	for (int i = 0; i < ABI_PLAN_MAX_MODULES; i++)
		cr_assert_eq(plan_add_module(p, "a", "/a.ko", "a", NULL, 0, ""), i);
	cr_assert_eq(plan_add_module(p, "a", "/a.ko", "a", NULL, 0, ""), -E2BIG);
	plan_free(p);
}

/* -k none: no kernel release, an empty K record the init reads as "no kernel". */
Test(plan, no_kernel)
{
	struct plan *p;
	cr_assert_eq(plan_new("", &p), 0);
	cr_assert(strstr(render(p), "mkinitramfs-plan\t1\nK\t\n"));
	plan_free(p);
}

Test(plan, further_records_follow_the_facts)
{
	const char *fields[] = {"V", "/lib/mkinitramfs/vconsole", "/k.bin", "de", "-", "-"};
	char *line = NULL;
	struct plan *p;

	cr_assert_eq(plan_record_text(fields, 6, &line), 0);
	cr_assert_str_eq(line, "V\t/lib/mkinitramfs/vconsole\t/k.bin\tde\t-\t-");
	cr_assert_eq(plan_new("k", &p), 0);
	cr_assert_eq(plan_add_fact(p, "generator", "g"), 0);
	cr_assert_eq(plan_add_handlers(p, &(struct plan_handlers){.vconsole = fields,
								 .nvconsole = 6}),
		     0);
	cr_assert_eq(plan_add_module(p, "x", "/x.ko", "a", NULL, 0, ""), 0);
	cr_assert_str_eq(render(p), "mkinitramfs-plan\t1\n"
				    "K\tk\n"
				    "F\tgenerator\tg\n"
				    "V\t/lib/mkinitramfs/vconsole\t/k.bin\tde\t-\t-\n"
				    "M\tx\t/x.ko\ta\t-\t\n");
	plan_free(p);
	free(line);
}

Test(plan, refuses_records_that_would_break_lines)
{
	const char *tab[] = {"V", "a\tb"}, *newline[] = {"V", "a\n"}, *type[] = {"VV", "a"};
	char *line = NULL;

	cr_assert_eq(plan_record_text(tab, 2, &line), -EINVAL);
	cr_assert_eq(plan_record_text(newline, 2, &line), -EINVAL);
	cr_assert_eq(plan_record_text(type, 2, &line), -EINVAL);
	cr_assert_eq(plan_record_text(type, 0, &line), -EINVAL);
	cr_assert_null(line);
}

Test(plan, lvm_record_after_the_header)
{
	struct plan *p;
	struct plan_handlers none = {0}, lvm = {.lvm = "/usr/sbin/lvm"};
	cr_assert_eq(plan_new("6.1.0-test", &p), 0);
	cr_assert_eq(plan_add_handlers(p, NULL), 0);
	cr_assert_eq(plan_add_handlers(p, &none), 0);
	cr_assert_str_eq(render(p), "mkinitramfs-plan\t1\nK\t6.1.0-test\n");
	cr_assert_eq(plan_add_handlers(p, &lvm), 0);
	const char *text = render(p);
	cr_assert(strstr(text, "\nL\t/usr/sbin/lvm\tdevices{obtain_device_list_from_udev=0 "
			       "use_devicesfile=0} activation{udev_sync=0 udev_rules=0 "
			       "monitoring=0}\n"),
		  "%s", text);
	/* The init runs it by its absolute path, and a TAB would shift the fields. */
	struct plan_handlers rel = {.lvm = "lvm"}, tab = {.lvm = "/sbin/l\tvm"};
	cr_assert_eq(plan_add_handlers(p, &rel), -EINVAL);
	cr_assert_eq(plan_add_handlers(p, &tab), -EINVAL);
	plan_free(p);
}
