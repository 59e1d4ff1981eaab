/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for init/uevent.c: kernel messages in, udev's and garbage out. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "uevent.h"

static char msg[UEVENT_BUFFER + 1];

static size_t make(const char *const *parts)
{
	size_t n = 0;

	for (; *parts; parts++) {
		size_t l = strlen(*parts) + 1;

		memcpy(msg + n, *parts, l);
		n += l;
	}
	msg[n] = '\0';
	return n;
}

Test(uevent, block_add)
{
	static const char *const parts[] = {
		"add@/devices/pci0000:00/0000:00:04.0/virtio1/block/vda",
		"ACTION=add",
		"DEVPATH=/devices/pci0000:00/0000:00:04.0/virtio1/block/vda",
		"SUBSYSTEM=block",
		"MAJOR=254",
		"MINOR=0",
		"DEVNAME=vda",
		"DEVTYPE=disk",
		"DISKSEQ=1",
		"SEQNUM=1234",
		NULL,
	};
	struct uevent ev;

	cr_assert_eq(uevent_parse(msg, make(parts), &ev), 0);
	cr_assert_str_eq(ev.action, "add");
	cr_assert_str_eq(ev.subsystem, "block");
	cr_assert_str_eq(ev.devname, "vda");
	cr_assert_str_eq(ev.devtype, "disk");
	cr_assert(ev.has_devnum);
	cr_assert_eq(ev.major, 254);
	cr_assert_eq(ev.minor, 0);
	cr_assert_null(ev.modalias);
}

Test(uevent, modalias)
{
	static const char *const parts[] = {
		"add@/devices/pci0000:00/0000:00:04.0/virtio1", "ACTION=add",
		"DEVPATH=/devices/pci0000:00/0000:00:04.0/virtio1", "SUBSYSTEM=virtio",
		"MODALIAS=virtio:d00000002v00001AF4", NULL,
	};
	struct uevent ev;

	cr_assert_eq(uevent_parse(msg, make(parts), &ev), 0);
	cr_assert_str_eq(ev.modalias, "virtio:d00000002v00001AF4");
	cr_assert(!ev.has_devnum);
}

Test(uevent, refused)
{
	static const char *const udev[] = { "libudev", "ACTION=add", NULL };
	static const char *const no_action[] = { "add@/x", "DEVPATH=/x", NULL };
	struct uevent ev;

	cr_assert_eq(uevent_parse(msg, make(udev), &ev), -EBADMSG);
	cr_assert_eq(uevent_parse(msg, make(no_action), &ev), -EBADMSG);
	msg[0] = '\0';
	cr_assert_eq(uevent_parse(msg, 0, &ev), -EBADMSG);
}
