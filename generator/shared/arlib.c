/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libarchive through dlopen: linking it made every run load libxml2, ICU, libstdc++ and
 * libcrypto (its dependencies), milliseconds for a library only bzip2 images need. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "arlib.h"

static struct arlib lib;
static const struct arlib *loaded;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Each symbol by its name, into the table's slot; 0 when one is missing. */
static int resolve(void *handle)
{
	static const struct {
		const char *name;
		size_t offset;
	} syms[] = {
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
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p = dlsym(handle, syms[i].name);
		if (!p) {
			snprintf(load_error, sizeof(load_error),
				 "'%s' has no symbol '%s'", ARLIB_SONAME, syms[i].name);
			return 0;
		}
		/* A function pointer stored through its slot: POSIX makes dlsym's
		 * object pointer convertible to a function pointer. */
		*(void **)((char *)&lib + syms[i].offset) = p;
	}
	return 1;
}

static void load(void)
{
	void *handle = dlopen(ARLIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *why = dlerror();
		snprintf(load_error, sizeof(load_error), "cannot load '%s': %s",
			 ARLIB_SONAME, why ? why : "unknown error");
		return;
	}
	if (!resolve(handle)) {
		dlclose(handle);
		return;
	}
	loaded = &lib;
}

const struct arlib *arlib_get(char *err, size_t errsize)
{
	pthread_once(&once, load);
	if (!loaded && err && errsize)
		snprintf(err, errsize, "%s", load_error);
	return loaded;
}
