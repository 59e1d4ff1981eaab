/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A module's flags in the plan (abi.h): written by staging, shown by -v. */
#include "abi.h"
#include "modules-internal.h"

int modplan_flags(const struct mod *mod, char *buf)
{
	char *p = buf;
	/* The soonest wins: at boot, on a device's match, for a late root or a person,
	 * for a person, on request. */
	if (mod->in_always)
		*p++ = ABI_FLAG_ALWAYS;
	else if (mod->match && !mod->match_console) {
		*p++ = ABI_FLAG_MATCH;
		if (mod->root_early)
			*p++ = ABI_FLAG_EARLY;
	} else if (mod->in_deferred) { /* its triggers include a person's */
		*p++ = ABI_FLAG_ALWAYS;
		*p++ = ABI_FLAG_DEFERRED;
	} else if (mod->in_console || mod->match) {
		*p++ = mod->in_console ? ABI_FLAG_ALWAYS : ABI_FLAG_MATCH;
		*p++ = ABI_FLAG_CONSOLE;
	} else if (mod->request)
		*p++ = ABI_FLAG_REQUEST;
	if (!mod->in_required && mod->in_optional)
		*p++ = ABI_FLAG_OPTIONAL;
	if (!mod->in_required && !mod->in_optional)
		*p++ = ABI_FLAG_SOFTDEP;
	if (mod->lazy)
		*p++ = ABI_FLAG_UNZSTD;
	else if (mod->image_relpath)
		*p++ = ABI_FLAG_COMPRESSED;
	*p = '\0';
	return 0;
}
