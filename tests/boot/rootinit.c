/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The test root's /sbin/init: print what the boot tests check, then power off. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "serial.h"

static void show_file(const char *tag, const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("ROOTINIT %s=<absent>\n", tag);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("ROOTINIT %s=%s\n", tag, buf);
}

/* The mount options of "/" (and of a separate /usr) as the kernel reports them. */
static void show_root_mount(void)
{
	char line[1024];
	FILE *f = fopen("/proc/mounts", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char dev[256], dir[256], type[64], opts[512];

		if (sscanf(line, "%255s %255s %63s %511s", dev, dir, type, opts) == 4 &&
		    strcmp(dir, "/") == 0 && strcmp(type, "rootfs") != 0)
			printf("ROOTINIT mount=%s %s %s\n", dev, type, opts);
		else if (strcmp(dir, "/usr") == 0)
			printf("ROOTINIT mount-usr=%s %s %s\n", dev, type, opts);
	}
	if (f)
		fclose(f);
}

/* Names of the loaded modules, on one line, for the load-on-match checks. */
static void show_modules(void)
{
	char line[512];
	FILE *f = fopen("/proc/modules", "r");

	printf("ROOTINIT modules=");
	while (f && fgets(line, sizeof(line), f))
		printf(" %.*s", (int)strcspn(line, " "), line);
	printf("\n");
	if (f)
		fclose(f);
}

/* The udev database the initramfs left for dm devices, one line per device. */
static void show_udev_db(void)
{
	DIR *d = opendir("/run/udev/data");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[512], buf[2048];
		ssize_t n;
		int fd;

		if (e->d_name[0] != 'b')
			continue;
		snprintf(path, sizeof(path), "/run/udev/data/%s", e->d_name);
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = '\0';
		for (char *p = buf; *p; p++)
			if (*p == '\n')
				*p = ' ';
		printf("ROOTINIT udev-dm=%s %s\n", e->d_name, buf);
	}
	if (d)
		closedir(d);
}

/*
 * The device-mapper names the initramfs left in /dev/mapper, and where root= leads when
 * it is a path (/dev/VG/LV, /dev/mapper/NAME): the real root must find them.
 */
static void show_dev_names(void)
{
	char cmdline[4096], target[512];
	DIR *d = opendir("/dev/mapper");
	struct dirent *e;
	ssize_t n;
	int fd;

	printf("ROOTINIT mapper=");
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "control") != 0)
			printf(" %s", e->d_name);
	printf("\n");
	if (d)
		closedir(d);
	fd = open("/proc/cmdline", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);
	if (fd >= 0)
		close(fd);
	cmdline[n > 0 ? n : 0] = '\0';
	for (char *w = strtok(cmdline, " \n"); w; w = strtok(NULL, " \n"))
		if (strncmp(w, "root=/dev/", 10) == 0)
			printf("ROOTINIT rootdev=%s -> %s\n", w + 5,
			       realpath(w + 5, target) ? target : "<absent>");
}

int main(int argc, char *argv[])
{
	struct statvfs sv;

	serial_stdout();
	/* First the uptime: the boot time measurement reads it. */
	mount("proc", "/proc", "proc", 0, NULL);
	show_file("uptime", "/proc/uptime");
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	show_file("cmdline", "/proc/cmdline");
	printf("ROOTINIT pid=%d\n", (int)getpid());
	for (int i = 0; i < argc; i++)
		printf("ROOTINIT argv[%d]=%s\n", i, argv[i]);
	if (statvfs("/", &sv) == 0)
		printf("ROOTINIT root=%s\n", (sv.f_flag & ST_RDONLY) ? "ro" : "rw");
	show_root_mount();
	show_file("usr-marker", "/usr/share/mkinitramfs-test/marker");
	show_file("nbds_max", "/sys/module/nbd/parameters/nbds_max");
	show_file("net-eth0", "/run/net-eth0.conf");
	show_modules();
	show_udev_db();
	show_dev_names();
	printf("ROOTINIT initramfs-left=%s\n", access("/init", F_OK) == 0 ? "yes" : "no");
	printf("ROOTINIT done\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
