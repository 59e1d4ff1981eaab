/* SPDX-License-Identifier: GPL-2.0-or-later */
/* elf.c: real programs checked against readelf, synthetic ELFs, truncated and hostile ones. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "elf.h"
#include "strv.h"
#include "util.h"

/* Constants from <elf.h>, which generator/elf.h shadows on this include path. */
#define T_ELFCLASS32 1
#define T_ELFCLASS64 2
#define T_LSB 1
#define T_MSB 2
#define T_EM_PPC 20
#define T_EM_PPC64 21
#define T_EM_ARM 40
#define T_EM_X86_64 62

struct readelf {
	struct strv needed;
	char *interp, *runpath, *rpath;
};

static char *bracketed(const char *line)
{
	const char *a = strrchr(line, '['), *b = strrchr(line, ']');
	cr_assert(a && b && b > a, "no [...] in '%s'", line);
	return strndup(a + 1, (size_t)(b - a - 1));
}

/* The oracle: what binutils' readelf says the file needs. */
static void readelf_of(const char *path, struct readelf *out)
{
	char cmd[512], line[4096];
	FILE *p;

	*out = (struct readelf){.needed = STRV_INIT};
	snprintf(cmd, sizeof(cmd), "LC_ALL=C readelf -W -l -d '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	cr_assert(p);
	while (fgets(line, sizeof(line), p)) {
		if (strstr(line, "(NEEDED)"))
			cr_assert(strv_push_take(&out->needed, bracketed(line)) == 0);
		else if (strstr(line, "(RUNPATH)"))
			out->runpath = bracketed(line);
		else if (strstr(line, "(RPATH)"))
			out->rpath = bracketed(line);
		else if (strstr(line, "Requesting program interpreter: ")) {
			_cleanup_free_ char *b = bracketed(line);
			out->interp = strdup(strstr(b, ": ") + 2);
		}
	}
	cr_assert(pclose(p) == 0, "readelf failed on '%s'", path);
}

static void assert_str_eq_nullable(const char *what, const char *a, const char *b)
{
	if (!a || !b)
		cr_assert(a == b, "%s: '%s' vs '%s'", what, a ? a : "(null)", b ? b : "(null)");
	else
		cr_assert_str_eq(a, b, "%s", what);
}

static void assert_matches_readelf(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct elf_info *info = NULL;
	struct readelf re;

	cr_assert(fd >= 0, "cannot open '%s'", path);
	readelf_of(path, &re);
	cr_assert_eq(elf_read_fd(fd, &info), 0, "cannot parse '%s'", path);
	cr_assert_eq(info->needed.n, re.needed.n, "%s: %zu needed, readelf says %zu", path,
		     info->needed.n, re.needed.n);
	for (size_t i = 0; i < re.needed.n; i++)
		cr_assert_str_eq(info->needed.v[i], re.needed.v[i], "%s", path);
	assert_str_eq_nullable("interp", info->interp, re.interp);
	assert_str_eq_nullable("runpath", info->runpath, re.runpath);
	assert_str_eq_nullable("rpath", info->rpath, re.rpath);
	cr_assert_eq(info->kind.elf_class, T_ELFCLASS64);
	cr_assert_eq(info->kind.machine, T_EM_X86_64);
	elf_info_free(info);
	strv_clear(&re.needed);
	free(re.interp);
	free(re.runpath);
	free(re.rpath);
}

Test(elf, real_programs_match_readelf)
{
	const char *paths[] = {
		"/bin/ls", "/usr/bin/bsdtar", "/usr/bin/zstd", "/usr/bin/readelf",
		"/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libarchive.so.13",
		"/lib64/ld-linux-x86-64.so.2", "/bin/busybox",
	};
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		assert_matches_readelf(paths[i]);
}

Test(elf, static_program_needs_nothing)
{
	_cleanup_close_ int fd = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
	struct elf_info *info = NULL;

	cr_assert(fd >= 0);
	cr_assert_eq(elf_read_fd(fd, &info), 0);
	cr_assert_null(info->interp);
	cr_assert_eq(info->needed.n, 0);
	elf_info_free(info);
}

/* --- synthetic ELFs, all four class/byte-order combinations --- */

struct synth {
	uint8_t buf[1024];
	size_t size;
	int is64, be;
	size_t phoff, dyn_off, strtab_off, shoff;
};

static void put(struct synth *s, size_t off, unsigned width, uint64_t v)
{
	cr_assert(off + width <= sizeof(s->buf));
	for (unsigned i = 0; i < width; i++) {
		unsigned shift = 8 * (s->be ? width - 1 - i : i);
		s->buf[off + i] = (uint8_t)(v >> shift);
	}
}

static void put_word(struct synth *s, size_t off, uint64_t v)
{
	put(s, off, s->is64 ? 8 : 4, v);
}

#define VBASE 0x10000
static const char strtab[] = "\0libfoo.so.1\0libbar.so.2\0$ORIGIN/lib\0";
static const char interp[] = "/lib/ld-test.so.1";

static void put_phdr(struct synth *s, unsigned i, uint32_t type, uint64_t off, uint64_t size)
{
	size_t base = s->phoff + i * (s->is64 ? 56 : 32);
	put(s, base, 4, type);
	if (s->is64) {
		put(s, base + 8, 8, off);
		put(s, base + 16, 8, VBASE + off);
		put(s, base + 32, 8, size);
		put(s, base + 40, 8, size);
	} else {
		put(s, base + 4, 4, off);
		put(s, base + 8, 4, VBASE + off);
		put(s, base + 16, 4, size);
		put(s, base + 20, 4, size);
	}
}

static void put_dyn(struct synth *s, unsigned i, uint64_t tag, uint64_t val)
{
	unsigned w = s->is64 ? 8 : 4;
	put_word(s, s->dyn_off + i * 2 * w, tag);
	put_word(s, s->dyn_off + i * 2 * w + w, val);
}

/* ehdr, 3 phdrs (INTERP, LOAD of the whole file, DYNAMIC), interp, strtab, dynamic. */
static void synth_build(struct synth *s, int is64, int be, uint16_t machine)
{
	unsigned ehsize = is64 ? 64 : 52, phsize = is64 ? 56 : 32, w = is64 ? 8 : 4;
	size_t interp_off, off;

	memset(s, 0, sizeof(*s));
	s->is64 = is64;
	s->be = be;
	memcpy(s->buf, "\177ELF", 4);
	s->buf[4] = is64 ? T_ELFCLASS64 : T_ELFCLASS32;
	s->buf[5] = be ? T_MSB : T_LSB;
	s->buf[6] = 1;
	put(s, 16, 2, 3); /* ET_DYN */
	put(s, 18, 2, machine);
	put(s, 20, 4, 1);
	s->phoff = ehsize;
	put_word(s, is64 ? 32 : 28, s->phoff);
	put(s, is64 ? 52 : 40, 2, ehsize);
	put(s, is64 ? 54 : 42, 2, phsize);
	put(s, is64 ? 56 : 44, 2, 3);
	interp_off = s->phoff + 3 * phsize;
	memcpy(s->buf + interp_off, interp, sizeof(interp));
	s->strtab_off = interp_off + sizeof(interp);
	memcpy(s->buf + s->strtab_off, strtab, sizeof(strtab));
	off = s->strtab_off + sizeof(strtab);
	s->dyn_off = (off + 7) & ~(size_t)7;
	put_dyn(s, 0, 1, 1); /* DT_NEEDED libfoo.so.1 */
	put_dyn(s, 1, 1, 13); /* DT_NEEDED libbar.so.2 */
	put_dyn(s, 2, 29, 25); /* DT_RUNPATH */
	put_dyn(s, 3, 5, VBASE + s->strtab_off); /* DT_STRTAB */
	put_dyn(s, 4, 10, sizeof(strtab)); /* DT_STRSZ */
	put_dyn(s, 5, 0, 0);
	s->size = s->dyn_off + 6 * 2 * w;
	put_phdr(s, 0, 3, interp_off, sizeof(interp));
	put_phdr(s, 1, 1, 0, s->size);
	put_phdr(s, 2, 2, s->dyn_off, 6 * 2 * w);
}

static void assert_synth_parses(const struct synth *s, uint8_t cls, uint8_t data,
				uint16_t machine)
{
	struct elf_info *info = NULL;

	cr_assert_eq(elf_parse(s->buf, s->size, &info), 0);
	cr_assert_eq(info->kind.elf_class, cls);
	cr_assert_eq(info->kind.data, data);
	cr_assert_eq(info->kind.machine, machine);
	cr_assert_str_eq(info->interp, interp);
	cr_assert_eq(info->needed.n, 2);
	cr_assert_str_eq(info->needed.v[0], "libfoo.so.1");
	cr_assert_str_eq(info->needed.v[1], "libbar.so.2");
	cr_assert_str_eq(info->runpath, "$ORIGIN/lib");
	cr_assert_null(info->rpath);
	elf_info_free(info);
}

Test(elf, synthetic_all_classes_and_byte_orders)
{
	struct {
		int is64, be;
		uint16_t machine;
	} cases[] = {{1, 0, T_EM_X86_64}, {0, 0, T_EM_ARM}, {1, 1, T_EM_PPC64}, {0, 1, T_EM_PPC}};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct synth s;
		synth_build(&s, cases[i].is64, cases[i].be, cases[i].machine);
		assert_synth_parses(&s, cases[i].is64 ? T_ELFCLASS64 : T_ELFCLASS32,
				    cases[i].be ? T_MSB : T_LSB, cases[i].machine);
		struct elf_kind k;
		cr_assert_eq(elf_kind_of(s.buf, s.size, &k), 0);
		cr_assert_eq(k.machine, cases[i].machine);
	}
}

