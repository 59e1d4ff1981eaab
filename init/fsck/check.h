/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fsck policy: which checker, with which arguments, and what its exit status means.
 */
#ifndef FSCK_CHECK_H
#define FSCK_CHECK_H

#include <stddef.h>

#include "cmdline.h"

/* fsck.mode= and fsck.repair=, as systemd-fsck reads them. */
enum check_mode { CHECK_MODE_AUTO, CHECK_MODE_FORCE, CHECK_MODE_SKIP };
enum check_repair { CHECK_REPAIR_PREEN, CHECK_REPAIR_YES, CHECK_REPAIR_NO };

struct check_opts {
	enum check_mode mode;
	enum check_repair repair;
};

/* The last fsck.mode= and fsck.repair= win; an unknown value is logged and ignored. */
void check_opts_parse(const struct cmdline *c, struct check_opts *ret);

enum check_plan {
	CHECK_RUN,	  /* run argv */
	CHECK_NOT_NEEDED, /* xfs, btrfs: the kernel replays their log at mount */
	CHECK_NO_CHECKER, /* no fsck.<type> (nor e2fsck for ext*) in the image */
};

#define CHECK_ARGV_MAX 6
#define CHECK_PATH_MAX 64

struct check_cmd {
	char path[CHECK_PATH_MAX]; /* the checker, in the image */
	char *argv[CHECK_ARGV_MAX];
};

/*
 * How to check dev, a filesystem of type: the checker is the first of fsck.<type> (and
 * e2fsck for ext2/3/4) in /usr/sbin, /sbin, /usr/bin, /bin under root ("" in the
 * image). Its arguments: -p/-y/-n for ext*, -a/-y/-n for the others, -f when forced
 * (ext*, f2fs). cmd points into dev.
 */
enum check_plan check_command(const char *root, const char *type, const char *dev,
			      const struct check_opts *o, struct check_cmd *ret);

enum check_verdict {
	CHECK_CLEAN,	 /* 0 */
	CHECK_CORRECTED, /* 1: errors corrected, go on */
	CHECK_REBOOT,	 /* 2 (or 3): corrected, the system must reboot */
	CHECK_FAILED,	 /* 4 and up, a signal: errors left, or fsck could not run */
};

/* status as waitpid(2) returns it. */
enum check_verdict check_verdict(int status);
/* "errors left uncorrected", "operational error", ... for an exit code of 4 and up. */
const char *check_failure_text(int code);

#endif
