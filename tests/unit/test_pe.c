/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PE writer: where new sections land, what it refuses, the checksum (vs binutils). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pe.h"
#include "uki.h"

#define LFANEW 0x80
#define COFF (LFANEW + 4)
#define OPT (COFF + 20)
#define OPT_SIZE 240 /* PE32+ with 16 data directories */
#define SECTAB (OPT + OPT_SIZE)

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * A stub shaped like systemd's: headers of `headers` bytes, one .text section of 0x300
 * bytes at VA 0x1000 (SectionAlignment 0x1000, FileAlignment 0x200).
 */
static uint8_t *make_stub(size_t headers, size_t *ret_size)
{
	size_t size = headers + 0x400;
	uint8_t *p = calloc(1, size);
	p[0] = 'M';
	p[1] = 'Z';
	put32(p + 0x3c, LFANEW);
	memcpy(p + LFANEW, "PE\0\0", 4);
	put16(p + COFF, 0x8664);
	put16(p + COFF + 2, 1);
	put16(p + COFF + 16, OPT_SIZE);
	put16(p + OPT, 0x20b);
	put32(p + OPT + 32, 0x1000);
	put32(p + OPT + 36, 0x200);
	put32(p + OPT + 56, 0x2000);
	put32(p + OPT + 60, (uint32_t)headers);
	put32(p + OPT + 108, 16);
	uint8_t *h = p + SECTAB;
	memcpy(h, ".text", 5);
	put32(h + 8, 0x300);
	put32(h + 12, 0x1000);
	put32(h + 16, 0x400);
	put32(h + 20, (uint32_t)headers);
	memset(p + headers, 0xcc, 0x300);
	*ret_size = size;
	return p;
}

static const char kernel[] = "a kernel of some bytes";
static char initrd[5000];

static const struct pe_section two[] = {
	{".linux", kernel, sizeof(kernel)},
	{".initrd", initrd, sizeof(initrd)},
};

Test(pe, sections_are_aligned_and_do_not_overlap)
{
	size_t stub_size, size;
	uint8_t *stub = make_stub(0x400, &stub_size), *out;
	struct pe_section_info info[4];
	uint32_t salign, falign;

	memset(initrd, 'i', sizeof(initrd));
	cr_assert_eq(pe_add_sections(stub, stub_size, two, 2, &out, &size), 0);
	cr_assert_eq(pe_sections(out, size, info, 4, &salign, &falign), 3);
	cr_assert_str_eq(info[1].name, ".linux");
	cr_assert_str_eq(info[2].name, ".initrd");
	/* After .text (0x1000..0x1400 in memory, data ends at 0x800 in the file). */
	cr_assert_eq(info[1].virtual_address, 0x2000);
	cr_assert_eq(info[1].raw_offset, 0x800);
	cr_assert_eq(info[1].virtual_size, sizeof(kernel));
	cr_assert_eq(info[1].raw_size, 0x200);
	cr_assert_eq(info[2].virtual_address, 0x3000);
	cr_assert_eq(info[2].raw_offset, 0xa00);
	cr_assert_eq(info[2].raw_size, 0x1400);
	cr_assert_eq(size, 0xa00 + 0x1400);
	cr_assert_eq(memcmp(out + 0x800, kernel, sizeof(kernel)), 0);
	cr_assert_eq(memcmp(out + 0xa00, initrd, sizeof(initrd)), 0);
	cr_assert_eq(get32(out + OPT + 56), 0x5000, "SizeOfImage");
	cr_assert_eq(get32(out + info[2].raw_offset - 4 + 0), 0, "padding is zero");
	/* The stub's own bytes are untouched. */
	cr_assert_eq(memcmp(out + 0x400, stub + 0x400, 0x400), 0);
	cr_assert_eq(get32(out + OPT + 64), pe_checksum(out, size, OPT + 64));
	cr_assert_eq(get32(out + SECTAB + 40 + 36), 0x40000040u, "read-only data");
	free(out);
	free(stub);
}

Test(pe, same_inputs_same_bytes)
{
	size_t stub_size, a_size, b_size;
	uint8_t *stub = make_stub(0x400, &stub_size), *a, *b;

	cr_assert_eq(pe_add_sections(stub, stub_size, two, 2, &a, &a_size), 0);
	cr_assert_eq(pe_add_sections(stub, stub_size, two, 2, &b, &b_size), 0);
	cr_assert_eq(a_size, b_size);
	cr_assert_eq(memcmp(a, b, a_size), 0);
	free(a);
	free(b);
	free(stub);
}

Test(pe, refuses_what_is_not_a_pe)
{
	static const uint8_t junk[512] = "MZ but nothing else";
	size_t stub_size, size;
	uint8_t *stub = make_stub(0x400, &stub_size), *out;

	cr_assert_eq(pe_add_sections(junk, sizeof(junk), two, 2, &out, &size), -ENOEXEC);
	cr_assert_eq(pe_add_sections(stub, 0x30, two, 2, &out, &size), -ENOEXEC);
	put16(stub + OPT, 0x107); /* a ROM image */
	cr_assert_eq(pe_add_sections(stub, stub_size, two, 2, &out, &size), -ENOEXEC);
	free(stub);
}

