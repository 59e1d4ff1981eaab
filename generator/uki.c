/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unified kernel images: the EFI stub, the kernel, the initramfs and their metadata. */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "pe.h"
#include "uki.h"
#include "util.h"

/* A kernel image or initramfs beyond this is not something a firmware loads. */
#define UKI_INPUT_MAX ((size_t)2 << 30)
#define READ_BACK_CHUNK (1u << 20)

struct blob {
	uint8_t *data;
	size_t size;
};

static void blob_clear(struct blob *b)
{
	free(b->data);
	*b = (struct blob){0};
}

/* The whole of a regular file. -EISDIR/-EINVAL for what is not one, -EFBIG. */
static int read_all(const char *path, struct blob *ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > UKI_INPUT_MAX)
		return -EFBIG;
	size_t size = (size_t)st.st_size;
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return -ENOMEM;
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return n < 0 ? negative_errno() : -EIO;
		}
		got += (size_t)n;
	}
	*ret = (struct blob){buf, size};
	return 0;
}

size_t uki_normalize_cmdline(char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n' || text[i] == '\r' || text[i] == '\t')
			text[i] = ' ';
	while (len && text[len - 1] == ' ')
		len--;
	return len;
}

int uki_scratch_initrd(const char *uki_output, char **ret)
{
	const char *slash = strrchr(uki_output, '/');
	const char *base = slash ? slash + 1 : uki_output;
	int dirlen = slash ? (int)(slash - uki_output + 1) : 0;

	return asprintf(ret, "%.*s.%s.initrd", dirlen, uki_output, base) < 0 ? -ENOMEM
									     : 0;
}

int uki_check_target(const char *uki_output)
{
	const char *slash = strrchr(uki_output, '/');
	_cleanup_free_ char *dir =
		slash ? strndup(uki_output,
				slash == uki_output ? 1 : (size_t)(slash - uki_output))
		      : strdup(".");
	struct stat st;

	if (!dir)
		return -ENOMEM;
	if (slash && !slash[1]) {
		log_error("cannot write UKI '%s': that is a directory", uki_output);
		return -EISDIR;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_error("cannot write UKI '%s': the directory '%s' does not exist",
			  uki_output, dir);
		return -ENOENT;
	}
	return 0;
}

static int has_uki_section(const uint8_t *image, size_t size)
{
	static const char *const names[] = {".linux", ".initrd", ".cmdline", ".uname"};
	struct pe_section_info info[96];
	int n = pe_sections(image, size, info, ARRAY_SIZE(info), NULL, NULL);

	for (int i = 0; i < n && i < (int)ARRAY_SIZE(info); i++)
		for (size_t k = 0; k < ARRAY_SIZE(names); k++)
			if (streq(info[i].name, names[k]))
				return 1;
	return 0;
}

static int read_stub(const char *path, struct blob *ret)
{
	int r = read_all(path, ret);

	if (r == -ENOENT)
		return log_error_errno(
			r,
			"EFI stub '%s' not found (install systemd-boot-efi or give --uefistub)",
			path);
	if (r < 0)
		return log_error_errno(r, "cannot read the EFI stub '%s'", path);
	if (pe_sections(ret->data, ret->size, NULL, 0, NULL, NULL) < 0) {
		log_error("EFI stub '%s' is not a PE image", path);
		blob_clear(ret);
		return -ENOEXEC;
	}
	return 0;
}

/* A bzImage: "MZ" (its EFI stub's PE header) and the boot protocol's "HdrS". */
static int read_kernel(const char *path, struct blob *ret)
{
	int r = read_all(path, ret);

	if (r == -ENOENT)
		return log_error_errno(
			r, "kernel image '%s' not found (give --kernelimage PATH)", path);
	if (r < 0)
		return log_error_errno(r, "cannot read the kernel image '%s'", path);
	if (ret->size < 0x206 || memcmp(ret->data, "MZ", 2) != 0 ||
	    memcmp(ret->data + 0x202, "HdrS", 4) != 0) {
		log_error("kernel image '%s' is not an EFI-bootable bzImage", path);
		blob_clear(ret);
		return -ENOEXEC;
	}
	return 0;
}

static int read_cmdline(const struct uki_request *req, const char *root, struct blob *ret)
{
	_cleanup_free_ char *dflt = NULL;
	const char *path = req->cmdline;
	int r;

	if (!path) {
		if (asprintf(&dflt, "%s/etc/kernel/cmdline",
			     streq(root, "/") ? "" : root) < 0)
			return -ENOMEM;
		path = dflt;
		if (access(path, F_OK) < 0 && errno == ENOENT) {
			if (!streq(root, "/")) {
				log_error(
					"no kernel command line: '%s' does not exist; give --cmdline FILE or --no-cmdline",
					path);
				return -ENOENT;
			}
			path = "/proc/cmdline";
		}
	}
	r = read_all(path, ret);
	if (r < 0)
		return log_error_errno(r, "cannot read the kernel command line '%s'",
				       path);
	ret->size = uki_normalize_cmdline((char *)ret->data, ret->size);
	if (!ret->size)
		log_warning("the kernel command line '%s' is empty, ignoring", path);
	return 0;
}

