// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A test root's init that captures what autodetect reads: every modalias under
 * /sys/devices, the loaded modules and /proc/self/mountinfo, written as text onto the
 * raw second disk (/dev/vdb), since the test has no loop devices to mount one; and for
 * the root-stack proof every block device with its dev, partition, dm/, md/level,
 * slaves/ and device link, the drivers bound above each disk with their module links,
 * and /sys/power/resume.
 * Format: "A <path under /sys>\t<modalias>", "L <module> <refcnt> <holders,>", "R <mountinfo line>",
 * "F <path under /sys>\t<first line>", "S <path under /sys>\t<link target>", "END".
 */
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

static FILE *out;

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
			char buf[1024];
			int fd = open(path, O_RDONLY);
			ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
			if (fd >= 0)
				close(fd);
			if (n <= 0)
				continue;
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			fprintf(out, "A %s\t%s\n", path + strlen("/sys/"), buf);
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

/* "F path\tvalue": the first line of an attribute, when it has one. */
static void capture_file(const char *dir, const char *name)
{
	char path[PATH_MAX + 64], buf[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fprintf(out, "F %s\t%s\n", path + strlen("/sys/"), buf);
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
		capture_file(real, attrs[i]);
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
	capture_file("/sys/power", "resume");
}

int main(void)
{
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	out = fopen("/dev/vdb", "w");
	if (!out) {
		printf("CAPTURE cannot open /dev/vdb\n");
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
