/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Looking inside images: an analysis (-a), the embedded configuration, a diff of two. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "conf.h"
#include "confdump.h"
#include "image/image.h"
#include "inspect.h"
#include "log.h"
#include "pe.h"
#include "util.h"

#define ESC_MAX 4096

struct seg {
	char *compression;
	uint64_t offset;
	uint64_t file_bytes; /* the sizes of its entries' data */
	size_t entries;
};

struct file {
	char *path; /* without leading '/' */
	mode_t mode;
	uint64_t size;
	uint64_t hash; /* of the data, or of a symlink's target */
	unsigned segment;
	dev_t dev; /* with ino and nlink: hard links (see resolve_hardlinks) */
	uint64_t ino;
	uint32_t nlink;
};

struct module {
	char *name;
	char *flags;  /* "a", "m", "as"...; "" when the image has no plan */
	char *params; /* "" when none */
	char *path;
};

/* What one read of an image gives. */
struct view {
	uint64_t file_size;
	struct seg *segs;
	size_t nsegs;
	struct file *files;
	size_t nfiles, files_cap;
	char *plan, *config; /* NUL-terminated, or NULL when absent */
	struct module *mods;
	size_t nmods;
	char *kver, *generator;
	/* A unified kernel image: the initramfs is its .initrd section. */
	int uki;
	char *uki_uname, *uki_cmdline;
	uint64_t uki_size, uki_linux_size;
};

static void view_free(struct view *v)
{
	for (size_t i = 0; i < v->nsegs; i++)
		free(v->segs[i].compression);
	for (size_t i = 0; i < v->nfiles; i++)
		free(v->files[i].path);
	for (size_t i = 0; i < v->nmods; i++) {
		free(v->mods[i].name);
		free(v->mods[i].flags);
		free(v->mods[i].params);
		free(v->mods[i].path);
	}
	free(v->segs);
	free(v->files);
	free(v->mods);
	free(v->plan);
	free(v->config);
	free(v->kver);
	free(v->generator);
	free(v->uki_uname);
	free(v->uki_cmdline);
	*v = (struct view){0};
}

