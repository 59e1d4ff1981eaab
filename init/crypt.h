/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What to unlock: LUKS requests from the kernel command line (mkinitcpio's
 * cryptdevice=/cryptkey=, systemd's rd.luks.*) and from the image's crypttab.
 * Pure parsing; init/unlock.c does the unlocking.
 */
#ifndef INIT_CRYPT_H
#define INIT_CRYPT_H

#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "root.h"

#define CRYPT_MAX 8
#define CRYPT_SOURCE_MAX 128
#define CRYPT_NAME_MAX 64
#define CRYPT_PATH_MAX 128

/* The crypttab in the image: sd-encrypt's name first, then the plain one. */
#define CRYPT_TAB_INITRAMFS "/etc/crypttab.initramfs"
#define CRYPT_TAB "/etc/crypttab"

struct crypt_req {
	char source[CRYPT_SOURCE_MAX]; /* as written: "UUID=...", "/dev/vda2" */
	struct root_spec spec;	       /* parsed from source (points into it) */
	char name[CRYPT_NAME_MAX];     /* the dm name: /dev/mapper/<name> */
	char keyfile[CRYPT_PATH_MAX];  /* a key file in the image, or "" to ask */
	bool discard;
	const char *origin; /* "cryptdevice=", "rd.luks.name=", "crypttab" for messages */
};

struct crypt_conf {
	struct crypt_req req[CRYPT_MAX];
	size_t n;
	bool truncated; /* more requests than CRYPT_MAX: reported */
};

/*
 * Add the command line's requests. Every malformed word is logged with its text and
 * skipped; returns the number of such words (0 when all were understood).
 */
int crypt_from_cmdline(struct crypt_conf *c, const struct cmdline *cmd);
/*
 * Add the lines of a crypttab ("name device keyfile options", '#' comments), text is
 * modified in place. Returns the number of malformed lines, each logged.
 */
int crypt_from_crypttab(struct crypt_conf *c, char *text, const char *path);
/* The request whose name is name, or NULL. */
struct crypt_req *crypt_find_name(struct crypt_conf *c, const char *name);

#endif