Test(pe, refuses_a_stub_that_already_has_the_section)
{
	size_t stub_size, size, uki_size;
	uint8_t *stub = make_stub(0x400, &stub_size), *uki, *out;

	cr_assert_eq(pe_add_sections(stub, stub_size, two, 2, &uki, &uki_size), 0);
	cr_assert_eq(pe_add_sections(uki, uki_size, two, 1, &out, &size), -EEXIST);
	free(uki);
	free(stub);
}

Test(pe, refuses_when_headers_have_no_room)
{
	/* 0x200 bytes of headers: the table at 0x188 holds 3 headers, .text + 2. */
	size_t stub_size, size;
	uint8_t *stub = make_stub(0x200, &stub_size), *out;
	const struct pe_section three[] = {two[0], two[1], {".uname", "6.1", 3}};

	cr_assert_eq(pe_add_sections(stub, stub_size, three, 3, &out, &size), -ENOSPC);
	cr_assert_eq(pe_add_sections(stub, stub_size, two, 2, &out, &size), 0);
	free(out);
	free(stub);
}

Test(pe, refuses_long_names_and_empty_sections)
{
	size_t stub_size, size;
	uint8_t *stub = make_stub(0x400, &stub_size), *out;
	struct pe_section longname = {".toolongname", kernel, 1}, empty = {".x", kernel, 0};

	cr_assert_eq(pe_add_sections(stub, stub_size, &longname, 1, &out, &size),
		     -ENAMETOOLONG);
	cr_assert_eq(pe_add_sections(stub, stub_size, &empty, 1, &out, &size), -EINVAL);
	free(stub);
}

Test(pe, drops_an_attached_signature)
{
	size_t stub_size, size;
	uint8_t *stub = make_stub(0x400, &stub_size), *out;
	uint8_t *signed_stub = calloc(1, stub_size + 0x100);

	memcpy(signed_stub, stub, stub_size);
	memset(signed_stub + stub_size, 0x5a, 0x100);
	put32(signed_stub + OPT + 112 + 4 * 8, (uint32_t)stub_size);
	put32(signed_stub + OPT + 112 + 4 * 8 + 4, 0x100);
	cr_assert_eq(pe_add_sections(signed_stub, stub_size + 0x100, two, 1, &out, &size),
		     0);
	cr_assert_eq(get32(out + OPT + 112 + 4 * 8), 0);
	cr_assert_eq(get32(out + OPT + 112 + 4 * 8 + 4), 0);
	cr_assert_eq(size, 0x800 + 0x200, "the certificate bytes are gone");
	cr_assert_eq(pe_signed(signed_stub, stub_size + 0x100), 1);
	free(out);
	free(signed_stub);
	free(stub);
}

/* The checksum binutils wrote into Debian's stub is the oracle for ours. */
Test(pe, checksum_matches_binutils)
{
	const char *path = UKI_DEFAULT_STUB;
	FILE *f = fopen(path, "rb");
	if (!f)
		cr_skip_test("'%s' is not installed (tests/deps.sh installs it)", path);
	static uint8_t buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	uint32_t off = get32(buf + 0x3c) + 4 + 20 + 64;
	cr_assert_neq(get32(buf + off), 0, "the stub carries a checksum");
	cr_assert_eq(pe_checksum(buf, n, off), get32(buf + off));
}

Test(uki, command_line_lines_are_joined)
{
	char text[] = "root=/dev/vda\nquiet\r\n\n";
	size_t n = uki_normalize_cmdline(text, strlen(text));
	cr_assert_eq(n, strlen("root=/dev/vda quiet"));
	cr_assert_eq(memcmp(text, "root=/dev/vda quiet", n), 0);
}

Test(pe, drops_a_trailing_symbol_table_and_keeps_section_flags)
{
	size_t stub_size, size;
	uint8_t *stub = make_stub(0x400, &stub_size), *out;
	/* Two symbols and a string table of 7 bytes (its 4-byte size included) at the end. */
	size_t with = stub_size + 2 * 18 + 7;
	uint8_t *syms = calloc(1, with);
	struct pe_section code = {".linux", kernel, sizeof(kernel), PE_SECTION_CODE};

	memcpy(syms, stub, stub_size);
	put32(syms + COFF + 8, (uint32_t)stub_size);
	put32(syms + COFF + 12, 2);
	put32(syms + stub_size + 36, 7);
	cr_assert_eq(pe_add_sections(syms, with, &code, 1, &out, &size), 0);
	cr_assert_eq(get32(out + COFF + 8), 0, "PointerToSymbolTable");
	cr_assert_eq(get32(out + COFF + 12), 0, "NumberOfSymbols");
	cr_assert(out[COFF + 18] & 0x08, "IMAGE_FILE_LOCAL_SYMS_STRIPPED");
	cr_assert_eq(get32(out + SECTAB + 40 + 20), 0x800, "the new section follows .text");
	cr_assert_eq(get32(out + SECTAB + 40 + 36), PE_SECTION_CODE);
	cr_assert_eq(pe_signed(out, size), 0);
	free(out);
	free(syms);
	free(stub);
}
