/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libarchive through dlopen: linking it made every run load libxml2, ICU, libstdc++ and
 * libcrypto (its dependencies), milliseconds for a library only bzip2 images need. */
#include <pthread.h>
#include <stdio.h>

#include "arlib.h"
#include "dynlib.h"

static struct arlib lib;
static const struct arlib *loaded;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	static const struct dynlib_symbol syms[] = {
		{"archive_read_new", offsetof(struct arlib, read_new)},
		{"archive_read_support_filter_all",
		 offsetof(struct arlib, read_support_filter_all)},
		{"archive_read_support_format_raw",
		 offsetof(struct arlib, read_support_format_raw)},
		{"archive_read_open", offsetof(struct arlib, read_open)},
		{"archive_read_next_header", offsetof(struct arlib, read_next_header)},
		{"archive_read_data", offsetof(struct arlib, read_data)},
		{"archive_read_free", offsetof(struct arlib, read_free)},
	};
	if (dynlib_open(ARLIB_SONAME, syms, sizeof(syms) / sizeof(syms[0]), &lib,
			sizeof(lib), load_error, sizeof(load_error)) == 0)
		loaded = &lib;
}

const struct arlib *arlib_get(char *err, size_t errsize)
{
	pthread_once(&once, load);
	if (!loaded && err && errsize)
		snprintf(err, errsize, "%s", load_error);
	return loaded;
}