static int read_osrelease(const struct uki_request *req, const char *root,
			  struct blob *ret)
{
	const char *r0 = streq(root, "/") ? "" : root;
	_cleanup_free_ char *etc = NULL, *usr = NULL;
	int r;

	if (req->osrelease) {
		r = read_all(req->osrelease, ret);
		return r < 0 ? log_error_errno(r, "cannot read os-release '%s'",
					       req->osrelease)
			     : 0;
	}
	if (asprintf(&etc, "%s/etc/os-release", r0) < 0 ||
	    asprintf(&usr, "%s/usr/lib/os-release", r0) < 0)
		return -ENOMEM;
	r = read_all(etc, ret);
	if (r == -ENOENT)
		r = read_all(usr, ret);
	if (r < 0)
		log_warning(
			"no os-release in '%s' or '%s': the UKI has no .osrel, ignoring",
			etc, usr);
	return 0;
}

static int read_splash(const char *path, struct blob *ret)
{
	int r = read_all(path, ret);

	if (r < 0)
		return log_error_errno(r, "cannot read the splash image '%s'", path);
	if (ret->size < 2 || memcmp(ret->data, "BM", 2) != 0) {
		log_error("splash image '%s' is not a BMP file", path);
		blob_clear(ret);
		return -EINVAL;
	}
	return 0;
}

static int read_initrd(const char *path, struct blob *ret)
{
	int r = read_all(path, ret);
	if (r < 0)
		return log_error_errno(r, "cannot read the initramfs '%s' for the UKI",
				       path);
	return 0;
}

