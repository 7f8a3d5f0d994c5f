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
    b = x < g->nan_below ? 0x7fc00000u : b;
    b = x < g->inf_below ? inf : b;
    return x < g->null_below ? 0 : b;
}

ALWAYS_INLINE uint64_t f64_cell(const struct gen *g, uint32_t x, uint32_t v)
{
    double d = (double)(int32_t)v / 1000.0;
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    uint64_t inf = 0x7ff0000000000000ull | ((uint64_t)(v >> 31) << 63);
    b = x < g->nan_below ? 0x7ff8000000000000ull : b;
    b = x < g->inf_below ? inf : b;
    return x < g->null_below ? 0 : b;
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
    case HW_I64: ((int64_t *)data)[i] = valid ? (int64_t)(int32_t)v * 1000 + (v & 1023) : 0; break;
    case HW_I32: ((int32_t *)data)[i] = valid ? (int32_t)v >> 4 : 0; break;
    case HW_I16: ((int16_t *)data)[i] = valid ? (int16_t)v : 0; break;
    case HW_I8:  ((int8_t *)data)[i] = valid ? (int8_t)v : 0; break;
    default:     break; /* f16 is never a source dtype */
    }
    return valid;
}

/* Validity is built a byte (8 rows) at a time, so no read-modify-write of the bitmap. */
ALWAYS_INLINE void fill_typed(enum hw_dtype dtype, const struct gen *g, uint64_t key, size_t n,
                              void *data, uint8_t *validity)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        unsigned byte = 0;
        for (unsigned j = 0; j < 8; j++) {
            byte |= gen_one(dtype, g, draw(key), data, i + j) << j;
            key += GAMMA;
        }
        if (validity)
            validity[i >> 3] = (uint8_t)byte;
    }
    if (i < n) {
        unsigned byte = 0;
        for (unsigned j = 0; i + j < n; j++) {
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
    case HW_F32: fill_typed(HW_F32, &g, key, n, data, validity); break;
    case HW_F64: fill_typed(HW_F64, &g, key, n, data, validity); break;
    case HW_I64: fill_typed(HW_I64, &g, key, n, data, validity); break;
    case HW_I32: fill_typed(HW_I32, &g, key, n, data, validity); break;
    case HW_I16: fill_typed(HW_I16, &g, key, n, data, validity); break;
    case HW_I8:  fill_typed(HW_I8, &g, key, n, data, validity); break;
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
