/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A kernel's .config, as text: the answers the module pipeline asks of it. */
#ifndef MKINITRAMFS_KCONFIG_H
#define MKINITRAMFS_KCONFIG_H

#include <stdbool.h>

/* Whether TEXT holds LINE ("CONFIG_X=y") as a whole line. */
bool kconfig_has(const char *text, const char *line);

#endif
