/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/cmdline.c: the words the init acts on, quotes, module parameters. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"

static struct cmdline c;

Test(cmdline, root_and_friends)
{
	cmdline_parse(&c, "BOOT_IMAGE=/vmlinuz root=UUID=abc rootfstype=ext4 "
			  "rootflags=noatime,commit=5 rw init=/bin/sh rootwait quiet\n");
	cr_assert_str_eq(c.root, "UUID=abc");
	cr_assert_str_eq(c.rootfstype, "ext4");
	cr_assert_str_eq(c.rootflags, "noatime,commit=5");
	cr_assert_str_eq(c.init, "/bin/sh");
	cr_assert(c.rw);
	cr_assert(c.rootwait);
	cr_assert(c.quiet);
	cr_assert(!c.debug);
	cr_assert(!c.rd_break);
	cr_assert_eq(c.rootdelay, -1);
	cr_assert(!c.truncated);
}

Test(cmdline, last_word_wins)
{
	cmdline_parse(&c, "rw ro root=/dev/sda root=/dev/vda rootdelay=5");
	cr_assert(!c.rw);
	cr_assert_str_eq(c.root, "/dev/vda");
	cr_assert_eq(c.rootdelay, 5);
}

Test(cmdline, quotes_group_words)
{
	cmdline_parse(&c, "root=PARTLABEL=\"my root\" rd.debug break=premount");
	cr_assert_str_eq(c.root, "PARTLABEL=my root");
	cr_assert(c.debug);
	cr_assert(c.rd_break);
	cmdline_parse(&c, "rd.break");
	cr_assert(c.rd_break);
}

Test(cmdline, double_dash_ends_our_part)
{
	cmdline_parse(&c, "root=/dev/vda -- root=/dev/sdz single");
	cr_assert_str_eq(c.root, "/dev/vda");
	cr_assert_eq(c.n_args, 1);
}

Test(cmdline, blacklist)
{
	cmdline_parse(&c, "modprobe.blacklist=floppy,nbd modprobe.blacklist=crc32c-intel");
	cr_assert(cmdline_blacklisted(&c, "nbd"));
	cr_assert(cmdline_blacklisted(&c, "floppy"));
	cr_assert(cmdline_blacklisted(&c, "crc32c_intel"));
	cr_assert(!cmdline_blacklisted(&c, "nb"));
	cr_assert(!cmdline_blacklisted(&c, "ext4"));
}

Test(cmdline, module_parameters)
{
	size_t pos = 0;

	cmdline_parse(&c, "nbd.nbds_max=7 ext4.x=1 nbd-x.y=2 nbd.max_part=\"a b\" "
			  "rd.debug nbd. .x=1 nbd=3 nbd.flag");
	cr_assert_str_eq(cmdline_next_modparam(&c, "nbd", &pos), "nbds_max=7");
	cr_assert_str_eq(cmdline_next_modparam(&c, "nbd", &pos), "max_part=\"a b\"");
	cr_assert_str_eq(cmdline_next_modparam(&c, "nbd", &pos), "flag");
	cr_assert_null(cmdline_next_modparam(&c, "nbd", &pos));
	pos = 0;
	cr_assert_str_eq(cmdline_next_modparam(&c, "nbd_x", &pos), "y=2");
	cr_assert_null(cmdline_next_modparam(&c, "nbd_x", &pos));
}

Test(cmdline, too_long_is_reported)
{
	static char text[CMDLINE_MAX + 100];

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text, "root=/dev/vda ", 14);
	cmdline_parse(&c, text);
	cr_assert(c.truncated);
	cr_assert_str_eq(c.root, "/dev/vda");
}

Test(cmdline, too_many_words_is_reported)
{
	static char text[CMDLINE_MAX];
	size_t n = 0;

	for (int i = 0; i < CMDLINE_MAX_ARGS + 10; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "w%d ", i);
	cmdline_parse(&c, text);
	cr_assert(c.truncated);
	cr_assert_eq(c.n_args, CMDLINE_MAX_ARGS);
}

static struct cmdline rc;

Test(cmdline, resume_words)
{
	cmdline_parse(&rc, "root=/dev/vda resume=UUID=5e8b3f2a-0c1d-4e6f-9a8b-7c6d5e4f3a2b "
			  "resume_offset=34816");
	cr_assert_str_eq(rc.resume, "UUID=5e8b3f2a-0c1d-4e6f-9a8b-7c6d5e4f3a2b");
	cr_assert_str_eq(rc.resume_offset, "34816");
	cr_assert_eq(rc.noresume, false);
	cmdline_parse(&rc, "resume=254:2 noresume");
	cr_assert_str_eq(rc.resume, "254:2");
	cr_assert(rc.noresume);
	cr_assert_null(rc.resume_offset);
}
