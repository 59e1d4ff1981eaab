/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Input digests: what an image was built from, kept next to it, to skip no-op builds. */
#include <fcntl.h>
#include <inttypes.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "compress.h"
#include "digest.h"
#include "textfile.h"
#include "util.h"

#define RECORD_MAGIC "mkinitramfs-inputs 1"

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
			lzma_crc64(e->data, e->size, 0));
		return 0;
	}
	/* A source that vanished cannot be described: the build must run and say so. */
	if (stat(e->source, &st) < 0)
		return negative_errno();
	fprintf(out, "%s %s %jd %jd.%09ld %jd.%09ld %ju %ju\n",
		e->from == STAGE_FROM_COMPRESSED ? "unpacked" : "file", e->source,
		(intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		(intmax_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec, (uintmax_t)st.st_ino,
		(uintmax_t)st.st_dev);
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

int digest_inputs(const struct stage *stage, const struct image_options *opts,
		  const char *kver, char **ret_text)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	FILE *out = open_memstream(&text, &len);
	if (!out)
		return -ENOMEM;
	/* The generator itself: a rebuilt mkinitramfs may write other bytes for the same
	 * stage. Without /proc (a package manager's chroot) the version has to do. */
	struct stat self;
	fprintf(out, "generator %s", MKINITRAMFS_VERSION);
	if (stat("/proc/self/exe", &self) == 0)
		fprintf(out, " %jd %jd.%09ld %ju", (intmax_t)self.st_size,
			(intmax_t)self.st_mtim.tv_sec, self.st_mtim.tv_nsec,
			(uintmax_t)self.st_ino);
	fprintf(out, "\nkernel %s\n", kver);
	fprintf(out, "compression %s level %d threads %d mtime %jd\n",
		compress_name(opts->compression), opts->level, opts->threads,
		(intmax_t)opts->mtime);
	r = opts->early ? stage_lines(out, "early", opts->early) : 0;
	if (r >= 0)
		r = stage_lines(out, "main", stage);
	if (fclose(out) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	*ret_text = TAKE_PTR(text);
	return 0;
}

/* Size and CRC-64 of a whole file; -ENOENT when it is missing. */
static int file_crc(const char *path, uint64_t *ret_size, uint64_t *ret_crc)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ uint8_t *buf = NULL;
	const size_t bufsize = 1 << 20;
	uint64_t size = 0, crc = 0;
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	buf = malloc(bufsize);
	if (!buf)
		return -ENOMEM;
	while ((n = read(fd, buf, bufsize)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		crc = lzma_crc64(buf, (size_t)n, crc);
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

int digest_unchanged(const char *image, const char *inputs)
{
	_cleanup_free_ char *path = NULL, *record = NULL;
	uint64_t size, crc, want_size, want_crc;
	size_t record_size;
	int used = 0;
	int r;

	r = record_path(image, &path);
	if (r >= 0)
		r = textfile_read(path, &record, &record_size);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* "<magic>\nimage <size> <crc>\n" then the inputs, compared byte for byte. */
	if (sscanf(record, RECORD_MAGIC "\nimage %" SCNu64 " %" SCNx64 "\n%n", &want_size,
		   &want_crc, &used) != 2 ||
	    !used || !streq(record + used, inputs))
		return 0;
	r = file_crc(image, &size, &crc);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return size == want_size && crc == want_crc;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int digest_record(const char *image, const char *inputs)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL, *head = NULL;
	uint64_t size, crc;
	int r;

	r = file_crc(image, &size, &crc);
	if (r < 0)
		return r;
	r = record_path(image, &path);
	if (r < 0)
		return r;
	/*
	 * Named as the image's own temporary files (.BASE.tmp.XXXXXX): if a crash leaves
	 * it, the old record no longer matches the new image, so the next build writes
	 * the image again, and image_write() removes it with its own leftovers.
	 */
	const char *slash = strrchr(image, '/');
	if (asprintf(&tmp, "%.*s.%s.tmp.XXXXXX", slash ? (int)(slash - image + 1) : 0,
		     image, slash ? slash + 1 : image) < 0 ||
	    asprintf(&head, RECORD_MAGIC "\nimage %" PRIu64 " %016" PRIx64 "\n", size,
		     crc) < 0)
		return -ENOMEM;
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	r = write_all(fd, head, strlen(head));
	if (r >= 0)
		r = write_all(fd, inputs, strlen(inputs));
	if (r >= 0 && fchmod(fd, 0600) < 0) /* like the image: it says what is inside */
		r = negative_errno();
	if (r >= 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r >= 0 && rename(tmp, path) < 0)
		r = negative_errno();
	if (r < 0)
		unlink(tmp);
	return r;
}
