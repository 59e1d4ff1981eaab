/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A bounds-checked reader of what an ELF program needs at run time: interpreter, libs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fileio.h"
#include "elf.h"
#include "sysroot.h"
#include "util.h"

/*
 * The gABI values this reader uses. The system <elf.h> is not included: on the
 * generator's include path (-Igenerator) that name is this subsystem's header.
 */
#define ELFMAG "\177ELF"
#define SELFMAG 4
#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define PN_XNUM 0xffff
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define DT_NULL 0
#define DT_NEEDED 1
#define DT_STRTAB 5
#define DT_STRSZ 10
#define DT_RPATH 15
#define DT_RUNPATH 29
#define SHT_STRTAB 3
#define SHT_DYNAMIC 6
#define SHT_NULL 0
#define SHT_NOBITS 8
#define ET_REL 1
#define SHN_XINDEX 0xffff

/* Where the fields we read live, per class: one parser for ELF32 and ELF64. */
struct layout {
	unsigned word; /* 4 or 8: size of an address, offset or xword */
	unsigned ehdr_size, e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize, e_shnum;
	unsigned e_shstrndx;
	unsigned phdr_size, p_type, p_offset, p_vaddr, p_filesz;
	unsigned shdr_size, sh_type, sh_offset, sh_size, sh_link, sh_info;
	unsigned dyn_size; /* d_tag at 0, d_val at word */
};

static const struct layout layout64 = {
	.word = 8,
	.ehdr_size = 64,
	.e_phoff = 32,
	.e_shoff = 40,
	.e_phentsize = 54,
	.e_phnum = 56,
	.e_shentsize = 58,
	.e_shnum = 60,
	.e_shstrndx = 62,
	.phdr_size = 56,
	.p_type = 0,
	.p_offset = 8,
	.p_vaddr = 16,
	.p_filesz = 32,
	.shdr_size = 64,
	.sh_type = 4,
	.sh_offset = 24,
	.sh_size = 32,
	.sh_link = 40,
	.sh_info = 44,
	.dyn_size = 16,
};

static const struct layout layout32 = {
	.word = 4,
	.ehdr_size = 52,
	.e_phoff = 28,
	.e_shoff = 32,
	.e_phentsize = 42,
	.e_phnum = 44,
	.e_shentsize = 46,
	.e_shnum = 48,
	.e_shstrndx = 50,
	.phdr_size = 32,
	.p_type = 0,
	.p_offset = 4,
	.p_vaddr = 8,
	.p_filesz = 16,
	.shdr_size = 40,
	.sh_type = 4,
	.sh_offset = 16,
	.sh_size = 20,
	.sh_link = 24,
	.sh_info = 28,
	.dyn_size = 8,
};

struct reader {
	const uint8_t *buf;
	size_t size;
	const struct layout *l;
	int big_endian;
};

/* A table of `count` entries of `entsize` bytes at `off`, all inside the file. */
struct table {
	uint64_t off, count, entsize;
};

/* A byte range of the file. */
struct range {
	uint64_t off, size;
};

static int in_file(const struct reader *rd, uint64_t off, uint64_t len)
{
	return off <= rd->size && len <= rd->size - off;
}

/* Read an unsigned field of `width` bytes at `off`; -ENOEXEC when outside the file. */
static int get(const struct reader *rd, uint64_t off, unsigned width, uint64_t *ret)
{
	uint64_t v = 0;

	if (!in_file(rd, off, width))
		return -ENOEXEC;
	for (unsigned i = 0; i < width; i++) {
		unsigned b = rd->big_endian ? i : width - 1 - i;
		v = (v << 8) | rd->buf[off + b];
	}
	*ret = v;
	return 0;
}

int elf_is_elf(const void *buf, size_t size)
{
	return size >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0;
}

static int reader_init(struct reader *rd, const void *buf, size_t size)
{
	const uint8_t *ident = buf;

	*rd = (struct reader){.buf = buf, .size = size};
	if (size < EI_NIDENT || !elf_is_elf(buf, size))
		return -ENOEXEC;
	if (ident[EI_CLASS] == ELF_CLASS_64)
		rd->l = &layout64;
	else if (ident[EI_CLASS] == ELF_CLASS_32)
		rd->l = &layout32;
	else
		return -ENOEXEC;
	if (ident[EI_DATA] != ELF_DATA_LSB && ident[EI_DATA] != ELF_DATA_MSB)
		return -ENOEXEC;
	rd->big_endian = ident[EI_DATA] == ELF_DATA_MSB;
	if (size < rd->l->ehdr_size)
		return -ENOEXEC;
	return 0;
}

