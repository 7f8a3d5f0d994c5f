/* The output checksum: sum over cells of mix((index + 1) * ODD ^ bits). A sum is indifferent to
 * visiting order, so any storage range can be summed alone and the parts added; the
 * logical index inside the mix is what makes it sensitive to where each value sits, and the
 * full avalanche of the splitmix64 finalizer is what keeps two swapped cells from
 * cancelling out. The +1 keeps the commonest cell of all, a zero at index 0, from hashing
 to 0 (the finalizer maps 0 to 0) and so from counting as no cell at all. The loops carry index * ODD forward by addition instead of multiplying
 * per cell, and walk F order column by column instead of dividing per cell. */
#include "checksum.h"
#include "simd.h"
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define ODD 0x9e3779b97f4a7c15ull

ALWAYS_INLINE uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t hw_cell_hash(uint64_t index, uint64_t bits) { return mix(((index + 1) * ODD) ^ bits); }

ALWAYS_INLINE uint64_t load_bits(size_t size, const unsigned char *p)
{
    switch (size) {
    case 2: { uint16_t b; memcpy(&b, p, 2); return b; }
    case 4: { uint32_t b; memcpy(&b, p, 4); return b; }
    default: { uint64_t b; memcpy(&b, p, 8); return b; }
    }
}

enum { BLOCK = 64 };

/* n cells whose logical indices step by `step` from `index`. Whole blocks of 64 go through a
 * loop of fixed trip count, which gcc 12 vectorises at -O2 (its cheap cost model takes no
 * loop that needs an epilogue); the AVX2 clone does the 64-bit multiplies as 32-bit ones. */
ALWAYS_INLINE uint64_t sum_run(size_t size, const unsigned char *p, size_t n, uint64_t index,
                               uint64_t step)
{
    uint64_t sum = 0, ik = (index + 1) * ODD, dk = step * ODD;
    size_t i = 0;
    for (; i + BLOCK <= n; i += BLOCK, p += BLOCK * size, ik += BLOCK * dk) {
        uint64_t part = 0;
        for (unsigned j = 0; j < BLOCK; j++)
            part += mix((ik + j * dk) ^ load_bits(size, p + j * size));
        sum += part;
    }
    for (; i < n; i++, p += size, ik += dk)
        sum += mix(ik ^ load_bits(size, p));
    return sum;
}

static HW_CLONES uint64_t sum_run_2(const unsigned char *p, size_t n, uint64_t index, uint64_t step) { return sum_run(2, p, n, index, step); }
static HW_CLONES uint64_t sum_run_4(const unsigned char *p, size_t n, uint64_t index, uint64_t step) { return sum_run(4, p, n, index, step); }
static HW_CLONES uint64_t sum_run_8(const unsigned char *p, size_t n, uint64_t index, uint64_t step) { return sum_run(8, p, n, index, step); }

static uint64_t sum_run_any(size_t size, const unsigned char *p, size_t n, uint64_t index,
                            uint64_t step)
{
    switch (size) {
    case 2:  return sum_run_2(p, n, index, step);
    case 4:  return sum_run_4(p, n, index, step);
    default: return sum_run_8(p, n, index, step);
    }
}

uint64_t hw_checksum_range(enum hw_dtype dtype, enum hw_order order, uint64_t rows, uint32_t cols,
                           uint64_t elem0, size_t n, const void *data)
{
    size_t size = hw_dtype_size(dtype);
    const unsigned char *p = data;
    if (order == HW_ORDER_C || n == 0)
        return sum_run_any(size, p, n, elem0, 1);

    /* F order: storage e = c * rows + r holds logical r * cols + c; a column is one run. */
    uint64_t sum = 0, c = elem0 / rows, r = elem0 % rows;
    while (n > 0) {
        size_t run = rows - r < n ? (size_t)(rows - r) : n;
        sum += sum_run_any(size, p, run, r * cols + c, cols);
        p += run * size;
        n -= run;
        r = 0;
        c++;
    }
    return sum;
}
