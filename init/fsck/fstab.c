/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fstab(5) lines: whitespace-separated fields, '#' comments, octal escapes. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fstab.h"
#include "str.h"

/* "\040" and the other octal escapes of fstab(5), in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
					(s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* Cut line into at most max whitespace-separated fields; returns their count. */
static size_t split(char *line, char **fields, size_t max)
{
	size_t n = 0;

	while (n < max) {
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			break;
		fields[n++] = line;
		line += strcspn(line, " \t");
		if (*line)
			*line++ = '\0';
	}
	return n;
}

/* "/usr/" and "/usr//" name the same directory as "/usr". */
static bool same_dir(const char *a, const char *b)
{
	size_t n = strlen(b);

	return !strncmp(a, b, n) && a[n + strspn(a + n, "/")] == '\0';
}

int fstab_find(char *text, const char *dir, struct fstab_entry *ret)
{
	char *line, *next, *f[6];
	unsigned long passno;
	size_t n;

	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		n = split(line, f, ARRAY_SIZE(f));
		if (n < 2)
			continue;
		unescape(f[1]);
		if (!same_dir(f[1], dir))
			continue;
		if (n < 3)
			return -EBADMSG;
		unescape(f[0]);
		ret->spec = f[0];
		ret->type = f[2];
		ret->opts = n > 3 ? f[3] : "defaults";
		ret->passno = n > 5 && str_to_uint(f[5], &passno) == 0 ? (int)passno : 0;
		return 0;
	}
	return -ENOENT;
}

static bool userspace_option(const char *w, size_t len)
{
	static const char *const words[] = {"defaults", "auto",	  "noauto", "nofail",
					    "user",	"users",  "nouser", "owner",
					    "group",	"_netdev"};

	if (!len || (len > 2 && !strncmp(w, "x-", 2)) || !strncmp(w, "comment=", 8))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strlen(words[i]) == len && !strncmp(w, words[i], len))
			return true;
	return false;
}

int fstab_kernel_options(const char *opts, char *out, size_t cap)
{
	struct str s;

	str_init(&s, out, cap);
	while (*opts) {
		size_t len = strcspn(opts, ",");

		if (!userspace_option(opts, len)) {
			if (s.len)
				str_addc(&s, ',');
			str_addn(&s, opts, len);
		}
		opts += len + (opts[len] == ',');
	}
	return s.truncated ? -E2BIG : 0;
}

int fstab_has_option(const char *opts, const char *word)
{
	size_t n = strlen(word);

	while (*opts) {
		size_t len = strcspn(opts, ",");

		if (len == n && !strncmp(opts, word, n))
			return 1;
		opts += len + (opts[len] == ',');
	}
	return 0;
}
