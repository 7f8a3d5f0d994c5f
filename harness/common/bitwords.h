/* Validity bitmaps a 64-bit word at a time, for the kernels (convert.c, median.c, bitmaps.c,
 * the generator in dataset.c): a word from any bit offset that never reads past the bitmap, a
 * word spread into 64 bytes of 0 or 1 that a vectorised loop can read beside its values, and
 * 64 such bytes packed back into a word. */
#ifndef HW_BITWORDS_H
#define HW_BITWORDS_H
#include <stdint.h>
#include <string.h>

/* nbits (1..64) validity bits from bit `bit` on, bit 0 first. Reads only the bytes those bits
 * live in, so a ragged end never reads past the bitmap. */
static inline __attribute__((always_inline)) uint64_t hw_valid_word(const uint8_t *v,
                                                                    uint64_t bit, unsigned nbits)
{
    const uint8_t *p = v + (bit >> 3);
    unsigned sh = (unsigned)(bit & 7), nbytes = (sh + nbits + 7) >> 3;
    uint64_t w = 0;
    if (nbytes >= 8) {
        memcpy(&w, p, 8);
        w >>= sh;
        if (nbytes == 9) /* sh > 0 here */
            w |= (uint64_t)p[8] << (64 - sh);
    } else {
        for (unsigned i = 0; i < nbytes; i++)
            w |= (uint64_t)p[i] << (8 * i);
        w >>= sh;
    }
    return nbits < 64 ? w & ((1ull << nbits) - 1) : w;
}

/* Bit j of w into byte j of mk[64] (0 or 1): each byte of w broadcast to 8 bytes, byte k
 * keeping bit k, then "nonzero" by an add that carries into bit 7 and never past it. */
static inline __attribute__((always_inline)) void hw_spread_word(uint64_t w, uint8_t *mk)
{
    for (unsigned b = 0; b < 8; b++) {
        uint64_t x = ((w >> (8 * b)) & 0xff) * 0x0101010101010101ull & 0x8040201008040201ull;
        x = ((x + 0x7f7f7f7f7f7f7f7full) >> 7) & 0x0101010101010101ull;
        memcpy(mk + 8 * b, &x, 8);
    }
}

/* 64 bytes of 0 or 1 into a word, bit j from byte j: the multiply gathers byte k's low bit
 * into bit 56 + k (the partial products never carry into one another). */
static inline __attribute__((always_inline)) uint64_t hw_pack_bytes(const uint8_t *b)
{
    uint64_t w = 0;
    for (unsigned i = 0; i < 8; i++) {
        uint64_t x;
        memcpy(&x, b + 8 * i, 8);
        w |= ((x * 0x0102040810204080ull) >> 56) << (8 * i);
    }
    return w;
}

#endif