/* With DT_STRTAB outside every segment, the section headers still lead to the strings. */
Test(elf, strings_through_section_headers)
{
	struct synth s;
	size_t shoff;

	synth_build(&s, 1, 0, T_EM_X86_64);
	put_dyn(&s, 3, 5, 0x7777777); /* DT_STRTAB: not mapped */
	shoff = (s.size + 7) & ~(size_t)7;
	/* sections: 0 null, 1 .dynstr, 2 .dynamic (sh_link 1) */
	put(&s, shoff + 64 + 4, 4, 3); /* SHT_STRTAB */
	put(&s, shoff + 64 + 24, 8, s.strtab_off);
	put(&s, shoff + 64 + 32, 8, sizeof(strtab));
	put(&s, shoff + 128 + 4, 4, 6); /* SHT_DYNAMIC */
	put(&s, shoff + 128 + 24, 8, s.dyn_off);
	put(&s, shoff + 128 + 32, 8, 6 * 16);
	put(&s, shoff + 128 + 40, 4, 1);
	put(&s, 40, 8, shoff);
	put(&s, 58, 2, 64);
	put(&s, 60, 2, 3);
	s.size = shoff + 3 * 64;
	assert_synth_parses(&s, T_ELFCLASS64, T_LSB, T_EM_X86_64);

	/* Without the sections, the unmapped string table is an error. */
	put(&s, 60, 2, 0);
	put(&s, 40, 8, 0);
	struct elf_info *info = NULL;
	cr_assert_eq(elf_parse(s.buf, s.size, &info), -ENOEXEC);
}

