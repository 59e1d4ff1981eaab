/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/str.c: the bounded builder, number parsing, globbing vs fnmatch(3). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>

#include "str.h"
#include "testutil.h"

Test(str, builder_formats)
{
	char buf[128];
	struct str s;

	str_init(&s, buf, sizeof(buf));
	str_addf(&s, "%s=%d %u %x %c %ld %zu %llu %%", "k", -42, 42u, 255u, 'z', -7L,
		 (size_t)9, 18446744073709551615ull);
	cr_assert_str_eq(buf, "k=-42 42 ff z -7 9 18446744073709551615 %");
	cr_assert(!s.truncated);
}

Test(str, builder_reports_truncation)
{
	char buf[8];
	struct str s;

	str_init(&s, buf, sizeof(buf));
	str_add(&s, "abcdef");
	cr_assert(!s.truncated);
	str_add(&s, "ghij");
	cr_assert(s.truncated);
	cr_assert_str_eq(buf, "abcdefg");
	cr_assert_eq(s.len, 7);
}

Test(str, copy_reports_truncation)
{
	char buf[4];

	cr_assert_eq(str_copy(buf, sizeof(buf), "abc"), 0);
	cr_assert_eq(str_copy(buf, sizeof(buf), "abcd"), -ENAMETOOLONG);
	cr_assert_str_eq(buf, "abc");
}

Test(str, to_uint)
{
	unsigned long v;

	cr_assert_eq(str_to_uint("1024", &v), 0);
	cr_assert_eq(v, 1024);
	cr_assert_eq(str_to_uint("", &v), -EINVAL);
	cr_assert_eq(str_to_uint("12a", &v), -EINVAL);
	cr_assert_eq(str_to_uint("-1", &v), -EINVAL);
	cr_assert_eq(str_to_uint("99999999999999999999999", &v), -ERANGE);
}

Test(str, modname_and_case)
{
	cr_assert(str_modname_eq("crc32c_intel", "crc32c-intel", 12));
	cr_assert(str_modname_eq("nbd", "nbd.nbds_max", 3));
	cr_assert(!str_modname_eq("nbd", "nbdx", 4));
	cr_assert(!str_modname_eq("nbdx", "nbd", 3));
	cr_assert(str_caseeq("ABCdef-01", "abcDEF-01"));
	cr_assert(!str_caseeq("abc", "abcd"));
}

/* glibc's fnmatch is the oracle for our small glob. */
static void same_as_fnmatch(const char *pattern, const char *text)
{
	bool want = fnmatch(pattern, text, 0) == 0;

	cr_expect_eq(str_glob(pattern, text), want, "pattern '%s' text '%s': fnmatch says %d",
		     pattern, text, want);
}

Test(str, glob_cases)
{
	static const char *const patterns[] = {
		"*", "?", "a*b", "a*b*c", "*abc", "[abc]x", "[!abc]x", "[^a-c]x", "[a-c]*",
		"pci:v00001AF4d00001001sv*sd*bc*sc*i*", "virtio:d00000002v*", "scsi:t-0x00*",
		"a\\*b", "[]]x", "[a-]x", "[", "ab[", "*[0-9]", "x*y*z*", "",
	};
	static const char *const texts[] = {
		"", "a", "ab", "axb", "axxbyyc", "xabc", "ax", "dx", "]x", "-x", "a*b", "[",
		"ab[", "abc9", "xyz", "x1y2z3", "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00",
		"virtio:d00000002v00001AF4", "scsi:t-0x00", "scsi:t-0x05",
	};

	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++)
		for (size_t j = 0; j < ARRAY_SIZE(texts); j++)
			same_as_fnmatch(patterns[i], texts[j]);
}

/* Every pattern of the real kernel's modules.alias, against real device modaliases. */
Test(str, glob_real_modules_alias)
{
	static const char *const devices[] = {
		"pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00",
		"pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01",
		"pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02",
		"virtio:d00000002v00001AF4",
		"virtio:d00000008v00001AF4",
		"scsi:t-0x00",
		"acpi:PNP0A03:",
		"platform:serial8250",
		"usb:v1D6Bp0002d0601dc09dsc00dp00ic09isc00ip00in00",
		"input:b0011v0001p0001eAB41-e0,1,4,11,14,k71,72,73,74,ramlsfw",
	};
	char line[4096], pattern[4096];
	FILE *f;
	size_t n = 0;

	f = popen("tests/kernel-fixture.sh 2>/dev/null | "
		  "(read r k && cat \"$r/lib/modules/$k/modules.alias\")",
		  "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "alias %4095s", pattern) != 1)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
			same_as_fnmatch(pattern, devices[i]);
		n++;
	}
	pclose(f);
	cr_assert_gt(n, 1000, "the fixture's modules.alias has only %zu patterns", n);
}
