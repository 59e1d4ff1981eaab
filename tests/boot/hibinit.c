/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A test root's init that hibernates: swap on the resume= path of the command line (or
 * /dev/mapper/swap, or /dev/vdb), a token in memory, hibernate (the machine powers off). When the next boot resumes, the write returns here with
 * the same token; a fresh start would print "fresh" again.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/swap.h>
#include <time.h>
#include <unistd.h>

static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	int r = fd < 0 ? -1 : (int)write(fd, text, strlen(text));

	if (fd >= 0)
		close(fd);
	return r;
}

/* The resume= of the command line when it is a path: the initramfs made it exist. */
static const char *swap_path(void)
{
	static char cmdline[4096];
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);

	if (fd >= 0)
		close(fd);
	cmdline[n > 0 ? n : 0] = '\0';
	for (char *w = strtok(cmdline, " \n"); w; w = strtok(NULL, " \n"))
		if (strncmp(w, "resume=/dev/", 12) == 0)
			return w + 7;
	return access("/dev/mapper/swap", F_OK) == 0 ? "/dev/mapper/swap" : "/dev/vdb";
}

int main(void)
{
	struct timespec ts;
	unsigned long token;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	clock_gettime(CLOCK_REALTIME, &ts);
	token = (unsigned long)ts.tv_nsec ^ (unsigned long)getpid() << 20;
	printf("HIBINIT fresh start token=%lu\n", token);
	fflush(stdout);
	if (swapon(swap_path(), 0) < 0)
		perror("HIBINIT swapon");
	put("/sys/power/disk", "shutdown");
	if (put("/sys/power/state", "disk") < 0)
		perror("HIBINIT hibernate");
	printf("HIBINIT after hibernation token=%lu\n", token);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
