/* The synthetic source: a counter-based generator, so a cell is a pure function of
 * (seed, column, row), computed in 32-bit lanes so that it vectorises.
 *
 * Design. A row is 64-bit; its high 32 bits pick a block of 2^32 rows, whose keys (an odd
 * multiplier mul and two 32-bit keys kx, kv) come from the column's random 64-bit key and the
 * block number by splitmix64's finalizer, once per fill and block. In the lanes only the low
 * 32 bits lo of the row remain: s = lo * mul (a bijection of the block: no two rows collide,
 * and columns' streams are not shifted copies of one another, as with a plain key xor), then
 *   x = lowbias32(s + kx)                   the class draw: null, +-inf, NaN or valid
 *   v = [16 21f0aaad 15 d35a2d97 15](s + kv) the value bits
 * two 2-round multiply-xorshift hashes (Chris Wellons' hash prospector; the second constants
 * TheIronBorn's) with different constants and keys. x is compared with the colspec's
 * thresholds as before (null_below <= inf_below <= nan_below) and v becomes the value as
 * before (f32 (int32)v >> 8 / 1024, f64 (int32)v / 1000, i64 (int32)v * 1000 + (v & 1023),
 * i32 (int32)v >> 4, i16/i8 the low bits); null cells hold 0. A chunk never straddles a
 * block: the one chunk that would (once in 2^32 rows) and a fill's tail go cell by cell
 * through one_cell(), which is also hw_gen_cell, so both compute the same bits; the AVX2
 * and baseline clones of the kernels compute them too (integer operations, exact
 * conversions, a correctly rounded division).
 *
 * Why so. The previous generator drew one wyrand value per cell, a 64x64->128 multiply that
 * no SIMD lane does: 0.6-1.1 G cells/s at best, so i8 (1 byte a cell) could not reach issue
 * 16's 2 GB/s. 32-bit multiplies are lanes (vpmulld; SSE2 emulates them). Measured offline,
 * avalanche (a flipped input bit flips each output bit with probability 0.5): the hashes
 * alone, 4M random inputs, rms deviation 0.00026 and 0.00025 against a sampling sigma of
 * 0.00024; as functions of lo (lo * mul first), 1M rows, rms 0.00054-0.00064 against 0.00049,
 * the worst pair 0.0044-0.0073 (a row bit 26-30 against one output bit: two rows that
 * differ in that bit agree on that output bit 50.7% of the time at worst). Over 2^28 consecutive rows the joint
 * histogram of x's and v's top bytes (and low bytes, and mixed) is uniform: chi-square z
 * -1.1..0.9 on 65535 degrees of freedom. Designs that shared the first multiply round
 * between x and v, 7-13% faster, failed that test (z up to 2228: v nearly a function of x),
 * so each cell pays for two full hashes. test_dataset checks what the API shows: class
 * rates, and neighbouring columns and rows uncorrelated in value and in class.
 *
 * Speed (make bench, best of 5, GB/s of values and M cells/s, one core of the 2-core AMD EPYC
 * Zen 4 VM, gcc 12 -O2, AVX2 clone; 3 locked runs of the old and new binaries alternately):
 *   dtype  before                      after
 *   f64    2.10-4.07 GB/s  263-509 M/s  5.90-8.66 GB/s  737-1083 M/s
 *   f32    2.36-3.57       589-894      6.17-9.21      1543-2301
 *   i64    2.51-4.58       314-573     10.36-14.05     1295-1757
 *   i32    3.41-4.37       853-1093     6.22-11.27     1554-2818
 *   i16    1.34-2.16       670-1081     4.39-6.22      2193-3109
 *   i8     0.70-0.94       699-937      2.25-3.03      2252-3034
 * i8 is bound by the two hashes (about 20 vector operations a vector of 8 rows) plus the
 * narrowing of 32-bit lanes to bytes; f64 by the division by 1000.
 *
 * hw_gen_fill and hw_gen_cell share gen_one(), always inlined with a constant dtype: the
 * fill becomes one kernel per dtype with no call and no dispatch per cell. Class picks are
 * selects rather than branches: the classes are random and a branch would mispredict. */
#include "dataset.h"
#include "bitwords.h"
#include "simd.h"
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))
/* Rows a kernel call makes per pass: a multiple of 64 (whole validity words). 256 rather than
 * 64 spreads the per-pass setup (broadcasts, packing) over more cells: +7% for i8. */
#define CHUNK 256

#define SEED_K  0xd1b54a32d192ed03ull
#define COL_K   0xaef17502108ef2d9ull
#define BLOCK_K 0x9e3779b97f4a7c15ull /* golden ratio: odd, so blocks never share a key */

/* splitmix64's finalizer, for the keys (once per call and block, never per cell). */
static uint64_t fmix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A random 64-bit key per column: consecutive columns must not be related streams, which
 * they would be with a plain seed + col offset. */
