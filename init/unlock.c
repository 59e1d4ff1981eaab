/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LUKS unlocking with the image's own cryptsetup: one device at a time, the key on a
 * pipe (no trailing newline: cryptsetup takes every byte of a key file), never a shell,
 * never a file. The passphrase is asked on the console from the event loop, so devices
 * and keyboards keep appearing while it waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "modload.h"
#include "str.h"
#include "sys.h"
#include "unlock.h"

#define KEY_MAX 8192

enum state {
	WAITING, /* its device has not appeared */
	QUEUED,	 /* it has, and waits for its turn */
	ASKING,	 /* the prompt is on the console */
	RUNNING, /* cryptsetup runs */
	OPEN,
	FAILED,
};

struct slot {
	unsigned char state;
	unsigned tries;
	bool tried_cached; /* the passphrase that opened another device was tried */
	bool key_failed;   /* its key file did not open it: ask instead */
	bool used_cached;  /* the running try uses that passphrase */
	char dev[ROOT_NAME_MAX];
	bool dm_seen; /* the opened volume came back as a block device */
};

static const char *const cryptsetup_paths[] = {
	"/usr/sbin/cryptsetup",
	"/sbin/cryptsetup",
	"/usr/bin/cryptsetup",
	"/bin/cryptsetup",
};

static struct crypt_conf *conf;
static struct slot slots[CRYPT_MAX];
static const char *console_path;
static int console = -1;
static struct termios saved_tty;
static bool tty_saved;
static int active = -1; /* the slot asking or running */
static pid_t child = -1;
static int error;
/* The key being tried, and the passphrase that opened a device (asked once for all). */
static char key[KEY_MAX];
static size_t key_len;
static char cached[KEY_MAX];
static size_t cached_len;
static size_t typed;	      /* bytes of a passphrase line read so far */
static char pending[KEY_MAX]; /* the typed passphrase while cryptsetup tries it */
static size_t pending_len;

static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

void unlock_init(struct crypt_conf *c, const char *console_dev)
{
	conf = c;
	console_path = console_dev;
	memset(slots, 0, sizeof(slots));
	active = -1;
	child = -1;
	error = 0;
}

static const char *cryptsetup_path(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(cryptsetup_paths); i++)
		if (access(cryptsetup_paths[i], X_OK) == 0)
			return cryptsetup_paths[i];
	return NULL;
}

static void say(const char *text)
{
	if (console >= 0)
		(void)!write(console, text, strlen(text));
}

static void fail(size_t i, int err)
{
	slots[i].state = FAILED;
	if (!error)
		error = err;
	active = -1;
}

/* cryptsetup open --key-file=- /dev/DEV NAME, the key written to its stdin. */
static int run_cryptsetup(size_t i)
{
	const struct crypt_req *r = &conf->req[i];
	const char *path = cryptsetup_path();
	char dev[ROOT_NAME_MAX + 8], *argv[8];
	int p[2], pid, n = 0;
	struct str s;

	if (!path) {
		log_error(
			"cannot unlock '/dev/%s' ('%s'): no cryptsetup in the image (add the 'encrypt' hook)",
			slots[i].dev, r->name);
		return -ENOENT;
	}
	str_init(&s, dev, sizeof(dev));
	str_addf(&s, "/dev/%s", slots[i].dev);
	argv[n++] = (char *)"cryptsetup";
	argv[n++] = (char *)"open";
	argv[n++] = (char *)"--key-file=-";
	if (r->discard)
		argv[n++] = (char *)"--allow-discards";
	argv[n++] = dev;
	argv[n++] = (char *)r->name;
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = sys_spawn(path, argv, p[0]);
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		log_error("cannot run '%s': %s", path, log_errname(pid));
		return pid;
	}
	/* A pipe holds 64 KiB: the whole key goes in at once, EOF ends it. */
	for (size_t off = 0; off < key_len;) {
		ssize_t w = write(p[1], key + off, key_len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_warning("cannot hand the key to cryptsetup: %s",
				    log_errname(-errno));
			break;
		}
		off += (size_t)w;
	}
	close(p[1]);
	wipe(key, key_len);
	key_len = 0;
	child = pid;
	slots[i].state = RUNNING;
	active = (int)i;
	log_info("unlocking '/dev/%s' as '%s'", slots[i].dev, r->name);
	return 0;
}

