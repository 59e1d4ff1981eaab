/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /init: mount the API filesystems, load the plan's modules, find root, switch to it. */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "cmdline.h"
#include "coldplug.h"
#include "crypt.h"
#include "devqueue.h"
#include "file.h"
#include "helper.h"
#include "log.h"
#include "lvm.h"
#include "md.h"
#include "modload.h"
#include "netroot.h"
#include "plan.h"
#include "root.h"
#include "resume.h"
#include "rootmount.h"
#include "rootwait.h"
#include "str.h"
#include "switchroot.h"
#include "sys.h"
#include "unlock.h"

#define DEFAULT_ROOTDELAY_S 30
#define MAX_INIT_ARGS 64

static struct cmdline cmd;
static struct plan plan;
static char plan_buf[ABI_PLAN_MAX_BYTES + 1];
static int uevent_fd = -1;
static int signal_fd = -1;
static struct crypt_conf luks;

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

	modload_batch_begin();
	(void)modload_always();
	(void)modload_batch_run();
	if (modload_has_match()) {
		/* Root first, but for a network root (its card's driver is as
		 * needed as any, and netroot's helper finds the card itself) and
		 * without uevents (a driver's disk would go unseen). */
		modload_hold(uevent_fd >= 0 && netroot_kind(&cmd) == NETROOT_NONE);
		r = coldplug_scan("/sys/devices");
		if (r < 0)
			log_error("cannot scan '/sys/devices': %s", log_errname(r));
	}
	log_info("%u modules loaded, %u failed, %u optional failed, %u blacklisted",
		 modload_stats()->loaded, modload_stats()->failed_required,
		 modload_stats()->failed_optional, modload_stats()->skipped);
	/* Root first: the devices' drivers load in the root wait, not here. */
	size_t queued = devqueue_waiting(&plan);
	if (queued)
		log_info("%zu device drivers queued, root first", queued);
}

/* The console's keymap and font, before any prompt: a passphrase typed on a non-US
 * keyboard then arrives as typed. A failure is logged and the boot goes on. */
static void setup_console(void)
{
	if (plan.vconsole[0])
		(void)helper_run(plan.vconsole[0], plan.vconsole);
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
	modload_shell();
	log_warning("starting a shell on '%s' to %s", ABI_CONSOLE_PATH, why);
	r = sys_run_shell(ABI_BUSYBOX_PATH, ABI_CONSOLE_PATH);
	if (r < 0)
		log_error("cannot run '%s': %s", ABI_BUSYBOX_PATH, log_errname(r));
	return r >= 0;
}

/* Child processes (cryptsetup) end up as readable events in the loop. */
static void open_signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (signal_fd < 0)
		log_error("cannot watch child processes: %s", log_errname(-errno));
}

/* LUKS devices to unlock: the command line's, then the image's crypttab. */
static void load_crypt(void)
{
	static const char *const tabs[] = {CRYPT_TAB_INITRAMFS, CRYPT_TAB};
	static char text[8192];
	int r;

	(void)crypt_from_cmdline(&luks, &cmd);
	for (size_t i = 0; i < ARRAY_SIZE(tabs); i++) {
		r = file_read(tabs[i], text, sizeof(text), NULL);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			log_error("cannot read '%s': %s", tabs[i], log_errname(r));
		else
			(void)crypt_from_crypttab(&luks, text, tabs[i]);
		break;
	}
	if (luks.n)
		log_info("%zu LUKS device(s) to unlock", luks.n);
	unlock_init(&luks, ABI_CONSOLE_PATH);
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
		.signal_fd = signal_fd,
		.timeout_ms = root_timeout_ms(),
		.defer_ms = ABI_DEFER_ROOT_S * 1000L,
		.match_modules = modload_has_match(),
	};
	int r;

	r = rootwait_run(&w, dev);
	if (r == 0) {
		log_info("root '%s' is '/dev/%s' (%s)", cmd.root, dev->name,
			 dev->has_fs ? dev->fs.type : "unknown type");
		(void)devqueue_log_left(&plan);
		return 0;
	}
	if (r == -ETIMEDOUT)
		log_error("root device '%s' did not appear within %ld s", cmd.root,
			  root_timeout_ms() / 1000);
	else if (r == unlock_error())
		log_error("cannot unlock what root device '%s' needs", cmd.root);
	else
		log_error("waiting for root device '%s' failed: %s", cmd.root,
			  log_errname(r));
	unlock_log_pending(LOG_ERR);
	lvm_log_pending(LOG_ERR);
	resume_log_pending(LOG_ERR);
	rootwait_log_seen(LOG_ERR);
	modload_log_failures(LOG_ERR);
	return r;
}