/* PN_XNUM: e_phnum 0xffff says "the count is in section 0's sh_info". */
Test(elf, program_header_count_through_pn_xnum)
{
	struct synth s;
	size_t shoff;

	synth_build(&s, 1, 0, T_EM_X86_64);
	shoff = (s.size + 7) & ~(size_t)7;
	put(&s, shoff + 44, 4, 3); /* section 0: sh_info = the real e_phnum */
	put(&s, 40, 8, shoff);
	put(&s, 58, 2, 64);
	put(&s, 60, 2, 1);
	put(&s, 56, 2, 0xffff);
	s.size = shoff + 64;
	assert_synth_parses(&s, T_ELFCLASS64, T_LSB, T_EM_X86_64);
	put(&s, shoff + 44, 4, 0x7fffffff);
	struct elf_info *info = NULL;
	cr_assert_eq(elf_parse(s.buf, s.size, &info), -ENOEXEC, "huge count in sh_info");
}

static void assert_hostile(struct synth *s, const char *what)
{
	struct elf_info *info = NULL;
	int r = elf_parse(s->buf, s->size, &info);
	cr_assert_eq(r, -ENOEXEC, "%s: got %d", what, r);
}

Test(elf, hostile_fields_are_enoexec)
{
	struct synth s;

	synth_build(&s, 1, 0, T_EM_X86_64);
	put(&s, 32, 8, UINT64_MAX - 8);
	assert_hostile(&s, "e_phoff near 2^64");
	synth_build(&s, 1, 0, T_EM_X86_64);
	put(&s, 56, 2, 0xfffe);
	assert_hostile(&s, "e_phnum beyond the file");
	synth_build(&s, 1, 0, T_EM_X86_64);
	put(&s, 56, 2, 0xffff);
	assert_hostile(&s, "PN_XNUM without sections");
	synth_build(&s, 1, 0, T_EM_X86_64);
	put(&s, 54, 2, 8);
	assert_hostile(&s, "e_phentsize too small");
	synth_build(&s, 1, 0, T_EM_X86_64);
	put(&s, s.phoff + 2 * 56 + 8, 8, UINT64_MAX - 4);
	assert_hostile(&s, "PT_DYNAMIC offset near 2^64");
	synth_build(&s, 1, 0, T_EM_X86_64);
	put(&s, s.phoff + 2 * 56 + 32, 8, UINT64_MAX);
	assert_hostile(&s, "PT_DYNAMIC size 2^64-1");
	synth_build(&s, 1, 0, T_EM_X86_64);
	put(&s, s.phoff + 0 * 56 + 32, 8, 1ull << 40);
	assert_hostile(&s, "PT_INTERP size 2^40");
	synth_build(&s, 1, 0, T_EM_X86_64);
	put(&s, s.phoff + 56 + 32, 8, UINT64_MAX);
	put(&s, s.phoff + 56 + 16, 8, UINT64_MAX - 16);
	assert_hostile(&s, "PT_LOAD wrapping around");
	synth_build(&s, 1, 0, T_EM_X86_64);
	put_dyn(&s, 0, 1, UINT64_MAX);
	assert_hostile(&s, "DT_NEEDED index 2^64-1");
	synth_build(&s, 1, 0, T_EM_X86_64);
	put_dyn(&s, 4, 10, 5);
	assert_hostile(&s, "DT_NEEDED beyond DT_STRSZ");
	synth_build(&s, 0, 0, T_EM_ARM);
	put(&s, 28, 4, UINT32_MAX);
	assert_hostile(&s, "ELF32 e_phoff 2^32-1");
	synth_build(&s, 1, 0, T_EM_X86_64);
	s.buf[4] = 3;
	assert_hostile(&s, "unknown class");
	synth_build(&s, 1, 0, T_EM_X86_64);
	s.buf[5] = 0;
	assert_hostile(&s, "unknown byte order");
}

