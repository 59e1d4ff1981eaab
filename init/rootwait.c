/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The boot's event loop: scan /sys/class/block once, then react to each uevent, to the
 * console and to child processes (through unlock.c) until the root device is there.
 * Every block device is probed; a container (LUKS) is handed to its handler, whose
 * product comes back as a new block device.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "coldplug.h"
#include "dir.h"
#include "file.h"
#include "log.h"
#include "lvm.h"
#include "md.h"
#include "modload.h"
#include "resume.h"
#include "rootwait.h"
#include "str.h"
#include "uevent.h"
#include "unlock.h"

static struct root_dev seen[ROOTWAIT_MAX_SEEN];
static size_t n_seen;
static bool seen_truncated;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Whether the device is new, or has new content: the first scan and the "add" still
 * queued often show a disk twice, and a dm device can be probed before its table.
 */
static bool remember(const struct root_dev *dev)
{
	for (size_t i = 0; i < n_seen; i++)
		if (strcmp(seen[i].name, dev->name) == 0) {
			bool changed = strcmp(seen[i].fs.type, dev->fs.type) != 0;

			seen[i] = *dev; /* a "change" may bring a new filesystem */
			return changed;
		}
	if (n_seen < ROOTWAIT_MAX_SEEN)
		seen[n_seen++] = *dev;
	else
		seen_truncated = true;
	return true;
}

const struct root_dev *rootwait_seen(const char *name)
{
	for (size_t i = 0; i < n_seen; i++)
		if (strcmp(seen[i].name, name) == 0)
			return &seen[i];
	return NULL;
}

/* Probe one block device; 1 when it is the root. */
static int consider(const struct rootwait *w, const char *name, struct root_dev *ret)
{
	struct root_dev dev;
	bool is_new; /* or of a new type */

	if (root_dev_probe(w->sysfs, w->devdir, name, &dev) < 0)
		return 0;
	root_dev_probe_for(w->spec, w->sysfs, w->devdir, &dev);
	is_new = remember(&dev);
	log_debug(
		"block device '%s' (%u:%u) type '%s' uuid '%s' label '%s' partuuid '%s'",
		dev.name, dev.major, dev.minor, dev.fs.type, dev.fs.uuid, dev.fs.label,
		dev.part.uuid);
	resume_device(&dev);
	unlock_device(&dev);
	md_device(&dev);
	if (is_new)
		lvm_device(&dev);
	if (!root_match(w->spec, &dev))
		return 0;
	*ret = dev;
	return 1;
}

struct scan {
	const struct rootwait *w;
	struct root_dev *ret;
	int found;
};

static int scan_one(int dirfd, const char *name, unsigned char type, void *ctx)
{
	struct scan *s = ctx;

	(void)dirfd;
	(void)type;
	struct root_dev dev;

	/* Every device, even after the root: a resume or LUKS device may follow it.
	 * The first match is the root, as before. */
	if (consider(s->w, name, &dev) && !s->found) {
		*s->ret = dev;
		s->found = 1;
	}
	return 0;
}

static int scan_class_block(const struct rootwait *w, struct root_dev *ret)
{
	char path[256];
	struct scan s = {w, ret, 0};
	struct str p;
	int fd;

	str_init(&p, path, sizeof(path));
	str_addf(&p, "%s/class/block", w->sysfs);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	(void)dir_each(fd, scan_one, &s);
	close(fd);
	return s.found;
}