static int write_full(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? negative_errno() : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What is on disk is what we meant to write: read it back through the fd. */
static int read_back(int fd, const uint8_t *want, size_t size)
{
	_cleanup_free_ uint8_t *buf = malloc(READ_BACK_CHUNK);
	struct stat st;

	if (!buf)
		return -ENOMEM;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if ((uint64_t)st.st_size != size)
		return -EBADMSG;
	for (size_t off = 0; off < size;) {
		size_t len = size - off < READ_BACK_CHUNK ? size - off : READ_BACK_CHUNK;
		ssize_t n = pread(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? negative_errno() : -EBADMSG;
		if (memcmp(buf, want + off, (size_t)n) != 0)
			return -EBADMSG;
		off += (size_t)n;
	}
	return 0;
}

/* The file at `target` already holds exactly these bytes: 1, else 0. */
static int same_file(const char *target, const uint8_t *data, size_t size)
{
	_cleanup_close_ int fd = open(target, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd >= 0 && read_back(fd, data, size) == 0;
}

/* The new file's bytes into fd, checked on disk, then renamed over `target`. */
static int fill_and_rename(int fd, const char *tmp, const char *target,
			   const uint8_t *data, size_t size)
{
	int r;

	if (fchmod(fd, 0600) < 0)
		return negative_errno();
	r = write_full(fd, data, size);
	if (r < 0)
		return r;
	if (fsync(fd) < 0)
		return negative_errno();
	r = read_back(fd, data, size);
	if (r < 0)
		return r;
	if (rename(tmp, target) < 0)
		return negative_errno();
	return 0;
}

static int write_atomic(const char *target, const uint8_t *data, size_t size)
{
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	_cleanup_free_ char *dir = NULL, *tmp = NULL;
	_cleanup_close_ int dirfd = -1;
	int r;

	if (!*base)
		return -EISDIR;
	dir = slash ? strndup(target, slash == target ? 1 : (size_t)(slash - target))
		    : strdup(".");
	if (!dir || asprintf(&tmp, "%s/.%s.tmp.XXXXXX", dir, base) < 0)
		return -ENOMEM;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return negative_errno();
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	r = fill_and_rename(fd, tmp, target, data, size);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	if (fsync(dirfd) < 0 && errno != EINVAL)
		return negative_errno();
	return 0;
}

static int log_write_error(const char *out, int r)
{
	if (r == -EBADMSG)
		log_error(
			"UKI '%s' failed its read-back check; the previous file is kept",
			out);
	else if (r == -ENOENT)
		log_error("cannot write UKI '%s': its directory does not exist", out);
	else
		log_error("cannot write UKI '%s': %s; the previous file is kept", out,
			  strerror(-r));
	return r;
}

static int log_pe_error(const char *stub, int r)
{
	if (r == -ENOSPC)
		log_error(
			"EFI stub '%s' has no room in its headers for the UKI's sections",
			stub);
	else if (r == -EEXIST)
		log_error(
			"EFI stub '%s' already has UKI sections: it is a UKI, not a stub",
			stub);
	else if (r == -EFBIG)
		log_error("UKI would exceed 4 GiB, the limit of the PE format");
	else
		log_error("cannot assemble the UKI from '%s': %s", stub, strerror(-r));
	return r;
}

/* The inputs, in the order the sections are written (systemd-stub(7)'s order). */
struct inputs {
	struct blob stub, osrel, cmdline, splash, kernel, initrd;
};

static void inputs_clear(struct inputs *in)
{
	blob_clear(&in->stub);
	blob_clear(&in->osrel);
	blob_clear(&in->cmdline);
	blob_clear(&in->splash);
	blob_clear(&in->kernel);
	blob_clear(&in->initrd);
}

static int read_inputs(const struct uki_request *req, const char *root, const char *kver,
		       const char *initrd, const char *stub, struct inputs *in)
{
	_cleanup_free_ char *kernel = NULL;
	const char *kpath = req->kernel_image;
	int r;

	if (!kpath) {
		if (asprintf(&kernel, "%s/boot/vmlinuz-%s", streq(root, "/") ? "" : root,
			     kver) < 0)
			return -ENOMEM;
		kpath = kernel;
	}
	r = read_stub(stub, &in->stub);
	if (r < 0)
		return r;
	r = read_kernel(kpath, &in->kernel);
	if (r < 0)
		return r;
	if (has_uki_section(in->stub.data, in->stub.size)) {
		log_error(
			"EFI stub '%s' already has UKI sections: it is a UKI, not a stub",
			stub);
		return -EEXIST;
	}
	if (!req->no_cmdline) {
		r = read_cmdline(req, root, &in->cmdline);
		if (r < 0)
			return r;
	}
	r = read_osrelease(req, root, &in->osrel);
	if (r < 0)
		return r;
	if (req->splash) {
		r = read_splash(req->splash, &in->splash);
		if (r < 0)
			return r;
	}
	if (initrd)
		return read_initrd(initrd, &in->initrd);
	return 0;
}

int uki_check(const struct uki_request *req, const char *root, const char *kver)
{
	_cleanup_(inputs_clear) struct inputs in = {0};
	int r = uki_check_target(req->output);

	if (r < 0)
		return r;
	return read_inputs(req, root, kver, NULL,
			   req->stub ? req->stub : UKI_DEFAULT_STUB, &in);
}

int uki_build(const struct uki_request *req, const char *root, const char *kver,
	      const char *initrd)
{
	const char *stub = req->stub ? req->stub : UKI_DEFAULT_STUB;
	_cleanup_(inputs_clear) struct inputs in = {0};
	struct pe_section secs[6];
	size_t n = 0, size;
	uint8_t *out = NULL;
	int r = read_inputs(req, root, kver, initrd, stub, &in);

	if (r < 0)
		return r;
	if (in.osrel.size)
		secs[n++] = (struct pe_section){".osrel", in.osrel.data, in.osrel.size};
	if (in.cmdline.size)
		secs[n++] =
			(struct pe_section){".cmdline", in.cmdline.data, in.cmdline.size};
	secs[n++] = (struct pe_section){".uname", kver, strlen(kver)};
	if (in.splash.size)
		secs[n++] =
			(struct pe_section){".splash", in.splash.data, in.splash.size};
	/* systemd-stub runs a kernel with the EFI handover protocol in place: code. */
	secs[n++] = (struct pe_section){".linux", in.kernel.data, in.kernel.size,
					PE_SECTION_CODE};
	if (in.initrd.size)
		secs[n++] =
			(struct pe_section){".initrd", in.initrd.data, in.initrd.size};
	if (pe_signed(in.stub.data, in.stub.size))
		log_warning(
			"EFI stub '%s' is signed: the signature no longer matches once sections are added and is dropped (sign the UKI instead)",
			stub);
	r = pe_add_sections(in.stub.data, in.stub.size, secs, n, &out, &size);
	inputs_clear(&in);
	if (r < 0)
		return log_pe_error(stub, r);
	if (same_file(req->output, out, size)) {
		free(out);
		log_info("UKI '%s' is up to date: same bytes", req->output);
		return 0;
	}
	r = write_atomic(req->output, out, size);
	free(out);
	if (r < 0)
		return log_write_error(req->output, r);
	log_info("wrote UKI '%s' (%zu bytes)", req->output, size);
	return 0;
}
