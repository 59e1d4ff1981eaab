/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The input journal: what a build read to decide its image, for a stat-only no-op. */
#ifndef MKINITRAMFS_INPUTJOURNAL_H
#define MKINITRAMFS_INPUTJOURNAL_H

#include "strv.h"

/*
 * While a build runs, the subsystems that read its inputs note them here: a file read,
 * a directory listed, a path probed (an absent one too: its appearing changes the
 * decision). Paths are the host's (a sysroot's root joined). The notes are process-wide
 * and kept for the life of the process: a build that shares a module tree read (and
 * walked) by an earlier one, or by the -P parent it was forked from, depends on what
 * that one noted; a superset is only more to stat.
 *
 * The journal lets the next run prove "nothing changed" before it runs autodetect and
 * module resolution: each path's stat (device, inode, size, mtime, ctime, mode, or its
 * absence) is unchanged, and so is the text that stands for what is not a file (the
 * request, the host's devices). What it cannot describe turns it off.
 */
void injournal_note(const char *path);
void injournal_note_at(const char *root, const char *path);
/* A file whose stat says nothing of its contents (procfs): recorded by its CRC-64. */
void injournal_note_content(const char *path);
/* An input the journal cannot describe: this build writes no journal (no fast path). */
void injournal_incomplete(const char *why);
/* A new build in the same process: what turned the journal off, and the warnings, were
 * the last build's. */
void injournal_begin(void);
/* A warning this build said (log_set_warning_sink()): its no-op says it again. */
void injournal_warning(const char *message);

/*
 * The journal's text: `request` (what the command line, environment and working
 * directory asked; any text, one or more lines), `facts` (what autodetect read from
 * sysfs and mountinfo, or NULL when no autodetect ran), `self` (the generator's
 * identity), the warnings said since injournal_begin() (they follow from the inputs, so
 * a no-op says them again), then one line per noted path, sorted, each stat taken now.
 * -EAGAIN (said in a verbose line) when the build marked itself incomplete or when a
 * noted input changed since the first one was read, as far as the file system's clock
 * tells: its stat may not describe what was read (git's "racily clean" index entries).
 */
int injournal_text(const char *request, const char *facts, const char *self, char **ret);

/*
 * 1 when the journal `text` still holds: the same request and generator, every path's
 * stat as recorded, every content's CRC, and (when it has a facts line) the same facts
 * as `facts_now(userdata)` computes; the build's warnings are appended to
 * `ret_warnings`. 0 when anything differs, with a verbose line saying
 * what; negative errno only for an allocation failure.
 */
int injournal_check(const char *text, const char *request, const char *self,
		    int (*facts_now)(void *userdata, char **ret), void *userdata,
		    struct strv *ret_warnings);

#endif
