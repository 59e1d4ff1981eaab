/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Build hooks: declarative files that say what goes into an image. */
#ifndef MKINITRAMFS_HOOKS_H
#define MKINITRAMFS_HOOKS_H

#include <stdio.h>

#include "conf.h"
#include "strv.h"
#include "util.h"

/*
 * A hook file is parsed with the configuration parser (never executed). Keys:
 *   HELP="one line"        what the hook is for (-L, -H)
 *   MODULES=(...)          modules loaded at boot: names or aliases, "name params",
 *                          a trailing '?' for optional ones
 *   MODULES_MATCH=(...)    modules loaded when a device needs them; an entry with a '/'
 *                          is a pattern (fnmatch, '*' crosses '/') over module paths
 *                          relative to lib/modules/<kver> without the .ko suffix
 *   FILES=(...)            files and directories ('?' suffix: optional)
 *   BINARIES=(...)         programs with their libraries
 *   APPLETS=(...)          names linked to /bin/busybox in /bin
 *   AUTODETECT=yes         hooks after this one keep only the host's modules
 *   MICROCODE=yes          early microcode cpio before the image
 *   FSCK=yes               the root's fsck.<type> (all common ones without
 *                          autodetect) and e2fsck, as BINARIES
 *   HELPERS=(...)          mkinitramfs helper programs (build/<name> or LIBDIR/<name>),
 *                          added as /lib/mkinitramfs/<name>
 *   MDADM=yes              mdadm and its libraries; the plan tells the init to assemble
 *                          md arrays with it as their members appear
 *   LOAD=boot|request|console
 *                          when the init loads MODULES and MODULES_MATCH in a generic
 *                          image (no autodetect before the hook): at boot (default);
 *                          only on request (the root's filesystem type, the kernel's
 *                          request_module()); only once a person must type (prompt,
 *                          shell). After autodetect, what the host needs loads at boot.
 *   KEYMAP=yes|NAME        the console keymap: KEYMAP (and KEYMAP_TOGGLE) of the root's
 *                          /etc/vconsole.conf, or that keymap; loaded before any prompt
 *   CONSOLEFONT=yes|NAME   the console font: FONT of /etc/vconsole.conf, or that font
 *   LVM=yes                lvm and its libraries; the plan tells the init to activate
 *                          volume groups with it as their PVs appear
 */
enum hook_load {
	HOOK_LOAD_BOOT,
	HOOK_LOAD_REQUEST,
	HOOK_LOAD_CONSOLE,
	HOOK_LOAD_EARLY, /* at boot, even in a host image whose root does not need it */
};

struct hook {
	char *name;
	char *path;
	char *help;
	struct strv modules;
	struct strv modules_match;
	struct strv files;
	struct strv binaries;
	struct strv applets;
	struct strv helpers;
	enum hook_load load;
	char *keymap;	   /* NULL, "yes" (vconsole.conf) or a keymap name */
	char *consolefont; /* NULL, "yes" (vconsole.conf) or a font name */
	int autodetect;
	int microcode;
	int fsck;
	int mdadm;
	int lvm;
};

extern const char *const hooks_keys[];

/* The directories searched, first match wins: /etc/mkinitramfs/hooks, then the shipped
 * ones ($MKINITRAMFS_HOOKS_DIR overrides the shipped directory). NULL-terminated. */
int hooks_default_dirs(struct strv *ret);

/* -ENOENT when no directory has it; -EINVAL (err filled) on a syntax error. */
int hooks_load(const char *name, const struct strv *dirs, struct hook **ret,
	       struct conf_error *err);
void hooks_free(struct hook *hook);
DEFINE_FREEP(hooks_free, struct hook)

/* 1 when a hook file of that name exists in one of the directories, 0 when none. */
int hooks_exists(const char *name, const struct strv *dirs);
/* Every hook name found in the directories, each once, sorted. */
int hooks_names(const struct strv *dirs, struct strv *names);

/* -L: every hook found in the directories (each name once), with its help. */
int hooks_list(const struct strv *dirs, FILE *out);
/* -H: one hook, its help and what it adds. */
void hooks_describe(const struct hook *hook, FILE *out);

#endif