Test(elf, unterminated_strings_are_enoexec)
{
	struct synth s;

	synth_build(&s, 1, 0, T_EM_X86_64);
	/* The interpreter string without its NUL, at the end of its segment. */
	put(&s, s.phoff + 32, 8, sizeof(interp) - 1);
	assert_hostile(&s, "interp without NUL");
	synth_build(&s, 1, 0, T_EM_X86_64);
	put_dyn(&s, 4, 10, 12); /* DT_STRSZ cuts "libfoo.so.1" before its NUL */
	assert_hostile(&s, "string cut by DT_STRSZ");
}

/* Sections 0 null, 1 .shstrtab, 2 .modinfo (the strings' bytes), 3 .bss (NOBITS). */
static const char shnames[] = "\0.shstrtab\0.modinfo\0.bss\0";
static const char payload[] = "license=GPL";

static void put_shdr(struct synth *s, unsigned i, uint32_t name, uint32_t type,
		     uint64_t off, uint64_t size)
{
	size_t base = s->shoff + i * (s->is64 ? 64 : 40);
	put(s, base, 4, name);
	put(s, base + 4, 4, type);
	put_word(s, base + (s->is64 ? 24 : 16), off);
	put_word(s, base + (s->is64 ? 32 : 20), size);
}

static void synth_sections(struct synth *s, int is64, int be)
{
	size_t names_off, payload_off;

	synth_build(s, is64, be, is64 ? T_EM_X86_64 : T_EM_ARM);
	names_off = s->size;
	memcpy(s->buf + names_off, shnames, sizeof(shnames));
	payload_off = names_off + sizeof(shnames);
	memcpy(s->buf + payload_off, payload, sizeof(payload));
	s->shoff = (payload_off + sizeof(payload) + 7) & ~(size_t)7;
	put_word(s, is64 ? 40 : 32, s->shoff);
	put(s, is64 ? 58 : 46, 2, is64 ? 64 : 40);
	put(s, is64 ? 60 : 48, 2, 4);
	put(s, is64 ? 62 : 50, 2, 1);
	put_shdr(s, 1, 1, 3, names_off, sizeof(shnames));
	put_shdr(s, 2, 11, 1, payload_off, sizeof(payload));
	put_shdr(s, 3, 20, 8, 1u << 30, 4096); /* NOBITS: its offset means nothing */
	s->size = s->shoff + 4 * (is64 ? 64 : 40);
}

static int section(const struct synth *s, const char *name, const void **data,
		   size_t *size)
{
	return elf_section(s->buf, s->size, name, data, size);
}

