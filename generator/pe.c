/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small PE/COFF writer: append data sections to an EFI stub (unified kernel images). */
#include <stdlib.h>
#include <string.h>

#include "pe.h"
#include "util.h"

/*
 * Why a writer of our own rather than objcopy: objcopy needs each section's address
 * computed outside (from objdump output), it rewrites the whole file with its own idea
 * of the headers (older binutils misplace sections of a stub whose SectionAlignment
 * is small) and it is one more tool to find on the host. Adding sections to a PE is a
 * few header fields; doing it here keeps the bytes ours and reproducible.
 */

#define SECTION_HEADER_SIZE 40
#define DOS_LFANEW 0x3c
#define SECURITY_DIRECTORY 4
/* IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ, as systemd-stub's sections. */
#define DATA_SECTION_FLAGS 0x40000040u
#define COFF_SYMBOL_SIZE 18
#define FILE_LOCAL_SYMS_STRIPPED 0x0008

/* Fields of the optional header at the same offsets in PE32 and PE32+. */
#define OPT_SIZE_OF_INITIALIZED_DATA 8
#define OPT_SECTION_ALIGNMENT 32
#define OPT_FILE_ALIGNMENT 36
#define OPT_SIZE_OF_IMAGE 56
#define OPT_SIZE_OF_HEADERS 60
#define OPT_CHECKSUM 64