/* FNV-1a: enough to tell two versions of a file apart in a diff. */
static uint64_t hash_bytes(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static int note_segment(struct view *v, const struct image_entry *e)
{
	if (e->segment >= v->nsegs) {
		size_t n = (size_t)e->segment + 1;
		struct seg *s = realloc(v->segs, n * sizeof(*s));
		if (!s)
			return -ENOMEM;
		memset(s + v->nsegs, 0, (n - v->nsegs) * sizeof(*s));
		v->segs = s;
		v->nsegs = n;
	}
	struct seg *s = &v->segs[e->segment];
	if (!s->compression) {
		s->compression = strdup(e->compression);
		s->offset = e->segment_offset;
		if (!s->compression)
			return -ENOMEM;
	}
	s->entries++;
	s->file_bytes += S_ISREG(e->mode) ? e->size : 0;
	return 0;
}

static int keep_text(char **slot, const void *data, uint64_t size)
{
	free(*slot);
	*slot = strndup(data ? data : "", (size_t)size);
	return *slot ? 0 : -ENOMEM;
}

static int read_entry(const struct image_entry *e, const void *data, void *userdata)
{
	struct view *v = userdata;
	int r = note_segment(v, e);

	if (r < 0)
		return r;
	if (v->nfiles == v->files_cap) {
		size_t cap = v->files_cap ? 2 * v->files_cap : 256;
		struct file *f = realloc(v->files, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		v->files = f;
		v->files_cap = cap;
	}
	struct file *f = &v->files[v->nfiles];
	*f = (struct file){.mode = e->mode,
			   .size = e->size,
			   .segment = e->segment,
			   .dev = e->dev,
			   .ino = e->ino,
			   .nlink = e->nlink};
	if (data)
		f->hash = hash_bytes(data, (size_t)e->size);
	else if (e->target)
		f->hash = hash_bytes(e->target, strlen(e->target));
	f->path = strdup(e->path);
	if (!f->path)
		return -ENOMEM;
	v->nfiles++;
	if (data && streq(e->path, &ABI_PLAN_PATH[1]))
		return keep_text(&v->plan, data, e->size);
	if (data && streq(e->path, CONFDUMP_PATH))
		return keep_text(&v->config, data, e->size);
	return 0;
}

static int cmp_link(const void *a, const void *b)
{
	const struct file *x = *(const struct file *const *)a;
	const struct file *y = *(const struct file *const *)b;

	if (x->segment != y->segment)
		return x->segment < y->segment ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

/*
 * Hard links of a newc archive (dracut hard-links identical files, GNU cpio writes the
 * data with the last name only): every name of one file (same segment, dev and ino,
 * nlink > 1) gets the size and hash of the name that carries the data, as the kernel
 * links them when it unpacks; the analysis and the diff then see each name's content.
 */
static int resolve_hardlinks(struct view *v)
{
	size_t n = 0;
	struct file **links;

	for (size_t i = 0; i < v->nfiles; i++)
		n += S_ISREG(v->files[i].mode) && v->files[i].nlink > 1;
	if (n < 2)
		return 0;
	links = malloc(n * sizeof(*links));
	if (!links)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < v->nfiles; i++)
		if (S_ISREG(v->files[i].mode) && v->files[i].nlink > 1)
			links[n++] = &v->files[i];
	qsort(links, n, sizeof(*links), cmp_link);
	for (size_t i = 0, end; i < n; i = end) {
		const struct file *data = links[i];
		for (end = i + 1; end < n && cmp_link(&links[i], &links[end]) == 0; end++)
			if (links[end]->size > data->size)
				data = links[end];
		for (size_t j = i; j < end; j++) {
			links[j]->size = data->size;
			links[j]->hash = data->hash;
		}
	}
	free(links);
	return 0;
}

static int add_module(struct view *v, const char *name, size_t name_len,
		      const char *flags, const char *params, const char *path)
{
	struct module *m = realloc(v->mods, (v->nmods + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	v->mods = m;
	m = &v->mods[v->nmods];
	*m = (struct module){.name = strndup(name, name_len),
			     .flags = strdup(flags),
			     .params = strdup(params),
			     .path = strdup(path)};
	v->nmods++;
	return m->name && m->flags && m->params && m->path ? 0 : -ENOMEM;
}

/* "M\tname\tpath\tflags\tdeps\tparams" records, and K and F generator. */
static int parse_plan(struct view *v)
{
	char *save = NULL;
	int r = 0;

	for (char *line = strtok_r(v->plan, "\n", &save); line && r >= 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char *field[6] = {0};
		size_t n = 0;
		for (char *p = line; p && n < 6; n++) {
			field[n] = p;
			p = n < 5 ? strchr(p, '\t') : NULL;
			if (p)
				*p++ = '\0';
		}
		if (streq(field[0], "K") && n >= 2 && !v->kver)
			r = (v->kver = strdup(field[1])) ? 0 : -ENOMEM;
		else if (streq(field[0], "F") && n >= 3 && streq(field[1], "generator") &&
			 !v->generator)
			r = (v->generator = strdup(field[2])) ? 0 : -ENOMEM;
		else if (streq(field[0], "M") && n >= 4)
			r = add_module(v, field[1], strlen(field[1]),
				       streq(field[3], "-") ? "" : field[3],
				       n >= 6 ? field[5] : "", field[2]);
	}
	return r;
}

static const char *const ko_suffixes[] = {".ko", ".ko.xz", ".ko.zst", ".ko.gz"};

/* A file of the image: a module when it is a .ko, named with '_' for '-'. */
static int module_from_file(struct view *v, const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t s = 0; s < ARRAY_SIZE(ko_suffixes); s++) {
		size_t bl = strlen(base), sl = strlen(ko_suffixes[s]);
		if (bl <= sl || !streq(base + bl - sl, ko_suffixes[s]))
			continue;
		int r = add_module(v, base, bl - sl, "", "", path);
		if (r < 0)
			return r;
		for (char *c = v->mods[v->nmods - 1].name; *c; c++)
			if (*c == '-')
				*c = '_';
		return 0;
	}
	return 0;
}

/* An image without a plan: its modules are its .ko files, the kernel their tree's. */
static int modules_from_files(struct view *v)
{
	for (size_t i = 0; i < v->nfiles; i++) {
		if (!S_ISREG(v->files[i].mode))
			continue;
		int r = module_from_file(v, v->files[i].path);
		if (r < 0)
			return r;
	}
	return 0;
}

static int kver_from_files(struct view *v)
{
	static const char *const trees[] = {"lib/modules/", "usr/lib/modules/"};

	for (size_t i = 0; i < v->nfiles && !v->kver; i++)
		for (size_t t = 0; t < ARRAY_SIZE(trees); t++) {
			size_t tl = strlen(trees[t]);
			const char *p = v->files[i].path;
			if (strncmp(p, trees[t], tl) != 0 || !p[tl])
				continue;
			v->kver = strndup(p + tl, strcspn(p + tl, "/"));
			if (!v->kver)
				return -ENOMEM;
			break;
		}
	return 0;
}

static int has_path(const struct view *v, const char *prefix)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < v->nfiles; i++)
		if (strncmp(v->files[i].path, prefix, n) == 0)
			return 1;
	return 0;
}

/* Who made it, from what each generator leaves in its images. */
static const char *guess_generator(const struct view *v)
{
	if (v->generator)
		return v->generator;
	if (v->plan)
		return "mkinitramfs";
	if (has_path(v, "usr/lib/dracut/") || has_path(v, "lib/dracut/"))
		return "dracut";
	if (has_path(v, "conf/initramfs.conf") || has_path(v, "scripts/init-top"))
		return "initramfs-tools";
	if (has_path(v, "buildconfig"))
		return "mkinitcpio";
	return "unknown";
}

/* Drop what is outside the part asked for: the last segment is the main archive. */
static void select_part(struct view *v, enum inspect_part part)
{
	if (part == INSPECT_ALL || !v->nsegs)
		return;
	unsigned last = (unsigned)v->nsegs - 1;
	size_t kept = 0;
	for (size_t i = 0; i < v->nfiles; i++) {
		int in = part == INSPECT_MAIN ? v->files[i].segment == last
					      : v->files[i].segment < last;
		if (in)
			v->files[kept++] = v->files[i];
		else
			free(v->files[i].path);
	}
	v->nfiles = kept;
	if (part == INSPECT_EARLY) {
		free(v->plan);
		free(v->config);
		v->plan = v->config = NULL;
	}
}

#define UKI_MAX_SECTIONS 96

/* A section's bytes as a string (.uname, .cmdline), NUL-terminated. */
static char *section_text(const uint8_t *map, const struct pe_section_info *s)
{
	uint32_t n = s->virtual_size < s->raw_size ? s->virtual_size : s->raw_size;
	return strndup((const char *)map + s->raw_offset, n);
}

/*
 * A UKI: note its metadata and hand the .initrd section to the image reader as a memfd
 * (its /proc/self/fd path). 0 when `map` is no UKI, 1 when it is, or a negative errno.
 */
static int uki_initrd(const uint8_t *map, size_t size, struct view *v, int *ret_fd)
{
	struct pe_section_info info[UKI_MAX_SECTIONS];
	const struct pe_section_info *initrd = NULL;
	int n = pe_sections(map, size, info, UKI_MAX_SECTIONS, NULL, NULL);

	for (int i = 0; i < n && i < UKI_MAX_SECTIONS; i++) {
		const struct pe_section_info *s = &info[i];
		if ((uint64_t)s->raw_offset + s->raw_size > size)
			return -EBADMSG;
		if (streq(s->name, ".initrd"))
			initrd = s;
		else if (streq(s->name, ".linux"))
			v->uki_linux_size = s->virtual_size;
		else if (streq(s->name, ".uname") && !v->uki_uname)
			v->uki_uname = section_text(map, s);
		else if (streq(s->name, ".cmdline") && !v->uki_cmdline)
			v->uki_cmdline = section_text(map, s);
	}
	if (!initrd)
		return n < 0 ? 0 : -EBADMSG;
	int fd = memfd_create("uki-initrd", MFD_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	size_t len = initrd->virtual_size < initrd->raw_size ? initrd->virtual_size
							     : initrd->raw_size;
	const uint8_t *p = map + initrd->raw_offset;
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, p + done, len - done);
		if (w <= 0) {
			int r = w < 0 ? negative_errno() : -EIO;
			close(fd);
			return r;
		}
		done += (size_t)w;
	}
	v->uki = 1;
	v->uki_size = size;
	v->file_size = len;
	*ret_fd = fd;
	return 1;
}

