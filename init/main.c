// SPDX-License-Identifier: GPL-2.0-or-later
/* /init: mount the API filesystems, load the plan's modules, find root, switch to it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "cmdline.h"
#include "coldplug.h"
#include "file.h"
#include "log.h"
#include "modload.h"
#include "netroot.h"
#include "plan.h"
#include "root.h"
#include "rootwait.h"
#include "str.h"
#include "switchroot.h"
#include "sys.h"

#define DEFAULT_ROOTDELAY_S 30
#define MAX_INIT_ARGS 64

static struct cmdline cmd;
static struct plan plan;
static char plan_buf[ABI_PLAN_MAX_BYTES + 1];
static int uevent_fd = -1;

struct timing {
	long start, modules, device, mount;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mount_api(const char *type, const char *dir, unsigned long flags,
		      const char *data)
{
	int r;

	(void)mkdir(dir, 0755);
	r = sys_mount(type, dir, type, flags, data);
	if (r < 0 && r != -EBUSY)
		log_error("cannot mount %s on '%s': %s", type, dir, log_errname(r));
}

static void mount_api_filesystems(void)
{
	mount_api("devtmpfs", "/dev", MS_NOSUID, "mode=0755");
	mount_api("proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_api("sysfs", "/sys", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_api("tmpfs", "/run", MS_NOSUID | MS_NODEV, "mode=0755");
}

/* Without /dev/console in the archive the kernel gave us no stdio: make it now. */
static void open_console_and_log(void)
{
	int fd;

	if (fcntl(0, F_GETFD) < 0) {
		fd = open(ABI_CONSOLE_PATH, O_RDWR | O_NOCTTY);
		if (fd >= 0) {
			for (int i = 0; i < 3; i++)
				if (fd != i)
					dup2(fd, i);
			if (fd > 2)
				close(fd);
		}
	}
	fd = open(ABI_KMSG_PATH, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0)
		log_set_fd(fd, ABI_KMSG_PATH);
}

static void read_cmdline(void)
{
	static char text[CMDLINE_MAX];
	int r;

	r = file_read("/proc/cmdline", text, sizeof(text), NULL);
	if (r < 0 && r != -EFBIG)
		log_error("cannot read '/proc/cmdline': %s", log_errname(r));
	cmdline_parse(&cmd, text);
	if (cmd.debug)
		log_set_level(LOG_DEBUG);
	else if (cmd.quiet)
		log_set_level(LOG_WARNING);
	if (r == -EFBIG || cmd.truncated)
		log_warning(
			"the kernel command line is longer than %d bytes or %d words; only the start is used",
			CMDLINE_MAX - 1, CMDLINE_MAX_ARGS);
}

static void load_plan(void)
{
	struct utsname u;
	size_t len;
	int r;

	r = file_read(ABI_PLAN_PATH, plan_buf, sizeof(plan_buf), &len);
	if (r == 0)
		r = plan_parse(&plan, plan_buf, len);
	if (r < 0) {
		if (r == -EBADMSG && plan.line)
			log_error(
				"plan '%s' is malformed at line %zu, loading no modules",
				ABI_PLAN_PATH, plan.line);
		else
			log_error("cannot use plan '%s': %s, loading no modules",
				  ABI_PLAN_PATH, log_errname(r));
		memset(&plan, 0, sizeof(plan));
		plan.kernel = "";
	}
	if (plan.kernel[0] && uname(&u) == 0 && strcmp(u.release, plan.kernel) != 0)
		log_warning("the image was built for kernel '%s' but this is '%s'",
			    plan.kernel, u.release);
	modload_init(&plan, &cmd);
}

static void load_modules(void)
{
	int r;

	(void)modload_always();
	if (modload_has_match()) {
		r = coldplug_scan("/sys/devices");
		if (r < 0)
			log_error("cannot scan '/sys/devices': %s", log_errname(r));
	}
	log_info("%u modules loaded, %u failed, %u optional failed, %u blacklisted",
		 modload_stats()->loaded, modload_stats()->failed_required,
		 modload_stats()->failed_optional, modload_stats()->skipped);
}