struct layout {
	size_t coff;	/* the COFF file header */
	size_t opt;	/* the optional header */
	size_t sectab;	/* the section table */
	size_t datadir; /* the data directories */
	uint32_t ndirs; /* how many of them */
	uint16_t nsections;
	uint32_t salign, falign;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

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

static int power_of_two(uint32_t v)
{
	return v && !(v & (v - 1));
}

static uint64_t align_up(uint64_t v, uint32_t a)
{
	return (v + a - 1) & ~(uint64_t)(a - 1);
}

static int parse(const uint8_t *p, size_t size, struct layout *l)
{
	if (size < 0x40 || p[0] != 'M' || p[1] != 'Z')
		return -ENOEXEC;
	uint32_t lfanew = le32(p + DOS_LFANEW);
	if ((uint64_t)lfanew + 24 > size || memcmp(p + lfanew, "PE\0\0", 4) != 0)
		return -ENOEXEC;
	l->coff = lfanew + 4;
	l->nsections = le16(p + l->coff + 2);
	uint16_t opt_size = le16(p + l->coff + 16);
	l->opt = l->coff + 20;
	if (l->opt + 2 > size)
		return -ENOEXEC;
	uint16_t magic = le16(p + l->opt);
	int plus = magic == 0x20b;
	if (magic != 0x10b && !plus)
		return -ENOEXEC;
	size_t dirs_at = plus ? 112 : 96;
	if (opt_size < dirs_at || l->opt + opt_size > size)
		return -ENOEXEC;
	l->ndirs = le32(p + l->opt + dirs_at - 4);
	l->datadir = l->opt + dirs_at;
	l->sectab = l->opt + opt_size;
	if ((uint64_t)l->ndirs * 8 > opt_size - dirs_at ||
	    l->sectab + (size_t)l->nsections * SECTION_HEADER_SIZE > size)
		return -ENOEXEC;
	l->salign = le32(p + l->opt + OPT_SECTION_ALIGNMENT);
	l->falign = le32(p + l->opt + OPT_FILE_ALIGNMENT);
	/* The PE format allows FileAlignment up to 64 KiB. */
	if (!power_of_two(l->salign) || !power_of_two(l->falign) || l->falign > 0x10000)
		return -ENOEXEC;
	return 0;
}

static const uint8_t *section_header(const uint8_t *p, const struct layout *l, size_t i)
{
	return p + l->sectab + i * SECTION_HEADER_SIZE;
}

int pe_sections(const void *image, size_t size, struct pe_section_info *out, size_t max,
		uint32_t *ret_section_alignment, uint32_t *ret_file_alignment)
{
	const uint8_t *p = image;
	struct layout l;
	int r = parse(p, size, &l);

	if (r < 0)
		return r;
	for (size_t i = 0; i < l.nsections && i < max; i++) {
		const uint8_t *h = section_header(p, &l, i);
		memset(out[i].name, 0, sizeof(out[i].name));
		memcpy(out[i].name, h, PE_SECTION_NAME_MAX);
		out[i].virtual_size = le32(h + 8);
		out[i].virtual_address = le32(h + 12);
		out[i].raw_size = le32(h + 16);
		out[i].raw_offset = le32(h + 20);
	}
	if (ret_section_alignment)
		*ret_section_alignment = l.salign;
	if (ret_file_alignment)
		*ret_file_alignment = l.falign;
	return l.nsections;
}

uint32_t pe_checksum(const uint8_t *image, size_t size, size_t checksum_offset)
{
	uint64_t sum = 0;

	/* The 16-bit one's-complement style sum of the file, plus its length. */
	for (size_t i = 0; i < size; i += 2) {
		uint32_t word = image[i] | (i + 1 < size ? image[i + 1] << 8 : 0);
		if (i >= checksum_offset && i < checksum_offset + 4)
			word = 0;
		sum += word;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)(sum + size);
}

/* Where the stub's sections end in memory and in the file. -ENOEXEC when a section's
 * data lies past the end of the file (rounding to FileAlignment aside): corrupt. */
static int stub_extent(const uint8_t *p, size_t size, const struct layout *l,
		       uint64_t *ret_va, uint64_t *ret_raw, uint64_t *ret_first_raw)
{
	uint64_t va = 0, raw = size, first_raw = UINT64_MAX;

	for (size_t i = 0; i < l->nsections; i++) {
		const uint8_t *h = section_header(p, l, i);
		uint32_t vsize = le32(h + 8), vaddr = le32(h + 12);
		uint32_t rsize = le32(h + 16), roff = le32(h + 20);
		uint64_t vend = (uint64_t)vaddr + (vsize > rsize ? vsize : rsize);
		if (vend > va)
			va = vend;
		if (rsize && (uint64_t)roff + rsize > align_up(size, l->falign))
			return -ENOEXEC;
		if (rsize && (uint64_t)roff + rsize > raw)
			raw = (uint64_t)roff + rsize;
		if (rsize && roff < first_raw)
			first_raw = roff;
	}
	*ret_va = va;
	*ret_raw = raw;
	*ret_first_raw = first_raw;
	return 0;
}

static int has_section(const uint8_t *p, const struct layout *l, const char *name)
{
	char n[PE_SECTION_NAME_MAX + 1] = {0};

	for (size_t i = 0; i < l->nsections; i++) {
		memcpy(n, section_header(p, l, i), PE_SECTION_NAME_MAX);
		if (streq(n, name))
			return 1;
	}
	return 0;
}

static int check_inputs(const uint8_t *p, const struct layout *l,
			const struct pe_section *sections, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!sections[i].size || !sections[i].name)
			return -EINVAL;
		if (strlen(sections[i].name) > PE_SECTION_NAME_MAX)
			return -ENAMETOOLONG;
		if (has_section(p, l, sections[i].name))
			return -EEXIST;
	}
	return 0;
}

/* A signature covers the old bytes: drop it, and the certificate data at the end. */
static size_t drop_signature(const uint8_t *p, size_t size, const struct layout *l)
{
	if (l->ndirs <= SECURITY_DIRECTORY)
		return size;
	const uint8_t *d = p + l->datadir + SECURITY_DIRECTORY * 8;
	uint32_t off = le32(d), len = le32(d + 4);
	if (len && (uint64_t)off + len == size)
		return off;
	return size;
}

/*
 * A COFF symbol table has no place in an image (old stubs still carry one, after their
 * sections): drop it when it ends the file, as ukify does, so new sections follow the
 * stub's own directly.
 */
static size_t drop_symbols(const uint8_t *p, size_t size, const struct layout *l)
{
	uint32_t at = le32(p + l->coff + 8), count = le32(p + l->coff + 12);
	uint64_t end = (uint64_t)at + (uint64_t)count * COFF_SYMBOL_SIZE;

	if (!at || end + 4 > size)
		return size;
	end += le32(p + end); /* the string table, its size first */
	return end == size ? at : size;
}

