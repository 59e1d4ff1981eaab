/* SPDX-License-Identifier: GPL-2.0-or-later */
/* FILES and BINARIES: host files and ELF programs, with what they need, into the stage.
 */
#ifndef MKINITRAMFS_FILES_H
#define MKINITRAMFS_FILES_H

#include "stage.h"

/* Why a build with FILES or BINARIES has no input journal (inputjournal.h). */
#define FILES_UNJOURNALLED                                                               \
	"files and binaries are found through PATH, ld.so and the file system, which the journal does not follow"

/*
 * All paths are looked up inside `root` (the module root, "/" for the host), never
 * outside it: symlinks are resolved as if `root` were "/" (as chroot would), so ".."
 * stops at the root and absolute targets start from it; no file outside is opened.
 * A failure is logged here, once: "ORIGIN: cannot add 'NAME': 'CULPRIT': reason", the
 * culprit being the file that was missing or unreadable, as the user would write it
 * (without the root): the path, the symlink target that is missing, the interpreter,
 * or for a library its DT_NEEDED name ("libselinux.so.1"); for a symlink loop (-ELOOP)
 * the path asked for. `origin` says who asked ("FILES", "hook 'lvm2'").
 *
 * Layout in the image: a path is added where it was asked for. Directories on the way
 * are real directories in the image even where the root has symlinks (/lib -> usr/lib
 * on merged-/usr systems): /lib/x86_64-linux-gnu/libc.so.6 is staged at
 * lib/x86_64-linux-gnu/libc.so.6 from the host's usr/lib/x86_64-linux-gnu/libc.so.6.
 * Reason: the rest of the generator stages real paths (bin/, sbin/, lib/modules/,
 * bin/<applet>); a staged "lib" symlink would clash with those (-EEXIST on "bin") or be
 * unpacked before its target exists (entries are sorted, "lib/..." < "usr/..."). The
 * last component of a path, when a symlink, stays a symlink with its target as written,
 * and the target is added too, recursively (chains, relative and absolute). When a
 * relative target climbs with ".." out of a symlinked directory, the image would climb
 * elsewhere than the host: such a link is stored with the absolute real path instead.
 */

/* What a caller says itself, or not at all: -ENOENT is returned without a message. */
enum files_quiet {
	FILES_QUIET_MISSING = 1 << 0, /* anything missing: an optional entry ("foo?") */
};

/*
 * Add `path` (absolute) at the same in-image path. Symlinks stay symlinks and their
 * targets are added too (recursively); a directory is added with everything under it,
 * its permission bits kept. Inside a directory, a dangling or looping symlink is copied
 * as it is (the image then looks like the root); named directly, it is an error.
 * Character and block devices are copied; a FIFO or socket named directly is -EINVAL,
 * inside a directory it is skipped. A relative `path` is -EINVAL.
 */
int files_add_path(struct stage *stage, const char *root, const char *path,
		   const char *origin, unsigned quiet);

/*
 * Add an ELF program: `name` is an absolute path or a name searched in /usr/local/sbin,
 * /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin of the root. Its PT_INTERP and the
 * DT_NEEDED closure are added, read from the ELF files themselves (no ldd, nothing
 * run), searched as ld.so does: DT_RPATH of the object and of the objects that loaded
 * it (unless the object has DT_RUNPATH), DT_RUNPATH, the directories of the root's
 * /etc/ld.so.conf (with its include globs), then the built-in ones (multiarch
 * /lib/<triplet>, /usr/lib/<triplet>, then /lib64 and /usr/lib64 (or lib32), /lib,
 * /usr/lib). $ORIGIN and ${ORIGIN} are expanded; entries with other tokens ($LIB,
 * $PLATFORM) or relative ones are skipped. A candidate of another ELF class, byte
 * order or machine, or not ELF at all, is skipped as ld.so skips it. Each library is
 * read once per call. When a library is found only through ld.so.conf, the root's
 * /etc/ld.so.cache is added too (ld.so finds such libraries through it alone).
 * A file that is not ELF (a script) is added as it is; its #! interpreter is not added
 * (a hook lists it, e.g. the busybox shell, so two providers of /bin/sh never clash).
 * A static program is just the file. A truncated or malformed ELF is -ENOEXEC.
 */
int files_add_binary(struct stage *stage, const char *root, const char *name,
		     const char *origin, unsigned quiet);
/*
 * files_add_binary(), and the program's in-image path (absolute) in *ret_path. When the
 * program itself is missing the message names `package`, what to install.
 */
int files_add_program(struct stage *stage, const char *root, const char *name,
		      const char *origin, const char *package, char **ret_path);

#endif
