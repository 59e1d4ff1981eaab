/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A test root's init that captures what autodetect reads: every modalias under
 * /sys/devices, the loaded modules and /proc/self/mountinfo, written as text onto the
 * raw second disk (/dev/vdb, or the capture_disk= of the kernel's command line, which the
 * kernel and the initramfs's init pass on in the environment: a machine whose disks are
 * not virtio), since the test has no loop devices to mount one; and for
 * the root-stack proof every block device with its dev, partition, dm/, md/level,
 * slaves/ and device link, the drivers bound above each disk with their module links,
 * and /sys/power/resume. With a third disk (/dev/vdc), first a device-mapper stack on it
 * as LUKS on LVM leaves one: a linear "LVM-" volume vg-root and a real dm-crypt
 * "CRYPT-LUKS2-" volume cryptroot on top, made with the dm ioctls (no tools in this root).
 * Format: "A <path under /sys>\t<modalias>", "L <module> <refcnt> <holders,>", "R <mountinfo line>",
 * "F <path under /sys>\t<first line>", "S <path under /sys>\t<link target>", "END".
 */
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "serial.h"

static FILE *out;

/* "A|F path\tvalue": the first line of an attribute (A: a modalias), if it has one. */
static void capture_file(char kind, const char *dir, const char *name)
{
	char path[PATH_MAX + 64], buf[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fprintf(out, "%c %s\t%s\n", kind, path + strlen("/sys/"), buf);
}

static void capture_modaliases(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	if (!d || depth > 40)
		goto done;
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			capture_modaliases(path, depth + 1);
		} else if (strcmp(de->d_name, "modalias") == 0) {
			capture_file('A', dir, de->d_name);
		}
	}
done:
	if (d)
		closedir(d);
}

/* "L name refcnt holder,holder," from /proc/modules ("name size refcnt holders ..."). */
static void capture_loaded(void)
{
	char line[1024], name[256], holders[512];
	unsigned long size;
	int refcnt;
	FILE *f = fopen("/proc/modules", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %lu %d %511s", name, &size, &refcnt, holders) == 4)
			fprintf(out, "L %s %d %s\n", name, refcnt,
				strcmp(holders, "-") ? holders : "");
	if (f)
		fclose(f);
}

static void capture_mountinfo(void)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof(line), f))
		fprintf(out, "R %s", line);
	if (f)
		fclose(f);
}

/* "S path\ttarget": a link as sysfs has it (relative). 1 when it is one. */
static int capture_link(const char *dir, const char *name)
{
	char path[PATH_MAX + 64], target[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	fprintf(out, "S %s\t%s\n", path + strlen("/sys/"), target);
	return 1;
}

/* Every parent of a disk's device with a driver bound, and the driver's module link. */
static void capture_drivers(const char *disk)
{
	char path[PATH_MAX + 64], dir[PATH_MAX], driver[PATH_MAX];
	snprintf(path, sizeof(path), "%s/device", disk);
	if (!realpath(path, dir))
		return;
	while (strncmp(dir, "/sys/devices/", 13) == 0) {
		snprintf(path, sizeof(path), "%s/driver", dir);
		if (capture_link(dir, "driver") && realpath(path, driver))
			capture_link(driver, "module");
		char *up = dirname(dir); /* dir itself, shortened, or "/" */
		memmove(dir, up, strlen(up) + 1);
	}
}

static void capture_block(const char *devlink)
{
	static const char *const attrs[] = {"dev", "partition", "dm/name", "dm/uuid",
					    "md/level"};
	char real[PATH_MAX], slaves[PATH_MAX + 64];
	DIR *d;
	struct dirent *de;

	if (!realpath(devlink, real))
		return;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		capture_file('F', real, attrs[i]);
	snprintf(slaves, sizeof(slaves), "%s/slaves", real);
	d = opendir(slaves);
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			capture_link(slaves, de->d_name);
	if (d)
		closedir(d);
	if (capture_link(real, "device"))
		capture_drivers(real);
	capture_link("/sys/class/block", strrchr(real, '/') + 1);
}

static void capture_blocks(void)
{
	DIR *d = opendir("/sys/dev/block");
	struct dirent *de;
	char link[PATH_MAX];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		capture_link("/sys/dev/block", de->d_name);
		snprintf(link, sizeof(link), "/sys/dev/block/%s", de->d_name);
		capture_block(link);
	}
	if (d)
		closedir(d);
	capture_file('F', "/sys/power", "resume");
}