static uint64_t column_key(uint64_t seed, uint32_t col)
{
    return fmix64(fmix64(seed * SEED_K) + (uint64_t)col * COL_K);
}

/* A column's keys for one block of 2^32 rows (row >> 32 picks the block): the lanes hold the
 * low 32 bits of the row only. mul is odd, so lo * mul is a bijection of the block. */
struct block {
    uint32_t mul, kx, kv;
};

static struct block block_keys(uint64_t colkey, uint64_t hi)
{
    uint64_t a = fmix64(colkey + (hi + 1) * BLOCK_K), b = fmix64(a + BLOCK_K);
    return (struct block){(uint32_t)a | 1u, (uint32_t)(a >> 32), (uint32_t)b};
}

/* Two 2-round multiply-xorshift permutations of 32 bits from Chris Wellons' hash prospector:
 * lowbias32 [16 7feb352d 15 846ca68b 16] for the class draw, [16 21f0aaad 15 d35a2d97 15]
 * (TheIronBorn's) for the value: different constants, so a cell's value is no simple
 * function of its class draw, nor of another row's (the measurements are in the header). */
ALWAYS_INLINE uint32_t hash_x(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    return h ^ (h >> 16);
}

ALWAYS_INLINE uint32_t hash_v(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x21f0aaadu;
    h ^= h >> 15;
    h *= 0xd35a2d97u;
    return h ^ (h >> 15);
}

/* rate (cumulative fraction) -> threshold on the 32-bit class draw. A rate of 0 gives
 * exactly no cells; a rate of 1 saturates at 2^32-1 (one draw in 2^32 escapes). */
static uint32_t threshold(double cum)
{
    if (!(cum > 0.0))
        return 0;
    if (cum >= 1.0)
        return UINT32_MAX;
    return (uint32_t)(cum * 4294967296.0);
}

void hw_dataset_colspec(const struct hw_dataset *ds, uint32_t col, struct hw_colspec *out)
{
    const struct hw_col_group *g = &ds->groups[ds->ngroups ? ds->ngroups - 1 : 0];
    uint32_t end = 0;
    for (uint32_t i = 0; i < ds->ngroups; i++) {
        end += ds->groups[i].count;
        if (col < end) {
            g = &ds->groups[i];
            break;
        }
    }
    out->dtype = g->dtype;
    out->all_null = col < ds->cols && ds->cols - col <= ds->all_null_columns;
    double cum = g->null_rate;
    out->null_below = threshold(cum);
    if (hw_dtype_is_float(g->dtype)) {
        cum += g->inf_rate;
        out->inf_below = threshold(cum);
        cum += g->nan_rate;
        out->nan_below = threshold(cum);
    } else {
        out->inf_below = out->nan_below = out->null_below;
    }
}

size_t hw_validity_bytes(uint64_t rows) { return (size_t)((rows + 7) / 8); }

uint64_t hw_dataset_column_bytes(const struct hw_dataset *ds, uint32_t col)
{
    struct hw_colspec cs;
    hw_dataset_colspec(ds, col, &cs);
    return ds->rows * hw_dtype_size(cs.dtype);
}

uint64_t hw_dataset_source_bytes(const struct hw_dataset *ds)
{
    uint64_t total = 0;
    for (uint32_t c = 0; c < ds->cols; c++)
        total += hw_dataset_column_bytes(ds, c) + hw_validity_bytes(ds->rows);
    return total;
}

uint64_t hw_dataset_output_bytes(const struct hw_dataset *ds, enum hw_dtype out)
{
    return ds->rows * ds->cols * hw_dtype_size(out);
}

/* Class thresholds as the inner loop wants them. */
struct gen {
    uint32_t null_below, inf_below, nan_below;
};

/* A float cell from its class draw x and value bits v, as a bit pattern. The thresholds
 * nest (null_below <= inf_below <= nan_below), so applying the selects from the widest down
 * lets the lowest matching class win. Selecting integers, not floats, keeps them cmovs:
 * with float operands gcc branches, and random classes mispredict. */
ALWAYS_INLINE uint32_t f32_cell(const struct gen *g, uint32_t x, uint32_t v)
{
    float f = (float)((int32_t)v >> 8) / 1024.0f;
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    uint32_t inf = 0x7f800000u | (v & 0x80000000u);
    /* As masks, not ?: : after a float operation gcc makes a ?: a branch, and a loop with a
     * branch is one it does not vectorise. */
    uint32_t nan = -(uint32_t)(x < g->nan_below), in = -(uint32_t)(x < g->inf_below);
    uint32_t nul = -(uint32_t)(x < g->null_below);
    b = (0x7fc00000u & nan) | (b & ~nan);
    b = (inf & in) | (b & ~in);
    return b & ~nul;
}

