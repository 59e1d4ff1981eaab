/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPU microcode for the kernel's early loader: an uncompressed cpio before the image. */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inputjournal.h"
#include "microcode.h"
#include "strv.h"
#include "sysroot.h"
#include "util.h"

/* Why a build with microcode has no input journal (inputjournal.h). */
#define JOURNAL_MICROCODE                                                                \
	"microcode is chosen by /proc/cpuinfo and a firmware directory listing"

struct vendor_source {
	const char *vendor;
	const char *dir; /* under lib/firmware */
	const char *pattern;
};

static const struct vendor_source sources[] = {
	{"GenuineIntel", "intel-ucode", "*"},
	{"AuthenticAMD", "amd-ucode", "*.bin"},
};

/* One file of the root's microcode directory, opened inside the root (sysroot.h). */
static int append_file(const char *root, const char *dir, const char *name, char **buf,
		       size_t *len)
{
	_cleanup_free_ char *path = NULL, *data = NULL;
	size_t size;
	int r;

	if (asprintf(&path, "/lib/firmware/%s/%s", dir, name) < 0)
		return -ENOMEM;
	r = sysroot_read(root, path, SYSROOT_READ_MAX, &data, &size);
	if (r == -EINVAL || r == -EISDIR || r == -ENOENT || r == -ELOOP)
		return 0; /* not a file of microcode, or a link leading nowhere inside */
	if (r < 0)
		return r;
	char *n = realloc(*buf, *len + size + 1);
	if (!n)
		return -ENOMEM;
	*buf = n;
	memcpy(n + *len, data, size);
	*len += size;
	return 0;
}

static int collect(const char *root, const struct vendor_source *src, char **buf,
		   size_t *len)
{
	_cleanup_free_ char *path = NULL;
	struct strv names = STRV_INIT;
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if (asprintf(&path, "/lib/firmware/%s", src->dir) < 0)
		return -ENOMEM;
	fd = sysroot_open(root, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while (r >= 0 && (de = readdir(d)))
		if (de->d_name[0] != '.' && fnmatch(src->pattern, de->d_name, 0) == 0)
			r = strv_push(&names, de->d_name);
	closedir(d);
	strv_sort(&names);
	for (size_t i = 0; r >= 0 && i < names.n; i++)
		r = append_file(root, src->dir, names.v[i], buf, len);
	strv_clear(&names);
	return r;
}

int microcode_stage(struct stage *early, const char *root, const char *vendor)
{
	int added = 0;

	injournal_incomplete(JOURNAL_MICROCODE);

	for (size_t i = 0; i < ARRAY_SIZE(sources); i++) {
		_cleanup_free_ char *buf = NULL, *path = NULL;
		size_t len = 0;
		int r;

		if (vendor && !streq(vendor, sources[i].vendor))
			continue;
		r = collect(root, &sources[i], &buf, &len);
		if (r < 0)
			return r;
		if (!len)
			continue;
		if (asprintf(&path, "kernel/x86/microcode/%s.bin", sources[i].vendor) < 0)
			return -ENOMEM;
		r = stage_add_data(early, path, 0644, buf, len);
		if (r < 0)
			return r;
		added++;
	}
	return added;
}

int microcode_cpu_vendor(const char *cpuinfo, char **ret)
{
	FILE *f = fopen(cpuinfo, "re");
	char *line = NULL;
	size_t cap = 0;
	int r = -ENOENT;

	injournal_incomplete(JOURNAL_MICROCODE);

	if (!f)
		return negative_errno();
	while (getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "vendor_id", 9) != 0 || !colon)
			continue;
		char *v = colon + 1 + strspn(colon + 1, " \t");
		v[strcspn(v, " \t\n")] = '\0';
		*ret = strdup(v);
		r = *ret ? 0 : -ENOMEM;
		break;
	}
	free(line);
	fclose(f);
	return r;
}

int microcode_stage_cpu(struct stage *early, const char *root, const char *vendor,
			unsigned family, unsigned model, unsigned stepping)
{
	_cleanup_free_ char *name = NULL, *path = NULL, *buf = NULL;
	size_t len = 0;
	int r;

	injournal_incomplete(JOURNAL_MICROCODE);

	if (streq(vendor, "GenuineIntel"))
		r = asprintf(&name, "%02x-%02x-%02x", family, model, stepping);
	else if (streq(vendor, "AuthenticAMD") && family >= 0x15)
		r = asprintf(&name, "microcode_amd_fam%02xh.bin", family);
	else if (streq(vendor, "AuthenticAMD"))
		r = asprintf(&name, "microcode_amd.bin");
	else
		return 0;
	if (r < 0)
		return -ENOMEM;
	/* Read inside the root, as the vendor-wide collection does. */
	r = append_file(root, streq(vendor, "GenuineIntel") ? "intel-ucode" : "amd-ucode",
			name, &buf, &len);
	if (r < 0)
		return r;
	if (!len)
		return 0;
	if (asprintf(&path, "kernel/x86/microcode/%s.bin", vendor) < 0)
		return -ENOMEM;
	r = stage_add_data(early, path, 0644, buf, len);
	return r < 0 ? r : 1;
}

static int cpuinfo_number(const char *line, const char *key, unsigned *ret)
{
	size_t n = strlen(key);
	const char *p = line + n;
	if (strncmp(line, key, n) != 0)
		return 0;
	p += strspn(p, " \t");
	if (*p != ':')
		return 0;
	char *end;
	unsigned long v = strtoul(p + 1, &end, 10);
	if (end == p + 1)
		return 0;
	*ret = (unsigned)v;
	return 1;
}

int microcode_cpu_signature(const char *cpuinfo, unsigned *family, unsigned *model,
			    unsigned *stepping)
{
	FILE *f = fopen(cpuinfo, "re");
	char *line = NULL;
	size_t cap = 0;
	int have = 0;

	injournal_incomplete(JOURNAL_MICROCODE);

	if (!f)
		return negative_errno();
	while (have != 7 && getline(&line, &cap, f) > 0) {
		if (cpuinfo_number(line, "cpu family", family))
			have |= 1;
		else if (cpuinfo_number(line, "model", model))
			have |= 2;
		else if (cpuinfo_number(line, "stepping", stepping))
			have |= 4;
	}
	free(line);
	fclose(f);
	return have == 7 ? 0 : -ENOENT;
}