/* The dm ioctl ABI (linux/dm-ioctl.h, which musl's headers lack), version 4. */
struct dm_ioctl {
	uint32_t version[3], data_size, data_start, target_count;
	int32_t open_count;
	uint32_t flags, event_nr, padding;
	uint64_t dev;
	char name[128], uuid[129], data[7];
};
struct dm_target_spec {
	uint64_t sector_start, length;
	int32_t status;
	uint32_t next;
	char target_type[16];
};
#define DM_DEV_CREATE _IOWR(0xfd, 3, struct dm_ioctl)
#define DM_DEV_SUSPEND _IOWR(0xfd, 6, struct dm_ioctl)
#define DM_TABLE_LOAD _IOWR(0xfd, 9, struct dm_ioctl)

static union {
	struct dm_ioctl io;
	char bytes[4096];
} dmbuf;

static struct dm_ioctl *dm_header(const char *name)
{
	memset(&dmbuf, 0, sizeof(dmbuf));
	dmbuf.io.version[0] = 4;
	dmbuf.io.data_size = sizeof(dmbuf);
	dmbuf.io.data_start = sizeof(struct dm_ioctl);
	snprintf(dmbuf.io.name, sizeof(dmbuf.io.name), "%s", name);
	return &dmbuf.io;
}

/* A dm device of one target; its "MAJ:MIN" in `dev`. 0 or -1 (said on the console). */
static int dm_make(const char *name, const char *uuid, const char *type,
		   unsigned long long sectors, const char *params, char *dev, size_t size)
{
	int fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	struct dm_ioctl *io = dm_header(name);
	struct dm_target_spec *t = (void *)(dmbuf.bytes + sizeof(*io));
	int ok = fd >= 0;

	snprintf(io->uuid, sizeof(io->uuid), "%s", uuid);
	ok = ok && ioctl(fd, DM_DEV_CREATE, io) == 0;
	io = dm_header(name);
	io->target_count = 1;
	t->length = sectors;
	snprintf(t->target_type, sizeof(t->target_type), "%s", type);
	snprintf((char *)(t + 1), sizeof(dmbuf) - sizeof(*io) - sizeof(*t), "%s", params);
	ok = ok && ioctl(fd, DM_TABLE_LOAD, io) == 0;
	io = dm_header(name);
	ok = ok && ioctl(fd, DM_DEV_SUSPEND, io) == 0; /* no suspend flag: resume */
	if (ok)
		snprintf(dev, size, "%u:%u", major(io->dev), minor(io->dev));
	else
		printf("CAPTURE cannot make dm device %s (%s)\n", name, type);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* LUKS on LVM as the kernel shows it: linear vg-root on vdc, dm-crypt on vg-root. */
static void make_stack(void)
{
	char vdc[64] = "", lv[32], params[256];
	int fd = open("/sys/block/vdc/dev", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, vdc, sizeof(vdc) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return; /* no third disk: nothing to stack */
	vdc[strcspn(vdc, "\n")] = '\0';
	snprintf(params, sizeof(params), "%s 0", vdc);
	if (dm_make("vg-root",
		    "LVM-0123456789abcdef0123456789abcdeffedcba9876543210fedcba9876543210",
		    "linear", 8192, params, lv, sizeof(lv)) < 0)
		return;
	snprintf(params, sizeof(params),
		 "aes-xts-plain64 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 0 %s 0",
		 lv);
	if (dm_make("cryptroot", "CRYPT-LUKS2-00112233445566778899aabbccddeeff-cryptroot",
		    "crypt", 8192, params, lv, sizeof(lv)) == 0)
		printf("CAPTURE made cryptroot on vg-root on vdc\n");
}

int main(void)
{
	const char *disk = getenv("capture_disk");

	if (!disk || !*disk)
		disk = "/dev/vdb";
	serial_stdout();
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	make_stack();
	out = fopen(disk, "w");
	if (!out) {
		printf("CAPTURE cannot open %s\n", disk);
	} else {
		capture_modaliases("/sys/devices", 0);
		capture_loaded();
		capture_mountinfo();
		capture_blocks();
		fprintf(out, "END\n");
		fclose(out);
		printf("CAPTURE done\n");
	}
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
