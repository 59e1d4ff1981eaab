/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A bounds-checked reader of what an ELF program needs at run time: interpreter, libs. */
#ifndef MKINITRAMFS_ELF_H
#define MKINITRAMFS_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "strv.h"
#include "util.h"

/*
 * The gABI values callers need. This header shadows the system <elf.h> on the
 * generator's include path, so neither includes the other: use these names.
 */
enum elf_class {
	ELF_CLASS_32 = 1,
	ELF_CLASS_64 = 2,
};

enum elf_data {
	ELF_DATA_LSB = 1, /* little endian */
	ELF_DATA_MSB = 2, /* big endian */
};

enum elf_machine {
	ELF_MACHINE_386 = 3,
	ELF_MACHINE_PPC64 = 21,
	ELF_MACHINE_S390 = 22,
	ELF_MACHINE_ARM = 40,
	ELF_MACHINE_X86_64 = 62,
	ELF_MACHINE_AARCH64 = 183,
	ELF_MACHINE_RISCV = 243,
};

/* Enough of e_ident and e_machine to tell whether a library fits a program. */
struct elf_kind {
	uint8_t elf_class; /* enum elf_class */
	uint8_t data;	   /* ELFDATA2LSB or ELFDATA2MSB */
	uint16_t machine;  /* EM_* */
};

struct elf_info {
	struct elf_kind kind;
	char *interp;	    /* PT_INTERP, NULL for a static program or a library */
	struct strv needed; /* DT_NEEDED, in file order */
	char *rpath;	    /* DT_RPATH as written (with $ORIGIN unexpanded), or NULL */
	char *runpath;	    /* DT_RUNPATH as written, or NULL */
};

/*
 * Parse `size` bytes of an ELF file (32/64-bit, either byte order). Every offset, size
 * and count is checked against `size`: a truncated or hostile file is -ENOEXEC, so is
 * a file that is not ELF at all (tell them apart with elf_is_elf()).
 */
int elf_parse(const void *buf, size_t size, struct elf_info **ret);

/* Read the open file `fd` whole (at most 256 MiB, else -EFBIG) and parse it. */
int elf_read_fd(int fd, struct elf_info **ret);

void elf_info_free(struct elf_info *info);
DEFINE_FREEP(elf_info_free, struct elf_info)

/*
 * A kernel module as finit_module() wants it: ELF, relocatable (ET_REL), with its
 * section table and every section's bytes inside `size`. -ENOEXEC for a truncated
 * file or one that is not a module.
 */
int elf_check_module(const void *buf, size_t size);

/*
 * The bytes of the first section named `name` (a pointer into `buf`): -ENOENT when no
 * section has that name, -ENOEXEC for a file that is not ELF or whose section table,
 * names or that section's bytes do not lie inside `size`.
 */
int elf_section(const void *buf, size_t size, const char *name, const void **ret_data,
		size_t *ret_size);

/*
 * Fill `buf` (the `size` bytes of the open file `fd`, zeroed by the caller) with only
 * what elf_check_module() and elf_section(name) look at: the header, the section table,
 * the section names and that section. A module's .modinfo is a few hundred bytes of a
 * file of megabytes, and a no-op regeneration reads it for every module. -EAGAIN when
 * the file is laid out otherwise (too short, not ELF, a table out of place, a read
 * that came short): the caller reads it whole and reports what is wrong.
 */
int elf_read_section_fd(int fd, void *buf, size_t size, const char *name);

/* Does the buffer start with the ELF magic? */
int elf_is_elf(const void *buf, size_t size);

/* Class, byte order and machine from the ELF header; -ENOEXEC when not ELF. */
int elf_kind_of(const void *buf, size_t size, struct elf_kind *ret);

/* Read the ELF header of `fd` (from offset 0) and return its kind. */
int elf_kind_of_fd(int fd, struct elf_kind *ret);

static inline int elf_kind_equal(const struct elf_kind *a, const struct elf_kind *b)
{
	return a->elf_class == b->elf_class && a->data == b->data &&
	       a->machine == b->machine;
}

#endif
