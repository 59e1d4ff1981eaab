/* SPDX-License-Identifier: GPL-2.0-or-later */
/* modinfo.c: stub modules (gcc -c) in every compression against objcopy; hostile ELFs. */
#include <criterion/criterion.h>
#include <elf.h> /* the system's: tests are built with -iquote generator */
#include <fcntl.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compress.h"
#include "elf.h"
#include "modules/modinfo.h"
#include "strv.h"
#include "testutil.h"
#include "util.h"

static char *dir;

/*
 * Entries as the kernel's __MODULE_INFO writes them, each its own object: aligned ones
 * leave NUL padding between them, which is no entry.
 */
static const char stub_c[] =
	"static const char a[] __attribute__((section(\".modinfo\"), used, aligned(1))) ="
	" \"license=GPL\";\n"
	"static const char b[] __attribute__((section(\".modinfo\"), used, aligned(16))) "
	"="
	" \"firmware=vendor/fw-1.bin\";\n"
	"static const char c[] __attribute__((section(\".modinfo\"), used, aligned(16))) "
	"="
	" \"alias=stub-alias\\0firmware=fw-2.bin\\0name=stub\";\n"
	"int stub_init(void) { return 0; }\n";
static const char *const stub_entries[] = {
	"license=GPL",	    "firmware=vendor/fw-1.bin",
	"alias=stub-alias", "firmware=fw-2.bin",
	"name=stub",
};

static void setup(void)
{
	dir = testutil_mkdtemp();
	testutil_write(dir, "stub.c", stub_c);
	testutil_write(dir, "plain.c", "int plain(void) { return 1; }\n");
	cr_assert_eq(testutil_sh("cd '%s' && gcc -c -O0 -o stub.ko stub.c && "
				 "gcc -c -O0 -o plain.ko plain.c && "
				 "gzip -nc stub.ko >stub.ko.gz && "
				 "xz --check=crc32 -kc stub.ko >stub.ko.xz && "
				 "zstd -qc stub.ko >stub.ko.zst && "
				 "objcopy -O binary -j .modinfo stub.ko modinfo.bin",
				 dir),
		     0, "cannot make the stub modules in '%s'", dir);
}

static void teardown(void)
{
	testutil_rmrf(dir);
	free(dir);
}

TestSuite(modinfo, .init = setup, .fini = teardown);

static char *path_of(const char *name)
{
	char *p;
	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static void *load(const char *name, size_t *size)
{
	_cleanup_free_ char *p = path_of(name);
	void *data;
	cr_assert_eq(compress_read_file(p, &data, size), 0, "cannot read '%s'", p);
	return data;
}

/* The oracle: the section's bytes as objcopy (binutils) extracts them, split at NULs. */
static void objcopy_entries(struct strv *out)
{
	size_t size;
	_cleanup_free_ char *raw = load("modinfo.bin", &size);
	for (size_t i = 0; i < size; i += strlen(raw + i) + 1)
		if (raw[i])
			cr_assert_eq(strv_push(out, raw + i), 0);
	cr_assert_eq(raw[size - 1], '\0');
}

static void assert_entries(const struct strv *got, const struct strv *want)
{
	cr_assert_eq(got->n, want->n, "%zu entries, wanted %zu", got->n, want->n);
	for (size_t i = 0; i < want->n; i++)
		cr_assert_str_eq(got->v[i], want->v[i]);
}

Test(modinfo, plain_module_equals_objcopy)
{
	struct strv got = STRV_INIT, want = STRV_INIT;
	_cleanup_free_ char *p = path_of("stub.ko");

	objcopy_entries(&want);
	cr_assert_eq(want.n, ARRAY_SIZE(stub_entries), "the stub has padding entries?");
	for (size_t i = 0; i < ARRAY_SIZE(stub_entries); i++)
		cr_assert_str_eq(want.v[i], stub_entries[i]);
	cr_assert_eq(modinfo_read(p, &got), 0);
	assert_entries(&got, &want);
	strv_clear(&got);
	strv_clear(&want);
}

Test(modinfo, padding_between_entries_is_no_entry)
{
	size_t size, used = 0;
	_cleanup_free_ char *raw = load("modinfo.bin", &size);
	for (size_t i = 0; i < ARRAY_SIZE(stub_entries); i++)
		used += strlen(stub_entries[i]) + 1;
	/* Else plain_module_equals_objcopy proves nothing about padding. */
	cr_assert_gt(size, used, "no padding in the stub's .modinfo");
}

Test(modinfo, gzip_xz_and_zstd_modules_read_as_the_plain_one)
{
	static const char *const names[] = {"stub.ko.gz", "stub.ko.xz", "stub.ko.zst"};
	struct strv want = STRV_INIT;

	objcopy_entries(&want);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *p = path_of(names[i]);
		struct strv got = STRV_INIT;
		cr_assert_eq(modinfo_read(p, &got), 0, "cannot read '%s'", names[i]);
		assert_entries(&got, &want);
		strv_clear(&got);
	}
	strv_clear(&want);
}

