/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unzstd: the init runs this helper (ABI_UNZSTD_PATH) with the in-image paths of the
 * modules it is about to load that a generic image keeps compressed ("X.ko.zst", plan
 * flag 'u' in abi.h): each becomes "X.ko" next to it, written to a temporary name and
 * renamed, so a failure never leaves half a module. The compressed file stays: the
 * image's modules.dep names it, for a rescue shell's modprobe. The modules the boot never
 * loads stay compressed and cost only their bytes, not their decompression. Exit 0 when
 * every file was done, 1 after logging, one line per file, what failed (the others are
 * still done).
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* rename() only */
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "abi.h"
#include "log.h"
#include "str.h"

/* A module is a few MiB at most; anything near this is not one. */
#define MAX_MODULE (256u << 20)
#define MAX_PATH 4096

/* The decompression context, without malloc (ZSTD_estimateDCtxSize() is ~100 KB). */
static unsigned char workspace[192u << 10] __attribute__((aligned(64)));

struct unzstd_map {
	void *p;
	size_t len;
};

static void unmap(struct unzstd_map *m)
{
	if (m->p && m->p != MAP_FAILED)
		munmap(m->p, m->len);
	m->p = NULL;
}

/* Map the input; its size must be that of one whole zstd frame that says its size. */
static int map_input(const char *path, struct unzstd_map *in, unsigned long long *ret)
{
	struct stat st;
	unsigned long long size;
	size_t frame;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		log_error("cannot open module '%s': %s", path, log_errname(-errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		log_error("module '%s' is not a non-empty regular file", path);
		return -EINVAL;
	}
	in->len = (size_t)st.st_size;
	in->p = mmap(NULL, in->len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (in->p == MAP_FAILED) {
		log_error("cannot map module '%s': %s", path, log_errname(-errno));
		return -errno;
	}
	frame = ZSTD_findFrameCompressedSize(in->p, in->len);
	if (ZSTD_isError(frame)) {
		log_error("module '%s' is not a whole zstd frame: %s", path,
			  ZSTD_getErrorName(frame));
		return -EBADMSG;
	}
	if (frame != in->len) {
		log_error("module '%s' has %zu bytes after its zstd frame", path,
			  in->len - frame);
		return -EBADMSG;
	}
	size = ZSTD_getFrameContentSize(in->p, in->len);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
	    size == 0 || size > MAX_MODULE) {
		log_error("module '%s' does not say a decompressed size up to %u MiB",
			  path, MAX_MODULE >> 20);
		return -EBADMSG;
	}
	*ret = size;
	return 0;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write len bytes to tmp, then rename it to dst; nothing is left behind on failure. */
static int commit(const char *tmp, const char *dst, const unsigned char *p, size_t len)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	int r;

	if (fd < 0) {
		log_error("cannot create '%s': %s", tmp, log_errname(-errno));
		return -errno;
	}
	r = write_all(fd, p, len);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, dst) < 0)
		r = -errno;
	if (r < 0) {
		log_error("cannot write module '%s': %s", dst, log_errname(r));
		unlink(tmp);
	}
	return r;
}

static int unpack(ZSTD_DCtx *dctx, const char *path)
{
	char dst[MAX_PATH], tmp[MAX_PATH];
	struct unzstd_map in = {0}, out = {0};
	unsigned long long size = 0;
	size_t len = strlen(path), n;
	struct str s;
	int r;

	if (len < 5 || strcmp(path + len - 4, ".zst") != 0 || len >= MAX_PATH - 8) {
		log_error("'%s' is not a module file name ending in '.zst'", path);
		return -EINVAL;
	}
	memcpy(dst, path, len - 4);
	dst[len - 4] = '\0';
	str_init(&s, tmp, sizeof(tmp));
	str_addf(&s, "%s.unzstd-tmp", dst);
	r = map_input(path, &in, &size);
	if (r < 0)
		goto out;
	out.len = (size_t)size;
	out.p = mmap(NULL, out.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	if (out.p == MAP_FAILED) {
		r = -errno;
		log_error("no memory for module '%s' (%zu bytes): %s", dst, out.len,
			  log_errname(r));
		goto out;
	}
	n = ZSTD_decompressDCtx(dctx, out.p, out.len, in.p, in.len);
	if (ZSTD_isError(n) || n != out.len) {
		if (ZSTD_isError(n))
			log_error("module '%s' is corrupt: %s", path,
				  ZSTD_getErrorName(n));
		else
			log_error(
				"module '%s' decompressed to %zu bytes, its frame says %zu",
				path, n, out.len);
		r = -EBADMSG;
		goto out;
	}
	r = commit(tmp, dst, out.p, out.len);
out:
	unmap(&in);
	unmap(&out);
	return r;
}

int main(int argc, char *argv[])
{
	ZSTD_DCtx *dctx;
	int failed = 0;

	/* Run by the init: its log is the kernel's. Run by hand or a test: stderr. */
	if (getppid() == 1) {
		int fd = open(ABI_KMSG_PATH, O_WRONLY | O_CLOEXEC | O_NOCTTY);

		if (fd >= 0)
			log_set_fd(fd, ABI_KMSG_PATH);
	}
	if (argc < 2) {
		log_error("unzstd: expected 'unzstd MODULE.ko.zst...'");
		return 1;
	}
	if (ZSTD_estimateDCtxSize() > sizeof(workspace) ||
	    !(dctx = ZSTD_initStaticDCtx(workspace, sizeof(workspace)))) {
		log_error("unzstd: the zstd context needs %zu bytes, it has %zu",
			  ZSTD_estimateDCtxSize(), sizeof(workspace));
		return 1;
	}
	for (int i = 1; i < argc; i++)
		if (unpack(dctx, argv[i]) < 0)
			failed++;
	return failed ? 1 : 0;
}