/* Start the emergency shell; false when the image has none. */
static bool shell(const char *why)
{
	int r;

	if (access(ABI_BUSYBOX_PATH, X_OK) < 0) {
		log_error("no shell in the image ('%s'), cannot %s", ABI_BUSYBOX_PATH,
			  why);
		return false;
	}
	log_warning("starting a shell on '%s' to %s", ABI_CONSOLE_PATH, why);
	r = sys_run_shell(ABI_BUSYBOX_PATH, ABI_CONSOLE_PATH);
	if (r < 0)
		log_error("cannot run '%s': %s", ABI_BUSYBOX_PATH, log_errname(r));
	return r >= 0;
}

static long root_timeout_ms(void)
{
	if (cmd.rootwait)
		return -1;
	return (cmd.rootdelay >= 0 ? cmd.rootdelay : DEFAULT_ROOTDELAY_S) * 1000L;
}

static int find_root(const struct root_spec *spec, struct root_dev *dev)
{
	struct rootwait w = {
		.spec = spec,
		.sysfs = "/sys",
		.devdir = "/dev",
		.uevent_fd = uevent_fd,
		.timeout_ms = root_timeout_ms(),
		.match_modules = modload_has_match(),
	};
	int r;

	r = rootwait_run(&w, dev);
	if (r == 0) {
		log_info("root '%s' is '/dev/%s' (%s)", cmd.root, dev->name,
			 dev->has_fs ? dev->fs.type : "unknown type");
		return 0;
	}
	if (r == -ETIMEDOUT)
		log_error("root device '%s' did not appear within %ld s", cmd.root,
			  root_timeout_ms() / 1000);
	else
		log_error("waiting for root device '%s' failed: %s", cmd.root,
			  log_errname(r));
	rootwait_log_seen(LOG_ERR);
	modload_log_failures(LOG_ERR);
	return r;
}

static int try_mount(const char *src, const char *type, unsigned long flags,
		     const char *data)
{
	int r = sys_mount(src, ABI_NEW_ROOT, type, flags, data[0] ? data : NULL);

	log_debug("mount '%s' type '%s' on '%s': %s", src, type, ABI_NEW_ROOT,
		  r ? log_errname(r) : "ok");
	return r;
}

/* Without a known type, try what the kernel offers, as the kernel itself does. */
static int mount_any(const char *src, unsigned long flags, const char *data)
{
	static char list[4096];
	char *line, *next;
	int r = -ENODEV;

	if (file_read("/proc/filesystems", list, sizeof(list), NULL) < 0)
		return -ENODEV;
	for (line = list; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (str_startswith(line, "nodev"))
			continue;
		while (*line == '\t' || *line == ' ')
			line++;
		r = try_mount(src, line, flags, data);
		if (r == 0)
			return 0;
	}
	return r;
}

/* The types to try: rootfstype= (a comma-separated list), the probed one, or all. */
static int mount_types(const struct root_dev *dev, const char *src, unsigned long flags,
		       const char *data)
{
	char types[256], *t, *comma;
	int r = -ENODEV;

	if (!cmd.rootfstype && !dev->has_fs)
		return mount_any(src, flags, data);
	(void)str_copy(types, sizeof(types),
		       cmd.rootfstype ? cmd.rootfstype : dev->fs.type);
	for (t = types; t; t = comma ? comma + 1 : NULL) {
		comma = strchr(t, ',');
		if (comma)
			*comma = '\0';
		r = try_mount(src, t, flags, data);
		if (r == 0)
			break;
	}
	return r;
}

static int mount_root(const struct root_dev *dev)
{
	const char *type = cmd.rootfstype ? cmd.rootfstype
			   : dev->has_fs  ? dev->fs.type
					  : "?";
	char src[128], data[1024];
	unsigned long flags;
	struct str s;
	int r;

	(void)mkdir(ABI_NEW_ROOT, 0755);
	str_init(&s, src, sizeof(src));
	str_addf(&s, "/dev/%s", dev->name);
	r = root_mount_options(cmd.rootflags, cmd.rw, &flags, data, sizeof(data));
	if (r < 0) {
		log_error("rootflags '%s' are too long", cmd.rootflags);
		return r;
	}
	r = mount_types(dev, src, flags, data);
	if ((r == -EACCES || r == -EROFS) && !(flags & MS_RDONLY)) {
		/* A write-protected device: the kernel's own fallback is to mount it ro.
		 */
		log_warning("'%s' is write-protected, mounting it read-only", src);
		flags |= MS_RDONLY;
		r = mount_types(dev, src, flags, data);
	}
	if (r < 0) {
		log_error("cannot mount '%s' (type '%s', flags '%s') on '%s': %s", src,
			  type, cmd.rootflags ? cmd.rootflags : "", ABI_NEW_ROOT,
			  log_errname(r));
		if (r == -ENODEV)
			log_error(
				"the kernel does not know filesystem '%s': is its module in the image?",
				type);
		modload_log_failures(LOG_ERR);
		return r;
	}
	log_info("mounted '%s' on '%s' %s", src, ABI_NEW_ROOT,
		 flags & MS_RDONLY ? "ro" : "rw");
	return 0;
}

