/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Module names as libkmod spells them, and the comparison of the name trees. */
#ifndef MKINITRAMFS_MODNAME_H
#define MKINITRAMFS_MODNAME_H

/* '-' becomes '_' in place: "crc32c-intel" is the module "crc32c_intel". */
void modname_normalise(char *s);

/* strcmp for tsearch()/tfind() trees of plain names (char *). */
int modname_compare(const void *a, const void *b);

#endif
