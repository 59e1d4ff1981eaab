// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading a whole text file into memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "textfile.h"
#include "util.h"

int textfile_read(const char *path, char **ret, size_t *ret_size)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return negative_errno();
	char *s = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&s, &size);
	if (!mem) {
		fclose(f);
		return -ENOMEM;
	}
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	int bad = ferror(f);
	fclose(f);
	if (fclose(mem) != 0 || bad) {
		free(s);
		return bad ? -EIO : -ENOMEM;
	}
	*ret = s;
	*ret_size = size;
	return 0;
}
