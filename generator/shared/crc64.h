/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CRC-64 as xz computes it (ECMA-182, reflected), without loading liblzma for it. */
#ifndef MKINITRAMFS_CRC64_H
#define MKINITRAMFS_CRC64_H

#include <stddef.h>
#include <stdint.h>

/*
 * The CRC-64 of `len` bytes at `buf`, continuing from `crc` (0 to start): the value
 * lzma_crc64(buf, len, crc) returns, so records written with either stay valid. Carry-
 * less multiplication (PCLMULQDQ) where the CPU has it, else tables; both give the same
 * bits (tests/unit/test_crc64.c compares them with each other and with liblzma).
 */
uint64_t crc64(const void *buf, size_t len, uint64_t crc);

/* The table version alone, for the tests. */
uint64_t crc64_table(const void *buf, size_t len, uint64_t crc);
/* The carry-less version alone; falls back to the tables when the CPU cannot run it.
 * crc64_has_clmul() tells which one runs. */
uint64_t crc64_clmul(const void *buf, size_t len, uint64_t crc);
int crc64_has_clmul(void);

#endif