/* Read every pending uevent. 1: root found, 0: not yet, -ENOBUFS: events were lost. */
static int drain(const struct rootwait *w, struct root_dev *ret)
{
	static char buf[UEVENT_BUFFER + 1];

	for (;;) {
		struct uevent ev;
		ssize_t n = recv(w->uevent_fd, buf, UEVENT_BUFFER, MSG_DONTWAIT);
		const char *name;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS)
				return -ENOBUFS;
			return 0; /* EAGAIN: all read */
		}
		buf[n] = '\0';
		if (uevent_parse(buf, (size_t)n, &ev) < 0)
			continue;
		if (strcmp(ev.action, "add") != 0 && strcmp(ev.action, "change") != 0)
			continue;
		if (w->match_modules && ev.modalias && strcmp(ev.action, "add") == 0)
			(void)modload_match(ev.modalias);
		if (!ev.subsystem || strcmp(ev.subsystem, "block") != 0)
			continue;
		name = ev.devname ? ev.devname : strrchr(ev.devpath, '/') + 1;
		if (consider(w, name, ret))
			return 1;
	}
}

/* The socket overflowed: what we missed is in sysfs. */
static int rescan(const struct rootwait *w, struct root_dev *ret)
{
	log_warning("uevents were lost, rescanning devices");
	if (w->match_modules) {
		char path[256];
		struct str p;

		str_init(&p, path, sizeof(path));
		str_addf(&p, "%s/devices", w->sysfs);
		(void)coldplug_scan(path);
	}
	return scan_class_block(w, ret);
}

