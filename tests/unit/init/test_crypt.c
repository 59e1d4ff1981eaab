/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/crypt.c: cryptdevice=, cryptkey=, rd.luks.* and crypttab lines. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "crypt.h"

#define U1 "0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3"
#define U2 "11111111-2222-4333-8444-555555555555"

static struct cmdline cmd;
static struct crypt_conf conf;

static int parse(const char *line)
{
	memset(&conf, 0, sizeof(conf));
	cmdline_parse(&cmd, line);
	return crypt_from_cmdline(&conf, &cmd);
}

Test(crypt, cryptdevice_forms)
{
	cr_assert_eq(parse("root=/dev/mapper/root cryptdevice=UUID=" U1 ":root"), 0);
	cr_assert_eq(conf.n, 1);
	cr_assert_str_eq(conf.req[0].name, "root");
	cr_assert_eq(conf.req[0].spec.kind, ROOT_UUID);
	cr_assert_str_eq(conf.req[0].spec.value, U1);
	cr_assert_eq(conf.req[0].discard, false);
	cr_assert_str_eq(conf.req[0].keyfile, "");

	cr_assert_eq(parse("cryptdevice=/dev/sda2:cryptroot:allow-discards "
			   "cryptkey=rootfs:/etc/root.key"),
		     0);
	cr_assert_eq(conf.req[0].spec.kind, ROOT_PATH);
	cr_assert_str_eq(conf.req[0].spec.value, "sda2");
	cr_assert(conf.req[0].discard);
	cr_assert_str_eq(conf.req[0].keyfile, "/etc/root.key");

	cr_assert_eq(parse("cryptdevice=PARTLABEL=secret:c cryptdevice=LABEL=x:d"), 0);
	cr_assert_eq(conf.n, 2);
	cr_assert_eq(conf.req[0].spec.kind, ROOT_PARTLABEL);
	cr_assert_eq(conf.req[1].spec.kind, ROOT_LABEL);
	cr_assert_eq(parse("cryptdevice=PARTUUID=abcd-01:p"), 0);
	cr_assert_eq(conf.req[0].spec.kind, ROOT_PARTUUID);
}

Test(crypt, malformed_words_are_counted_and_skipped)
{
	cr_assert_eq(parse("cryptdevice=/dev/sda2"), 1);
	cr_assert_eq(conf.n, 0);
	cr_assert_eq(parse("cryptdevice=/dev/sda2:"), 1);
	cr_assert_eq(parse("cryptdevice=:root"), 1);
	cr_assert_eq(parse("cryptdevice=/dev/sda2:a/b"), 1);
	/* Only a key file inside the image is supported, and it needs a cryptdevice=. */
	cr_assert_eq(parse("cryptdevice=/dev/sda2:r cryptkey=/dev/sdb:ext4:/key"), 1);
	cr_assert_str_eq(conf.req[0].keyfile, "");
	cr_assert_eq(parse("cryptkey=rootfs:/key"), 1);
	cr_assert_eq(parse("cryptdevice=/dev/sda2:r cryptkey=rootfs:key"), 1);
	cr_assert_eq(parse("rd.luks.uuid=not-a-uuid"), 1);
	cr_assert_eq(parse("rd.luks.name=" U1), 1);
	cr_assert_eq(parse("rd.luks.name=" U1 "="), 1);
}

Test(crypt, systemd_words)
{
	cr_assert_eq(parse("rd.luks.uuid=" U1 " rd.luks.uuid=luks-" U2), 0);
	cr_assert_eq(conf.n, 2);
	cr_assert_str_eq(conf.req[0].name, "luks-" U1);
	cr_assert_str_eq(conf.req[0].source, "UUID=" U1);
	cr_assert_str_eq(conf.req[1].name, "luks-" U2);

	/* rd.luks.name= names it; an rd.luks.uuid= of the same UUID adds nothing. */
	cr_assert_eq(parse("rd.luks.uuid=" U1 " rd.luks.name=" U1 "=cryptroot"), 0);
	cr_assert_eq(conf.n, 1);
	cr_assert_str_eq(conf.req[0].name, "cryptroot");
}

Test(crypt, systemd_options_and_keys)
{
	cr_assert_eq(parse("rd.luks.name=" U1 "=a rd.luks.name=" U2 "=b "
			   "rd.luks.options=" U2 "=discard rd.luks.key=" U1 "=/k1"),
		     0);
	cr_assert_eq(conf.n, 2);
	cr_assert_eq(conf.req[0].discard, false);
	cr_assert(conf.req[1].discard);
	cr_assert_str_eq(conf.req[0].keyfile, "/k1");
	cr_assert_str_eq(conf.req[1].keyfile, "");
	/* Without a UUID they apply to every rd.luks device, given before or after. */
	cr_assert_eq(parse("rd.luks.options=discard rd.luks.key=/all.key "
			   "rd.luks.uuid=" U1 " rd.luks.uuid=" U2),
		     0);
	cr_assert(conf.req[0].discard && conf.req[1].discard);
	cr_assert_str_eq(conf.req[0].keyfile, "/all.key");
	cr_assert_str_eq(conf.req[1].keyfile, "/all.key");
	cr_assert_eq(parse("rd.luks.uuid=" U1 " rd.luks.key=relative"), 1);
}

Test(crypt, crypttab_lines)
{
	char text[] = "# a comment\n"
		      "\n"
		      "cryptroot  UUID=" U1 "  none  luks,discard\n"
		      "swap\t/dev/vdb\t/etc/swap.key\n"
		      "home PARTLABEL=home -\n"
		      "broken\n"
		      "relkey /dev/vdc key.bin\n";

	memset(&conf, 0, sizeof(conf));
	cr_assert_eq(crypt_from_crypttab(&conf, text, "/etc/crypttab"), 2);
	cr_assert_eq(conf.n, 4);
	cr_assert_str_eq(conf.req[0].name, "cryptroot");
	cr_assert_eq(conf.req[0].spec.kind, ROOT_UUID);
	cr_assert(conf.req[0].discard);
	cr_assert_str_eq(conf.req[0].keyfile, "");
	cr_assert_str_eq(conf.req[1].keyfile, "/etc/swap.key");
	cr_assert_str_eq(conf.req[1].spec.value, "vdb");
	cr_assert_eq(conf.req[2].spec.kind, ROOT_PARTLABEL);
	cr_assert_str_eq(conf.req[2].keyfile, "");
	/* A relative key file is refused; the device is still asked for. */
	cr_assert_str_eq(conf.req[3].name, "relkey");
	cr_assert_str_eq(conf.req[3].keyfile, "");
	cr_assert_not_null(crypt_find_name(&conf, "swap"));
	cr_assert_null(crypt_find_name(&conf, "nope"));
}

Test(crypt, at_most_crypt_max_requests)
{
	char line[2048] = "";

	for (int i = 0; i < CRYPT_MAX + 2; i++) {
		char w[64];

		snprintf(w, sizeof(w), "cryptdevice=/dev/vd%c:n%d ", 'a' + i, i);
		strcat(line, w);
	}
	parse(line);
	cr_assert_eq(conf.n, CRYPT_MAX);
	cr_assert(conf.truncated);
}