Test(elf, sections_by_name_in_all_classes_and_byte_orders)
{
	for (int is64 = 0; is64 < 2; is64++)
		for (int be = 0; be < 2; be++) {
			struct synth s;
			const void *data;
			size_t size;
			synth_sections(&s, is64, be);
			cr_assert_eq(section(&s, ".modinfo", &data, &size), 0);
			cr_assert_eq(size, sizeof(payload));
			cr_assert_str_eq(data, payload);
			cr_assert_eq(section(&s, ".bss", &data, &size), 0);
			cr_assert_eq(size, 0, "NOBITS has no bytes in the file");
			cr_assert_eq(section(&s, ".modinf", &data, &size), -ENOENT);
			cr_assert_eq(section(&s, "", &data, &size), -ENOENT,
				     "section 0 is no section");
		}
}

Test(elf, section_index_of_the_names_through_shn_xindex)
{
	struct synth s;
	const void *data;
	size_t size;

	synth_sections(&s, 1, 0);
	put(&s, 62, 2, 0xffff);
	put(&s, s.shoff + 40, 4, 1); /* section 0's sh_link */
	cr_assert_eq(section(&s, ".modinfo", &data, &size), 0);
	put(&s, s.shoff + 40, 4, 4);
	cr_assert_eq(section(&s, ".modinfo", &data, &size), -ENOEXEC);
}

Test(elf, hostile_sections_are_enoexec)
{
	struct synth s;
	const void *data;
	size_t size;

	synth_sections(&s, 1, 0);
	put(&s, s.shoff + 2 * 64 + 24, 8, s.size);
	cr_assert_eq(section(&s, ".modinfo", &data, &size), -ENOEXEC, "offset past the end");
	synth_sections(&s, 1, 0);
	put(&s, s.shoff + 2 * 64 + 32, 8, UINT64_MAX);
	cr_assert_eq(section(&s, ".modinfo", &data, &size), -ENOEXEC, "size 2^64-1");
	synth_sections(&s, 0, 1);
	put(&s, s.shoff + 2 * 40 + 16, 4, UINT32_MAX);
	cr_assert_eq(section(&s, ".modinfo", &data, &size), -ENOEXEC, "ELF32 offset 2^32-1");
	synth_sections(&s, 1, 0);
	put(&s, 62, 2, 4);
	cr_assert_eq(section(&s, ".modinfo", &data, &size), -ENOEXEC, "e_shstrndx too big");
	synth_sections(&s, 1, 0);
	put(&s, s.shoff + 64 + 4, 4, 1);
	cr_assert_eq(section(&s, ".modinfo", &data, &size), -ENOEXEC, "names not STRTAB");
	synth_sections(&s, 1, 0);
	put(&s, s.shoff + 64 + 32, 8, 12); /* the name table ends inside ".modinfo" */
	cr_assert_eq(section(&s, ".modinfo", &data, &size), -ENOENT);
	synth_sections(&s, 1, 0);
	put(&s, s.shoff + 2 * 64, 4, UINT32_MAX);
	cr_assert_eq(section(&s, ".modinfo", &data, &size), -ENOENT, "sh_name 2^32-1");
	synth_sections(&s, 1, 0);
	put(&s, 60, 2, 0xfff0);
	cr_assert_eq(section(&s, ".modinfo", &data, &size), -ENOEXEC, "e_shnum too big");
	cr_assert_eq(elf_section("#!/bin/sh\n", 10, ".text", &data, &size), -ENOEXEC);
}

Test(elf, garbage_is_enoexec)
{
	uint8_t buf[4096];
	struct elf_info *info = NULL;

	cr_assert_eq(elf_parse("", 0, &info), -ENOEXEC);
	cr_assert_eq(elf_parse("#!/bin/sh\n", 10, &info), -ENOEXEC);
	cr_assert_eq(elf_parse("\177ELF", 4, &info), -ENOEXEC);
	cr_assert_not(elf_is_elf("#!/bin/sh", 9));
	srand(42);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(buf));
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)rand();
		if (n >= 6) {
			memcpy(buf, "\177ELF", 4);
			buf[4] = (uint8_t)(1 + rand() % 2);
			buf[5] = (uint8_t)(1 + rand() % 2);
		}
		int r = elf_parse(buf, n, &info);
		cr_assert(r == 0 || r == -ENOEXEC, "round %d: %d", round, r);
		if (r == 0)
			elf_info_free(info);
	}
}

/* --- truncation and mutation of a real program --- */

struct file_map {
	uint8_t *data;
	size_t size;
};

