/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Module names as libkmod spells them, and the comparison of the name trees. */
#include <string.h>

#include "modname.h"

void modname_normalise(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

int modname_compare(const void *a, const void *b)
{
	return strcmp(a, b);
}
