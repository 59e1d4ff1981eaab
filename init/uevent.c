/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parse one kernel uevent; messages from udev ("libudev" header) are not ours. */
#include <errno.h>
#include <string.h>

#include "str.h"
#include "uevent.h"

int uevent_parse(const char *buf, size_t len, struct uevent *ret)
{
	struct uevent ev = {0};
	const char *p = buf, *end = buf + len;
	bool have_major = false, have_minor = false;

	if (len == 0 || !strchr(buf, '@'))
		return -EBADMSG;
	p += strlen(p) + 1; /* the "action@devpath" header */
	for (; p < end; p += strlen(p) + 1) {
		unsigned long v;

		if (str_startswith(p, "ACTION="))
			ev.action = p + 7;
		else if (str_startswith(p, "DEVPATH="))
			ev.devpath = p + 8;
		else if (str_startswith(p, "SUBSYSTEM="))
			ev.subsystem = p + 10;
		else if (str_startswith(p, "DEVNAME="))
			ev.devname = p + 8;
		else if (str_startswith(p, "DEVTYPE="))
			ev.devtype = p + 8;
		else if (str_startswith(p, "MODALIAS="))
			ev.modalias = p + 9;
		else if (str_startswith(p, "MAJOR=") && str_to_uint(p + 6, &v) == 0) {
			ev.major = (unsigned)v;
			have_major = true;
		} else if (str_startswith(p, "MINOR=") && str_to_uint(p + 6, &v) == 0) {
			ev.minor = (unsigned)v;
			have_minor = true;
		}
	}
	if (!ev.action || !ev.devpath)
		return -EBADMSG;
	ev.has_devnum = have_major && have_minor;
	*ret = ev;
	return 0;
}
