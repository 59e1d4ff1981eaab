/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fsck policy: mkinitcpio's exit-code rules, systemd-fsck's command-line words. */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "str.h"

static const char *const mode_words[] = {"auto", "force", "skip"};
static const char *const repair_words[] = {"preen", "yes", "no"};

/* For an argument "key=word": *field = the index of word among the three, if known. */
static void set_word(const char *arg, const char *key, const char *const words[3],
		     int *field)
{
	size_t klen = strlen(key);

	if (strncmp(arg, key, klen) != 0)
		return;
	for (int i = 0; i < 3; i++)
		if (strcmp(arg + klen, words[i]) == 0) {
			*field = i;
			return;
		}
	log_warning("fsck: unknown '%s' (%s, %s or %s), ignoring", arg, words[0],
		    words[1], words[2]);
}

void check_opts_parse(const struct cmdline *c, struct check_opts *ret)
{
	int mode = CHECK_MODE_AUTO, repair = CHECK_REPAIR_PREEN;

	for (size_t i = 0; i < c->n_args; i++) {
		set_word(c->args[i], "fsck.mode=", mode_words, &mode);
		set_word(c->args[i], "fsck.repair=", repair_words, &repair);
	}
	ret->mode = (enum check_mode)mode;
	ret->repair = (enum check_repair)repair;
}

static bool is_ext(const char *type)
{
	return !strcmp(type, "ext2") || !strcmp(type, "ext3") || !strcmp(type, "ext4");
}

static bool find_checker(const char *root, const char *name, char *path, size_t cap)
{
	static const char *const dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
	char full[512];
	struct str s;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		str_init(&s, full, sizeof(full));
		str_addf(&s, "%s%s/%s", root, dirs[i], name);
		if (!s.truncated && access(full, X_OK) == 0)
			return str_copy(path, cap, full + strlen(root)) == 0;
	}
	return false;
}

enum check_plan check_command(const char *root, const char *type, const char *dev,
			      const struct check_opts *o, struct check_cmd *ret)
{
	static const char *const ext_repair[] = {"-p", "-y", "-n"};
	static const char *const any_repair[] = {"-a", "-y", "-n"};
	char name[32];
	size_t n = 0;

	/* Their fsck.<type> exit 0 without looking: say so rather than pretend. */
	if (!strcmp(type, "xfs") || !strcmp(type, "btrfs"))
		return CHECK_NOT_NEEDED;
	if (str_copy(name, sizeof(name), "fsck.") < 0 ||
	    strlen(type) >= sizeof(name) - strlen(name))
		return CHECK_NO_CHECKER;
	strcat(name, type);
	if (!find_checker(root, name, ret->path, sizeof(ret->path)) &&
	    !(is_ext(type) && find_checker(root, "e2fsck", ret->path, sizeof(ret->path))))
		return CHECK_NO_CHECKER;
	ret->argv[n++] = strrchr(ret->path, '/') + 1;
	ret->argv[n++] = (char *)(is_ext(type) ? ext_repair : any_repair)[o->repair];
	if (o->mode == CHECK_MODE_FORCE && (is_ext(type) || !strcmp(type, "f2fs")))
		ret->argv[n++] = (char *)"-f";
	ret->argv[n++] = (char *)dev;
	ret->argv[n] = NULL;
	return CHECK_RUN;
}

enum check_verdict check_verdict(int status)
{
	int code;

	if (!WIFEXITED(status))
		return CHECK_FAILED;
	code = WEXITSTATUS(status);
	if (code >= 4)
		return CHECK_FAILED;
	if (code & 2)
		return CHECK_REBOOT;
	return code ? CHECK_CORRECTED : CHECK_CLEAN;
}

const char *check_failure_text(int code)
{
	if (code & 4)
		return "errors left uncorrected";
	if (code & 8)
		return "operational error";
	if (code & 16)
		return "usage or syntax error";
	if (code & 32)
		return "cancelled";
	return "shared-library error";
}
