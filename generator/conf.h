/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parser for mkinitcpio-style configuration: bash assignments, read, never executed. */
#ifndef MKINITRAMFS_CONF_H
#define MKINITRAMFS_CONF_H

#include <stddef.h>

#include "strv.h"
#include "util.h"

/*
 * Syntax accepted (a subset of bash, enough for mkinitcpio.conf and presets):
 *   # comment                     KEY=value        KEY="a b"      KEY='a b'
 *   KEY=(a "b c" 'd'              KEY+=(more)      KEY+=word      (arrays span lines)
 *        e)                       adjacent quoted/unquoted parts join: a"b c"'d'
 * Inside double quotes: \" \\ \$ \` escapes. Outside quotes: backslash escapes the next
 * character, backslash-newline continues. Rejected with file:line:column: unterminated
 * quotes and arrays, $(...), backticks, ${...} and $VAR expansion, NUL bytes, a line
 * that is not an assignment, lines longer than CONF_MAX_LINE.
 *
 * Details, so the result is what bash would give when it sources the file:
 * - Several assignments may share a line (`A=1 B=2`), and `;` ends a statement.
 *   A leading `export` is accepted and ignored (`export A=1 B` sets A only).
 *   Anything else (`declare`, `echo hi`, `KEY = value`, `KEY= value`) is an error.
 * - `#` starts a comment only at the start of a word: `A=x#y` is "x#y".
 * - `KEY=word` and `KEY=(...)` replace the whole value; `KEY+=(...)` appends elements;
 *   `KEY+=word` appends text to the first element, as bash does (`Z=zst; Z+=d` is
 *   "zstd"); doing so on an array warns. `KEY=word` on an array of several elements
 *   warns too: it replaces all of them (bash would replace only the first).
 * - Words are kept literally: no pathname expansion (`nvme?` stays `nvme?`). Unquoted
 *   `~` at the start of a value, brace expansion `{a,b}` in arrays and `[i]=x`
 *   elements are rejected rather than read differently from bash.
 * - CR LF line endings are accepted: a carriage return right before a newline (or the
 *   end) outside quotes is a blank. Inside quotes it stays part of the value.
 * - Columns count bytes, from 1; a tab is one column. Errors point at the offending
 *   byte, or at the opening quote or parenthesis of an unterminated one.
 */

#define CONF_MAX_LINE 65536
#define CONF_MAX_FILE (16u << 20) /* larger files are refused with -EFBIG */

struct conf;
struct stat;

struct conf_error {
	char message[1024]; /* "FILE:LINE:COL: what is wrong" */
};

/* The keys of mkinitramfs.conf, NULL-terminated, for the known_keys argument. */
extern const char *const conf_main_keys[];

int conf_new(struct conf **ret);
void conf_free(struct conf *conf);
DEFINE_FREEP(conf_free, struct conf)

/*
 * Apply the assignments of one file over what `conf` already holds (KEY= replaces,
 * KEY+= appends). `known_keys` is a NULL-terminated list, or NULL to accept every key;
 * an assignment to any other key is kept but adds a warning ("FILE:LINE: unknown key
 * 'X', ignoring") to conf_warnings(), once per file. A known key assigned with `=`
 * after an earlier assignment in the same file warns ("FILE:LINE: 'X' assigned again
 * (first at line N), the last one wins").
 * On error nothing of that file is applied and -EINVAL (syntax), -ENOENT, -EACCES... is
 * returned with `err` filled in (`err` may be NULL). I/O errors read
 * "cannot read 'PATH': <strerror>"; a path that is not a regular file (a FIFO would
 * block forever) gives -EINVAL and "cannot read 'PATH': it is a FIFO, not a regular
 * file". Parsing uses no global state.
 */
int conf_load_file(struct conf *conf, const char *path, const char *const *known_keys,
		   struct conf_error *err);
int conf_load_string(struct conf *conf, const char *text, size_t len, const char *name,
		     const char *const *known_keys, struct conf_error *err);

/*
 * `path`, then `path`.d/ *.conf in strcmp order (names starting with '.' are skipped);
 * a missing .d directory is fine. Stops at the first file in error: the files before it
 * stay applied.
 */
int conf_load_with_dropins(struct conf *conf, const char *path,
			   const char *const *known_keys, struct conf_error *err);

/* 1 when `st` (its device and inode) is a file this conf was read from. */
int conf_has_source(const struct conf *conf, const struct stat *st);

/* The values of a key (a scalar is a one-element array), or NULL when never assigned. */
const struct strv *conf_get(const struct conf *conf, const char *key);
/* The first value, or NULL when unset, an empty array, or the empty string. */
const char *conf_get_string(const struct conf *conf, const char *key);
/*
 * A key assigned as a string (`MODULES="a b"`) becomes the words of that string, as
 * bash's unquoted ${MODULES[@]} in mkinitcpio reads it; an array is left as it is.
 */
int conf_split_string(struct conf *conf, const char *key);
/* Every key assigned so far, in first-assignment order. */
const struct strv *conf_keys(const struct conf *conf);
/* Warnings collected while loading, each a complete message line. */
const struct strv *conf_warnings(const struct conf *conf);

#endif