/* The image at `path`, or the .initrd of the UKI at `path`: entries into `v`. */
static int read_image_or_uki(const char *path, struct view *v)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_close_ int memfd = -1;
	struct stat st;
	char fdpath[64];
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return negative_errno();
	v->file_size = (uint64_t)st.st_size;
	if (!S_ISREG(st.st_mode) || st.st_size < 2)
		return image_read(path, read_entry, v);
	uint8_t *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return negative_errno();
	r = map[0] == 'M' && map[1] == 'Z'
		    ? uki_initrd(map, (size_t)st.st_size, v, &memfd)
		    : 0;
	munmap(map, (size_t)st.st_size);
	if (r < 0)
		return r;
	if (r == 0)
		return image_read(path, read_entry, v);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", memfd);
	return image_read(fdpath, read_entry, v);
}

static int view_fill(const char *path, enum inspect_part part, struct view *v)
{
	int r = read_image_or_uki(path, v);

	if (r < 0)
		return r;
	r = resolve_hardlinks(v);
	if (r < 0)
		return r;
	if (part == INSPECT_EARLY && v->nsegs < 2)
		return -ENOENT;
	select_part(v, part);
	r = v->plan ? parse_plan(v) : modules_from_files(v);
	if (r < 0)
		return r;
	return kver_from_files(v);
}

