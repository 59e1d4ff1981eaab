/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The root's /etc/fstab: the /usr line, and the mount options the kernel takes. */
#ifndef FSCK_FSTAB_H
#define FSCK_FSTAB_H

#include <stddef.h>

struct fstab_entry {
	const char *spec; /* UUID=…, LABEL=…, PARTUUID=…, /dev/… */
	const char *type;
	const char *opts;
	int passno;
};

/*
 * Find the line mounting dir in text (modified: fields are cut in place, octal escapes
 * such as \040 decoded). 0 and *ret filled, -ENOENT when no line mounts dir, -EBADMSG
 * when that line has fewer than three fields.
 */
int fstab_find(char *text, const char *dir, struct fstab_entry *ret);
/*
 * opts without the words only mount(8) and systemd read (defaults, noauto, nofail,
 * x-*, comment=, _netdev, user, ...), for root_mount_options(). -E2BIG when out is
 * too small.
 */
int fstab_kernel_options(const char *opts, char *out, size_t cap);
/* Whether an option list holds word (as a whole, comma-separated). */
int fstab_has_option(const char *opts, const char *word);

#endif