static void prompt(size_t i)
{
	const struct crypt_req *r = &conf->req[i];
	struct termios t;
	char text[256];
	struct str s;

	modload_console(); /* the keyboard's modules, in a generic image */
	if (console < 0)
		console = open(console_path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (console < 0) {
		log_error("cannot open '%s' to ask for the passphrase of '%s': %s",
			  console_path, r->name, log_errname(-errno));
		fail(i, -ENOTTY);
		return;
	}
	if (!tty_saved && tcgetattr(console, &saved_tty) == 0)
		tty_saved = true;
	if (tty_saved) {
		t = saved_tty;
		t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		t.c_lflag |= ICANON;
		t.c_iflag |= ICRNL;
		(void)tcsetattr(console, TCSANOW, &t);
	}
	str_init(&s, text, sizeof(text));
	str_addf(&s, "\nPassphrase for '/dev/%s' (%s): ", slots[i].dev, r->name);
	say(text);
	typed = 0;
	slots[i].state = ASKING;
	active = (int)i;
}

static bool read_key_file(size_t i)
{
	const struct crypt_req *r = &conf->req[i];
	int rr;

	rr = file_read(r->keyfile, key, sizeof(key), &key_len);
	if (rr == 0)
		return true;
	log_error("cannot read key file '%s' for '%s': %s, asking for the passphrase",
		  r->keyfile, r->name, log_errname(rr));
	wipe(key, sizeof(key));
	key_len = 0;
	slots[i].key_failed = true;
	return false;
}

/* Start the next queued device when nothing else is going on. */
static void step(void)
{
	for (size_t i = 0; active < 0 && i < conf->n; i++) {
		struct slot *sl = &slots[i];
		int r = 0;

		if (sl->state != QUEUED)
			continue;
		sl->used_cached = false;
		if (conf->req[i].keyfile[0] && !sl->key_failed && read_key_file(i)) {
			r = run_cryptsetup(i);
		} else if (cached_len && !sl->tried_cached) {
			memcpy(key, cached, cached_len);
			key_len = cached_len;
			sl->tried_cached = true;
			sl->used_cached = true;
			r = run_cryptsetup(i);
		} else {
			prompt(i);
		}
		if (r < 0)
			fail(i, r);
	}
}

void unlock_device(const struct root_dev *dev)
{
	if (!conf)
		return;
	for (size_t i = 0; i < conf->n; i++) {
		const struct crypt_req *r = &conf->req[i];
		struct slot *sl = &slots[i];

		if (dev->dm_name[0] && strcmp(dev->dm_name, r->name) == 0) {
			sl->dm_seen = true;
			continue;
		}
		if (sl->state != WAITING || !root_match(&r->spec, dev))
			continue;
		if (strcmp(dev->fs.type, PROBE_TYPE_LUKS) != 0) {
			log_error("'/dev/%s' ('%s' for '%s') has no LUKS header (%s)",
				  dev->name, r->source, r->name,
				  dev->has_fs ? dev->fs.type : "unknown content");
			fail(i, -EMEDIUMTYPE);
			continue;
		}
		(void)str_copy(sl->dev, sizeof(sl->dev), dev->name);
		sl->state = QUEUED;
		log_info("LUKS%u device '/dev/%s' (%s) is '%s'", dev->fs.version,
			 dev->name, r->source, r->name);
	}
	step();
}

size_t unlock_pollfds(struct pollfd *pfd, size_t cap)
{
	if (!conf || active < 0 || slots[active].state != ASKING || cap == 0)
		return 0;
	pfd[0] = (struct pollfd){.fd = console, .events = POLLIN};
	return 1;
}

static void restore_tty(void)
{
	if (tty_saved)
		(void)tcsetattr(console, TCSANOW, &saved_tty);
}

/* A line on the console: the passphrase, without its newline. */
static void console_input(void)
{
	size_t i = (size_t)active;
	ssize_t n;

	n = read(console, key + typed, sizeof(key) - 1 - typed);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		log_error("cannot read the passphrase for '%s' from '%s': %s",
			  conf->req[i].name, console_path,
			  n < 0 ? log_errname(-errno) : "end of input");
		restore_tty();
		fail(i, -EIO);
		return;
	}
	typed += (size_t)n;
	if (key[typed - 1] != '\n' && typed < sizeof(key) - 1)
		return; /* not a whole line yet */
	while (typed && (key[typed - 1] == '\n' || key[typed - 1] == '\r'))
		typed--;
	key_len = typed;
	typed = 0;
	restore_tty();
	say("\n");
	active = -1;
	slots[i].state = QUEUED;
	memcpy(pending, key, key_len);
	pending_len = key_len;
	if (run_cryptsetup(i) < 0)
		fail(i, -ENOENT);
}