static int view_read(const char *path, enum inspect_part part, struct view *v)
{
	int r;

	*v = (struct view){0};
	r = view_fill(path, part, v);
	if (r < 0)
		view_free(v);
	return r;
}

/* ---- -a ---- */

static uint64_t seg_disk_bytes(const struct view *v, size_t i)
{
	uint64_t end = i + 1 < v->nsegs ? v->segs[i + 1].offset : v->file_size;
	return end > v->segs[i].offset ? end - v->segs[i].offset : 0;
}

static void print_segments(const struct view *v, FILE *out)
{
	fprintf(out, "Segments:       %zu\n", v->nsegs);
	for (size_t i = 0; i < v->nsegs; i++) {
		const struct seg *s = &v->segs[i];
		uint64_t disk = seg_disk_bytes(v, i);
		/* A segment without entries (padding only) has no codec noted. */
		const char *codec = s->compression ? s->compression : "empty";
		fprintf(out,
			"  %zu: %-9s %10llu bytes on disk, %10llu bytes of files, %zu entries",
			i, codec, (unsigned long long)disk,
			(unsigned long long)s->file_bytes, s->entries);
		if (s->compression && !streq(s->compression, "none") && disk)
			fprintf(out, ", ratio %.2f",
				(double)s->file_bytes / (double)disk);
		if (v->nsegs > 1 && i + 1 < v->nsegs)
			fputs(" (early)", out);
		fputc('\n', out);
	}
}

static void print_early(const struct view *v, FILE *out)
{
	char esc[ESC_MAX];

	if (v->nsegs < 2)
		return;
	fputs("Early cpio:\n", out);
	for (size_t i = 0; i < v->nfiles; i++)
		if (v->files[i].segment + 1 < v->nsegs && !S_ISDIR(v->files[i].mode))
			fprintf(out, "  /%s (%llu bytes)\n",
				log_escape(v->files[i].path, esc, sizeof(esc)),
				(unsigned long long)v->files[i].size);
}

static size_t count_flag(const struct view *v, char flag)
{
	size_t n = 0;
	for (size_t i = 0; i < v->nmods; i++)
		n += strchr(v->mods[i].flags, flag) != NULL;
	return n;
}

static void print_names_with(const struct view *v, char flag, const char *label,
			     FILE *out)
{
	char esc[ESC_MAX];
	if (!count_flag(v, flag))
		return;
	fprintf(out, "  %s [%c]:", label, flag);
	for (size_t i = 0; i < v->nmods; i++)
		if (strchr(v->mods[i].flags, flag))
			fprintf(out, " %s",
				log_escape(v->mods[i].name, esc, sizeof(esc)));
	fputc('\n', out);
}

