/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A library loaded with dlopen into a table of entry points, all of them or none. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"

/* Each symbol into its slot of `copy`; 0 when one is missing (named in err). */
static int resolve(void *handle, const char *soname, const struct dynlib_symbol *syms,
		   size_t n, char *copy, char *err, size_t errsize)
{
	for (size_t i = 0; i < n; i++) {
		void *p = dlsym(handle, syms[i].name);
		if (!p) {
			snprintf(err, errsize, "'%s' has no symbol '%s'", soname,
				 syms[i].name);
			return 0;
		}
		/* POSIX makes dlsym's object pointer convertible to a function pointer.
		 */
		memcpy(copy + syms[i].offset, &p, sizeof(p));
	}
	return 1;
}

int dynlib_open(const char *soname, const struct dynlib_symbol *syms, size_t n,
		void *table, size_t table_size, char *err, size_t errsize)
{
	void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!handle) {
		const char *why = dlerror();
		snprintf(err, errsize, "cannot load '%s': %s", soname,
			 why ? why : "unknown error");
		return -ELIBACC;
	}
	/* Filled in a copy: a library missing one symbol leaves the table as it was. */
	char *copy = calloc(1, table_size);
	if (!copy || !resolve(handle, soname, syms, n, copy, err, errsize)) {
		if (!copy)
			snprintf(err, errsize, "cannot load '%s': out of memory", soname);
		free(copy);
		dlclose(handle);
		return -ELIBACC;
	}
	memcpy(table, copy, table_size);
	free(copy);
	return 0;
}
