/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small PE/COFF writer: append data sections to an EFI stub (unified kernel images). */
#ifndef MKINITRAMFS_PE_H
#define MKINITRAMFS_PE_H

#include <stddef.h>
#include <stdint.h>

#define PE_SECTION_NAME_MAX 8

struct pe_section {
	const char *name; /* at most PE_SECTION_NAME_MAX bytes: ".linux" */
	const void *data;
	size_t size;	/* > 0 */
	uint32_t flags; /* section characteristics; 0: initialized read-only data */
};

/* For a kernel run in place through the EFI handover protocol: code, readable. */
#define PE_SECTION_CODE 0x40000020u

/*
 * Copy the PE image `stub` and add `n` initialized read-only data sections after its
 * own: each at the next virtual address aligned to the stub's SectionAlignment (after
 * every existing section, none overlapping) and the next file offset aligned to its
 * FileAlignment, raw data zero-padded to FileAlignment. SizeOfImage,
 * SizeOfInitializedData, NumberOfSections and the PE checksum are updated (ukify
 * writes 0, which means "none"; a valid one is accepted as well). An attached signature
 * (security directory) is dropped since it no longer matches, and a COFF symbol table
 * ending the file (old stubs) too, as ukify does. Nothing else changes, so the same
 * inputs give the same bytes.
 * Returns 0 and a malloc'd buffer, or -ENOEXEC (not a PE image), -EEXIST (the stub
 * already has a section of one of those names), -ENOSPC (no room in the headers for
 * the new section headers), -ENAMETOOLONG (a name), -EFBIG (over 4 GiB), -EINVAL.
 */
int pe_add_sections(const void *stub, size_t stub_size, const struct pe_section *sections,
		    size_t n, uint8_t **ret, size_t *ret_size);

/* Does the image carry an Authenticode signature (a security directory)? */
int pe_signed(const void *image, size_t size);

/* One section of a PE image as pe_sections() reports it. */
struct pe_section_info {
	char name[PE_SECTION_NAME_MAX + 1];
	uint32_t virtual_address, virtual_size;
	uint32_t raw_offset, raw_size;
};

/*
 * Parse the headers of a PE image: its section table (up to `max` entries) and
 * alignments. Returns the number of sections (may exceed `max`) or -ENOEXEC.
 */
int pe_sections(const void *image, size_t size, struct pe_section_info *out, size_t max,
		uint32_t *ret_section_alignment, uint32_t *ret_file_alignment);

/* The PE checksum of `image` as stored (CheckSum field treated as zero). */
uint32_t pe_checksum(const uint8_t *image, size_t size, size_t checksum_offset);

#endif