static void print_modules(const struct view *v, int verbose, FILE *out)
{
	char esc[ESC_MAX], esc2[ESC_MAX];

	if (!v->plan) {
		fprintf(out, "Modules:        %zu (no plan: how they load is unknown)\n",
			v->nmods);
	} else {
		fprintf(out,
			"Modules:        %zu (at boot [a]: %zu, on demand [m]: %zu, on request [r]: %zu, for a person [k]: %zu, deferred [d]: %zu, soft dependencies [s]: %zu)\n",
			v->nmods, count_flag(v, ABI_FLAG_ALWAYS),
			count_flag(v, ABI_FLAG_MATCH), count_flag(v, ABI_FLAG_REQUEST),
			count_flag(v, ABI_FLAG_CONSOLE), count_flag(v, ABI_FLAG_DEFERRED),
			count_flag(v, ABI_FLAG_SOFTDEP));
		if (count_flag(v, ABI_FLAG_EARLY))
			fprintf(out,
				"                %zu of those on demand load as soon as their device matches [e], not after the root's drivers\n",
				count_flag(v, ABI_FLAG_EARLY));
		if (count_flag(v, ABI_FLAG_UNZSTD))
			fprintf(out,
				"                %zu compressed one by one [u], decompressed at boot by '%s' when loaded\n",
				count_flag(v, ABI_FLAG_UNZSTD), ABI_UNZSTD_PATH);
	}
	if (!verbose) {
		print_names_with(v, ABI_FLAG_ALWAYS, "at boot", out);
		print_names_with(v, ABI_FLAG_MATCH, "on demand", out);
		print_names_with(v, ABI_FLAG_EARLY, "early on demand", out);
		print_names_with(v, ABI_FLAG_REQUEST, "on request", out);
		print_names_with(v, ABI_FLAG_CONSOLE, "for a person", out);
		print_names_with(v, ABI_FLAG_DEFERRED, "deferred", out);
		return;
	}
	for (size_t i = 0; i < v->nmods; i++) {
		char flags[9] = "";
		const char *f = v->mods[i].flags;
		/* a, m, e, r, k, d, s, o in fixed columns so the list lines up. */
		snprintf(flags, sizeof(flags), "%c%c%c%c%c%c%c%c",
			 strchr(f, 'a') ? 'a' : ' ', strchr(f, 'm') ? 'm' : ' ',
			 strchr(f, 'e') ? 'e' : ' ', strchr(f, 'r') ? 'r' : ' ',
			 strchr(f, 'k') ? 'k' : ' ', strchr(f, 'd') ? 'd' : ' ',
			 strchr(f, 's') ? 's' : ' ', strchr(f, 'o') ? 'o' : ' ');
		fprintf(out, "  [%s] %s%s%s\n", flags,
			log_escape(v->mods[i].name, esc, sizeof(esc)),
			*v->mods[i].params ? " " : "",
			log_escape(v->mods[i].params, esc2, sizeof(esc2)));
	}
}

static void print_hooks(const struct view *v, FILE *out)
{
	struct conf *conf = NULL;
	const struct strv *hooks = NULL;

	if (v->config && conf_new(&conf) >= 0 &&
	    conf_load_string(conf, v->config, strlen(v->config), CONFDUMP_PATH, NULL,
			     NULL) >= 0)
		hooks = conf_get(conf, "HOOKS");
	fputs("Hooks:         ", out);
	if (!hooks)
		fputs(" unknown (no embedded configuration)", out);
	for (size_t i = 0; hooks && i < hooks->n; i++)
		fprintf(out, " %s", hooks->v[i]);
	fputc('\n', out);
	conf_free(conf);
}

int inspect_analyze(const char *path, enum inspect_part part, int verbose, FILE *out)
{
	struct view v;
	char esc[ESC_MAX];
	int r = view_read(path, part, &v);

	if (r < 0)
		return r;
	if (v.uki) {
		fprintf(out, "UKI:            %s (%llu bytes; .linux %llu bytes)\n",
			log_escape(path, esc, sizeof(esc)),
			(unsigned long long)v.uki_size,
			(unsigned long long)v.uki_linux_size);
		fprintf(out, "UKI release:    %s\n",
			v.uki_uname ? log_escape(v.uki_uname, esc, sizeof(esc)) : "none");
		fprintf(out, "UKI cmdline:    %s\n",
			v.uki_cmdline ? log_escape(v.uki_cmdline, esc, sizeof(esc))
				      : "none");
		fprintf(out, "Image:          .initrd (%llu bytes)\n",
			(unsigned long long)v.file_size);
	} else {
		fprintf(out, "Image:          %s (%llu bytes)\n",
			log_escape(path, esc, sizeof(esc)),
			(unsigned long long)v.file_size);
	}
	fprintf(out, "Generator:      %s\n",
		log_escape(guess_generator(&v), esc, sizeof(esc)));
	fprintf(out, "Kernel:         %s\n",
		v.kver ? log_escape(v.kver, esc, sizeof(esc)) : "unknown");
	print_segments(&v, out);
	if (part != INSPECT_MAIN)
		print_early(&v, out);
	print_modules(&v, verbose, out);
	print_hooks(&v, out);
	fprintf(out, "Configuration:  %s\n",
		v.config ? "embedded (mkinitramfs --show-config IMAGE prints it)"
			 : "none");
	view_free(&v);
	return 0;
}

