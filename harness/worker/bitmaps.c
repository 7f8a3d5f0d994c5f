/* A block is 64 rows: one validity word (bitwords.h), and for a finite test 64 mask bytes from
 * a fixed-count loop gcc vectorises, packed into a word with a multiply. Compaction copies a
 * full word's 64 cells with one memcpy and walks a mixed word's set bits with ctz, so it
 * writes exactly the slots it fills (a branch-free "write, then advance if valid" would write
 * one slot past the last, which can touch a page the row loop never did). */
#include "bitmaps.h"
#include "bitwords.h"
#include "simd.h"
#include <stdbool.h>
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

enum { BLOCK = 64 };

ALWAYS_INLINE uint64_t low_bits(unsigned k) { return k < 64 ? (1ull << k) - 1 : ~0ull; }

/* The finite bits of k <= 64 elements; the bits past k are 0. Integers are finite. */
#define DEF_FINITE_WORD(SN, UT, EXP)                                                           \
    ALWAYS_INLINE uint64_t finite_word_##SN(const void *data, unsigned k)                      \
    {                                                                                          \
        const unsigned char *p = data;                                                         \
        uint8_t f[BLOCK];                                                                      \
        if (k < BLOCK) {                                                                       \
            uint64_t w = 0;                                                                    \
            for (unsigned j = 0; j < k; j++) {                                                 \
                UT x;                                                                          \
                memcpy(&x, p + j * sizeof x, sizeof x);                                        \
                w |= (uint64_t)((x & EXP) != EXP) << j;                                        \
            }                                                                                  \
            return w;                                                                          \
        }                                                                                      \
        for (unsigned j = 0; j < BLOCK; j++) {                                                 \
            UT x;                                                                              \
            memcpy(&x, p + j * sizeof x, sizeof x);                                            \
            f[j] = (uint8_t)((x & EXP) != EXP);                                                \
        }                                                                                      \
        return hw_pack_bytes(f);                                                                  \
    }
/* f64 on its high word: a 64-bit compare beside byte masks is one gcc finds no vector for. */
ALWAYS_INLINE uint64_t finite_word_f64(const void *data, unsigned k)
{
    const unsigned char *p = data;
    uint8_t f[BLOCK];
    if (k < BLOCK) {
        uint64_t w = 0;
        for (unsigned j = 0; j < k; j++) {
            uint32_t hi;
            memcpy(&hi, p + 8 * j + 4, 4);
            w |= (uint64_t)((hi & 0x7ff00000u) != 0x7ff00000u) << j;
        }
        return w;
    }
    for (unsigned j = 0; j < BLOCK; j++) {
        uint32_t hi;
        memcpy(&hi, p + 8 * j + 4, 4);
        f[j] = (uint8_t)((hi & 0x7ff00000u) != 0x7ff00000u);
    }
    return hw_pack_bytes(f);
}
DEF_FINITE_WORD(f32, uint32_t, 0x7f800000u)
DEF_FINITE_WORD(f16, uint16_t, 0x7c00u)

ALWAYS_INLINE uint64_t valid_word(const uint8_t *validity, uint64_t bit, unsigned k)
{
    return validity ? hw_valid_word(validity, bit, k) : low_bits(k);
}

ALWAYS_INLINE void store_bits(uint8_t *out, uint64_t i, uint64_t w, unsigned k)
{
    if (k == BLOCK) {
        memcpy(out + i / 8, &w, 8);   /* little-endian: bit j is row i + j */
        return;
    }
    for (unsigned b = 0; b < (k + 7) / 8; b++)
        out[i / 8 + b] = (uint8_t)(w >> (8 * b));
}

#define DEF_FINITE_BITS(SN)                                                                    \
    static HW_CLONES void finite_bits_##SN(const void *data, size_t esz, const uint8_t *validity,\
                                           uint64_t vbit0, uint64_t n, uint8_t *out)           \
    {                                                                                          \
        const unsigned char *p = data;                                                         \
        for (uint64_t i = 0; i < n; i += BLOCK) {                                              \
            unsigned k = n - i < BLOCK ? (unsigned)(n - i) : BLOCK;                            \
            uint64_t w = valid_word(validity, vbit0 + i, k) & finite_word_##SN(p + i * esz, k); \
            store_bits(out, i, w, k);                                                          \
        }                                                                                      \
    }
DEF_FINITE_BITS(f64)
DEF_FINITE_BITS(f32)
DEF_FINITE_BITS(f16)

void hw_bits_finite(enum hw_dtype dtype, const void *data, const uint8_t *validity,
                    uint64_t vbit0, uint64_t n, uint8_t *out)
{
    switch (dtype) {
    case HW_F64: finite_bits_f64(data, 8, validity, vbit0, n, out); return;
    case HW_F32: finite_bits_f32(data, 4, validity, vbit0, n, out); return;
    case HW_F16: finite_bits_f16(data, 2, validity, vbit0, n, out); return;
    default:     break;
    }
    if (!validity) {
        memset(out, 0xff, n / 8);
        if (n % 8)
            out[n / 8] = (uint8_t)low_bits((unsigned)(n % 8));
        return;
    }
    hw_bits_copy(out, 0, validity, vbit0, n);
    if (n % 8)   /* the bits past n, which the copy leaves as they were */
        out[n / 8] &= (uint8_t)low_bits((unsigned)(n % 8));
}

HW_CLONES uint64_t hw_bits_zeros(const uint8_t *bits, uint64_t bit0, uint64_t n)
{
    if (!bits)
        return 0;
    uint64_t ones = 0;
    for (uint64_t i = 0; i < n; i += BLOCK) {
        unsigned k = n - i < BLOCK ? (unsigned)(n - i) : BLOCK;
        ones += (uint64_t)__builtin_popcountll(hw_valid_word(bits, bit0 + i, k));
    }
    return n - ones;
}

