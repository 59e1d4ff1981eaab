/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parser for mkinitcpio-style configuration: bash assignments, read, never executed. */
#ifndef MKINITRAMFS_CONF_H
#define MKINITRAMFS_CONF_H

#include <stddef.h>

#include "strv.h"

/*
 * Syntax accepted (a subset of bash, enough for mkinitcpio.conf and presets):
 *   # comment                     KEY=value        KEY="a b"      KEY='a b'
 *   KEY=(a "b c" 'd'              KEY+=(more)      KEY+=word      (arrays span lines)
 *        e)                       adjacent quoted/unquoted parts join: a"b c"'d'
 * Inside double quotes: \" \\ \$ \` escapes. Outside quotes: backslash escapes the next
 * character, backslash-newline continues. Rejected with file:line:column: unterminated
 * quotes and arrays, $(...), backticks, ${...} and $VAR expansion, NUL bytes, a line
 * that is not an assignment, lines longer than CONF_MAX_LINE.
 */

#define CONF_MAX_LINE 65536

struct conf;

struct conf_error {
	char message[1024]; /* "FILE:LINE:COL: what is wrong" */
};

int conf_new(struct conf **ret);
void conf_free(struct conf *conf);

/*
 * Apply the assignments of one file over what `conf` already holds (KEY= replaces,
 * KEY+= appends). `known_keys` is a NULL-terminated list, or NULL to accept every key;
 * an assignment to any other key is kept but adds a warning ("FILE:LINE: unknown key
 * 'X', ignoring") to conf_warnings(). A key assigned twice in one file also warns.
 * On error nothing of that file is applied and -EINVAL (syntax), -ENOENT, -EACCES... is
 * returned with `err` filled in.
 */
int conf_load_file(struct conf *conf, const char *path, const char *const *known_keys,
		   struct conf_error *err);
int conf_load_string(struct conf *conf, const char *text, size_t len, const char *name,
		     const char *const *known_keys, struct conf_error *err);

/* `path`, then `path`.d/ *.conf in sorted order; a missing .d directory is fine. */
int conf_load_with_dropins(struct conf *conf, const char *path,
			   const char *const *known_keys, struct conf_error *err);

/* The values of a key (a scalar is a one-element array), or NULL when never assigned. */
const struct strv *conf_get(const struct conf *conf, const char *key);
/* The first value, or NULL when unset or empty. */
const char *conf_get_string(const struct conf *conf, const char *key);
/* Every key assigned so far, in first-assignment order. */
const struct strv *conf_keys(const struct conf *conf);
/* The keys of the main configuration (mkinitramfs.conf), NULL-terminated. */
extern const char *const conf_main_keys[];

/* Warnings collected while loading, each a complete message line. */
const struct strv *conf_warnings(const struct conf *conf);

#endif