int inspect_show_config(const char *path, FILE *out)
{
	struct view v;
	int r = view_read(path, INSPECT_ALL, &v);

	if (r < 0)
		return r;
	r = v.config ? 0 : -ENODATA;
	if (v.config)
		fputs(v.config, out);
	view_free(&v);
	return r;
}

/* ---- --diff ---- */

struct tally {
	size_t added, removed, changed;
};

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->path, ((const struct file *)b)->path);
}

static int cmp_module(const void *a, const void *b)
{
	return strcmp(((const struct module *)a)->name, ((const struct module *)b)->name);
}

/* Walk two sorted arrays side by side: `emit(a, b)` with NULL for the missing side. */
#define MERGE(A, NA, B, NB, KEY, EMIT)                                                   \
	for (size_t i_ = 0, j_ = 0; i_ < (NA) || j_ < (NB);) {                           \
		int c_ = i_ == (NA)   ? 1                                                \
			 : j_ == (NB) ? -1                                               \
				      : strcmp((A)[i_].KEY, (B)[j_].KEY);                \
		EMIT(c_ <= 0 ? &(A)[i_] : NULL, c_ >= 0 ? &(B)[j_] : NULL);              \
		i_ += c_ <= 0;                                                           \
		j_ += c_ >= 0;                                                           \
	}

static void diff_module(const struct module *a, const struct module *b, FILE *out,
			struct tally *t)
{
	char e1[ESC_MAX], e2[ESC_MAX], e3[ESC_MAX];
	const struct module *m = a ? a : b;

	if (!a || !b) {
		fprintf(out, "%c module %s [%s]%s%s\n", a ? '-' : '+',
			log_escape(m->name, e1, sizeof(e1)), m->flags,
			*m->params ? " " : "", log_escape(m->params, e2, sizeof(e2)));
		a ? t->removed++ : t->added++;
		return;
	}
	if (!streq(a->flags, b->flags)) {
		fprintf(out, "~ module %s: flags [%s] -> [%s]\n",
			log_escape(a->name, e1, sizeof(e1)), a->flags, b->flags);
		t->changed++;
	}
	if (!streq(a->params, b->params)) {
		fprintf(out, "~ module %s: parameters '%s' -> '%s'\n",
			log_escape(a->name, e1, sizeof(e1)),
			log_escape(a->params, e2, sizeof(e2)),
			log_escape(b->params, e3, sizeof(e3)));
		t->changed += streq(a->flags, b->flags);
	}
}

static void diff_file(const struct file *a, const struct file *b, FILE *out,
		      struct tally *t)
{
	char esc[ESC_MAX];
	const struct file *f = a ? a : b;

	if (!a || !b) {
		fprintf(out, "%c file /%s (%llu bytes)\n", a ? '-' : '+',
			log_escape(f->path, esc, sizeof(esc)),
			(unsigned long long)f->size);
		a ? t->removed++ : t->added++;
		return;
	}
	if (a->mode == b->mode && a->size == b->size && a->hash == b->hash)
		return;
	fprintf(out, "~ file /%s:", log_escape(a->path, esc, sizeof(esc)));
	if (a->mode != b->mode)
		fprintf(out, " mode %o -> %o", (unsigned)a->mode, (unsigned)b->mode);
	if (a->size != b->size)
		fprintf(out, " %llu -> %llu bytes", (unsigned long long)a->size,
			(unsigned long long)b->size);
	else if (a->hash != b->hash)
		fputs(" content", out);
	fputc('\n', out);
	t->changed++;
}

static void put_values(FILE *out, const struct strv *v)
{
	char esc[ESC_MAX];
	fputc('(', out);
	for (size_t i = 0; v && i < v->n; i++)
		fprintf(out, "%s'%s'", i ? " " : "",
			log_escape(v->v[i], esc, sizeof(esc)));
	fputc(')', out);
}

static int same_values(const struct strv *a, const struct strv *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (!streq(a->v[i], b->v[i]))
			return 0;
	return 1;
}