static struct file_map map_copy(const char *path)
{
	struct file_map m = {0};
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	cr_assert(fd >= 0 && fstat(fd, &st) == 0);
	m.size = (size_t)st.st_size;
	m.data = malloc(m.size);
	cr_assert(m.data && read(fd, m.data, m.size) == (ssize_t)m.size);
	close(fd);
	return m;
}

static int same_info(const struct elf_info *a, const struct elf_info *b)
{
	if (a->needed.n != b->needed.n || !!a->interp != !!b->interp)
		return 0;
	for (size_t i = 0; i < a->needed.n; i++)
		if (!streq(a->needed.v[i], b->needed.v[i]))
			return 0;
	return !a->interp || streq(a->interp, b->interp);
}

/*
 * A prefix parsed in a buffer that ends right before an inaccessible page: a read past
 * the prefix faults instead of quietly seeing the real bytes.
 */
struct guarded {
	uint8_t *base;
	size_t usable, total;
};

static struct guarded guarded_new(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	struct guarded g;

	g.usable = (size + (size_t)page - 1) / (size_t)page * (size_t)page;
	g.total = g.usable + (size_t)page;
	g.base = mmap(NULL, g.total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(g.base != MAP_FAILED);
	cr_assert(mprotect(g.base + g.usable, (size_t)page, PROT_NONE) == 0);
	return g;
}

static int parse_guarded(const struct guarded *g, const uint8_t *data, size_t len,
			 struct elf_info **ret)
{
	uint8_t *start = g->base + g->usable - len;
	memcpy(start, data, len);
	return elf_parse(start, len, ret);
}

Test(elf, every_truncation_of_ls_is_enoexec_or_complete)
{
	struct file_map m = map_copy("/bin/ls");
	struct elf_info *full = NULL, *info = NULL;
	struct guarded g = guarded_new(m.size);
	size_t first_ok = 0;

	cr_assert_eq(elf_parse(m.data, m.size, &full), 0);
	cr_assert_gt(full->needed.n, 0);
	/* Every prefix, in place: the result changes exactly once, from -ENOEXEC to all. */
	for (size_t len = 0; len <= m.size; len++) {
		int r = elf_parse(m.data, len, &info);
		cr_assert(r == 0 || r == -ENOEXEC, "length %zu: %d", len, r);
		if (r == 0) {
			cr_assert(same_info(info, full), "length %zu parsed differently", len);
			elf_info_free(info);
			if (!first_ok)
				first_ok = len;
		} else {
			cr_assert_eq(first_ok, 0, "length %zu fails after %zu worked", len,
				     first_ok);
		}
	}
	cr_assert_gt(first_ok, 64);
	/* Exact-size buffers: the headers' region, around the threshold, and a stride. */
	for (size_t len = 0; len <= m.size; len++) {
		int near = len < 4096 || (len + 512 > first_ok && len < first_ok + 512);
		if (!near && len % 997)
			continue;
		int r = parse_guarded(&g, m.data, len, &info);
		cr_assert_eq(r, len >= first_ok ? 0 : -ENOEXEC, "guarded length %zu", len);
		if (r == 0)
			elf_info_free(info);
	}
	elf_info_free(full);
	munmap(g.base, g.total);
	free(m.data);
}

Test(elf, mutated_headers_of_ls_never_crash)
{
	struct file_map m = map_copy("/bin/ls");
	struct elf_info *info = NULL;
	size_t hot = 64 + 13 * 56; /* the ELF and program headers */

	srand(7);
	for (int round = 0; round < 20000; round++) {
		size_t off[4];
		uint8_t old[4];
		int n = 1 + rand() % 4;
		for (int i = 0; i < n; i++) {
			/* Mostly the headers, sometimes anywhere (the dynamic section too). */
			off[i] = (size_t)rand() % (rand() % 4 ? hot : m.size);
			old[i] = m.data[off[i]];
			m.data[off[i]] = (uint8_t)rand();
		}
		int r = elf_parse(m.data, m.size, &info);
		cr_assert(r == 0 || r == -ENOEXEC, "round %d: %d", round, r);
		if (r == 0)
			elf_info_free(info);
		for (int i = n - 1; i >= 0; i--)
			m.data[off[i]] = old[i];
	}
	free(m.data);
}

Test(elf, read_fd_of_non_regular_and_empty_files)
{
	struct elf_info *info = NULL;
	_cleanup_close_ int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	cr_assert_eq(elf_read_fd(dir, &info), -ENOEXEC);
	cr_assert_eq(elf_read_fd(null, &info), -ENOEXEC);
}
