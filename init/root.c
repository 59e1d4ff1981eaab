/* SPDX-License-Identifier: GPL-2.0-or-later */
/* root= specs, block device identification from sysfs and superblocks, matching. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "file.h"
#include "gpt.h"
#include "root.h"
#include "str.h"

#define PATH_MAX_INIT 512

static const struct {
	const char *prefix;
	enum root_kind kind;
} prefixes[] = {
	{"UUID=", ROOT_UUID},
	{"LABEL=", ROOT_LABEL},
	{"PARTUUID=", ROOT_PARTUUID},
	{"PARTLABEL=", ROOT_PARTLABEL},
	/* No udev here, so its symlinks are understood as what they stand for. */
	{"/dev/disk/by-uuid/", ROOT_UUID},
	{"/dev/disk/by-label/", ROOT_LABEL},
	{"/dev/disk/by-partuuid/", ROOT_PARTUUID},
	{"/dev/disk/by-partlabel/", ROOT_PARTLABEL},
};

static int parse_devnum(const char *text, struct root_spec *spec)
{
	const char *colon = strchr(text, ':');
	char major[16];
	unsigned long ma, mi;

	if (!colon || (size_t)(colon - text) >= sizeof(major) || colon == text)
		return -EINVAL;
	memcpy(major, text, (size_t)(colon - text));
	major[colon - text] = '\0';
	if (str_to_uint(major, &ma) < 0 || str_to_uint(colon + 1, &mi) < 0)
		return -EINVAL;
	spec->kind = ROOT_DEVNUM;
	spec->major = (unsigned)ma;
	spec->minor = (unsigned)mi;
	return 0;
}

/* "/PARTNROFF=N" after a PARTUUID, N a decimal integer with an optional sign. */
static int parse_partnroff(struct root_spec *spec)
{
	const char *slash = strchr(spec->value, '/');
	const char *num;
	unsigned long v;

	spec->value_len = strlen(spec->value);
	if (!slash)
		return 0;
	if (!str_startswith(slash, "/PARTNROFF=") || slash == spec->value)
		return -EINVAL;
	num = slash + strlen("/PARTNROFF=");
	if (*num == '-' || *num == '+')
		num++;
	if (str_to_uint(num, &v) < 0 || v > 255)
		return -EINVAL;
	spec->partnroff = slash[11] == '-' ? -(int)v : (int)v;
	spec->value_len = (size_t)(slash - spec->value);
	return 0;
}

int root_spec_parse(const char *text, struct root_spec *ret)
{
	struct root_spec spec = {0};
	const char *slash;

	if (!text || !*text)
		return -EINVAL;
	spec.value = text;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		if (str_startswith(text, prefixes[i].prefix)) {
			spec.kind = prefixes[i].kind;
			spec.value = text + strlen(prefixes[i].prefix);
			if (!*spec.value)
				return -EINVAL;
			spec.value_len = strlen(spec.value);
			if (spec.kind == ROOT_PARTUUID && parse_partnroff(&spec) < 0)
				return -EINVAL;
			*ret = spec;
			return 0;
		}
	}
	if (text[0] >= '0' && text[0] <= '9' && strchr(text, ':')) {
		if (parse_devnum(text, &spec) < 0)
			return -EINVAL;
		*ret = spec;
		return 0;
	}
	spec.kind = ROOT_PATH;
	if (str_startswith(text, "/dev/mapper/")) {
		spec.kind = ROOT_DMNAME;
		spec.value = text + 12;
	} else if (str_startswith(text, "/dev/md/")) {
		spec.kind = ROOT_MDNAME;
		spec.value = text + 8;
	} else if (str_startswith(text, "/dev/")) {
		spec.value = text + 5;
	}
	slash = strchr(spec.value, '/');
	if (slash && spec.kind == ROOT_PATH && slash > spec.value && slash[1] &&
	    !strchr(slash + 1, '/'))
		spec.kind = ROOT_LV;
	else if (!*spec.value || slash)
		return -EINVAL;
	*ret = spec;
	return 0;
}

/* The parent disk of a partition: the directory above it in its sysfs path. */
static int parent_of(const char *sysfs, const char *name, char *ret, size_t cap)
{
	char path[PATH_MAX_INIT], link[PATH_MAX_INIT];
	char *last, *prev;
	struct str s;
	ssize_t n;

	str_init(&s, path, sizeof(path));
	str_addf(&s, "%s/class/block/%s", sysfs, name);
	if (s.truncated)
		return -ENAMETOOLONG;
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(link) - 1)
		return -ENAMETOOLONG;
	link[n] = '\0';
	last = strrchr(link, '/');
	if (!last)
		return -EINVAL;
	*last = '\0';
	prev = strrchr(link, '/');
	return str_copy(ret, cap, prev ? prev + 1 : link);
}