int elf_kind_of(const void *buf, size_t size, struct elf_kind *ret)
{
	const uint8_t *ident = buf;
	struct reader rd;
	uint64_t machine;
	int r;

	r = reader_init(&rd, buf, size);
	if (r < 0)
		return r;
	r = get(&rd, 18, 2, &machine); /* e_machine: same place in both classes */
	if (r < 0)
		return r;
	*ret = (struct elf_kind){.elf_class = ident[EI_CLASS],
				 .data = ident[EI_DATA],
				 .machine = (uint16_t)machine};
	return 0;
}

int elf_kind_of_fd(int fd, struct elf_kind *ret)
{
	uint8_t hdr[64];
	ssize_t n = pread(fd, hdr, sizeof(hdr), 0);

	if (n < 0)
		return negative_errno();
	return elf_kind_of(hdr, (size_t)n, ret);
}

/* Check that a table lies inside the file (with overflow-safe arithmetic). */
static int table_check(const struct reader *rd, const struct table *t,
		       unsigned min_entsize)
{
	if (t->count == 0)
		return 0;
	if (t->entsize < min_entsize)
		return -ENOEXEC;
	if (t->count > rd->size / t->entsize)
		return -ENOEXEC;
	return in_file(rd, t->off, t->count * t->entsize) ? 0 : -ENOEXEC;
}

static int section_table(const struct reader *rd, struct table *ret)
{
	const struct layout *l = rd->l;
	struct table t;
	int r;

	if ((r = get(rd, l->e_shoff, l->word, &t.off)) < 0 ||
	    (r = get(rd, l->e_shentsize, 2, &t.entsize)) < 0 ||
	    (r = get(rd, l->e_shnum, 2, &t.count)) < 0)
		return r;
	if (t.off == 0)
		t.count = 0;
	/* With e_shnum 0 the real count lives in section 0's sh_size (SHN_LORESERVE+). */
	if (t.off != 0 && t.count == 0) {
		if ((r = get(rd, t.off + l->sh_size, l->word, &t.count)) < 0)
			return r;
	}
	r = table_check(rd, &t, l->shdr_size);
	if (r < 0)
		return r;
	*ret = t;
	return 0;
}

static int program_table(const struct reader *rd, struct table *ret)
{
	const struct layout *l = rd->l;
	struct table t;
	int r;

	if ((r = get(rd, l->e_phoff, l->word, &t.off)) < 0 ||
	    (r = get(rd, l->e_phentsize, 2, &t.entsize)) < 0 ||
	    (r = get(rd, l->e_phnum, 2, &t.count)) < 0)
		return r;
	/* PN_XNUM: too many headers for e_phnum, the count is section 0's sh_info. */
	if (t.count == PN_XNUM) {
		struct table s;
		if ((r = section_table(rd, &s)) < 0)
			return r;
		if (s.count == 0)
			return -ENOEXEC;
		if ((r = get(rd, s.off + l->sh_info, 4, &t.count)) < 0)
			return r;
	}
	if (t.off == 0)
		t.count = 0;
	r = table_check(rd, &t, l->phdr_size);
	if (r < 0)
		return r;
	*ret = t;
	return 0;
}

struct phdr {
	uint64_t type, offset, vaddr, filesz;
};

static int phdr_get(const struct reader *rd, const struct table *t, uint64_t i,
		    struct phdr *ret)
{
	const struct layout *l = rd->l;
	uint64_t base = t->off + i * t->entsize;
	int r;

	if ((r = get(rd, base + l->p_type, 4, &ret->type)) < 0 ||
	    (r = get(rd, base + l->p_offset, l->word, &ret->offset)) < 0 ||
	    (r = get(rd, base + l->p_vaddr, l->word, &ret->vaddr)) < 0 ||
	    (r = get(rd, base + l->p_filesz, l->word, &ret->filesz)) < 0)
		return r;
	return 0;
}

/*
 * The file range holding the virtual address `addr`, up to the end of its PT_LOAD
 * segment's file bytes (and of the file): where the dynamic loader would find it.
 */
