/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What libkmod reads of a module root, copied first through the root's own resolver. */
#ifndef MKINITRAMFS_MODSNAP_H
#define MKINITRAMFS_MODSNAP_H

#include "strv.h"

/*
 * libkmod opens its indexes and modprobe.d files by path, following symlinks on the
 * host: under -r a ROOT/lib that is an absolute symlink, or a modprobe.d file or an
 * index that is one, would be read from the build host. So under a root other than "/":
 * - libkmod gets the module directory as resolved inside the root (its real host path,
 *   symlink-free), and every index in it (modules.*.bin, modules.softdep,
 *   modules.weakdep) must be a regular file or a symlink that reaches the same file
 *   inside the root as on the host; else the tree is refused, naming the file. libkmod
 *   maps the indexes when the context is loaded, right after this check. (It also
 *   stat()s module files by path to list dependencies; their contents are read by us,
 *   through sysroot_open().)
 * - the root's etc/modprobe.d, usr/lib/modprobe.d and lib/modprobe.d (*.conf) are
 *   copied into a private directory under $TMPDIR, each file read through
 *   sysroot_open(); libkmod parses them when the context is created, then the copy is
 *   removed (modsnap_remove). An entry that is not a regular file (a mask: a symlink
 *   to /dev/null) becomes an empty file, which masks that name as libkmod does.
 */
struct modsnap {
	char *dir;	   /* the real module directory, for kmod_new() */
	struct strv confs; /* its configuration directories, in libkmod's order */
	char *top;	   /* what modsnap_remove() removes */
};

/*
 * -ENOENT: no such kernel directory; -ENOTDIR; -ENOEXEC: no modules.dep.bin; -EXDEV: an
 * index leads outside the root (said here, naming it).
 */
int modsnap_new(const char *root, const char *kver, struct modsnap *ret);
/* Remove the configuration copies (libkmod has parsed them) and free the rest. */
void modsnap_remove(struct modsnap *s);

#endif
