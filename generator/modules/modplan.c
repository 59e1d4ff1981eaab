/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A module's flags in the plan (abi.h): written by staging, shown by -v. */
#include "abi.h"
#include "modules-internal.h"

int modplan_flags(const struct mod *mod, char *buf)
{
	char *p = buf;
	if (mod->in_always)
		*p++ = ABI_FLAG_ALWAYS;
	else if (mod->match)
		*p++ = ABI_FLAG_MATCH;
	if (!mod->in_required && mod->in_optional)
		*p++ = ABI_FLAG_OPTIONAL;
	if (!mod->in_required && !mod->in_optional)
		*p++ = ABI_FLAG_SOFTDEP;
	if (mod->image_relpath)
		*p++ = ABI_FLAG_COMPRESSED;
	*p = '\0';
	return 0;
}
