/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The input journal: what a build read to decide its image, for a stat-only no-op. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crc64.h"
#include "fileio.h"
#include "inputjournal.h"
#include "log.h"
#include "strv.h"
#include "util.h"

struct note {
	char *path;
	int content; /* recorded by CRC-64, not by stat */
};

/* Process-wide, as the log level is: every reader notes without a handle passed down. */
static struct note *notes;
static size_t nnotes, capacity;
static const char *incomplete;		 /* a static string: why there is no journal */
static struct strv warnings = STRV_INIT; /* this build's, in order */
/* When the first input was read: a file changed since may not be what was read. */
static struct timespec first_read;

static void add(const char *path, int content)
{
	if (!nnotes)
		clock_gettime(CLOCK_REALTIME_COARSE, &first_read);
	if (!path || !*path || strchr(path, '\n')) {
		injournal_incomplete("an input path holds a newline");
		return;
	}
	if (nnotes == capacity) {
		size_t n = capacity ? capacity * 2 : 256;
		struct note *v = realloc(notes, n * sizeof(*v));
		if (!v) {
			injournal_incomplete("out of memory");
			return;
		}
		notes = v;
		capacity = n;
	}
	char *copy = strdup(path);
	if (!copy) {
		injournal_incomplete("out of memory");
		return;
	}
	notes[nnotes++] = (struct note){.path = copy, .content = content};
}

void injournal_note(const char *path)
{
	add(path, 0);
}

void injournal_note_content(const char *path)
{
	add(path, 1);
}

void injournal_note_at(const char *root, const char *path)
{
	_cleanup_free_ char *joined = NULL;

	while (*path == '/')
		path++;
	if (!root || !*root || streq(root, "/"))
		root = "";
	if (asprintf(&joined, "%s/%s", root, *path ? path : ".") < 0) {
		injournal_incomplete("out of memory");
		return;
	}
	add(joined, 0);
}

void injournal_incomplete(const char *why)
{
	if (!incomplete)
		incomplete = why;
}

void injournal_begin(void)
{
	incomplete = NULL;
	strv_clear(&warnings);
}

void injournal_warning(const char *message)
{
	if (strv_push(&warnings, message) < 0)
		injournal_incomplete("out of memory");
}

static int compare_notes(const void *a, const void *b)
{
	const struct note *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : x->content - y->content;
}

/* A procfs or sysfs file's size and CRC-64 as read now; -1 size when unreadable. */
static void content_of(const char *path, int64_t *ret_size, uint64_t *ret_crc)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	size_t size;

	*ret_size = -1;
	*ret_crc = 0;
	if (fd < 0 || fileio_read_fd(fd, 1 << 20, &text, &size) < 0)
		return;
	*ret_size = (int64_t)size;
	*ret_crc = crc64((const uint8_t *)text, size, 0);
}

/* 1 when the stat may not describe what was read from `start` on: file times come from
 * the same coarse clock, so a change after that reading has a time at or after it. */
static int is_racy(const struct stat *st, const struct timespec *start)
{
	const struct timespec *t[] = {&st->st_mtim, &st->st_ctim};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (t[i]->tv_sec > start->tv_sec ||
		    (t[i]->tv_sec == start->tv_sec && t[i]->tv_nsec >= start->tv_nsec))
			return 1;
	return 0;
}