int pe_signed(const void *image, size_t size)
{
	struct layout l;
	const uint8_t *p = image;
	if (parse(p, size, &l) < 0 || l.ndirs <= SECURITY_DIRECTORY)
		return 0;
	return le32(p + l.datadir + SECURITY_DIRECTORY * 8 + 4) != 0;
}

int pe_add_sections(const void *stub, size_t stub_size, const struct pe_section *sections,
		    size_t n, uint8_t **ret, size_t *ret_size)
{
	const uint8_t *p = stub;
	struct layout l;
	uint64_t va_end, raw_end, first_raw;
	int r = parse(p, stub_size, &l);

	if (r < 0)
		return r;
	r = check_inputs(p, &l, sections, n);
	if (r < 0)
		return r;
	size_t signed_end = drop_signature(p, stub_size, &l);
	size_t keep = drop_symbols(p, signed_end, &l);
	r = stub_extent(p, keep, &l, &va_end, &raw_end, &first_raw);
	if (r < 0)
		return r;

	/* The new headers must fit before the first section's data. */
	uint64_t headers_end =
		l.sectab + (uint64_t)(l.nsections + n) * SECTION_HEADER_SIZE;
	uint32_t size_of_headers = le32(p + l.opt + OPT_SIZE_OF_HEADERS);
	if (headers_end > first_raw || headers_end > keep)
		return -ENOSPC;
	if (headers_end > size_of_headers)
		size_of_headers = (uint32_t)align_up(headers_end, l.falign);
	if (size_of_headers > first_raw)
		return -ENOSPC;
	if (l.nsections + n > 0xffff)
		return -ENOSPC;

	/* Place each section; compute the total size first. */
	uint64_t va = align_up(va_end, l.salign), raw = align_up(raw_end, l.falign);
	uint64_t data_total = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t rsize = align_up(sections[i].size, l.falign);
		data_total += rsize;
		/* Past the raw size too: no overlap, however a loader reads the header.
		 * The same as past the size when FileAlignment divides SectionAlignment.
		 */
		va = align_up(va + rsize, l.salign);
	}
	uint64_t total = raw + data_total;
	if (total > UINT32_MAX || va > UINT32_MAX)
		return -EFBIG;

	uint8_t *out = calloc(1, (size_t)total);
	if (!out)
		return -ENOMEM;
	memcpy(out, p, keep);
	if (signed_end != stub_size)
		memset(out + l.datadir + SECURITY_DIRECTORY * 8, 0, 8);
	if (keep != signed_end) {
		put32(out + l.coff + 8, 0);
		put32(out + l.coff + 12, 0);
		put16(out + l.coff + 18,
		      le16(p + l.coff + 18) | FILE_LOCAL_SYMS_STRIPPED);
	}

	va = align_up(va_end, l.salign);
	uint64_t at = raw;
	for (size_t i = 0; i < n; i++) {
		uint8_t *h = out + l.sectab + (l.nsections + i) * SECTION_HEADER_SIZE;
		uint32_t rsize = (uint32_t)align_up(sections[i].size, l.falign);
		memcpy(h, sections[i].name, strlen(sections[i].name));
		put32(h + 8, (uint32_t)sections[i].size);
		put32(h + 12, (uint32_t)va);
		put32(h + 16, rsize);
		put32(h + 20, (uint32_t)at);
		put32(h + 36, sections[i].flags ? sections[i].flags : DATA_SECTION_FLAGS);
		memcpy(out + at, sections[i].data, sections[i].size);
		at += rsize;
		va = align_up(va + rsize, l.salign);
	}
	put16(out + l.coff + 2, (uint16_t)(l.nsections + n));
	put32(out + l.opt + OPT_SIZE_OF_INITIALIZED_DATA,
	      le32(p + l.opt + OPT_SIZE_OF_INITIALIZED_DATA) + (uint32_t)data_total);
	put32(out + l.opt + OPT_SIZE_OF_IMAGE, (uint32_t)va);
	put32(out + l.opt + OPT_SIZE_OF_HEADERS, size_of_headers);
	put32(out + l.opt + OPT_CHECKSUM, 0);
	put32(out + l.opt + OPT_CHECKSUM,
	      pe_checksum(out, (size_t)total, l.opt + OPT_CHECKSUM));
	*ret = out;
	*ret_size = (size_t)total;
	return 0;
}