void hw_bits_copy(uint8_t *dst, uint64_t d0, const uint8_t *src, uint64_t s0, uint64_t n)
{
    uint64_t i = 0;
    /* Up to a byte boundary of dst bit by bit, then whole bytes, then the last bits. */
    for (; i < n && (d0 + i) % 8; i++) {
        uint8_t m = (uint8_t)(1u << ((d0 + i) % 8));
        bool on = !src || ((src[(s0 + i) >> 3] >> ((s0 + i) & 7)) & 1u);
        dst[(d0 + i) >> 3] = (uint8_t)(on ? dst[(d0 + i) >> 3] | m : dst[(d0 + i) >> 3] & ~m);
    }
    for (; i + BLOCK <= n; i += BLOCK) {
        uint64_t w = src ? hw_valid_word(src, s0 + i, BLOCK) : ~0ull;
        memcpy(dst + (d0 + i) / 8, &w, 8);
    }
    if (i < n) {
        unsigned k = (unsigned)(n - i);
        uint64_t w = src ? hw_valid_word(src, s0 + i, k) : low_bits(k);
        uint8_t *d = dst + (d0 + i) / 8;
        for (unsigned b = 0; b < (k + 7) / 8; b++) {
            unsigned nb = k - 8 * b < 8 ? k - 8 * b : 8;
            uint8_t m = (uint8_t)low_bits(nb);
            d[b] = (uint8_t)((d[b] & ~m) | ((w >> (8 * b)) & m));
        }
    }
}

/* The cells of one word: all of them at once, or each set bit's. */
ALWAYS_INLINE uint64_t compact_word(size_t esz, const unsigned char *s, uint64_t w, unsigned k,
                                    unsigned char *d)
{
    if (w == low_bits(k)) {
        memcpy(d, s, k * esz);
        return k;
    }
    uint64_t got = 0;
    for (; w; w &= w - 1, got++)
        memcpy(d + got * esz, s + (unsigned)__builtin_ctzll(w) * esz, esz);
    return got;
}

/* esz is a constant in each clone's call below, so each memcpy is one move. */
ALWAYS_INLINE uint64_t compact(size_t esz, const void *src, const uint8_t *bits, uint64_t bit0,
                               uint64_t n, void *dst)
{
    const unsigned char *s = src;
    unsigned char *d = dst;
    uint64_t got = 0;
    for (uint64_t i = 0; i < n; i += BLOCK) {
        unsigned k = n - i < BLOCK ? (unsigned)(n - i) : BLOCK;
        got += compact_word(esz, s + i * esz, valid_word(bits, bit0 + i, k), k, d + got * esz);
    }
    return got;
}

static HW_CLONES uint64_t compact_1(const void *s, const uint8_t *b, uint64_t b0, uint64_t n, void *d) { return compact(1, s, b, b0, n, d); }
static HW_CLONES uint64_t compact_2(const void *s, const uint8_t *b, uint64_t b0, uint64_t n, void *d) { return compact(2, s, b, b0, n, d); }
static HW_CLONES uint64_t compact_4(const void *s, const uint8_t *b, uint64_t b0, uint64_t n, void *d) { return compact(4, s, b, b0, n, d); }
static HW_CLONES uint64_t compact_8(const void *s, const uint8_t *b, uint64_t b0, uint64_t n, void *d) { return compact(8, s, b, b0, n, d); }

uint64_t hw_bits_compact(size_t esz, const void *src, const uint8_t *bits, uint64_t bit0,
                         uint64_t n, void *dst)
{
    switch (esz) {
    case 1:  return compact_1(src, bits, bit0, n, dst);
    case 2:  return compact_2(src, bits, bit0, n, dst);
    case 4:  return compact_4(src, bits, bit0, n, dst);
    default: return compact_8(src, bits, bit0, n, dst);
    }
}

#define DEF_COMPACT_FINITE(SN, ESZ)                                                            \
    static HW_CLONES uint64_t compact_finite_##SN(const void *src, const uint8_t *validity,    \
                                                  uint64_t vbit0, uint64_t n, void *dst)       \
    {                                                                                          \
        const unsigned char *s = src;                                                          \
        unsigned char *d = dst;                                                                \
        uint64_t got = 0;                                                                      \
        for (uint64_t i = 0; i < n; i += BLOCK) {                                              \
            unsigned k = n - i < BLOCK ? (unsigned)(n - i) : BLOCK;                            \
            uint64_t w = valid_word(validity, vbit0 + i, k) & finite_word_##SN(s + i * ESZ, k); \
            got += compact_word(ESZ, s + i * ESZ, w, k, d + got * ESZ);                        \
        }                                                                                      \
        return got;                                                                            \
    }
DEF_COMPACT_FINITE(f64, 8)
DEF_COMPACT_FINITE(f32, 4)
DEF_COMPACT_FINITE(f16, 2)

uint64_t hw_compact_finite(enum hw_dtype dtype, const void *src, const uint8_t *validity,
                           uint64_t vbit0, uint64_t n, void *dst)
{
    switch (dtype) {
    case HW_F64: return compact_finite_f64(src, validity, vbit0, n, dst);
    case HW_F32: return compact_finite_f32(src, validity, vbit0, n, dst);
    case HW_F16: return compact_finite_f16(src, validity, vbit0, n, dst);
    default:     return hw_bits_compact(hw_dtype_size(dtype), src, validity, vbit0, n, dst);
    }
}