static int vaddr_to_range(const struct reader *rd, const struct table *ph, uint64_t addr,
			  struct range *ret)
{
	for (uint64_t i = 0; i < ph->count; i++) {
		struct phdr p;
		int r = phdr_get(rd, ph, i, &p);
		if (r < 0)
			return r;
		if (p.type != PT_LOAD || addr < p.vaddr || addr - p.vaddr >= p.filesz)
			continue;
		uint64_t delta = addr - p.vaddr;
		if (p.offset > rd->size || delta >= rd->size - p.offset)
			return -ENOEXEC;
		uint64_t off = p.offset + delta;
		uint64_t end = p.filesz - delta;
		*ret = (struct range){
			.off = off, .size = end < rd->size - off ? end : rd->size - off};
		return 0;
	}
	return -ENOEXEC;
}

/* A copy of the NUL-terminated string at `index` of the string table `strtab`. */
static int string_at(const struct reader *rd, const struct range *strtab, uint64_t index,
		     char **ret)
{
	if (index >= strtab->size)
		return -ENOEXEC;
	const char *s = (const char *)rd->buf + strtab->off + index;
	size_t max = (size_t)(strtab->size - index);
	size_t len = strnlen(s, max);
	if (len == max)
		return -ENOEXEC; /* not terminated inside the table */
	char *copy = strndup(s, len);
	if (!copy)
		return -ENOMEM;
	*ret = copy;
	return 0;
}

static int read_interp(const struct reader *rd, const struct phdr *p, char **ret)
{
	struct range range = {.off = p->offset, .size = p->filesz};
	if (!in_file(rd, range.off, range.size) || range.size < 2)
		return -ENOEXEC;
	return string_at(rd, &range, 0, ret);
}

/* What the dynamic section says, before the strings are looked up. */
struct dynamic {
	struct range dyn; /* the section's bytes */
	int have_strtab, have_strsz;
	uint64_t strtab, strsz; /* DT_STRTAB (an address), DT_STRSZ */
};

static int scan_dynamic(const struct reader *rd, struct dynamic *d)
{
	const struct layout *l = rd->l;
	uint64_t n = d->dyn.size / l->dyn_size;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t base = d->dyn.off + i * l->dyn_size, tag, val;
		int r;
		if ((r = get(rd, base, l->word, &tag)) < 0 ||
		    (r = get(rd, base + l->word, l->word, &val)) < 0)
			return r;
		if (tag == DT_NULL)
			break;
		if (tag == DT_STRTAB) {
			d->have_strtab = 1;
			d->strtab = val;
		} else if (tag == DT_STRSZ) {
			d->have_strsz = 1;
			d->strsz = val;
		}
	}
	return 0;
}

static int collect_dynamic(const struct reader *rd, const struct dynamic *d,
			   const struct range *strtab, struct elf_info *info)
{
	const struct layout *l = rd->l;
	uint64_t n = d->dyn.size / l->dyn_size;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t base = d->dyn.off + i * l->dyn_size, tag, val;
		char *s = NULL;
		int r;
		if ((r = get(rd, base, l->word, &tag)) < 0 ||
		    (r = get(rd, base + l->word, l->word, &val)) < 0)
			return r;
		if (tag == DT_NULL)
			break;
		if (tag != DT_NEEDED && tag != DT_RPATH && tag != DT_RUNPATH)
			continue;
		if ((r = string_at(rd, strtab, val, &s)) < 0)
			return r;
		if (tag == DT_NEEDED) {
			if ((r = strv_push_take(&info->needed, s)) < 0)
				return r;
		} else {
			char **slot = tag == DT_RPATH ? &info->rpath : &info->runpath;
			free(*slot); /* the last one wins, as in ld.so */
			*slot = s;
		}
	}
	return 0;
}

struct shdr {
	uint64_t name, type, offset, size, link;
};

static int shdr_get(const struct reader *rd, const struct table *t, uint64_t i,
		    struct shdr *ret)
{
	const struct layout *l = rd->l;
	uint64_t base = t->off + i * t->entsize;
	int r;

	if ((r = get(rd, base, 4, &ret->name)) < 0 || /* sh_name: first in both classes */
	    (r = get(rd, base + l->sh_type, 4, &ret->type)) < 0 ||
	    (r = get(rd, base + l->sh_offset, l->word, &ret->offset)) < 0 ||
	    (r = get(rd, base + l->sh_size, l->word, &ret->size)) < 0 ||
	    (r = get(rd, base + l->sh_link, 4, &ret->link)) < 0)
		return r;
	return 0;
}

