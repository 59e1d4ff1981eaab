/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A kernel's .config, as text: the answers the module pipeline asks of it. */
#include <string.h>

#include "kconfig.h"

bool kconfig_has(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p += len)
		if ((p == text || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
			return true;
	return false;
}