Test(modinfo, values_by_key)
{
	cr_assert_str_eq(modinfo_value("firmware=a/b.bin", "firmware"), "a/b.bin");
	cr_assert_str_eq(modinfo_value("firmware=", "firmware"), "");
	cr_assert_str_eq(modinfo_value("parm=x:int=1", "parm"), "x:int=1");
	cr_assert_null(modinfo_value("firmwares=a", "firmware"));
	cr_assert_null(modinfo_value("firmware", "firmware"));
	cr_assert_null(modinfo_value("firm=a", "firmware"));
}

Test(modinfo, corrupt_or_missing_files)
{
	_cleanup_free_ char *cut = path_of("cut.ko.gz");
	_cleanup_free_ char *none = path_of("none.ko");
	struct strv got = STRV_INIT;

	cr_assert_eq(testutil_sh("head -c 200 '%s/stub.ko.gz' >'%s'", dir, cut), 0);
	cr_assert_eq(modinfo_read(cut, &got), -EBADMSG);
	cr_assert_eq(modinfo_read(none, &got), -ENOENT);
	cr_assert_eq(modinfo_read(dir, &got), -EISDIR);
	cr_assert_eq(got.n, 0);
}

/* --- hostile ELF images: the stub's bytes, edited -------------------------------------
 */

struct image {
	uint8_t *buf;
	size_t size;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;	     /* the section table */
	Elf64_Shdr *modinfo; /* its .modinfo entry */
	char *names;	     /* the section name table */
};

static void image_load(struct image *im, const char *name)
{
	im->buf = load(name, &im->size);
	im->eh = (Elf64_Ehdr *)im->buf;
	cr_assert_eq(im->eh->e_ident[EI_CLASS], ELFCLASS64, "a 64-bit host is assumed");
	cr_assert_leq(im->eh->e_shoff + (uint64_t)im->eh->e_shnum * sizeof(Elf64_Shdr),
		      im->size);
	im->sh = (Elf64_Shdr *)(im->buf + im->eh->e_shoff);
	im->names = (char *)im->buf + im->sh[im->eh->e_shstrndx].sh_offset;
	im->modinfo = NULL;
	for (unsigned i = 0; i < im->eh->e_shnum; i++)
		if (!strcmp(im->names + im->sh[i].sh_name, ".modinfo"))
			im->modinfo = &im->sh[i];
	cr_assert_not_null(im->modinfo);
}

/*
 * The first `size` bytes of the image as modinfo_parse() sees them in memory, and as
 * modinfo_read_fd() reads them from a file (only the parts it needs, when it can): the
 * same result either way, which this returns.
 */
static int parse(const struct image *im, size_t size)
{
	_cleanup_free_ char *p = path_of("edited.ko");
	struct strv got = STRV_INIT, from_fd = STRV_INIT;
	int r = modinfo_parse(im->buf, size, &got);
	if (r < 0)
		cr_assert_eq(got.n, 0, "entries returned with an error");

	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(im->buf, 1, size, f), size);
	cr_assert_eq(fclose(f), 0);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	/* An empty file is no module: compress_read_fd() reads it, parse refuses it. */
	cr_assert_eq(modinfo_read_fd(fd, &from_fd), r, "cut at %zu: %d from the file", size,
		     r);
	assert_entries(&from_fd, &got);
	strv_clear(&from_fd);
	strv_clear(&got);
	return r;
}

Test(modinfo, the_unedited_image_parses)
{
	struct image im;
	image_load(&im, "stub.ko");
	cr_assert_eq(parse(&im, im.size), 0);
	free(im.buf);
}

Test(modinfo, every_truncation_is_refused)
{
	struct image im;
	image_load(&im, "stub.ko");
	for (size_t n = 0; n < im.size; n++)
		cr_assert_eq(parse(&im, n), -ENOEXEC, "cut at %zu of %zu: accepted", n,
			     im.size);
	free(im.buf);
}

Test(modinfo, modinfo_offset_or_size_out_of_the_file)
{
	struct image im;
	image_load(&im, "stub.ko");
	Elf64_Shdr saved = *im.modinfo;
	im.modinfo->sh_offset = im.size;
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	*im.modinfo = saved;
	im.modinfo->sh_size = im.size - im.modinfo->sh_offset + 1;
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	/* offset + size wraps around 2^64 */
	im.modinfo->sh_size = UINT64_MAX - im.modinfo->sh_offset + 2;
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	free(im.buf);
}

Test(modinfo, section_table_or_name_table_out_of_the_file)
{
	struct image im;
	image_load(&im, "stub.ko");
	Elf64_Ehdr saved = *im.eh;
	im.eh->e_shoff = im.size - 8;
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	*im.eh = saved;
	im.eh->e_shoff = UINT64_MAX - 16;
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	*im.eh = saved;
	im.eh->e_shstrndx = im.eh->e_shnum;
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	*im.eh = saved;
	im.sh[im.eh->e_shstrndx].sh_offset = im.size;
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	free(im.buf);
}