static int read_attr(const char *sysfs, const char *name, const char *attr, char *buf,
		     size_t cap)
{
	char path[PATH_MAX_INIT];
	struct str s;

	str_init(&s, path, sizeof(path));
	str_addf(&s, "%s/class/block/%s/%s", sysfs, name, attr);
	if (s.truncated)
		return -ENAMETOOLONG;
	return file_read_line(path, buf, cap);
}

static int open_dev(const char *devdir, const char *name)
{
	char path[PATH_MAX_INIT];
	struct str s;
	int fd;

	str_init(&s, path, sizeof(path));
	str_addf(&s, "%s/%s", devdir, name);
	if (s.truncated)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

static uint8_t probe_buf[PROBE_FS_BYTES];

/* Partition `partno` of disk `parent`, from its MBR or GPT. */
static int probe_partition(const char *sysfs, const char *devdir, const char *parent,
			   unsigned partno, struct probe_part *ret)
{
	unsigned long bs = 512;
	char attr[32];
	ssize_t n;
	int fd, r;

	fd = open_dev(devdir, parent);
	if (fd < 0)
		return fd;
	n = file_pread_full(fd, probe_buf, 512, 0);
	if (n < 512) {
		r = n < 0 ? (int)n : -ENOENT;
		goto out;
	}
	if (!probe_part_is_gpt(probe_buf, 512)) {
		r = probe_part_mbr(probe_buf, 512, partno, ret);
		goto out;
	}
	if (read_attr(sysfs, parent, "queue/logical_block_size", attr, sizeof(attr)) ==
		    0 &&
	    str_to_uint(attr, &bs) == 0 && (bs < 512 || bs > 4096))
		bs = 512;
	r = gpt_find_partition(fd, probe_buf, sizeof(probe_buf), bs, partno, ret);
out:
	close(fd);
	return r;
}

void root_dev_probe_for(const struct root_spec *spec, const char *sysfs,
			const char *devdir, struct root_dev *dev)
{
	long base = (long)dev->partno - spec->partnroff;
	char path[PATH_MAX_INIT], link[ROOT_NAME_MAX];
	struct str s;
	ssize_t n;

	/* mdadm names an array by a link alone, to "/dev/md127" (without udev). */
	if (spec->kind == ROOT_MDNAME) {
		str_init(&s, path, sizeof(path));
		str_addf(&s, "%s/md/%s", devdir, spec->value);
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		dev->md_named = strcmp(strrchr(link, '/') ? strrchr(link, '/') + 1 : link,
				       dev->name) == 0;
		return;
	}
	if (spec->kind != ROOT_PARTUUID || !spec->partnroff || !dev->partno ||
	    !dev->parent[0] || base < 1)
		return;
	dev->has_base = probe_partition(sysfs, devdir, dev->parent, (unsigned)base,
					&dev->base) == 0;
}

int root_dev_probe(const char *sysfs, const char *devdir, const char *name,
		   struct root_dev *ret)
{
	struct root_dev dev;
	char attr[32];
	unsigned long v;
	ssize_t n;
	int fd, r;

	memset(&dev, 0, sizeof(dev));
	r = str_copy(dev.name, sizeof(dev.name), name);
	if (r < 0)
		return r;
	r = read_attr(sysfs, name, "dev", attr, sizeof(attr));
	if (r < 0)
		return r;
	{
		struct root_spec num;

		if (parse_devnum(attr, &num) == 0) {
			dev.major = num.major;
			dev.minor = num.minor;
		}
	}
	if (read_attr(sysfs, name, "partition", attr, sizeof(attr)) == 0 &&
	    str_to_uint(attr, &v) == 0 && v > 0) {
		dev.partno = (unsigned)v;
		if (parent_of(sysfs, name, dev.parent, sizeof(dev.parent)) == 0)
			dev.has_part = probe_partition(sysfs, devdir, dev.parent,
						       dev.partno, &dev.part) == 0;
	}
	if (read_attr(sysfs, name, "dm/name", dev.dm_name, sizeof(dev.dm_name)) < 0)
		dev.dm_name[0] = '\0';
	/* A dm device exists before its table is loaded, an md array before it runs:
	 * wait for its "change". */
	if ((dev.dm_name[0] || str_startswith(name, "md")) &&
	    read_attr(sysfs, name, "size", attr, sizeof(attr)) == 0 &&
	    strcmp(attr, "0") == 0)
		return -EAGAIN;
	fd = open_dev(devdir, name);
	if (fd >= 0) {
		n = file_pread_full(fd, probe_buf, sizeof(probe_buf), 0);
		if (n > 0)
			dev.has_fs = probe_fs(probe_buf, (size_t)n, &dev.fs) == 0;
		close(fd);
	}
	*ret = dev;
	return 0;
}

/* The spec's PARTUUID (without "/PARTNROFF=N") against one read from a table. */
static bool uuid_eq(const struct root_spec *spec, const char *uuid)
{
	size_t i;

	for (i = 0; i < spec->value_len; i++) {
		char a = spec->value[i], b = uuid[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (!b || a != b)
			return false;
	}
	return uuid[i] == '\0';
}

/* LVM names the dm device of VG/LV "VG-LV", every '-' of either name doubled. */
static bool lv_eq(const char *vg_lv, const char *dm)
{
	for (const char *p = vg_lv; *p; p++) {
		if (*dm++ != (*p == '/' ? '-' : *p))
			return false;
		if (*p == '-' && *dm++ != '-')
			return false;
	}
	return !*dm;
}

bool root_match(const struct root_spec *spec, const struct root_dev *dev)
{
	switch (spec->kind) {
	case ROOT_PATH:
		return strcmp(spec->value, dev->name) == 0;
	case ROOT_UUID:
		return dev->has_fs && str_caseeq(spec->value, dev->fs.uuid);
	case ROOT_LABEL:
		return dev->has_fs && strcmp(spec->value, dev->fs.label) == 0;
	case ROOT_PARTUUID:
		if (spec->partnroff)
			return dev->has_base && uuid_eq(spec, dev->base.uuid);
		return dev->has_part && uuid_eq(spec, dev->part.uuid);
	case ROOT_PARTLABEL:
		return dev->has_part && strcmp(spec->value, dev->part.label) == 0;
	case ROOT_DEVNUM:
		return spec->major == dev->major && spec->minor == dev->minor;
	case ROOT_DMNAME:
		return dev->dm_name[0] && strcmp(spec->value, dev->dm_name) == 0;
	case ROOT_MDNAME:
		return dev->md_named;
	case ROOT_LV:
		return dev->dm_name[0] && lv_eq(spec->value, dev->dm_name);
	}
	return false;
}

static const struct {
	const char *name;
	unsigned long set, clear;
} mount_flags[] = {
	{"ro", MS_RDONLY, 0},
	{"rw", 0, MS_RDONLY},
	{"nosuid", MS_NOSUID, 0},
	{"nodev", MS_NODEV, 0},
	{"noexec", MS_NOEXEC, 0},
	{"sync", MS_SYNCHRONOUS, 0},
	{"dirsync", MS_DIRSYNC, 0},
	{"noatime", MS_NOATIME, 0},
	{"nodiratime", MS_NODIRATIME, 0},
	{"relatime", MS_RELATIME, 0},
	{"strictatime", MS_STRICTATIME, 0},
	{"lazytime", MS_LAZYTIME, 0},
};

int root_mount_options(const char *rootflags, bool rw, unsigned long *ret_flags,
		       char *data, size_t cap)
{
	unsigned long flags = rw ? 0 : MS_RDONLY;
	char words[1024];
	struct str s;
	char *w;

	str_init(&s, data, cap);
	if (rootflags && str_copy(words, sizeof(words), rootflags) < 0)
		return -E2BIG;
	for (w = rootflags ? words : NULL; w;) {
		char *comma = strchr(w, ',');
		size_t i;

		if (comma)
			*comma = '\0';
		for (i = 0; i < ARRAY_SIZE(mount_flags); i++)
			if (strcmp(w, mount_flags[i].name) == 0)
				break;
		if (i < ARRAY_SIZE(mount_flags)) {
			flags = (flags | mount_flags[i].set) & ~mount_flags[i].clear;
		} else if (*w) {
			if (s.len)
				str_addc(&s, ',');
			str_add(&s, w);
		}
		w = comma ? comma + 1 : NULL;
	}
	if (s.truncated)
		return -E2BIG;
	*ret_flags = flags;
	return 0;
}
