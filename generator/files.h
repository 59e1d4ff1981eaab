/* SPDX-License-Identifier: GPL-2.0-or-later */
/* FILES and BINARIES: host files and ELF programs, with what they need, into the stage. */
#ifndef MKINITRAMFS_FILES_H
#define MKINITRAMFS_FILES_H

#include "stage.h"

/*
 * All paths are looked up inside `root` (the module root, "/" for the host), never
 * outside it: a symlink whose target leaves the root is resolved as if `root` were "/".
 * On failure *ret_culprit (when not NULL) receives a newly allocated string naming the
 * file that was missing or unreadable, as the user would write it (without the root).
 */

/*
 * Add `path` (absolute) at the same in-image path. Symlinks stay symlinks and their
 * targets are added too (recursively); a directory is added with everything under it.
 */
int files_add_path(struct stage *stage, const char *root, const char *path,
		   char **ret_culprit);

/*
 * Add an ELF program: `name` is an absolute path or a name searched in /usr/local/sbin,
 * /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin of the root. Its PT_INTERP and the
 * DT_NEEDED closure (read from the ELF files, honouring DT_RUNPATH/DT_RPATH with
 * $ORIGIN, then the root's /etc/ld.so.conf directories and the standard library
 * directories) are added. A non-ELF file (a script) is added as it is.
 */
int files_add_binary(struct stage *stage, const char *root, const char *name,
		     char **ret_culprit);

#endif