ALWAYS_INLINE uint64_t f64_cell(const struct gen *g, uint32_t x, uint32_t v)
{
    double d = (double)(int32_t)v / 1000.0;
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    uint64_t inf = 0x7ff0000000000000ull | ((uint64_t)(v >> 31) << 63);
    uint64_t nan = -(uint64_t)(x < g->nan_below), in = -(uint64_t)(x < g->inf_below);
    uint64_t nul = -(uint64_t)(x < g->null_below);
    b = (0x7ff8000000000000ull & nan) | (b & ~nan);
    b = (inf & in) | (b & ~in);
    return b & ~nul;
}

/* The class draw x and the value bits v of row lo of block b. */
ALWAYS_INLINE void draw(const struct block *b, uint32_t lo, uint32_t *x, uint32_t *v)
{
    uint32_t s = lo * b->mul;
    *x = hash_x(s + b->kx);
    *v = hash_v(s + b->kv);
}

ALWAYS_INLINE size_t cell_bytes(enum hw_dtype dtype)
{
    return dtype == HW_F64 || dtype == HW_I64 ? 8 : dtype == HW_F32 || dtype == HW_I32 ? 4
         : dtype == HW_I16 ? 2 : 1;
}

/* Write element i of data from draw (x, v); returns the validity bit. dtype is a compile-time
 * constant at every call site, so the switch folds away. */
ALWAYS_INLINE unsigned gen_one(enum hw_dtype dtype, const struct gen *g, uint32_t x, uint32_t v,
                               void *data, size_t i)
{
    unsigned valid = x >= g->null_below;
    switch (dtype) {
    case HW_F32: { uint32_t b = f32_cell(g, x, v); memcpy((char *)data + 4 * i, &b, 4); } break;
    case HW_F64: { uint64_t b = f64_cell(g, x, v); memcpy((char *)data + 8 * i, &b, 8); } break;
    /* null cells hold 0: the value ANDed with a mask of the validity (a select gcc vectorises) */
    case HW_I64: ((int64_t *)data)[i] = ((int64_t)(int32_t)v * 1000 + (v & 1023)) & -(int64_t)valid; break;
    case HW_I32: ((int32_t *)data)[i] = ((int32_t)v >> 4) & -(int32_t)valid; break;
    case HW_I16: ((int16_t *)data)[i] = (int16_t)((int16_t)v & -(int16_t)valid); break;
    case HW_I8:  ((int8_t *)data)[i] = (int8_t)((int8_t)v & -(int8_t)valid); break;
    default:     break; /* f16 is never a source dtype */
    }
    return valid;
}

/* chunks * CHUNK rows of one block from row lo on (no chunk straddles a block), validity
 * CHUNK / 64 words a chunk. Two loops of fixed trip count and no branch, which gcc -O2
 * vectorises whole: the draws, 8 rows a vector (the row's lo * mul plus a key is an
 * induction variable: one add a vector, no multiply), into L1-resident arrays; then the cells
 * from the draws (selects, conversions, narrowing stores). One fused loop was 12% slower for
 * i8 and i16: narrowed to bytes it works 32 rows at a time, too many live vectors for 16
 * registers, and it spilled. */
#define DEF_CHUNKS(NAME, DT)                                                                   \
    static HW_CLONES void NAME(struct gen g, struct block b, uint32_t lo, size_t chunks,       \
                               void *restrict data, uint8_t *restrict validity)               \
    {                                                                                          \
        for (size_t c = 0; c < chunks; c++, lo += CHUNK) {                                     \
            uint32_t xs[CHUNK], vs[CHUNK], sx = lo * b.mul + b.kx, sv = lo * b.mul + b.kv;     \
            for (unsigned j = 0; j < CHUNK; j++) {                                             \
                xs[j] = hash_x(sx);                                                            \
                vs[j] = hash_v(sv);                                                            \
                sx += b.mul;                                                                   \
                sv += b.mul;                                                                   \
            }                                                                                  \
            uint8_t valid[CHUNK];                                                              \
            void *cells = (char *)data + c * CHUNK * cell_bytes(DT);                           \
            for (unsigned j = 0; j < CHUNK; j++)                                               \
                valid[j] = (uint8_t)gen_one(DT, &g, xs[j], vs[j], cells, j);                   \
            for (unsigned k = 0; validity && k < CHUNK / 64; k++) {                            \
                uint64_t w = hw_pack_bytes(valid + 64 * k);                                       \
                memcpy(validity + CHUNK / 8 * c + 8 * k, &w, 8); /* LE: bit j is row j */      \
            }                                                                                  \
        }                                                                                      \
    }
DEF_CHUNKS(chunks_f32, HW_F32)
DEF_CHUNKS(chunks_f64, HW_F64)
DEF_CHUNKS(chunks_i64, HW_I64)
DEF_CHUNKS(chunks_i32, HW_I32)
DEF_CHUNKS(chunks_i16, HW_I16)
DEF_CHUNKS(chunks_i8, HW_I8)