/* Children report through a signalfd: empty it; unlock.c reaps its own. */
static void drain_signals(int fd)
{
	char buf[128 * 4];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

#define MAX_POLL 8

/* What a degraded start of md arrays adds to the wait. */
#define MD_GRACE_MS 10000

int rootwait_run(const struct rootwait *w, struct root_dev *ret)
{
	long start = now_ms(), deadline = w->timeout_ms < 0 ? -1 : start + w->timeout_ms;
	long defer_at = w->defer_ms > 0 ? start + w->defer_ms : 0; /* 0: done */
	bool found = scan_class_block(w, ret);

	for (;;) {
		struct pollfd pfd[MAX_POLL];
		size_t n = 0, own;
		long left = -1;
		int r;

		if (unlock_error())
			return unlock_error();
		/* With the root there, devices being unlocked (a swap, /home) finish
		 * first, and the resume device is awaited: nothing is mounted before it.
		 */
		if (found && !unlock_busy() && !resume_pending() && !lvm_busy())
			return 0;
		/* Root first: once the uevents are read, the cheapest driver queued for a
		 * device; the next pass reads what it made (a disk, a child device).
		 * Loading is not waiting: the clock starts again after it, as it did
		 * after coldplug loaded them all. */
		if (w->match_modules) {
			r = w->uevent_fd >= 0 ? drain(w, ret) : 0;
			if (r == 1 || (r == -ENOBUFS && rescan(w, ret)))
				found = true;
			else if (modload_queue_step() == 0)
				goto wait;
			else if (deadline >= 0)
				deadline = now_ms() + w->timeout_ms;
			continue;
		}
	wait:
		/* A prompt or an unlock in progress holds the clock: a person types. So
		 * does lvm at work: a loaded machine must not time out a VG it activates.
		 */
		if ((unlock_busy() || lvm_busy()) && deadline >= 0)
			deadline = now_ms() + w->timeout_ms;
		/* No root yet: the drivers the generator deferred may be what it is
		 * behind after all; load them, once, and give them the wait's time. */
		if (!found && defer_at &&
		    (now_ms() >= defer_at || (deadline >= 0 && now_ms() >= deadline))) {
			if (modload_deferred((unsigned)((now_ms() - start) / 1000)) > 0 &&
			    deadline >= 0)
				deadline = now_ms() + w->timeout_ms;
			defer_at = 0;
		}
		if (deadline >= 0) {
			left = deadline - now_ms();
			/* No root by the end: incomplete md arrays start degraded. */
			if (left <= 0 && !found && md_degrade()) {
				deadline = now_ms() + MD_GRACE_MS;
				left = MD_GRACE_MS;
			}
			if (left <= 0 && found) {
				resume_log_pending(LOG_WARNING);
				log_warning("booting without resume");
				return 0;
			}
			if (left <= 0)
				return -ETIMEDOUT;
		}
		if (w->uevent_fd >= 0)
			pfd[n++] = (struct pollfd){.fd = w->uevent_fd, .events = POLLIN};
		if (w->signal_fd >= 0)
			pfd[n++] = (struct pollfd){.fd = w->signal_fd, .events = POLLIN};
		own = n;
		n += unlock_pollfds(pfd + n, MAX_POLL - n);
		if (n == 0)
			return -ETIMEDOUT; /* nothing to wait on: a scan is all we have */
		if (defer_at && !found && (left < 0 || defer_at - now_ms() < left))
			left = defer_at - now_ms();
		if (unlock_busy())
			left = -1;
		r = poll(pfd, n, left > 0x7fffffffL ? 0x7fffffff : (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		if (w->signal_fd >= 0 && pfd[own - 1].fd == w->signal_fd &&
		    pfd[own - 1].revents)
			drain_signals(w->signal_fd);
		unlock_ready(pfd + own, n - own);
		lvm_reap();
		if (md_reap() && scan_class_block(w, ret))
			found = true;
		if (w->uevent_fd < 0 || !pfd[0].revents)
			continue;
		r = drain(w, ret);
		if (r == 1 || (r == -ENOBUFS && rescan(w, ret)))
			found = true;
	}
}

void rootwait_log_seen(int level)
{
	if (n_seen == 0) {
		log_msg(level, "no block device appeared");
		return;
	}
	log_msg(level, "block devices seen:");
	for (size_t i = 0; i < n_seen; i++) {
		const struct root_dev *d = &seen[i];

		log_msg(level, "  %s (%u:%u) type '%s' uuid '%s' label '%s'%s%s%s%s%s",
			d->name, d->major, d->minor, d->has_fs ? d->fs.type : "unknown",
			d->fs.uuid, d->fs.label, d->has_part ? " partuuid '" : "",
			d->has_part ? d->part.uuid : "",
			d->has_part ? "' partlabel '" : "",
			d->has_part ? d->part.label : "", d->has_part ? "'" : "");
	}
	if (seen_truncated)
		log_msg(level, "  ... more devices than the %d remembered",
			ROOTWAIT_MAX_SEEN);
}

/* The rules of dm would have set these; systemd's then mark the device ready. */
static void write_db(const char *sysfs, const char *rundir, const struct root_dev *d)
{
	char path[256], uuid[160] = "", text[512];
	struct str s;
	int fd;

	str_init(&s, path, sizeof(path));
	str_addf(&s, "%s/class/block/%s/dm/uuid", sysfs, d->name);
	(void)file_read_line(path, uuid, sizeof(uuid));
	str_init(&s, path, sizeof(path));
	str_addf(&s, "%s/udev", rundir);
	(void)mkdir(path, 0755);
	str_addf(&s, "/data");
	(void)mkdir(path, 0755);
	str_addf(&s, "/b%u:%u", d->major, d->minor);
	str_init(&s, text, sizeof(text));
	str_addf(&s,
		 "E:DM_UDEV_PRIMARY_SOURCE_FLAG=1\nE:DM_UDEV_RULES_VSN=2\n"
		 "E:DM_UDEV_DISABLE_OTHER_RULES_FLAG=\nE:DM_ACTIVATION=1\n"
		 "E:DM_SUSPENDED=0\nE:DM_NAME=%s\nE:DM_UUID=%s\nG:systemd\n",
		 d->dm_name, uuid);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, s.len) != (ssize_t)s.len)
		log_warning("cannot write '%s': %s", path, log_errname(-errno));
	if (fd >= 0)
		close(fd);
}

void rootwait_finish(const char *sysfs, const char *rundir)
{
	for (size_t i = 0; i < n_seen; i++)
		if (seen[i].dm_name[0])
			write_db(sysfs, rundir, &seen[i]);
}
