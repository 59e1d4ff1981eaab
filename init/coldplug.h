/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Coldplug for generic images: the devices present before we listened. */
#ifndef INIT_COLDPLUG_H
#define INIT_COLDPLUG_H

/* Read every "modalias" under devices_dir (/sys/devices) and load the modules that
 * match. Returns the number of modules loaded, or -errno when the walk failed. */
int coldplug_scan(const char *devices_dir);

#endif
