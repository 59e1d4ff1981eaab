/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libarchive, loaded when an image needs it (bzip2), not at every start of the program.
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <stddef.h>

/* The soname loaded; the packages depend on it by hand (debian/control, PKGBUILD). */
#define ARLIB_SONAME "libarchive.so.13"

/* The few entry points the bzip2 reader uses, resolved once. */
struct arlib {
	struct archive *(*read_new)(void);
	int (*read_support_filter_all)(struct archive *a);
	int (*read_support_format_raw)(struct archive *a);
	int (*read_open)(struct archive *a, void *data, archive_open_callback *open,
			 archive_read_callback *read, archive_close_callback *close);
	int (*read_next_header)(struct archive *a, struct archive_entry **e);
	la_ssize_t (*read_data)(struct archive *a, void *buf, size_t len);
	int (*read_free)(struct archive *a);
};

/*
 * The library, loaded on the first call (thread-safe); NULL when it cannot be, with a
 * one-line reason naming the library in err (it does not print: its callers include
 * the fuzzed image reader).
 */
const struct arlib *arlib_get(char *err, size_t errsize);
