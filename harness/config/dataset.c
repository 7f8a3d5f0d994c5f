/* The synthetic source: a counter-based generator, so a cell is a pure function of
 * (seed, column, row). Each column is a wyrand stream (Wang Yi's wyhash PRNG) with its own
 * random start: draw(row) = mum(s, s ^ K) with s = colkey + row * GAMMA, mum folding the
 * 128-bit product into 64 bits. One multiply per cell where the splitmix64 finalizer takes
 * two: measured 1.55 against 1.2 GB/s for f32 fills, on a target of 1 GB/s per core.
 * The high 32 bits of a draw pick the cell's class (null, +-inf, NaN, valid), the low 32
 * bits its value.
 *
 * hw_gen_fill and hw_gen_cell share gen_one(), which is always inlined with a constant
 * dtype: the fill path becomes one tight loop per dtype, with no call and no dispatch per
 * cell, and the single-cell path computes bit for bit the same value. Class picks are
 * selects rather than branches: the classes are random and a branch would mispredict. */
#include "dataset.h"
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

#define GAMMA   0xa0761d6478bd642full /* wyrand's increment: odd, so rows never collide */
#define WY_K    0xe7037ed1a0b428dbull
#define SEED_K  0xd1b54a32d192ed03ull
#define COL_K   0xaef17502108ef2d9ull

__extension__ typedef unsigned __int128 u128;