/* One path's line, as it is now; racy set when its stat is not older than `start`. */
static void note_line(FILE *out, const struct note *n, const struct timespec *start,
		      int *racy)
{
	struct stat st;

	if (n->content) {
		int64_t size;
		uint64_t crc;
		content_of(n->path, &size, &crc);
		fprintf(out, "C %" PRId64 " %016" PRIx64 " %s\n", size, crc, n->path);
		return;
	}
	if (lstat(n->path, &st) < 0) {
		fprintf(out, "A %d %s\n", errno, n->path);
		return;
	}
	if (start && racy && is_racy(&st, start))
		*racy = 1;
	fprintf(out, "S %ju %ju %jd %jd.%09ld %jd.%09ld %o %s\n", (uintmax_t)st.st_dev,
		(uintmax_t)st.st_ino, (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec,
		st.st_mtim.tv_nsec, (intmax_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
		(unsigned)st.st_mode, n->path);
}

static void blob(FILE *out, const char *key, const char *text)
{
	fprintf(out, "%s %zu\n%s\n", key, strlen(text), text);
}

int injournal_text(const char *request, const char *facts, const char *self, char **ret)
{
	const struct timespec *start = &first_read;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int racy = 0;

	if (incomplete) {
		log_verbose("no input journal for the next no-op: %s", incomplete);
		return -EAGAIN;
	}
	qsort(notes, nnotes, sizeof(*notes), compare_notes);
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return -ENOMEM;
	blob(out, "request", request);
	blob(out, "self", self);
	if (facts)
		blob(out, "facts", facts);
	for (size_t i = 0; i < warnings.n; i++)
		blob(out, "warning", warnings.v[i]);
	for (size_t i = 0; i < nnotes; i++)
		if (i == 0 || compare_notes(&notes[i - 1], &notes[i]))
			note_line(out, &notes[i], start, &racy);
	if (fclose(out) != 0)
		return -ENOMEM;
	if (racy) {
		log_verbose(
			"no input journal for the next no-op: an input changed while this build ran");
		return -EAGAIN;
	}
	*ret = TAKE_PTR(text);
	return 0;
}

/* A "KEY LEN\nBYTES\n" blob at *p: its bytes and length, *p moved past it. 0 when the
 * text there is not one. */
static int blob_at(const char **p, const char *key, const char **ret, size_t *ret_len)
{
	size_t len, klen = strlen(key);
	int used = 0;

	if (strncmp(*p, key, klen) || (*p)[klen] != ' ' ||
	    sscanf(*p + klen + 1, "%zu%n", &len, &used) != 1 ||
	    (*p)[klen + 1 + used] != '\n')
		return 0;
	const char *bytes = *p + klen + 1 + used + 1;
	if (strnlen(bytes, len + 1) < len + 1 || bytes[len] != '\n')
		return 0;
	*p = bytes + len + 1;
	*ret = bytes;
	*ret_len = len;
	return 1;
}

/* A blob equal to `want`; *p moves past it. 0 when not. */
static int take_blob(const char **p, const char *key, const char *want)
{
	const char *bytes;
	size_t len;

	return blob_at(p, key, &bytes, &len) && want && strlen(want) == len &&
	       !memcmp(bytes, want, len);
}

/* The warnings the build said, for the no-op to say again. */
static int take_warnings(const char **p, struct strv *ret)
{
	const char *bytes;
	size_t len;

	while (blob_at(p, "warning", &bytes, &len)) {
		char *w = strndup(bytes, len);
		if (!w || strv_push_take(ret, w) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The facts blob, when the journal has one: compared with what they are now. */
static int facts_hold(const char **p, int (*facts_now)(void *, char **), void *userdata)
{
	_cleanup_free_ char *now = NULL;

	if (strncmp(*p, "facts ", 6))
		return 1;
	int r = facts_now(userdata, &now);
	if (r < 0)
		return 0; /* the full build says what is wrong */
	if (!take_blob(p, "facts", now)) {
		log_verbose("inputs changed: the devices autodetect reads");
		return 0;
	}
	return 1;
}

/* Where the path starts in a line "K FIELD... PATH\n": fields have no spaces. */
static const char *line_path(const char *p, const char *nl)
{
	int fields = *p == 'S' ? 6 : *p == 'C' ? 2 : *p == 'A' ? 1 : -1;
	const char *path = p + 2;

	if (fields < 0 || nl - p < 2 || p[1] != ' ')
		return NULL;
	for (int f = 0; f < fields && path; f++) {
		path = memchr(path, ' ', (size_t)(nl - path));
		if (path)
			path++;
	}
	return path;
}

/* One recorded line against the same path now: 1 same, 0 changed, -ENOMEM. */
static int line_holds(const char *p, const char *nl)
{
	_cleanup_free_ char *line = NULL, *path = NULL;
	const char *at = line_path(p, nl);
	size_t len = 0;
	char esc[256];

	if (!at)
		return 0;
	path = strndup(at, (size_t)(nl - at));
	if (!path)
		return -ENOMEM;
	FILE *out = open_memstream(&line, &len);
	if (!out)
		return -ENOMEM;
	note_line(out, &(struct note){.path = path, .content = *p == 'C'}, NULL, NULL);
	if (fclose(out) != 0)
		return -ENOMEM;
	if (len == (size_t)(nl - p + 1) && !memcmp(line, p, len))
		return 1;
	log_verbose("inputs changed: '%s'", log_escape(path, esc, sizeof(esc)));
	return 0;
}

static int paths_hold(const char *p)
{
	while (*p) {
		const char *nl = strchr(p, '\n');
		int r = nl ? line_holds(p, nl) : 0;
		if (r <= 0)
			return r;
		p = nl + 1;
	}
	return 1;
}

int injournal_check(const char *text, const char *request, const char *self,
		    int (*facts_now)(void *userdata, char **ret), void *userdata,
		    struct strv *ret_warnings)
{
	const char *p = text;
	int r;

	if (!take_blob(&p, "request", request)) {
		log_verbose("inputs changed: the command line, environment or directory");
		return 0;
	}
	if (!take_blob(&p, "self", self)) {
		log_verbose("inputs changed: the generator");
		return 0;
	}
	if (!facts_hold(&p, facts_now, userdata))
		return 0;
	r = take_warnings(&p, ret_warnings);
	if (r < 0)
		return r;
	return paths_hold(p);
}
