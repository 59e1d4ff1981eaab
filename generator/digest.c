/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Input digests: what an image was built from, kept next to it, to skip no-op builds. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "crc64.h"
#include "fileio.h"
#include "compress.h"
#include "digest.h"
#include "log.h"
#include "util.h"

/* 2: the image line names the inode and times of the image it describes; 3: a journal
 * of the inputs (inputjournal.h) follows it, "journal <length> <crc>\n" and its bytes,
 * the CRC-64 over the journal and the inputs: an altered record is not trusted. */
#define RECORD_MAGIC "mkinitramfs-inputs 3"

static int entry_line(FILE *out, const char *segment, const struct stage_entry *e)
{
	struct stat st;

	fprintf(out, "%s %s %o ", segment, e->path, (unsigned)e->mode);
	switch (e->kind) {
	case STAGE_DIR:
		fputs("dir\n", out);
		return 0;
	case STAGE_SYMLINK:
		fprintf(out, "symlink %s\n", e->target);
		return 0;
	case STAGE_DEVICE:
		fprintf(out, "device %u:%u\n", major(e->rdev), minor(e->rdev));
		return 0;
	case STAGE_FILE:
		break;
	}
	if (e->from == STAGE_FROM_DATA) {
		fprintf(out, "data %zu %016" PRIx64 "\n", e->size,
			crc64(e->data, e->size, 0));
		return 0;
	}
	/* A source that vanished cannot be described: the build must run and say so. */
	if (stat(e->source, &st) < 0)
		return negative_errno();
	fprintf(out, "%s %s %jd %jd.%09ld %jd.%09ld %ju %ju\n",
		e->from == STAGE_FROM_COMPRESSED ? "unpacked"
		: e->from == STAGE_FROM_ZSTD	 ? COMPRESS_FRAME_NAME
						 : "file",
		e->source, (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec,
		st.st_mtim.tv_nsec, (intmax_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
		(uintmax_t)st.st_ino, (uintmax_t)st.st_dev);
	return 0;
}

static int stage_lines(FILE *out, const char *segment, const struct stage *stage)
{
	size_t n;
	const struct stage_entry *entries = stage_entries(stage, &n);

	for (size_t i = 0; i < n; i++) {
		int r = entry_line(out, segment, &entries[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int stages_lines(FILE *out, const struct stage *early, const struct stage *stage)
{
	if (early) {
		int r = stage_lines(out, "early", early);
		if (r < 0)
			return r;
	}
	return stage_lines(out, "main", stage);
}

int digest_generator(char **ret)
{
	/* A rebuilt mkinitramfs may write other bytes for the same stage. Without /proc
	 * (a package manager's chroot) the version has to do. */
	struct stat self;

	if (stat("/proc/self/exe", &self) < 0)
		return asprintf(ret, "generator %s", MKINITRAMFS_VERSION) < 0 ? -ENOMEM
									      : 0;
	return asprintf(ret, "generator %s %jd %jd.%09ld %ju", MKINITRAMFS_VERSION,
			(intmax_t)self.st_size, (intmax_t)self.st_mtim.tv_sec,
			self.st_mtim.tv_nsec, (uintmax_t)self.st_ino) < 0
		       ? -ENOMEM
		       : 0;
}

int digest_inputs(const struct stage *stage, const struct image_options *opts,
		  const char *kver, char **ret_text)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	FILE *out = open_memstream(&text, &len);
	if (!out)
		return -ENOMEM;
	_cleanup_free_ char *self = NULL;
	r = digest_generator(&self);
	if (r < 0) {
		fclose(out);
		return r;
	}
	fprintf(out, "%s\nkernel %s\n", self, kver);
	fprintf(out, "compression %s level %d threads %d mtime %jd\n",
		compress_name(opts->compression), opts->level, opts->threads,
		(intmax_t)opts->mtime);
	r = stages_lines(out, opts->early, stage);
	if (fclose(out) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	*ret_text = TAKE_PTR(text);
	return 0;
}

/*
 * Size and CRC-64 of what `fd` holds, read from offset 0 (the descriptor checked or
 * written, never the path again). A small buffer stays in the CPU's cache and costs no
 * page faults: a fresh 1 MiB one made the no-op's proof of a 1 MiB image cost 0.8 ms
 * in faults and copies to cold memory, more than the CRC itself.
 */
static int fd_crc(int fd, uint64_t *ret_size, uint64_t *ret_crc)
{
	uint8_t buf[64 << 10];
	const size_t bufsize = sizeof(buf);
	uint64_t size = 0, crc = 0;
	ssize_t n;

	while ((n = pread(fd, buf, bufsize, (off_t)size)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		crc = crc64(buf, (size_t)n, crc);
		size += (uint64_t)n;
	}
	*ret_size = size;
	*ret_crc = crc;
	return 0;
}

static int record_path(const char *image, char **ret)
{
	return asprintf(ret, "%s" DIGEST_SUFFIX, image) < 0 ? -ENOMEM : 0;
}

/* Open a regular file without following a link or waiting on a FIFO; -ENOENT also
 * when it is something else, which a build then replaces. */
static int open_regular(const char *path, struct stat *ret_st)
{
	_cleanup_close_ int fd =
		open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return errno == ELOOP ? -ENOENT : negative_errno();
	if (fstat(fd, ret_st) < 0)
		return negative_errno();
	if (!S_ISREG(ret_st->st_mode))
		return -ENOENT;
	return TAKE_FD(fd);
}

/* The record's second line: what the image on disk must be. */
struct image_id {
	uint64_t size, crc, ino;
	int64_t mtime_sec, ctime_sec;
	long mtime_nsec, ctime_nsec;
};

static void id_of(const struct stat *st, uint64_t size, uint64_t crc,
		  struct image_id *ret)
{
	*ret = (struct image_id){
		.size = size,
		.crc = crc,
		.ino = (uint64_t)st->st_ino,
		.mtime_sec = (int64_t)st->st_mtim.tv_sec,
		.mtime_nsec = st->st_mtim.tv_nsec,
		.ctime_sec = (int64_t)st->st_ctim.tv_sec,
		.ctime_nsec = st->st_ctim.tv_nsec,
	};
}

static int same_id(const struct image_id *a, const struct image_id *b)
{
	return a->size == b->size && a->crc == b->crc && a->ino == b->ino &&
	       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
	       a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec;
}

#define ID_FORMAT                                                                        \
	"image %" PRIu64 " %016" PRIx64 " %" PRIu64 " %" PRId64 ".%09ld %" PRId64        \
	".%09ld\n"

static int read_record(const char *image, char **ret)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	struct stat st;
	int r = record_path(image, &path);

	if (r < 0)
		return r;
	_cleanup_close_ int fd = open_regular(path, &st);
	if (fd < 0)
		return fd;
	if (st.st_size > DIGEST_RECORD_MAX)
		return -ENOENT; /* not one of ours: rebuild, which replaces it */
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return -ENOMEM;
	ssize_t n = pread(fd, text, (size_t)st.st_size, 0);
	if (n < 0)
		return negative_errno();
	text[n] = '\0';
	*ret = TAKE_PTR(text);
	return 0;
}

/* A record split into its parts; `text` owns them. */
struct record {
	char *text;
	struct image_id id;
	const char *journal; /* not terminated: journal_len bytes */
	size_t journal_len;
	const char *inputs;
	uint64_t crc; /* of the journal and the inputs, as recorded */
};

static void record_clear(struct record *rec)
{
	free(rec->text);
}

static uint64_t tail_crc(const char *journal, size_t journal_len, const char *inputs)
{
	uint64_t crc = crc64((const uint8_t *)journal, journal_len, 0);

	return crc64((const uint8_t *)inputs, strlen(inputs), crc);
}

/* 1 parsed, 0 not a record of this version (a build replaces it), negative errno. */
static int parse_record(const char *image, struct record *ret)
{
	_cleanup_free_ char *text = NULL;
	struct image_id *id = &ret->id;
	int used = 0, r = read_record(image, &text);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* "<magic>\nimage <size> <crc> <inode> <mtime> <ctime>\njournal <len>\n" */
	if (sscanf(text,
		   RECORD_MAGIC "\nimage %" SCNu64 " %" SCNx64 " %" SCNu64 " %" SCNd64
				".%ld %" SCNd64 ".%ld\njournal %zu %" SCNx64 "%n",
		   &id->size, &id->crc, &id->ino, &id->mtime_sec, &id->mtime_nsec,
		   &id->ctime_sec, &id->ctime_nsec, &ret->journal_len, &ret->crc,
		   &used) != 9 ||
	    !used || text[used] != '\n' ||
	    strnlen(text + used + 1, ret->journal_len) < ret->journal_len)
		return 0;
	ret->journal = text + used + 1;
	ret->inputs = ret->journal + ret->journal_len;
	if (tail_crc(ret->journal, ret->journal_len, ret->inputs) != ret->crc)
		return 0;
	ret->text = TAKE_PTR(text);
	return 1;
}

/* The image the record describes, proven by what the descriptor read holds. */
static int image_proven(const char *image, const struct image_id *want)
{
	struct image_id have;
	struct stat st;
	uint64_t size, crc;

	_cleanup_close_ int fd = open_regular(image, &st);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	/* Nothing to read when the inode or the times already differ. */
	id_of(&st, (uint64_t)st.st_size, want->crc, &have);
	if (!same_id(&have, want))
		return 0;
	int r = fd_crc(fd, &size, &crc);
	if (r < 0)
		return r;
	id_of(&st, size, crc, &have);
	return same_id(&have, want);
}

static int write_record(const char *image, const char *head, const char *journal,
			const char *inputs);

static int head_of(const struct image_id *id, const char *journal, const char *inputs,
		   char **ret)
{
	if (!journal)
		journal = "";
	return asprintf(ret, RECORD_MAGIC "\n" ID_FORMAT "journal %zu %016" PRIx64 "\n",
			id->size, id->crc, id->ino, id->mtime_sec, id->mtime_nsec,
			id->ctime_sec, id->ctime_nsec, strlen(journal),
			tail_crc(journal, strlen(journal), inputs)) < 0
		       ? -ENOMEM
		       : 0;
}

/* The same record with this run's journal: after a stat-only change the next no-op
 * takes the fast path again; a run that keeps none (NULL) drops the old one, which was
 * another build's. */
static void rejournal(const char *image, const struct record *rec, const char *journal)
{
	_cleanup_free_ char *head = NULL;

	if (!journal)
		journal = "";
	if (strlen(journal) == rec->journal_len &&
	    !memcmp(journal, rec->journal, rec->journal_len))
		return;
	if (head_of(&rec->id, journal, rec->inputs, &head) < 0)
		return;
	int r = write_record(image, head, journal, rec->inputs);
	if (r < 0)
		log_verbose("cannot update the input journal in '%s" DIGEST_SUFFIX
			    "': %s, ignoring",
			    image, strerror(-r));
}

int digest_unchanged(const char *image, const char *inputs, const char *journal)
{
	_cleanup_(record_clear) struct record rec = {0};
	int r = parse_record(image, &rec);

	if (r <= 0)
		return r;
	if (!streq(rec.inputs, inputs))
		return 0;
	r = image_proven(image, &rec.id);
	if (r > 0)
		rejournal(image, &rec, journal);
	return r;
}

int digest_journal_unchanged(const char *image,
			     int (*check)(const char *journal, void *userdata),
			     void *userdata)
{
	_cleanup_(record_clear) struct record rec = {0};
	_cleanup_free_ char *journal = NULL;
	int r = parse_record(image, &rec);

	if (r <= 0 || !rec.journal_len)
		return r < 0 ? r : 0;
	journal = strndup(rec.journal, rec.journal_len);
	if (!journal)
		return -ENOMEM;
	r = check(journal, userdata);
	if (r <= 0)
		return r;
	return image_proven(image, &rec.id);
}

/*
 * A temporary file named as the image's own (.BASE.tmp.XXXXXX), locked as image_write()
 * locks its own: a concurrent build's cleanup removes it only once nobody holds it.
 */
static int create_temp(const char *image, char **ret_name)
{
	const char *slash = strrchr(image, '/');

	for (int attempt = 0; attempt < 100; attempt++) {
		_cleanup_free_ char *tmp = NULL;
		struct stat st, now;
		if (asprintf(&tmp, "%.*s.%s.tmp.XXXXXX",
			     slash ? (int)(slash - image + 1) : 0, image,
			     slash ? slash + 1 : image) < 0)
			return -ENOMEM;
		_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0)
			return negative_errno();
		if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
			int r = negative_errno();
			unlink(tmp);
			return r;
		}
		if (lstat(tmp, &now) < 0 || now.st_ino != st.st_ino ||
		    now.st_dev != st.st_dev)
			continue; /* removed by a cleanup before we locked it */
		*ret_name = TAKE_PTR(tmp);
		return TAKE_FD(fd);
	}
	return -EEXIST;
}

/* The record's text into the temporary file fd, flushed, then renamed to `path`. */
static int fill_record(int fd, const char *tmp, const char *path, const char *head,
		       const char *journal, const char *inputs)
{
	int r = fileio_write_all(fd, head, strlen(head));

	if (r >= 0 && journal)
		r = fileio_write_all(fd, journal, strlen(journal));
	if (r < 0)
		return r;
	r = fileio_write_all(fd, inputs, strlen(inputs));
	if (r < 0)
		return r;
	if (fchmod(fd, 0600) < 0) /* like the image: it says what is inside */
		return negative_errno();
	if (fsync(fd) < 0)
		return negative_errno();
	if (rename(tmp, path) < 0)
		return negative_errno();
	return 0;
}

static int write_record(const char *image, const char *head, const char *journal,
			const char *inputs)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL;
	int r = record_path(image, &path);

	if (r < 0)
		return r;
	_cleanup_close_ int fd = create_temp(image, &tmp);
	if (fd < 0)
		return fd;
	r = fill_record(fd, tmp, path, head, journal, inputs);
	if (r < 0)
		unlink(tmp);
	return r;
}

/* The image's identity (size, CRC, inode, times) and its inputs, into its record. */
static int identify_and_record(const char *image, int fd, const struct stat *st,
			       const struct image_sum *sum, const char *inputs,
			       const char *journal)
{
	_cleanup_free_ char *head = NULL;
	struct image_id id;
	uint64_t size, crc;
	int r = 0;

	if (sum && sum->size == (uint64_t)st->st_size) {
		size = sum->size;
		crc = sum->crc64;
	} else {
		r = fd_crc(fd, &size, &crc);
	}
	if (r < 0)
		return r;
	id_of(st, size, crc, &id);
	r = head_of(&id, journal, inputs, &head);
	if (r < 0)
		return r;
	return write_record(image, head, journal, inputs);
}

int digest_record(const char *image, int fd, const struct stat *st,
		  const struct image_sum *sum, const char *inputs, const char *journal)
{
	_cleanup_free_ char *path = NULL;
	int r = identify_and_record(image, fd, st, sum, inputs, journal);

	if (r == 0)
		return 0;
	/* An old record must not outlive the image it described. Without a record the
	 * next build just runs again: no reason to fail this one. */
	if (record_path(image, &path) >= 0)
		unlink(path);
	log_warning("cannot record the inputs of '%s' in '%s" DIGEST_SUFFIX
		    "': %s, ignoring",
		    image, image, strerror(-r));
	return r;
}