static int boot_root(struct timing *t, const char **init)
{
	struct root_spec spec;
	struct root_dev dev;
	long t0;
	int kind, r;

	if (!cmd.root) {
		log_error("no root= on the kernel command line: nothing to wait for");
		return -EINVAL;
	}
	/* A network root: NFS comes back mounted, NBD as a block device to find. */
	kind = netroot_prepare(&cmd);
	if (kind < 0)
		return kind;
	if (kind == NETROOT_MOUNTED)
		goto mounted;
	if (root_spec_parse(cmd.root, &spec) < 0) {
		log_error("cannot understand root='%s'", cmd.root);
		return -EINVAL;
	}
	t0 = now_ms();
	unlock_retry();
	r = find_root(&spec, &dev);
	t->device += now_ms() - t0;
	if (r < 0)
		return r;
	if (cmd.rd_break)
		(void)shell(
			"look around before the root is mounted (rd.break); 'exit' goes on");
	t0 = now_ms();
	/* A network block device is not checked: its server owns the filesystem. */
	r = kind == NETROOT_NONE ? rootmount_check(&dev) : 0;
	if (r == 0)
		r = rootmount_mount(&cmd, &dev);
	t->mount += now_ms() - t0;
	if (r < 0)
		return r;
mounted:
	*init = rootmount_choose_init(&cmd);
	r = *init ? rootmount_usr() : -ENOENT;
	if (r < 0)
		(void)sys_umount(ABI_NEW_ROOT, MNT_DETACH);
	return r;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * The kernel runs "/sbin/modprobe -q -- NAME" for request_module() (crypto-xts for
 * dm-crypt, ...): /sbin/modprobe is this program, and answers from the plan.
 */
static int modprobe_main(int argc, char *argv[])
{
	const char *name = NULL;
	int fd, r;

	/* A person in the rescue shell ("modprobe nbd nbds_max=5") gets busybox's. */
	if (!(argc == 4 && strcmp(argv[1], "-q") == 0 && strcmp(argv[2], "--") == 0) &&
	    access(ABI_BUSYBOX_PATH, X_OK) == 0)
		(void)sys_exec(ABI_BUSYBOX_PATH, argv);
	for (int i = 1; i < argc && !name; i++) {
		if (strcmp(argv[i], "--") == 0)
			name = i + 1 < argc ? argv[i + 1] : NULL;
		else if (argv[i][0] != '-')
			name = argv[i];
		else if (!str_startswith(argv[i], "-q") &&
			 !str_startswith(argv[i], "-b") && !str_startswith(argv[i], "-v"))
			break;
	}
	fd = open(ABI_KMSG_PATH, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0)
		log_set_fd(fd, ABI_KMSG_PATH);
	if (!name) {
		log_error(
			"modprobe: expected 'modprobe [-q] [--] NAME', the initramfs loads no more");
		return 1;
	}
	read_cmdline();
	load_plan();
	r = modload_name(name);
	if (r > 0)
		log_info("modprobe '%s': %d module(s) loaded from the image", name, r);
	else if (r == 0)
		log_info("modprobe '%s': no such module in the image", name);
	return r > 0 ? 0 : 1;
}

int main(int argc, char *argv[])
{
	struct timing t = {.start = now_ms()};
	char *init_argv[MAX_INIT_ARGS + 1];
	const char *init = NULL;
	int i, r;

	if (argc > 0 && strcmp(base_name(argv[0]), "modprobe") == 0)
		return modprobe_main(argc, argv);
	mount_api_filesystems();
	open_console_and_log();
	read_cmdline();
	log_debug("started with %d arguments", argc);

	uevent_fd = sys_uevent_open();
	if (uevent_fd < 0)
		log_error(
			"cannot listen to kernel uevents: %s; only devices present now can be found",
			log_errname(uevent_fd));
	open_signal_fd();
	load_plan();
	load_crypt();
	md_init(&cmd, plan.mdadm);
	lvm_init(&plan, &cmd);
	resume_init(&cmd, "/sys");
	load_modules();
	setup_console();
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
	unlock_finish();
	rootwait_finish("/sys", "/run");
	/* The real init starts with no signal blocked, as the kernel would start it. */
	{
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (signal_fd >= 0)
			close(signal_fd);
	}
	log_info("switching root to '%s', running '%s'", ABI_NEW_ROOT, init);
	r = switchroot_run(ABI_NEW_ROOT, init, init_argv);
	log_error("cannot switch root and run '%s': %s", init, log_errname(r));
	sleep(10);
	return 1;
}
