/* Whole validity bitmaps a 64-bit word at a time, for the library models (pframe, frame,
 * pdframe, the strategies): null counts, finite masks, bit-range copies and the compaction of
 * the cells a bitmap selects. The models used to walk these row by row through hw_valid_bit
 * (a shift, a load and a branch a row); the results are the same bits and the same bytes
 * written, so a model's memory shape does not change, only its time (issue 16).
 * Bitmaps are LSB first, 1 = valid; a NULL bitmap means every row is valid. */
#ifndef HW_BITMAPS_H
#define HW_BITMAPS_H
#include "bitwords.h"
#include "dtype.h"
#include <stddef.h>
#include <stdint.h>

/* The null bits of k (1..64) rows from bit `bit`, as a word (bit j: row bit + j is null), for
 * loops that visit the nulls alone: for (w = ...; w; w &= w - 1) row = bit + ctz(w). */
static inline uint64_t hw_null_word(const uint8_t *validity, uint64_t bit, unsigned k)
{
    return ~hw_valid_word(validity, bit, k) & (k < 64 ? (1ull << k) - 1 : ~0ull);
}

/* Zero bits among bits [bit0, bit0 + n) (a null count); 0 for a NULL bitmap. */
uint64_t hw_bits_zeros(const uint8_t *bits, uint64_t bit0, uint64_t n);

/* Bits [s0, s0 + n) of src into bits [d0, d0 + n) of dst, the other bits of dst untouched.
 * A NULL src is all ones. */
void hw_bits_copy(uint8_t *dst, uint64_t d0, const uint8_t *src, uint64_t s0, uint64_t n);

/* Valid AND finite: bit i of out (from bit 0) is set iff bit vbit0 + i of validity is set and
 * element i of data is finite (integers always are). Writes all (n+7)/8 bytes of out, the
 * bits past n zero. */
void hw_bits_finite(enum hw_dtype dtype, const void *data, const uint8_t *validity,
                    uint64_t vbit0, uint64_t n, uint8_t *out);

/* Elements i < n whose bit bit0 + i is set, in order, packed into dst (esz bytes each); NULL
 * bits selects every element. Returns how many were copied. */
uint64_t hw_bits_compact(size_t esz, const void *src, const uint8_t *bits, uint64_t bit0,
                         uint64_t n, void *dst);

/* Like hw_bits_compact with bits = valid AND finite (hw_bits_finite), without building the
 * bitmap. */
uint64_t hw_compact_finite(enum hw_dtype dtype, const void *src, const uint8_t *validity,
                           uint64_t vbit0, uint64_t n, void *dst);

#endif