/* The draw of one row: wyrand's output function. */
ALWAYS_INLINE uint64_t draw(uint64_t s)
{
    u128 p = (u128)s * (s ^ WY_K);
    return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/* splitmix64's finalizer, for the per-column start (once per call, not per cell). */
static uint64_t fmix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A random 64-bit start per column: consecutive columns must not be shifted copies of one
 * another, which they would be with a plain seed + col offset. */
static uint64_t column_key(uint64_t seed, uint32_t col)
{
    return fmix64(fmix64(seed * SEED_K) + (uint64_t)col * COL_K);
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

/* Write element i of data from draw r; returns the validity bit. dtype is a compile-time
 * constant at every call site, so the switch folds away. */
ALWAYS_INLINE unsigned gen_one(enum hw_dtype dtype, const struct gen *g, uint64_t r, void *data,
                               size_t i)
{
    uint32_t x = (uint32_t)(r >> 32), v = (uint32_t)r;
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

/* The cells of 64 draws, for one dtype: no multiply left, only selects, casts and stores,
 * which gcc vectorises at -O2 where the lanes allow (a fixed trip count, restrict). */
#define DEF_CELLS(NAME, DT)                                                                    \
    static __attribute__((noinline)) void NAME(const struct gen *g, const uint64_t *restrict r, \
                                               void *restrict data, uint8_t *restrict valid)   \
    {                                                                                          \
        for (unsigned j = 0; j < 64; j++)                                                      \
            valid[j] = (uint8_t)gen_one(DT, g, r[j], data, j);                                 \
    }
DEF_CELLS(cells_f32, HW_F32)
DEF_CELLS(cells_f64, HW_F64)
DEF_CELLS(cells_i64, HW_I64)
DEF_CELLS(cells_i32, HW_I32)
DEF_CELLS(cells_i16, HW_I16)
DEF_CELLS(cells_i8, HW_I8)

typedef void cells_fn(const struct gen *g, const uint64_t *restrict r, void *restrict data,
                      uint8_t *restrict valid);

/* 64 draws from key on. Apart (noinline) so the 128-bit product stays in registers:
 * inlined into the fill, gcc kept it on the stack. */
static __attribute__((noinline)) void draws(uint64_t key, uint64_t *restrict r)
{
    for (unsigned j = 0; j < 64; j++) {
        r[j] = draw(key);
        key += GAMMA;
    }
}

/* 64 bytes of 0 or 1 into a 64-bit word, 8 at a time: the multiply gathers byte k's bit into
 * bit 56 + k (the partial products never carry into one another). */
static uint64_t pack_bytes(const uint8_t *valid)
{
    uint64_t w = 0;
    for (unsigned b = 0; b < 8; b++) {
        uint64_t x;
        memcpy(&x, valid + 8 * b, 8);
        w |= ((x * 0x0102040810204080ull) >> 56) << (8 * b);
    }
    return w;
}

/* 64 rows at a time: the draws (one 64x64->128 multiply each, which no SSE2 or AVX2 lane
 * does) and the validity word in a tight scalar loop, then the cells from the draws. The
 * rows after the last full 64 are made byte by byte, so no read-modify-write of the bitmap
 * either way. (One loop for both kept the 128-bit product on the stack and shifted each
 * validity bit by a variable count: 287-447 M f32 cells/s.) */
ALWAYS_INLINE void fill_typed(enum hw_dtype dtype, cells_fn *cells, const struct gen *g,
                              uint64_t key, size_t n, void *data, uint8_t *validity)
{
    size_t i = 0, size = hw_dtype_size(dtype);
    uint64_t r[64];
    uint8_t valid[64];
    for (; i + 64 <= n; i += 64) {
        draws(key, r);
        key += 64 * GAMMA;
        cells(g, r, (char *)data + i * size, valid);
        if (validity) {
            uint64_t w = pack_bytes(valid);
            memcpy(validity + (i >> 3), &w, 8); /* little-endian: bit j is row i+j */
        }
    }
    for (; i < n; i += 8) {
        unsigned byte = 0;
        for (unsigned j = 0; j < 8 && i + j < n; j++) {
            byte |= gen_one(dtype, g, draw(key), data, i + j) << j;
            key += GAMMA;
        }
        if (validity)
            validity[i >> 3] = (uint8_t)byte;
    }
}

void hw_gen_fill(const struct hw_dataset *ds, uint32_t col, uint64_t row0, size_t n, void *data,
                 uint8_t *validity)
{
    struct hw_colspec cs;
    hw_dataset_colspec(ds, col, &cs);
    if (cs.all_null) {
        memset(data, 0, n * hw_dtype_size(cs.dtype));
        if (validity)
            memset(validity, 0, hw_validity_bytes(n));
        return;
    }
    const struct gen g = {cs.null_below, cs.inf_below, cs.nan_below};
    uint64_t key = column_key(ds->seed, col) + row0 * GAMMA;
    switch (cs.dtype) {
    case HW_F32: fill_typed(HW_F32, cells_f32, &g, key, n, data, validity); break;
    case HW_F64: fill_typed(HW_F64, cells_f64, &g, key, n, data, validity); break;
    case HW_I64: fill_typed(HW_I64, cells_i64, &g, key, n, data, validity); break;
    case HW_I32: fill_typed(HW_I32, cells_i32, &g, key, n, data, validity); break;
    case HW_I16: fill_typed(HW_I16, cells_i16, &g, key, n, data, validity); break;
    case HW_I8:  fill_typed(HW_I8, cells_i8, &g, key, n, data, validity); break;
    default:     break;
    }
}

bool hw_gen_cell(const struct hw_dataset *ds, uint32_t col, uint64_t row, void *value)
{
    struct hw_colspec cs;
    hw_dataset_colspec(ds, col, &cs);
    size_t size = hw_dtype_size(cs.dtype);
    if (cs.all_null) {
        memset(value, 0, size);
        return false;
    }
    const struct gen g = {cs.null_below, cs.inf_below, cs.nan_below};
    uint64_t r = draw(column_key(ds->seed, col) + row * GAMMA);
    union { double f64; float f32; int64_t i64; int32_t i32; int16_t i16; int8_t i8;
            unsigned char bytes[8]; } cell = {0};
    unsigned valid = 0;
    switch (cs.dtype) {
    case HW_F32: valid = gen_one(HW_F32, &g, r, &cell.f32, 0); break;
    case HW_F64: valid = gen_one(HW_F64, &g, r, &cell.f64, 0); break;
    case HW_I64: valid = gen_one(HW_I64, &g, r, &cell.i64, 0); break;
    case HW_I32: valid = gen_one(HW_I32, &g, r, &cell.i32, 0); break;
    case HW_I16: valid = gen_one(HW_I16, &g, r, &cell.i16, 0); break;
    case HW_I8:  valid = gen_one(HW_I8, &g, r, &cell.i8, 0); break;
    default:     break;
    }
    memcpy(value, cell.bytes, size);
    return valid;
}
