/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A test root's init that captures what autodetect reads: every modalias under
 * /sys/devices, the loaded modules and /proc/self/mountinfo, written as text onto the
 * raw second disk (/dev/vdb), since the test has no loop devices to mount one.
 * Format: "A <path under /sys>\t<modalias>", "L <module> <refcnt> <holders,>", "R <mountinfo line>", "END".
 */
#include <dirent.h>
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
		fprintf(out, "END\n");
		fclose(out);
		printf("CAPTURE done\n");
	}
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