/* Without usable program headers: SHT_DYNAMIC and the string table its sh_link names. */
static int dynamic_from_sections(const struct reader *rd, struct range *ret_dyn,
				 struct range *ret_strtab)
{
	struct table sh;
	int r = section_table(rd, &sh);
	if (r < 0)
		return r;
	for (uint64_t i = 0; i < sh.count; i++) {
		struct shdr s, str;
		if ((r = shdr_get(rd, &sh, i, &s)) < 0)
			return r;
		if (s.type != SHT_DYNAMIC)
			continue;
		if (s.link >= sh.count || (r = shdr_get(rd, &sh, s.link, &str)) < 0)
			return -ENOEXEC;
		if (str.type != SHT_STRTAB || !in_file(rd, s.offset, s.size) ||
		    !in_file(rd, str.offset, str.size))
			return -ENOEXEC;
		*ret_dyn = (struct range){s.offset, s.size};
		*ret_strtab = (struct range){str.offset, str.size};
		return 1;
	}
	return 0;
}

/* The string table through DT_STRTAB, mapped by the PT_LOAD segments. */
static int strtab_from_segments(const struct reader *rd, const struct table *ph,
				const struct dynamic *d, struct range *ret)
{
	struct range strtab;
	int r;

	if (!d->have_strtab)
		return -ENOEXEC;
	r = vaddr_to_range(rd, ph, d->strtab, &strtab);
	if (r < 0)
		return r;
	if (d->have_strsz && d->strsz < strtab.size)
		strtab.size = d->strsz;
	*ret = strtab;
	return 0;
}

static int parse_dynamic(const struct reader *rd, const struct table *ph,
			 const struct phdr *dyn_phdr, struct elf_info *info)
{
	struct dynamic d = {.dyn = {dyn_phdr->offset, dyn_phdr->filesz}};
	struct range strtab;
	int r;

	if (!in_file(rd, d.dyn.off, d.dyn.size))
		return -ENOEXEC;
	r = scan_dynamic(rd, &d);
	if (r < 0)
		return r;
	if (strtab_from_segments(rd, ph, &d, &strtab) >= 0)
		return collect_dynamic(rd, &d, &strtab, info);
	/* The strings are not mapped by any segment: try the section headers. */
	r = dynamic_from_sections(rd, &d.dyn, &strtab);
	if (r < 0)
		return r;
	if (r == 0)
		return -ENOEXEC;
	return collect_dynamic(rd, &d, &strtab, info);
}

void elf_info_free(struct elf_info *info)
{
	if (!info)
		return;
	free(info->interp);
	strv_clear(&info->needed);
	free(info->rpath);
	free(info->runpath);
	free(info);
}