Test(modinfo, no_modinfo_section)
{
	struct image im;
	image_load(&im, "stub.ko");
	im.names[im.modinfo->sh_name + 1] = 'M'; /* ".Modinfo" */
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	free(im.buf);

	size_t size;
	_cleanup_free_ void *plain = load("plain.ko", &size);
	struct strv got = STRV_INIT;
	cr_assert_eq(modinfo_parse(plain, size, &got), -ENOEXEC);
}

Test(modinfo, section_names_out_of_their_table)
{
	struct image im;
	image_load(&im, "stub.ko");
	Elf64_Shdr *names = &im.sh[im.eh->e_shstrndx];
	/* A name index past the table, then ".modinfo" running off the table's end. */
	im.modinfo->sh_name = (Elf64_Word)names->sh_size;
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	free(im.buf);
	image_load(&im, "stub.ko");
	names = &im.sh[im.eh->e_shstrndx];
	names->sh_size = im.modinfo->sh_name + strlen(".modinfo");
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	free(im.buf);
}

Test(modinfo, unterminated_last_string)
{
	struct image im;
	image_load(&im, "stub.ko");
	uint8_t *end = im.buf + im.modinfo->sh_offset + im.modinfo->sh_size - 1;
	cr_assert_eq(*end, '\0');
	*end = 'x';
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	/* Cut inside the last string: the section ends before its NUL. */
	*end = '\0';
	im.modinfo->sh_size -= 2;
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	free(im.buf);
}

Test(modinfo, an_empty_modinfo_has_no_entry)
{
	struct image im;
	struct strv got = STRV_INIT;
	image_load(&im, "stub.ko");
	im.modinfo->sh_size = 0;
	cr_assert_eq(modinfo_parse(im.buf, im.size, &got), 0);
	cr_assert_eq(got.n, 0);
	free(im.buf);
}

Test(modinfo, not_a_relocatable_elf)
{
	struct image im;
	image_load(&im, "stub.ko");
	im.eh->e_type = ET_DYN;
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	im.eh->e_type = ET_REL;
	im.buf[0] = 'X';
	cr_assert_eq(parse(&im, im.size), -ENOEXEC);
	free(im.buf);

	struct strv got = STRV_INIT;
	cr_assert_eq(modinfo_parse("license=GPL", 12, &got), -ENOEXEC);
	cr_assert_eq(modinfo_read("/bin/true", &got), -ENOEXEC);
}

/* A module path that is a FIFO or a device: refused at once, nothing read. */
Test(modinfo, only_regular_files_are_read)
{
	struct strv info = STRV_INIT;
	char p[4096];
	snprintf(p, sizeof(p), "%s/fifo.ko", dir);
	cr_assert_eq(testutil_sh("mkfifo '%s'", p), 0);
	cr_assert_eq(modinfo_read(p, &info), -EINVAL);
	cr_assert_eq(modinfo_read("/dev/zero", &info), -EINVAL);
	cr_assert_eq(modinfo_read(dir, &info), -EISDIR);
	cr_assert_eq(info.n, 0);
}

/*
 * The sparse read: of a plain module, the section table, the names and .modinfo are
 * read, the code is not (it stays zero); compressed modules read through the fd too.
 */
Test(modinfo, read_fd_reads_only_what_it_parses)
{
	struct image im;
	struct strv want = STRV_INIT;
	image_load(&im, "stub.ko");
	_cleanup_free_ char *p = path_of("stub.ko");
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	uint8_t *buf = mmap(NULL, im.size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(buf, MAP_FAILED);
	cr_assert_eq(elf_read_section_fd(fd, buf, im.size, ".modinfo"), 0);
	const Elf64_Shdr *text = NULL;
	for (unsigned i = 0; i < im.eh->e_shnum; i++)
		if (!strcmp(im.names + im.sh[i].sh_name, ".text"))
			text = &im.sh[i];
	cr_assert(text && text->sh_size > 0, "the stub has no code?");
	for (uint64_t i = 0; i < text->sh_size; i++)
		cr_assert_eq(buf[text->sh_offset + i], 0, ".text read at %ju", (uintmax_t)i);
	cr_assert_eq(memcmp(buf + im.modinfo->sh_offset, im.buf + im.modinfo->sh_offset,
			    im.modinfo->sh_size),
		     0);
	munmap(buf, im.size);
	free(im.buf);

	objcopy_entries(&want);
	static const char *const names[] = {"stub.ko", "stub.ko.gz", "stub.ko.xz",
					    "stub.ko.zst"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *q = path_of(names[i]);
		_cleanup_close_ int f = open(q, O_RDONLY | O_CLOEXEC);
		struct strv got = STRV_INIT;
		cr_assert_geq(f, 0);
		cr_assert_eq(modinfo_read_fd(f, &got), 0, "cannot read '%s'", names[i]);
		assert_entries(&got, &want);
		strv_clear(&got);
	}
	strv_clear(&want);
}
