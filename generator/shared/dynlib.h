/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A library loaded with dlopen into a table of entry points, all of them or none. */
#ifndef MKINITRAMFS_DYNLIB_H
#define MKINITRAMFS_DYNLIB_H

#include <stddef.h>

/* One entry point: its name and its slot (a function pointer) in the caller's table. */
struct dynlib_symbol {
	const char *name;
	size_t offset;
};

/*
 * Load `soname` (kept for the life of the process) and fill `table` (table_size bytes)
 * with `n` symbols; on failure the table is left untouched, the library closed, err gets
 * a one-line reason naming the library (and the missing symbol), and -ELIBACC is
 * returned. It does not print: its callers include the fuzzed image reader.
 */
int dynlib_open(const char *soname, const struct dynlib_symbol *syms, size_t n,
		void *table, size_t table_size, char *err, size_t errsize);

#endif