int elf_parse(const void *buf, size_t size, struct elf_info **ret)
{
	_cleanup_(elf_info_freep) struct elf_info *info = NULL;
	struct phdr dyn_phdr = {0};
	int have_dyn = 0;
	struct reader rd;
	struct table ph;
	int r;

	r = reader_init(&rd, buf, size);
	if (r < 0)
		return r;
	info = calloc(1, sizeof(*info));
	if (!info)
		return -ENOMEM;
	r = elf_kind_of(buf, size, &info->kind);
	if (r < 0)
		return r;
	r = program_table(&rd, &ph);
	if (r < 0)
		return r;
	for (uint64_t i = 0; i < ph.count; i++) {
		struct phdr p;
		if ((r = phdr_get(&rd, &ph, i, &p)) < 0)
			return r;
		if (p.type == PT_INTERP && !info->interp) {
			if ((r = read_interp(&rd, &p, &info->interp)) < 0)
				return r;
		} else if (p.type == PT_DYNAMIC && !have_dyn) {
			dyn_phdr = p;
			have_dyn = 1;
		}
	}
	/* Without PT_DYNAMIC the program is static: it needs nothing. */
	if (have_dyn) {
		r = parse_dynamic(&rd, &ph, &dyn_phdr, info);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(info);
	return 0;
}

int elf_check_module(const void *buf, size_t size)
{
	const struct layout *l;
	struct reader rd;
	struct table sh;
	uint64_t type;
	int r;

	if ((r = reader_init(&rd, buf, size)) < 0 || (r = get(&rd, 16, 2, &type)) < 0)
		return r;
	if (type != ET_REL)
		return -ENOEXEC;
	if ((r = section_table(&rd, &sh)) < 0)
		return r;
	if (sh.count == 0)
		return -ENOEXEC;
	l = rd.l;
	/* A cut file keeps its header but loses the sections at its end. */
	for (uint64_t i = 0; i < sh.count; i++) {
		uint64_t at = sh.off + i * sh.entsize, stype, off, len;
		if ((r = get(&rd, at + l->sh_type, 4, &stype)) < 0 ||
		    (r = get(&rd, at + l->sh_offset, l->word, &off)) < 0 ||
		    (r = get(&rd, at + l->sh_size, l->word, &len)) < 0)
			return r;
		if (stype != SHT_NOBITS && stype != SHT_NULL && !in_file(&rd, off, len))
			return -ENOEXEC;
	}
	return 0;
}

/* The section header string table, whose index may live in section 0 (SHN_XINDEX). */
static int section_names(const struct reader *rd, const struct table *sh,
			 struct range *ret)
{
	struct shdr s;
	uint64_t index;
	int r;

	if ((r = get(rd, rd->l->e_shstrndx, 2, &index)) < 0)
		return r;
	if (index == SHN_XINDEX && (r = get(rd, sh->off + rd->l->sh_link, 4, &index)) < 0)
		return r;
	if (index >= sh->count || (r = shdr_get(rd, sh, index, &s)) < 0)
		return -ENOEXEC;
	if (s.type != SHT_STRTAB || !in_file(rd, s.offset, s.size))
		return -ENOEXEC;
	*ret = (struct range){s.offset, s.size};
	return 0;
}

/* Is the string at `index` of `names` exactly `name`, its NUL inside the table? */
static int name_is(const struct reader *rd, const struct range *names, uint64_t index,
		   const char *name)
{
	size_t len = strlen(name);

	if (index >= names->size || names->size - index <= len)
		return 0;
	return memcmp(rd->buf + names->off + index, name, len + 1) == 0;
}

int elf_section(const void *buf, size_t size, const char *name, const void **ret_data,
		size_t *ret_size)
{
	struct range names;
	struct reader rd;
	struct table sh;
	int r;

	if ((r = reader_init(&rd, buf, size)) < 0 || (r = section_table(&rd, &sh)) < 0)
		return r;
	if (sh.count == 0)
		return -ENOENT;
	if ((r = section_names(&rd, &sh, &names)) < 0)
		return r;
	for (uint64_t i = 1; i < sh.count; i++) {
		struct shdr s;
		if ((r = shdr_get(&rd, &sh, i, &s)) < 0)
			return r;
		if (!name_is(&rd, &names, s.name, name))
			continue;
		if (s.type == SHT_NOBITS)
			s.size = 0; /* occupies no bytes of the file */
		else if (!in_file(&rd, s.offset, s.size))
			return -ENOEXEC;
		*ret_data = rd.buf + s.offset;
		*ret_size = (size_t)s.size;
		return 0;
	}
	return -ENOENT;
}

/* Bytes [off, off + len) of the file into the same place of `buf`; -EAGAIN when short. */
static int read_range(int fd, uint8_t *buf, size_t size, uint64_t off, uint64_t len)
{
	if (off > size || len > size - off)
		return -EAGAIN;
	while (len) {
		ssize_t n = pread(fd, buf + off, (size_t)len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EAGAIN;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

int elf_read_section_fd(int fd, void *buf, size_t size, const char *name)
{
	struct range names;
	struct reader rd;
	struct table sh;
	int r;

	if (read_range(fd, buf, size, 0, size < 64 ? size : 64) < 0 ||
	    reader_init(&rd, buf, size) < 0 || section_table(&rd, &sh) < 0 || !sh.count ||
	    read_range(fd, buf, size, sh.off, sh.count * sh.entsize) < 0 ||
	    section_names(&rd, &sh, &names) < 0 ||
	    read_range(fd, buf, size, names.off, names.size) < 0)
		return -EAGAIN;
	for (uint64_t i = 1; i < sh.count; i++) {
		struct shdr s;
		if ((r = shdr_get(&rd, &sh, i, &s)) < 0)
			return -EAGAIN;
		if (!name_is(&rd, &names, s.name, name))
			continue;
		if (s.type == SHT_NOBITS)
			return 0;
		return read_range(fd, buf, size, s.offset, s.size);
	}
	return 0;
}

int elf_read_fd(int fd, struct elf_info **ret)
{
	_cleanup_free_ char *data = NULL;
	struct stat st;
	size_t size;
	int r;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_size <= 0)
		return -ENOEXEC;
	if ((uint64_t)st.st_size > SYSROOT_READ_MAX)
		return -EFBIG;
	/*
	 * Read, not mapped: a file truncated while it is parsed would kill the generator
	 * with SIGBUS; read, it is just shorter (and then malformed).
	 */
	if (lseek(fd, 0, SEEK_SET) < 0)
		return negative_errno();
	r = fileio_read_fd(fd, SYSROOT_READ_MAX, &data, &size);
	if (r < 0)
		return r;
	return elf_parse(data, size, ret);
}