static void diff_key(const char *key, const struct strv *a, const struct strv *b,
		     FILE *out, struct tally *t)
{
	char esc[ESC_MAX];

	if (a && b && same_values(a, b))
		return;
	fprintf(out, "%c config %s",
		!a   ? '+'
		: !b ? '-'
		     : '~',
		log_escape(key, esc, sizeof(esc)));
	if (a && b) {
		fputs(": ", out);
		put_values(out, a);
		fputs(" -> ", out);
	} else
		fputc(' ', out);
	put_values(out, b ? b : a);
	fputc('\n', out);
	!a ? t->added++ : !b ? t->removed++ : t->changed++;
}

static struct conf *config_of(const struct view *v)
{
	struct conf *conf = NULL;
	if (!v->config || conf_new(&conf) < 0)
		return NULL;
	if (conf_load_string(conf, v->config, strlen(v->config), CONFDUMP_PATH, NULL,
			     NULL) < 0) {
		conf_free(conf);
		return NULL;
	}
	return conf;
}

static void diff_config(const struct view *a, const struct view *b, FILE *out,
			struct tally *t)
{
	struct conf *ca = config_of(a), *cb = config_of(b);

	if (ca && cb) {
		const struct strv *ka = conf_keys(ca), *kb = conf_keys(cb);
		for (size_t i = 0; i < ka->n; i++)
			diff_key(ka->v[i], conf_get(ca, ka->v[i]), conf_get(cb, ka->v[i]),
				 out, t);
		for (size_t i = 0; i < kb->n; i++)
			if (!conf_get(ca, kb->v[i]))
				diff_key(kb->v[i], NULL, conf_get(cb, kb->v[i]), out, t);
	} else if (ca || cb) {
		fprintf(out,
			"~ config: only the %s image has an embedded configuration\n",
			ca ? "first" : "second");
		t->changed++;
	}
	conf_free(ca);
	conf_free(cb);
}

int inspect_diff(const char *a, const char *b, enum inspect_part part, FILE *out,
		 int *ret_which)
{
	struct view va, vb;
	struct tally tm = {0}, tf = {0}, tc = {0};
	char e1[ESC_MAX], e2[ESC_MAX];
	int r = view_read(a, part, &va);

	*ret_which = 0;
	if (r < 0)
		return r;
	r = view_read(b, part, &vb);
	if (r < 0) {
		*ret_which = 1;
		view_free(&va);
		return r;
	}
	if ((va.uki_cmdline || vb.uki_cmdline) &&
	    !streq(va.uki_cmdline ? va.uki_cmdline : "",
		   vb.uki_cmdline ? vb.uki_cmdline : ""))
		fprintf(out, "~ cmdline '%s' -> '%s'\n",
			log_escape(va.uki_cmdline ? va.uki_cmdline : "", e1, sizeof(e1)),
			log_escape(vb.uki_cmdline ? vb.uki_cmdline : "", e2, sizeof(e2)));
	if (va.kver && vb.kver && !streq(va.kver, vb.kver))
		fprintf(out, "~ kernel %s -> %s\n", log_escape(va.kver, e1, sizeof(e1)),
			log_escape(vb.kver, e2, sizeof(e2)));
	if (va.nmods > 1)
		qsort(va.mods, va.nmods, sizeof(*va.mods), cmp_module);
	if (vb.nmods > 1)
		qsort(vb.mods, vb.nmods, sizeof(*vb.mods), cmp_module);
#define EMIT_MODULE(x, y) diff_module(x, y, out, &tm)
	MERGE(va.mods, va.nmods, vb.mods, vb.nmods, name, EMIT_MODULE);
	if (va.nfiles > 1)
		qsort(va.files, va.nfiles, sizeof(*va.files), cmp_file);
	if (vb.nfiles > 1)
		qsort(vb.files, vb.nfiles, sizeof(*vb.files), cmp_file);
#define EMIT_FILE(x, y) diff_file(x, y, out, &tf)
	MERGE(va.files, va.nfiles, vb.files, vb.nfiles, path, EMIT_FILE);
	diff_config(&va, &vb, out, &tc);
	fprintf(out,
		"# modules: %zu added, %zu removed, %zu changed; files: %zu added, %zu removed, %zu changed; config: %zu added, %zu removed, %zu changed\n",
		tm.added, tm.removed, tm.changed, tf.added, tf.removed, tf.changed,
		tc.added, tc.removed, tc.changed);
	view_free(&va);
	view_free(&vb);
	return 0;
}
