/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CRC-64 as xz computes it (ECMA-182, reflected), without loading liblzma for it. */
#include <pthread.h>
#include <string.h>

#include "crc64.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_CLMUL_CODE 1
#endif

/* ECMA-182's polynomial without its x^64 term, bit i the coefficient of x^i ... */
#define POLY 0x42f0e1eba9ea3693ULL
/* ... reflected (bit i the coefficient of x^(63-i)): the order the bytes arrive in. */
#define POLY_REFLECTED 0xc96c5795d7870f42ULL

/* Slicing by 8: table[k][b] is byte b followed by k zero bytes. */
static uint64_t table[8][256];
/* x^e mod P, reflected, for folding 16 bytes over 64 (fold4) or over 16 (fold1). */
static uint64_t fold4_hi, fold4_lo, fold1_hi, fold1_lo;
static int use_clmul;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint64_t reflect(uint64_t v)
{
	uint64_t r = 0;

	for (int i = 0; i < 64; i++, v >>= 1)
		r = (r << 1) | (v & 1);
	return r;
}

/* x^e mod P, reflected as the register holds it. */
static uint64_t xpow_mod(unsigned e)
{
	uint64_t v = 1;

	while (e--)
		v = (v << 1) ^ (v >> 63 ? POLY : 0);
	return reflect(v);
}

static void init(void)
{
	for (unsigned b = 0; b < 256; b++) {
		uint64_t c = b;
		for (int i = 0; i < 8; i++)
			c = (c >> 1) ^ (c & 1 ? POLY_REFLECTED : 0);
		table[0][b] = c;
	}
	for (unsigned k = 1; k < 8; k++)
		for (unsigned b = 0; b < 256; b++)
			table[k][b] =
				(table[k - 1][b] >> 8) ^ table[0][table[k - 1][b] & 0xff];
	/*
	 * A 16-byte block A = A_hi x^64 + A_lo, moved N bits on, is congruent to
	 * A_hi x^(N+64) + A_lo x^N. A carry-less product of two reflected 64-bit values
	 * is one degree short of the 128-bit block it lands in: exponents less 1.
	 */
	fold4_hi = xpow_mod(512 + 64 - 1);
	fold4_lo = xpow_mod(512 - 1);
	fold1_hi = xpow_mod(128 + 64 - 1);
	fold1_lo = xpow_mod(128 - 1);
#ifdef HAVE_CLMUL_CODE
	use_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
#endif
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* The register (not inverted) after `len` more bytes. */
static uint64_t table_raw(uint64_t crc, const uint8_t *p, size_t len)
{
	for (; len >= 8; len -= 8, p += 8) {
		crc ^= load64(p);
		crc = table[7][crc & 0xff] ^ table[6][(crc >> 8) & 0xff] ^
		      table[5][(crc >> 16) & 0xff] ^ table[4][(crc >> 24) & 0xff] ^
		      table[3][(crc >> 32) & 0xff] ^ table[2][(crc >> 40) & 0xff] ^
		      table[1][(crc >> 48) & 0xff] ^ table[0][crc >> 56];
	}
	while (len--)
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#ifdef HAVE_CLMUL_CODE
#define CLMUL_TARGET __attribute__((target("pclmul,sse2")))

/* x moved on by the distance `k` stands for: its low half (the earlier bytes, the
 * higher degrees) times k's low constant, its high half times k's high one. */
CLMUL_TARGET static inline __m128i fold(__m128i x, __m128i k)
{
	return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00),
			     _mm_clmulepi64_si128(x, k, 0x11));
}

/*
 * Four 16-byte lanes folded 64 bytes at a time (independent products keep the
 * multiplier busy), then folded into one, then 16 bytes at a time; the last block's
 * remainder and the tail by the tables.
 */
CLMUL_TARGET static inline __m128i load128(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* x folded on by k, plus the block at p. */
CLMUL_TARGET static inline __m128i fold_in(__m128i x, __m128i k, const uint8_t *p)
{
	return _mm_xor_si128(fold(x, k), load128(p));
}

CLMUL_TARGET static uint64_t clmul_raw(uint64_t crc, const uint8_t *p, size_t len)
{
	const __m128i k4 = _mm_set_epi64x((long long)fold4_lo, (long long)fold4_hi);
	const __m128i k1 = _mm_set_epi64x((long long)fold1_lo, (long long)fold1_hi);
	uint8_t last[16];

	if (len < 64)
		return table_raw(crc, p, len);
	/* The register stands for the bytes before: it is added to the first eight. */
	__m128i x0 = _mm_xor_si128(load128(p), _mm_cvtsi64_si128((long long)crc));
	__m128i x1 = load128(p + 16), x2 = load128(p + 32), x3 = load128(p + 48);
	for (p += 64, len -= 64; len >= 64; len -= 64, p += 64) {
		x0 = fold_in(x0, k4, p);
		x1 = fold_in(x1, k4, p + 16);
		x2 = fold_in(x2, k4, p + 32);
		x3 = fold_in(x3, k4, p + 48);
	}
	x1 = _mm_xor_si128(fold(x0, k1), x1);
	x2 = _mm_xor_si128(fold(x1, k1), x2);
	x3 = _mm_xor_si128(fold(x2, k1), x3);
	for (; len >= 16; len -= 16, p += 16)
		x3 = fold_in(x3, k1, p);
	_mm_storeu_si128((__m128i *)(void *)last, x3);
	return table_raw(table_raw(0, last, sizeof(last)), p, len);
}
#endif

uint64_t crc64_table(const void *buf, size_t len, uint64_t crc)
{
	pthread_once(&once, init);
	return ~table_raw(~crc, buf, len);
}

uint64_t crc64_clmul(const void *buf, size_t len, uint64_t crc)
{
	pthread_once(&once, init);
#ifdef HAVE_CLMUL_CODE
	if (use_clmul)
		return ~clmul_raw(~crc, buf, len);
#endif
	return ~table_raw(~crc, buf, len);
}

int crc64_has_clmul(void)
{
	pthread_once(&once, init);
	return use_clmul;
}

uint64_t crc64(const void *buf, size_t len, uint64_t crc)
{
	return crc64_clmul(buf, len, crc);
}
