/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fsck and usr helper: one static program the image holds under two names, which
 * the init runs from ABI_HELPER_DIR (a separate program so the init stays small).
 *   fsck DEV TYPE   check DEV before it is mounted (the fsck hook), honouring
 *                   fsck.mode= and fsck.repair=; exit 0 to go on, 1 to stop the boot,
 *                   or reboot when the checker asks for it.
 *   usr             mount the separate /usr of the mounted root's /etc/fstab on
 *                   ABI_NEW_ROOT/usr (the usr hook), checked first when the image has
 *                   the fsck helper and the line's pass number is not 0.
 * Both log why they stop; exit 1 after a logged failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "check.h"
#include "cmdline.h"
#include "dir.h"
#include "file.h"
#include "fstab.h"
#include "log.h"
#include "root.h"
#include "str.h"

#define USR_DEFAULT_TIMEOUT_S 30
#define USR_POLL_MS 100

static struct cmdline cmd;

/* Run the checker with an empty environment but PATH; its output goes to the console. */
static int run(const struct check_cmd *c, int *ret_status)
{
	static char *const envp[] = {(char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execve(c->path, c->argv, envp);
		_exit(127);
	}
	while (waitpid(pid, ret_status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void join_argv(const struct check_cmd *c, char *buf, size_t cap)
{
	struct str s;

	str_init(&s, buf, cap);
	for (size_t i = 0; c->argv[i]; i++)
		str_addf(&s, "%s%s", i ? " " : "", c->argv[i]);
}

static int reboot_now(const char *dev, const char *line)
{
	log_warning("fsck: '%s' repaired '%s' and asks for a reboot: rebooting", line,
		    dev);
	sync();
	reboot(RB_AUTOBOOT);
	log_error("fsck: cannot reboot: %s", log_errname(-errno));
	return -EIO;
}

/* 0: go on (clean, corrected, skipped, nothing to run); <0: the boot must stop. */
static int check_device(const char *dev, const char *type)
{
	struct check_opts o;
	struct check_cmd c;
	char line[128];
	int status, code, r;

	check_opts_parse(&cmd, &o);
	if (o.mode == CHECK_MODE_SKIP) {
		log_info("fsck: not checking '%s': fsck.mode=skip", dev);
		return 0;
	}
	if (!type || !*type) {
		log_warning(
			"fsck: '%s' holds no filesystem known to the init, not checked",
			dev);
		return 0;
	}
	switch (check_command("", type, dev, &o, &c)) {
	case CHECK_NOT_NEEDED:
		log_info(
			"fsck: '%s' is %s: not checked before mounting (the kernel replays its log; its repair tool is run by hand)",
			dev, type);
		return 0;
	case CHECK_NO_CHECKER:
		log_warning("fsck: no 'fsck.%s' in the image, '%s' not checked", type,
			    dev);
		return 0;
	case CHECK_RUN:
		break;
	}
	join_argv(&c, line, sizeof(line));
	log_info("fsck: checking '%s' (%s): running '%s'", dev, type, line);
	r = run(&c, &status);
	if (r < 0) {
		log_error("fsck: cannot run '%s': %s", c.path, log_errname(r));
		return r;
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	switch (check_verdict(status)) {
	case CHECK_CLEAN:
		log_info("fsck: '%s' is clean ('%s' exit status 0)", dev, line);
		return 0;
	case CHECK_CORRECTED:
		log_notice("fsck: '%s' had errors, corrected ('%s' exit status 1)", dev,
			   line);
		return 0;
	case CHECK_REBOOT:
		return reboot_now(dev, line);
	case CHECK_FAILED:
		break;
	}
	if (code < 0)
		log_error("fsck: '%s' was killed by signal %d while checking '%s'", line,
			  WTERMSIG(status), dev);
	else if (code == 127)
		log_error("fsck: cannot run '%s' (a library or the loader missing?)",
			  c.path);
	else
		log_error(
			"fsck: '%s' failed on '%s' with exit status %d (%s): it is not mounted; run '%s %s' by hand, or boot with fsck.repair=yes",
			line, dev, code, check_failure_text(code), c.argv[0], dev);
	return -EIO;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct scan {
	const struct root_spec *spec;
	struct root_dev *dev;
	struct str seen;
	bool found;
};

static int scan_one(int dirfd, const char *name, unsigned char type, void *ctx)
{
	struct scan *s = ctx;
	struct root_dev dev;

	(void)dirfd;
	(void)type;
	if (root_dev_probe("/sys", "/dev", name, &dev) < 0)
		return 0;
	root_dev_probe_for(s->spec, "/sys", "/dev", &dev);
	str_addf(&s->seen, "%s%s (%s)", s->seen.len ? ", " : "", name,
		 dev.has_fs ? dev.fs.type : "?");
	if (!root_match(s->spec, &dev))
		return 0;
	*s->dev = dev;
	s->found = true;
	return -1;
}

/* Poll /sys/class/block: the init already loaded the modules of every disk there is. */
static int wait_device(const char *what, const struct root_spec *spec,
		       struct root_dev *ret)
{
	long timeout = cmd.rootwait ? -1
				    : (cmd.rootdelay >= 0 ? cmd.rootdelay
							  : USR_DEFAULT_TIMEOUT_S) *
					      1000L;
	long start = now_ms();
	char seen[512];

	for (;;) {
		struct scan s = {.spec = spec, .dev = ret};
		int fd = open("/sys/class/block", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		str_init(&s.seen, seen, sizeof(seen));
		if (fd >= 0) {
			(void)dir_each(fd, scan_one, &s);
			close(fd);
		}
		if (s.found)
			return 0;
		if (timeout >= 0 && now_ms() - start >= timeout) {
			log_error(
				"usr: device '%s' did not appear within %ld s; block devices seen: %s%s",
				what, timeout / 1000, seen[0] ? seen : "none",
				s.seen.truncated ? " (and more)" : "");
			return -ETIMEDOUT;
		}
		usleep(USR_POLL_MS * 1000);
	}
}

static int mount_usr(const struct fstab_entry *e, const struct root_dev *dev)
{
	const char *type = strcmp(e->type, "auto") ? e->type
			   : dev->has_fs	   ? dev->fs.type
						   : NULL;
	char src[80], opts[1024], data[1024];
	unsigned long flags;
	struct str s;
	int r;

	str_init(&s, src, sizeof(src));
	str_addf(&s, "/dev/%s", dev->name);
	if (!type) {
		log_error(
			"usr: '%s' has type 'auto' in fstab and no filesystem the init knows",
			src);
		return -ENODEV;
	}
	if (fstab_kernel_options(e->opts, opts, sizeof(opts)) < 0 ||
	    root_mount_options(opts, cmd.rw, &flags, data, sizeof(data)) < 0) {
		log_error("usr: the options '%s' of /usr in fstab are too long", e->opts);
		return -E2BIG;
	}
	r = mount(src, ABI_NEW_ROOT "/usr", type, flags, data[0] ? data : NULL) < 0
		    ? -errno
		    : 0;
	if (r < 0) {
		log_error("usr: cannot mount '%s' (type '%s', options '%s') on '%s': %s",
			  src, type, data, ABI_NEW_ROOT "/usr", log_errname(r));
		return r;
	}
	log_info("usr: mounted '%s' ('%s' in fstab, %s) on '%s' %s", src, e->spec, type,
		 ABI_NEW_ROOT "/usr", flags & MS_RDONLY ? "ro" : "rw");
	return 0;
}

static int usr(void)
{
	static char text[16384];
	struct fstab_entry e;
	struct root_spec spec;
	struct root_dev dev;
	char path[80];
	int r;

	r = file_read(ABI_NEW_ROOT "/etc/fstab", text, sizeof(text), NULL);
	if (r == -ENOENT) {
		log_info("usr: the root has no /etc/fstab: no separate /usr to mount");
		return 0;
	}
	if (r < 0) {
		log_error("usr: cannot read '%s': %s", ABI_NEW_ROOT "/etc/fstab",
			  log_errname(r));
		return r;
	}
	r = fstab_find(text, "/usr", &e);
	if (r == -ENOENT) {
		log_info("usr: no /usr line in the root's /etc/fstab: nothing to mount");
		return 0;
	}
	if (r < 0) {
		log_error("usr: the /usr line of the root's /etc/fstab has no type");
		return r;
	}
	if (fstab_has_option(e.opts, "bind") || root_spec_parse(e.spec, &spec) < 0) {
		log_error(
			"usr: cannot mount /usr from '%s' (%s) in the root's /etc/fstab: the usr hook mounts a block device named by UUID=, LABEL=, PARTUUID=, PARTLABEL= or /dev/…",
			e.spec, e.type);
		return -EINVAL;
	}
	r = wait_device(e.spec, &spec, &dev);
	if (r < 0)
		return r;
	str_copy(path, sizeof(path), "/dev/");
	strncat(path, dev.name, sizeof(path) - strlen(path) - 1);
	if (e.passno && access(ABI_FSCK_PATH, X_OK) == 0) {
		r = check_device(path, strcmp(e.type, "auto") ? e.type
				       : dev.has_fs	      ? dev.fs.type
							      : NULL);
		if (r < 0)
			return r;
	}
	return mount_usr(&e, &dev);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int main(int argc, char *argv[])
{
	static char text[CMDLINE_MAX];
	const char *name = argc > 0 ? base_name(argv[0]) : "";
	int fd, r;

	fd = open(ABI_KMSG_PATH, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0)
		log_set_fd(fd, ABI_KMSG_PATH);
	r = file_read("/proc/cmdline", text, sizeof(text), NULL);
	if (r < 0 && r != -EFBIG)
		log_warning("cannot read '/proc/cmdline': %s, using the defaults",
			    log_errname(r));
	cmdline_parse(&cmd, r < 0 && r != -EFBIG ? "" : text);
	if (cmd.debug)
		log_set_level(LOG_DEBUG);
	if (!strcmp(name, "fsck") && argc == 3)
		r = check_device(argv[1], argv[2]);
	else if (!strcmp(name, "usr") && argc == 1)
		r = usr();
	else {
		log_error("%s: expected 'fsck DEV TYPE' or 'usr', run by the init", name);
		r = -EINVAL;
	}
	return r < 0 ? 1 : 0;
}
