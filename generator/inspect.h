/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Looking inside images: an analysis (-a), the embedded configuration, a diff of two. */
#ifndef MKINITRAMFS_INSPECT_H
#define MKINITRAMFS_INSPECT_H

#include <stdio.h>

/* Which segments to look at: all, the early ones (all but the last), the main one. */
enum inspect_part {
	INSPECT_ALL,
	INSPECT_EARLY, /* --early */
	INSPECT_MAIN,  /* --cpio */
};

/*
 * `-a`: the image's size, generator, kernel version, each segment (compression, bytes on
 * disk, bytes of files, ratio), the early archive's files, the modules (count, those
 * loaded at boot [a] and on demand [m], soft dependencies [s]), the hooks and whether a
 * configuration is embedded. A unified kernel image is analysed through its .initrd
 * section, after its .uname and .cmdline. `verbose`: one line per module with its flags
 * and parameters. Works on images of any tool image_read() reads; what a foreign image
 * does not record is reported as unknown. Returns 0 or a negative errno (image_read's;
 * -ENOENT for --early on an image without an early archive), the caller reports it.
 */
int inspect_analyze(const char *path, enum inspect_part part, int verbose, FILE *out);

/*
 * `--show-config`: print the configuration embedded at build time. -ENODATA when the
 * image has none (made by another tool, or before it was embedded).
 */
int inspect_show_config(const char *path, FILE *out);

/*
 * `--diff A B`: what changed from A to B, one line each, script-friendly:
 *   + module NAME [FLAGS] PARAMS    - module ...    ~ module NAME: WHAT
 *   + file /PATH (N bytes)          - file ...      ~ file /PATH: WHAT
 *   + config KEY (...)              - config ...    ~ config KEY: (...) -> (...)
 *   ~ kernel OLD -> NEW             ~ cmdline 'OLD' -> 'NEW' (UKIs)
 * then a summary line starting with '#'. Modules come from the plan, or from the .ko
 * files of an image without one. Every name of a hard-linked file (newc stores its data
 * once) has that file's content, as the kernel unpacks it. Returns 0 (whether or not
 * anything differs) or a
 * negative errno; `ret_which` says which image failed (0 or 1).
 */
int inspect_diff(const char *a, const char *b, enum inspect_part part, FILE *out,
		 int *ret_which);

#endif