/* The init to run in the new root: init=, or the first of the usual places. */
static const char *choose_init(void)
{
	static const char *const defaults[] = {"/sbin/init", "/etc/init", "/bin/init"};
	char path[512];
	struct stat st;
	struct str s;

	for (size_t i = 0; i < (cmd.init ? 1 : ARRAY_SIZE(defaults)); i++) {
		const char *init = cmd.init ? cmd.init : defaults[i];

		str_init(&s, path, sizeof(path));
		str_addf(&s, "%s%s", ABI_NEW_ROOT, init);
		/* lstat: an absolute symlink points into the new root, not into ours. */
		if (!s.truncated && lstat(path, &st) == 0 && !S_ISDIR(st.st_mode))
			return init;
	}
	if (cmd.init)
		log_error("init '%s' (from init=) is not in the root filesystem",
			  cmd.init);
	else
		log_error(
			"no init in the root filesystem: tried /sbin/init, /etc/init, /bin/init");
	return NULL;
}

static int boot_root(struct timing *t, const char **init)
{
	struct root_spec spec;
	struct root_dev dev;
	long t0;
	int r;

	if (!cmd.root) {
		log_error("no root= on the kernel command line: nothing to wait for");
		return -EINVAL;
	}
	/* A network root: NFS comes back mounted, NBD as a block device to find. */
	r = netroot_prepare(&cmd);
	if (r < 0)
		return r;
	if (r == NETROOT_MOUNTED)
		goto mounted;
	if (root_spec_parse(cmd.root, &spec) < 0) {
		log_error("cannot understand root='%s'", cmd.root);
		return -EINVAL;
	}
	t0 = now_ms();
	r = find_root(&spec, &dev);
	t->device += now_ms() - t0;
	if (r < 0)
		return r;
	if (cmd.rd_break)
		(void)shell(
			"look around before the root is mounted (rd.break); 'exit' goes on");
	t0 = now_ms();
	r = mount_root(&dev);
	t->mount += now_ms() - t0;
	if (r < 0)
		return r;
mounted:
	*init = choose_init();
	if (!*init) {
		(void)sys_umount(ABI_NEW_ROOT, 0);
		return -ENOENT;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct timing t = {.start = now_ms()};
	char *init_argv[MAX_INIT_ARGS + 1];
	const char *init = NULL;
	int i, r;

	mount_api_filesystems();
	open_console_and_log();
	read_cmdline();
	log_debug("started with %d arguments", argc);

	uevent_fd = sys_uevent_open();
	if (uevent_fd < 0)
		log_error(
			"cannot listen to kernel uevents: %s; only devices present now can be found",
			log_errname(uevent_fd));
	load_plan();
	load_modules();
	t.modules = now_ms() - t.start;

	while ((r = boot_root(&t, &init)) < 0) {
		if (!shell("repair the boot; 'exit' tries the root again")) {
			log_error("giving up: the kernel will panic in 10 s");
			sleep(10);
			return 1;
		}
	}

	log_info("timing: modules %ld ms, device %ld ms, mount %ld ms, total %ld ms",
		 t.modules, t.device, t.mount, now_ms() - t.start);
	init_argv[0] = (char *)init;
	for (i = 1; i < argc && i < MAX_INIT_ARGS; i++)
		init_argv[i] = argv[i];
	init_argv[i] = NULL;
	if (uevent_fd >= 0)
		close(uevent_fd);
	log_info("switching root to '%s', running '%s'", ABI_NEW_ROOT, init);
	r = switchroot_run(ABI_NEW_ROOT, init, init_argv);
	log_error("cannot switch root and run '%s': %s", init, log_errname(r));
	sleep(10);
	return 1;
}