/* One cell, row lo of block b: the tail of a fill, a chunk that straddles two blocks (once
 * in 2^32 rows), and hw_gen_cell. */
static unsigned one_cell(enum hw_dtype dtype, const struct gen *g, const struct block *b,
                         uint32_t lo, void *data, size_t i)
{
    uint32_t x, v;
    draw(b, lo, &x, &v);
    switch (dtype) {
    case HW_F32: return gen_one(HW_F32, g, x, v, data, i);
    case HW_F64: return gen_one(HW_F64, g, x, v, data, i);
    case HW_I64: return gen_one(HW_I64, g, x, v, data, i);
    case HW_I32: return gen_one(HW_I32, g, x, v, data, i);
    case HW_I16: return gen_one(HW_I16, g, x, v, data, i);
    case HW_I8:  return gen_one(HW_I8, g, x, v, data, i);
    default:     return 0;
    }
}

/* n <= CHUNK rows from row on, cell by cell, validity byte by byte (so no read-modify-write
 * of the bitmap). */
static void cells_slow(enum hw_dtype dtype, const struct gen *g, uint64_t colkey, uint64_t row,
                       size_t n, void *data, uint8_t *validity)
{
    struct block b = block_keys(colkey, row >> 32);
    for (size_t i = 0; i < n; i += 8) {
        unsigned byte = 0;
        for (unsigned j = 0; j < 8 && i + j < n; j++) {
            uint64_t r = row + i + j;
            if ((uint32_t)r == 0)
                b = block_keys(colkey, r >> 32);
            byte |= one_cell(dtype, g, &b, (uint32_t)r, data, i + j) << j;
        }
        if (validity)
            validity[i >> 3] = (uint8_t)byte;
    }
}

typedef void chunks_fn(struct gen g, struct block b, uint32_t lo, size_t chunks,
                       void *restrict data, uint8_t *restrict validity);

static chunks_fn *chunks_for(enum hw_dtype dtype)
{
    switch (dtype) {
    case HW_F32: return chunks_f32;
    case HW_F64: return chunks_f64;
    case HW_I64: return chunks_i64;
    case HW_I32: return chunks_i32;
    case HW_I16: return chunks_i16;
    case HW_I8:  return chunks_i8;
    default:     return NULL;
    }
}

void hw_gen_fill(const struct hw_dataset *ds, uint32_t col, uint64_t row0, size_t n, void *data,
                 uint8_t *validity)
{
    struct hw_colspec cs;
    hw_dataset_colspec(ds, col, &cs);
    size_t size = hw_dtype_size(cs.dtype);
    chunks_fn *chunks = chunks_for(cs.dtype);
    if (cs.all_null || !chunks) {
        memset(data, 0, n * size);
        if (validity)
            memset(validity, 0, hw_validity_bytes(n));
        return;
    }
    const struct gen g = {cs.null_below, cs.inf_below, cs.nan_below};
    uint64_t colkey = column_key(ds->seed, col);
    size_t i = 0;
    while (i < n) {
        uint64_t row = row0 + i;
        char *cells = (char *)data + i * size;
        uint8_t *bits = validity ? validity + (i >> 3) : NULL;
        /* whole chunks left in the fill and in row's block */
        uint64_t in_block = (UINT64_C(1) << 32) - (uint32_t)row;
        size_t k = (size_t)((n - i) / CHUNK < in_block / CHUNK ? (n - i) / CHUNK : in_block / CHUNK);
        if (k) {
            chunks(g, block_keys(colkey, row >> 32), (uint32_t)row, k, cells, bits);
            i += CHUNK * k;
        } else { /* the tail, or the one chunk that straddles a block boundary */
            size_t m = n - i < CHUNK ? n - i : CHUNK;
            cells_slow(cs.dtype, &g, colkey, row, m, cells, bits);
            i += m;
        }
    }
}

bool hw_gen_cell(const struct hw_dataset *ds, uint32_t col, uint64_t row, void *value)
{
    struct hw_colspec cs;
    hw_dataset_colspec(ds, col, &cs);
    union { double f64; float f32; int64_t i64; int32_t i32; int16_t i16; int8_t i8;
            unsigned char bytes[8]; } cell = {0};
    unsigned valid = 0;
    if (!cs.all_null) {
        const struct gen g = {cs.null_below, cs.inf_below, cs.nan_below};
        const struct block b = block_keys(column_key(ds->seed, col), row >> 32);
        valid = one_cell(cs.dtype, &g, &b, (uint32_t)row, cell.bytes, 0);
    }
    memcpy(value, cell.bytes, hw_dtype_size(cs.dtype));
    return valid;
}