/* cryptsetup exits 2 for a passphrase that opens no keyslot. */
#define CRYPTSETUP_EXIT_NO_KEY 2

static void forget_pending(void)
{
	wipe(pending, pending_len);
	pending_len = 0;
}

static void child_exited(int status)
{
	size_t i = (size_t)active;
	struct slot *sl = &slots[i];
	const struct crypt_req *r = &conf->req[i];
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	child = -1;
	active = -1;
	if (code == 0) {
		sl->state = OPEN;
		log_info("'/dev/%s' is unlocked as '/dev/mapper/%s'", sl->dev, r->name);
		if (pending_len) {
			/* Remember what was typed: other devices try it first. */
			memcpy(cached, pending, pending_len);
			cached_len = pending_len;
		}
		forget_pending();
		return;
	}
	forget_pending();
	if (code != CRYPTSETUP_EXIT_NO_KEY) {
		log_error("cryptsetup cannot open '/dev/%s' as '%s': exit status %d",
			  sl->dev, r->name, code);
		fail(i, -EIO);
		return;
	}
	sl->state = QUEUED;
	if (sl->used_cached)
		return; /* the shared passphrase is not this one's: ask */
	if (r->keyfile[0] && !sl->key_failed) {
		log_error(
			"key file '%s' does not unlock '/dev/%s' ('%s'), asking for the passphrase",
			r->keyfile, sl->dev, r->name);
		sl->key_failed = true;
		return;
	}
	sl->tries++;
	if (sl->tries < UNLOCK_TRIES) {
		log_error("wrong passphrase for '/dev/%s' ('%s'), %u of %d tries left",
			  sl->dev, r->name, UNLOCK_TRIES - sl->tries, UNLOCK_TRIES);
		return;
	}
	log_error("wrong passphrase for '/dev/%s' ('%s') %d times, giving up", sl->dev,
		  r->name, UNLOCK_TRIES);
	fail(i, -EACCES);
}

void unlock_ready(const struct pollfd *pfd, size_t n)
{
	int status;

	if (!conf)
		return;
	for (size_t k = 0; k < n; k++)
		if (pfd[k].fd == console && pfd[k].revents && active >= 0 &&
		    slots[active].state == ASKING)
			console_input();
	if (child > 0 && waitpid(child, &status, WNOHANG) == child)
		child_exited(status);
	step();
}

void unlock_retry(void)
{
	for (size_t i = 0; conf && i < conf->n; i++)
		if (slots[i].state == FAILED) {
			slots[i].state = WAITING;
			slots[i].tries = 0;
			slots[i].key_failed = false;
		}
	error = 0;
}

bool unlock_busy(void)
{
	for (size_t i = 0; conf && active < 0 && i < conf->n; i++)
		if (slots[i].state == QUEUED)
			return true;
	return conf && active >= 0;
}

int unlock_error(void)
{
	return error;
}

void unlock_log_pending(int level)
{
	for (size_t i = 0; conf && i < conf->n; i++) {
		const struct crypt_req *r = &conf->req[i];

		if (slots[i].state == WAITING)
			log_msg(level,
				"LUKS device '%s' for '%s' (from %s) did not appear",
				r->source, r->name, r->origin);
		else if (slots[i].state == OPEN && !slots[i].dm_seen)
			log_msg(level, "'/dev/mapper/%s' was opened but did not appear",
				r->name);
	}
}

void unlock_finish(void)
{
	int status;

	/* The volume can show up before cryptsetup has exited: hear its result. */
	if (child > 0 && active >= 0) {
		while (waitpid(child, &status, 0) < 0)
			if (errno != EINTR)
				break;
		child_exited(status);
	}
	wipe(cached, cached_len);
	cached_len = 0;
	if (console >= 0) {
		close(console);
		console = -1;
	}
}
