/* Radix select for the two middle ranks of a column. Each value maps to an unsigned key
 * whose integer order is the value order (floats: flip the sign bit of positives, every bit
 * of negatives; ints: flip the sign bit), so -0.0 sorts just below +0.0 and the k-th key is
 * the k-th value. Pass 0 histograms a digit of every key that never decreases as the key
 * grows, so the bucket holding a rank is a range of keys; the rank then lives in that range.
 * Later passes either histogram 15 bits of each rank's range (one table per range; the two
 * middle ranks usually share one) or, once the ranges hold few enough keys to fit in the
 * tables' memory, copy those keys there, where the ranks are selected: no pass per digit.
 *
 * Speed (bench/bench.c). No per-cell validity work: pass 0 counts every cell of a 64-row
 * block, then takes the block's nulls (the zero bits of its validity word, 2% of the rows)
 * back out of the buckets their cells went to; so whatever a null cell holds, the counts are
 * those of the valid cells. Floats need no finite test either: with 16-bit digits +-inf and
 * NaN land in buckets that hold nothing else (the top and bottom 2^(15-E) buckets, E the
 * exponent bits), which pass 0's pick skips. The counters are 32-bit (half the cache of 64-bit
 * ones), folded into 64-bit tables before 2^32 values could overflow them. i8 and i16 count a
 * byte (the whole i8 key, the top byte of i16's) in four 256-entry tables, element j into
 * table j % 4, so repeated values do not wait on one counter's store (zstd's HIST_count):
 * 3.4-3.6 G/s here against 2.2-2.9 G/s with one table, and against 1.2-1.5 G/s for a one-pass
 * 65536-bucket i16 table in L2, which is why i16 takes two cheap passes. The other dtypes
 * compute a block's 64 bucket indices in a loop gcc vectorises (HW_CLONES) and count them;
 * the collecting pass tests a block's 64 raw values against the ranges in a vectorised loop
 * and looks only at the hits. i64's pass-0 digit is float-like (below), because its keys'
 * top 16 bits say nothing about values within +-2^48: the dataset's i64 (+-2^41) took three
 * passes, two of them on two hot counters. */
#include "median.h"
#include "dataset.h" /* hw_valid_bit */
#include "bitmaps.h"
#include "bitwords.h"
#include "buffer_median.h"
#include "simd.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))
enum { BLOCK = 64 };

static int key_bits(enum hw_dtype t) { return 8 * (int)hw_dtype_size(t); }

/* Key of element i, or false for a non-finite float (exponent all ones: inf or NaN). */
ALWAYS_INLINE bool key_of(enum hw_dtype t, const void *data, size_t i, uint64_t *key)
{
    switch (t) {
    case HW_F64: {
        uint64_t u;
        memcpy(&u, (const char *)data + 8 * i, 8);
        *key = u ^ ((uint64_t)((int64_t)u >> 63) | (1ull << 63));
        return (u & 0x7ff0000000000000ull) != 0x7ff0000000000000ull;
    }
    case HW_F32: {
        uint32_t u;
        memcpy(&u, (const char *)data + 4 * i, 4);
        *key = u ^ ((uint32_t)((int32_t)u >> 31) | 0x80000000u);
        return (u & 0x7f800000u) != 0x7f800000u;
    }
    case HW_F16: {
        uint16_t u;
        memcpy(&u, (const char *)data + 2 * i, 2);
        *key = (uint16_t)(u ^ ((uint16_t)((int16_t)u >> 15) | 0x8000u));
        return (u & 0x7c00u) != 0x7c00u;
    }
    case HW_I64: *key = (uint64_t)((const int64_t *)data)[i] ^ (1ull << 63); return true;
    case HW_I32: *key = (uint32_t)((const int32_t *)data)[i] ^ 0x80000000u; return true;
    case HW_I16: *key = (uint16_t)((const int16_t *)data)[i] ^ 0x8000u; return true;
    case HW_I8:  *key = (uint8_t)((const int8_t *)data)[i] ^ 0x80u; return true;
    default:     return false;
    }
}

/* A finite binary16 as double, exactly; by hand, so the select needs no _Float16. */
static double half_value(uint16_t u)
{
    int exp = (u >> 10) & 0x1f;
    double mag = exp ? ldexp(0x400 | (u & 0x3ff), exp - 25) : ldexp(u & 0x3ff, -24);
    return (u & 0x8000) ? -mag : mag;
}

/* The inverse of key_of, as double. */
static double value_of(enum hw_dtype t, uint64_t key)
{
    switch (t) {
    case HW_F64: {
        uint64_t u = (key >> 63) ? key ^ (1ull << 63) : ~key;
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    case HW_F32: {
        uint32_t u = (key >> 31) ? (uint32_t)key ^ 0x80000000u : ~(uint32_t)key;
        float f;
        memcpy(&f, &u, 4);
        return f;
    }
    case HW_F16: {
        uint16_t u = (key >> 15) ? (uint16_t)(key ^ 0x8000u) : (uint16_t)~key;
        return half_value(u);
    }
    case HW_I64: return (double)(int64_t)(key ^ (1ull << 63));
    case HW_I32: return (int32_t)(uint32_t)(key ^ 0x80000000u);
    case HW_I16: return (int16_t)(uint16_t)(key ^ 0x8000u);
    case HW_I8:  return (int8_t)(uint8_t)(key ^ 0x80u);
    default:     return 0.0;
    }
}

#define SIGN(w) ((uint64_t)1 << ((w) - 1))
#define WIDE_BINS 65536u   /* the 64-bit tables: mem[0, 65536); the 32-bit ones follow */
#define CAP (2 * WIDE_BINS) /* candidate keys the allocation (1 MiB) holds */
#define HALF 32768u        /* a histogram pass inside ranges: 15 bits, a table per range */
#define BYTE_FINAL 1024u   /* the byte tables take t32[0, 1024); their sums follow */
/* Bytes ahead a counting pass prefetches: the counting between a block's loads leaves the
 * hardware prefetcher behind (pass 0 of i64 spent 60% of its time on one load). */
#define PREFETCH 4096
#define M64 9              /* i64's pass-0 digit: mantissa bits below the leading one */

enum { MODE_PASS0, MODE_HIST, MODE_COLLECT };

static bool byte_mode(const struct hw_median *m)
{
    return m->mode == MODE_PASS0 && (m->dtype == HW_I8 || m->dtype == HW_I16);
}

static uint64_t kmask(unsigned k) { return k == BLOCK ? ~0ull : (1ull << k) - 1; }

ALWAYS_INLINE uint64_t block_word(const uint8_t *validity, uint64_t bit, unsigned k)
{
    return validity ? hw_valid_word(validity, bit, k) : kmask(k);
}

/* i64's pass-0 digit, monotone in the key: y = |x| (x or ~x, so no overflow at INT64_MIN),
 * y + 1 as a double (exact to 2^53, rounded to nearest above: still monotone), its exponent
 * and top M64 mantissa bits; negatives mirrored below 0x8000. Relative resolution 2^-9 at
 * every magnitude, exact to 2^9. The conversion is spelled out (two exact halves, one
 * rounding add: what (double) does) because gcc does not vectorise a 64-bit (double) for
 * AVX2; this it does, and bit for bit the same in both clones. */
static inline uint32_t digit_i64(uint64_t u)
{
    uint64_t s = 0 - (u >> 63), y = (u ^ s) + 1;
    uint64_t bh = (y >> 32) | 0x4530000000000000ull, bl = (y & 0xffffffffull) | 0x4330000000000000ull;
    double dh, dl;
    memcpy(&dh, &bh, 8);
    memcpy(&dl, &bl, 8);
    double d = (dh - (0x1p84 + 0x1p52)) + dl;
    uint64_t bits;
    memcpy(&bits, &d, 8);
    uint64_t code = (bits >> (52 - M64)) - ((uint64_t)1023 << M64);
    return (uint32_t)((0x8000u + (code ^ s)) & 0xffffu);
}

/* The least key whose digit is d or more (the digit is monotone: a binary search); the
 * largest key when none is (range_i64 tells the two apart). */
static uint64_t first_key_i64(uint32_t d)
{
    uint64_t lo = 0, hi = ~0ull;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (digit_i64(mid ^ SIGN(64)) >= d)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The keys of i64 digit d: [*lo, *lo + *span]. */
static void range_i64(uint32_t d, uint64_t *lo, uint64_t *span)
{
    *lo = first_key_i64(d);
    bool top = digit_i64(~0ull ^ SIGN(64)) <= d; /* no key above: INT64_MAX is in d */
    *span = (top ? ~0ull : first_key_i64(d + 1) - 1) - *lo;
}

/* Bucket indices of 64 elements for pass 0: the top 16 bits of the key (all of it for f16),
 * i64's float-like digit. In 32-bit lanes for 64-bit floats: the top bits come from the
 * high word, which keeps the loop vectorisable with SSE2 (no 64-bit arithmetic shift). */
#define DEF_INDEX(NAME, UT, TOP)                                                               \
    HW_CLONES static void NAME(const void *data, uint32_t *restrict idx)                      \
    {                                                                                          \
        const unsigned char *p = data;                                                         \
        for (unsigned j = 0; j < BLOCK; j++) {                                                 \
            UT u;                                                                              \
            memcpy(&u, p + j * sizeof u, sizeof u);                                            \
            idx[j] = (TOP);                                                                    \
        }                                                                                      \
    }
/* high word h of a float: key = h ^ (sign ? ~0 : 0x80000000) */
#define FLOAT_TOP32(h) ((((h) ^ ((uint32_t)((int32_t)(h) >> 31) | 0x80000000u))) >> 16)
DEF_INDEX(index_f64, uint64_t, FLOAT_TOP32((uint32_t)(u >> 32)))
DEF_INDEX(index_f32, uint32_t, FLOAT_TOP32(u))
DEF_INDEX(index_f16, uint16_t, (uint16_t)(u ^ ((uint16_t)((int16_t)u >> 15) | 0x8000u)))
DEF_INDEX(index_i64, uint64_t, digit_i64(u))
DEF_INDEX(index_i32, uint32_t, (u ^ 0x80000000u) >> 16)

typedef void index_fn(const void *data, uint32_t *restrict idx);

static index_fn *index_of(enum hw_dtype t)
{
    switch (t) {
    case HW_F64: return index_f64;
    case HW_F32: return index_f32;
    case HW_F16: return index_f16;
    case HW_I64: return index_i64;
    default:     return index_i32;
    }
}

/* Pass 0, 65536 buckets: every cell of a block counted, then its nulls taken back out. A
 * ragged end goes through a zero-padded copy so the index loop keeps its 64 rows. */
static void feed_index(struct hw_median *m, const void *data, const uint8_t *validity,
                       uint64_t vbit0, size_t n)
{
    index_fn *index = index_of(m->dtype);
    size_t size = hw_dtype_size(m->dtype);
    uint32_t *h = m->t32, idx[BLOCK];
    for (size_t i = 0; i < n; i += BLOCK) {
        unsigned k = n - i < BLOCK ? (unsigned)(n - i) : BLOCK;
        uint64_t w = block_word(validity, vbit0 + i, k);
        if (w == 0)
            continue; /* a null block: nothing to count */
        const unsigned char *p = (const unsigned char *)data + i * size;
        for (size_t b = 0; b < BLOCK * size; b += 64)
            __builtin_prefetch(p + PREFETCH + b);
        if (k < BLOCK) {
            uint64_t pad[BLOCK] = {0};
            memcpy(pad, p, k * size);
            index(pad, idx);
        } else {
            index(p, idx);
        }
        for (unsigned j = 0; j < k; j++)
            h[idx[j]]++;
        uint64_t nul = ~w & kmask(k);
        for (unsigned r = 0; r < 3; r++) { /* as in feed_bytes: no branch for the first 3 */
            h[idx[__builtin_ctzll(nul | 1ull << 63)]] -= nul != 0;
            nul &= nul - 1;
        }
        for (; nul; nul &= nul - 1)
            h[idx[__builtin_ctzll(nul)]]--;
    }
}

/* The byte pass 0 counts of element j: i8's value, i16's high byte (key digit: ^ 0x80). */
ALWAYS_INLINE unsigned byte_of(bool wide, const unsigned char *p, unsigned j)
{
    if (!wide)
        return p[j];
    uint16_t u;
    memcpy(&u, p + 2 * j, 2);
    return u >> 8;
}

/* 64 elements into the four byte tables, element j into table j % 4, 8 bytes a load. */
ALWAYS_INLINE void count_bytes64(bool wide, uint32_t *restrict t, const unsigned char *p)
{
    uint64_t x;
    if (!wide) {
#pragma GCC unroll 8
        for (unsigned q = 0; q < BLOCK / 8; q++) {
            memcpy(&x, p + 8 * q, 8);
            t[x & 255]++;
            t[256 + ((x >> 8) & 255)]++;
            t[512 + ((x >> 16) & 255)]++;
            t[768 + ((x >> 24) & 255)]++;
            t[(x >> 32) & 255]++;
            t[256 + ((x >> 40) & 255)]++;
            t[512 + ((x >> 48) & 255)]++;
            t[768 + (x >> 56)]++;
        }
        return;
    }
#pragma GCC unroll 16
    for (unsigned q = 0; q < BLOCK / 4; q++) {
        memcpy(&x, p + 8 * q, 8);
        t[(x >> 8) & 255]++;
        t[256 + ((x >> 24) & 255)]++;
        t[512 + ((x >> 40) & 255)]++;
        t[768 + (x >> 56)]++;
    }
}

ALWAYS_INLINE void feed_bytes(bool wide, struct hw_median *m, const void *data,
                              const uint8_t *validity, uint64_t vbit0, size_t n)
{
    uint32_t *t = m->t32;
    size_t size = wide ? 2 : 1;
    for (size_t i = 0; i < n; i += BLOCK) {
        unsigned k = n - i < BLOCK ? (unsigned)(n - i) : BLOCK;
        uint64_t w = block_word(validity, vbit0 + i, k);
        const unsigned char *p = (const unsigned char *)data + i * size;
        if (w == 0)
            continue;
        if (k < BLOCK) {
            for (unsigned j = 0; j < k; j++)
                t[256 * (j & 3) + byte_of(wide, p, j)] += (w >> j) & 1;
            continue;
        }
        __builtin_prefetch(p + PREFETCH);
        if (wide)
            __builtin_prefetch(p + PREFETCH + 64);
        count_bytes64(wide, t, p);
        /* The nulls back out, into table 0: the tables are summed modulo 2^32, which is
         * exact as the fold keeps every count below 2^32. The first three without a branch
         * (a block holds 1.3 nulls at 2%: a loop's exit was a misprediction a block). */
        uint64_t nul = ~w;
        for (unsigned r = 0; r < 3; r++) {
            unsigned j = (unsigned)__builtin_ctzll(nul | 1ull << 63); /* none: 63, less 0 */
            t[byte_of(wide, p, j)] -= nul != 0;
            nul &= nul - 1;
        }
        for (; nul; nul &= nul - 1)
            t[byte_of(wide, p, (unsigned)__builtin_ctzll(nul))]--;
    }
}

/* A key range in the raw bits' order: ints are the key less the sign bit, modulo 2^W, so
 * any range; a float range never crosses the sign (a pass-0 bucket has one sign), and a
 * negative one is the bitwise NOT of its keys, reversed. */
static void raw_range(const struct hw_median *m, int k, uint64_t *rlo, uint64_t *span)
{
    uint64_t lo = m->lo[k], s = m->span[k], mask = m->bits == 64 ? ~0ull : SIGN(m->bits) * 2 - 1;
    if (hw_dtype_is_float(m->dtype) && !(lo & SIGN(m->bits)))
        *rlo = ~(lo + s) & mask;
    else
        *rlo = (lo ^ SIGN(m->bits)) & mask;
    *span = s;
}

/* Which ranks a later pass works for (a resolved rank, span 0, needs none): two slots when
 * the ranks' ranges differ, else one; the count. */
static int slots(const struct hw_median *m, int *which)
{
    int n = 0;
    for (int k = 0; k < 2; k++)
        if (m->span[k] != 0 && !(k == 1 && n == 1 && m->lo[1] == m->lo[0]))
            which[n++] = k;
    return n;
}

/* Bit j of the result: raw value j is in [r[0], r[0] + r[1]] or [r[2], r[2] + r[3]]. */
#define DEF_HITS(NAME, UT)                                                                     \
    HW_CLONES static uint64_t NAME(const void *data, const uint64_t *r)                       \
    {                                                                                          \
        const unsigned char *p = data;                                                         \
        UT a0 = (UT)r[0], s0 = (UT)r[1], a1 = (UT)r[2], s1 = (UT)r[3];                         \
        uint8_t hit[BLOCK];                                                                    \
        for (unsigned j = 0; j < BLOCK; j++) {                                                 \
            UT u;                                                                              \
            memcpy(&u, p + j * sizeof u, sizeof u);                                            \
            hit[j] = (uint8_t)(((UT)(u - a0) <= s0) | ((UT)(u - a1) <= s1));                   \
        }                                                                                      \
        uint64_t w = 0;                                                                        \
        for (unsigned b = 0; b < 8; b++) {                                                     \
            uint64_t x;                                                                        \
            memcpy(&x, hit + 8 * b, 8);                                                        \
            w |= ((x * 0x0102040810204080ull) >> 56) << (8 * b);                               \
        }                                                                                      \
        return w;                                                                              \
    }
DEF_HITS(hits_64, uint64_t)
DEF_HITS(hits_32, uint32_t)
DEF_HITS(hits_16, uint16_t)
DEF_HITS(hits_8, uint8_t)

typedef uint64_t hits_fn(const void *data, const uint64_t *r);

/* The collecting pass: the valid keys inside the slots' ranges, into the tables' memory. */
ALWAYS_INLINE void collect_typed(enum hw_dtype t, hits_fn *hits, struct hw_median *m,
                                 const void *data, const uint8_t *validity, uint64_t vbit0,
                                 size_t n)
{
    int which[2], ns = slots(m, which);
    uint64_t r[4], c = m->ncand, *cand = m->mem, key;
    raw_range(m, which[0], &r[0], &r[1]);
    raw_range(m, which[ns - 1], &r[2], &r[3]);
    size_t size = hw_dtype_size(t);
    for (size_t i = 0; i < n; i += BLOCK) {
        unsigned k = n - i < BLOCK ? (unsigned)(n - i) : BLOCK;
        uint64_t w = block_word(validity, vbit0 + i, k);
        if (k < BLOCK) {
            uint64_t pad[BLOCK] = {0};
            memcpy(pad, (const unsigned char *)data + i * size, k * size);
            w &= hits(pad, r);
        } else {
            w &= hits((const unsigned char *)data + i * size, r);
        }
        for (; w; w &= w - 1) {
            key_of(t, data, i + (unsigned)__builtin_ctzll(w), &key);
            if (c < CAP)
                cand[c++] = key;
        }
    }
    m->ncand = c;
}

/* A histogram pass inside the slots' ranges: rare (a range of over 131072 keys), so plain. */
ALWAYS_INLINE void hist_typed(enum hw_dtype t, struct hw_median *m, const void *data,
                              const uint8_t *validity, uint64_t vbit0, size_t n)
{
    int which[2], ns = slots(m, which);
    uint64_t lo0 = m->lo[which[0]], s0 = m->span[which[0]];
    uint64_t lo1 = m->lo[which[ns - 1]], s1 = m->span[which[ns - 1]];
    int sh0 = m->shift[which[0]], sh1 = m->shift[which[ns - 1]];
    uint32_t *h0 = m->t32, *h1 = m->t32 + HALF;
    uint64_t key;
    for (size_t i = 0; i < n; i++) {
        if (!hw_valid_bit(validity, vbit0 + i) || !key_of(t, data, i, &key))
            continue;
        if (key - lo0 <= s0)
            h0[(key - lo0) >> sh0]++;
        else if (key - lo1 <= s1)
            h1[(key - lo1) >> sh1]++;
    }
}

ALWAYS_INLINE void feed_typed(enum hw_dtype t, hits_fn *hits, struct hw_median *m,
                              const void *data, const uint8_t *validity, uint64_t vbit0,
                              size_t n)
{
    if (m->mode == MODE_COLLECT)
        collect_typed(t, hits, m, data, validity, vbit0, n);
    else if (m->mode == MODE_HIST)
        hist_typed(t, m, data, validity, vbit0, n);
    else if (t == HW_I8 || t == HW_I16)
        feed_bytes(t == HW_I16, m, data, validity, vbit0, n);
    else
        feed_index(m, data, validity, vbit0, n);
}

static void feed_slice(struct hw_median *m, const void *data, const uint8_t *validity,
                       uint64_t vbit0, size_t n)
{
    switch (m->dtype) {
    case HW_F64: feed_typed(HW_F64, hits_64, m, data, validity, vbit0, n); break;
    case HW_F32: feed_typed(HW_F32, hits_32, m, data, validity, vbit0, n); break;
    case HW_F16: feed_typed(HW_F16, hits_16, m, data, validity, vbit0, n); break;
    case HW_I64: feed_typed(HW_I64, hits_64, m, data, validity, vbit0, n); break;
    case HW_I32: feed_typed(HW_I32, hits_32, m, data, validity, vbit0, n); break;
    case HW_I16: feed_typed(HW_I16, hits_16, m, data, validity, vbit0, n); break;
    case HW_I8:  feed_typed(HW_I8, hits_8, m, data, validity, vbit0, n); break;
    default:     break;
    }
}

/* 32-bit counters this pass uses. */
static size_t t32_used(const struct hw_median *m)
{
    int which[2];
    if (m->mode == MODE_HIST)
        return (size_t)slots(m, which) * HALF;
    return byte_mode(m) ? BYTE_FINAL : WIDE_BINS;
}

/* The count of key digit d in the byte tables, modulo 2^32 as the nulls were backed out of
 * table 0 (exact: below 2^32 since the last fold). */
static uint32_t byte_sum(const struct hw_median *m, unsigned d)
{
    uint32_t sum = 0;
    for (unsigned t = 0; t < 4; t++)
        sum += m->t32[256 * t + (d ^ 0x80)];
    return sum;
}

/* The 32-bit counters added into the 64-bit tables, and cleared: before 2^32 values. */
static void fold(struct hw_median *m)
{
    uint64_t *wide = m->mem;
    if (!m->wide_used)
        memset(wide, 0, WIDE_BINS * sizeof *wide);
    m->wide_used = true;
    if (byte_mode(m)) {
        for (unsigned d = 0; d < 256; d++)
            wide[BYTE_FINAL + d] += byte_sum(m, d);
    } else {
        for (size_t b = 0; b < t32_used(m); b++)
            wide[b] += m->t32[b];
    }
    memset(m->t32, 0, t32_used(m) * sizeof *m->t32);
    m->fed = 0;
}

static void clear_tables(struct hw_median *m)
{
    memset(m->t32, 0, t32_used(m) * sizeof *m->t32);
    m->wide_used = false;
    m->fed = 0;
}

static void start(struct hw_median *m, enum hw_dtype dtype)
{
    static const int span0[] = {[HW_I8] = 0, [HW_I16] = 8, [HW_I32] = 16, [HW_I64] = 53,
                                [HW_F16] = 0, [HW_F32] = 16, [HW_F64] = 48};
    m->dtype = dtype;
    m->bits = key_bits(dtype);
    m->npasses = 1 + (span0[dtype] + 14) / 15;
    m->mode = MODE_PASS0;
    m->fold_at = UINT32_MAX;
}

int hw_median_init(struct hw_median *m, enum hw_dtype dtype)
{
    memset(m, 0, sizeof *m);
    start(m, dtype);
    /* One block, so the candidates can use all of it; calloc's pages stay untouched until
     * counted. */
    m->mem = calloc(2 * WIDE_BINS, sizeof(uint64_t));
    if (!m->mem)
        return -1;
    m->t32 = (uint32_t *)(m->mem + WIDE_BINS);
    return 0;
}

void hw_median_reset(struct hw_median *m, enum hw_dtype dtype)
{
    uint64_t *mem = m->mem;
    uint32_t *t32 = m->t32;
    memset(m, 0, sizeof *m);
    start(m, dtype);
    m->mem = mem;
    m->t32 = t32;
    clear_tables(m);
}

bool hw_median_pass_needed(const struct hw_median *m) { return !m->done && m->mem; }

void hw_median_feed(struct hw_median *m, const void *data, const uint8_t *validity,
                    uint64_t vbit0, size_t n)
{
    if (!hw_median_pass_needed(m))
        return;
    size_t size = hw_dtype_size(m->dtype);
    while (n > 0) {
        uint64_t room = m->mode == MODE_COLLECT ? n : m->fed < m->fold_at ? m->fold_at - m->fed : 0;
        if (room == 0) {
            fold(m);
            continue;
        }
        size_t k = n < room ? n : (size_t)room;
        feed_slice(m, data, validity, vbit0, k);
        if (m->mode != MODE_COLLECT)
            m->fed += k;
        data = (const unsigned char *)data + k * size;
        vbit0 += k;
        n -= k;
    }
}

/* Count of bucket b in the table at t32 + base, with what was folded. */
static uint64_t bin(const struct hw_median *m, size_t base, uint32_t b)
{
    return m->t32[base + b] + (m->wide_used ? m->mem[base + b] : 0);
}

/* The bucket in [first, last) holding *rank; *rank becomes the rank inside that bucket. */
static uint32_t pick_bucket(const struct hw_median *m, size_t base, uint32_t first,
                            uint32_t last, uint64_t *rank, uint64_t *held)
{
    uint32_t b = first;
    for (; b + 1 < last && *rank >= bin(m, base, b); b++)
        *rank -= bin(m, base, b);
    *held = bin(m, base, b);
    return b;
}

/* The k-th smallest of a[0..n) (k < n), rearranging a: a three-way quickselect, so runs of
 * equal keys (small ints) stay linear. On return a[k+1..n) holds no key below the result. */
static uint64_t select_key(uint64_t *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        uint64_t x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi - 1];
        uint64_t p = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            uint64_t v = a[i];
            if (v < p) {
                a[i++] = a[lt];
                a[lt++] = v;
            } else if (v > p) {
                a[i] = a[--gt];
                a[gt] = v;
            } else {
                i++;
            }
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return p;
    }
    return a[k];
}

/* The ranks among the candidates: a lower range's keys all sort before a higher one's, so
 * with two ranges the higher rank is `below` + its rank inside its range. */
static void select_candidates(struct hw_median *m)
{
    int which[2], ns = slots(m, which);
    uint64_t *a = m->mem, n = m->ncand;
    bool both = m->span[0] != 0 && m->span[1] != 0;
    uint64_t r0 = m->rank[which[0]], r1 = ns == 2 ? m->below + m->rank[1] : m->rank[1];
    if (n == 0 || r0 >= n || (both && r1 >= n)) { /* fed differently from pass 0 */
        m->count = 0;
        return;
    }
    uint64_t k0 = select_key(a, n, r0), k1 = k0;
    if (both)
        for (uint64_t i = r0 + 1; r1 > r0 && i < n; i++) /* r1 = r0 + 1: least above r0 */
            k1 = i == r0 + 1 || a[i] < k1 ? a[i] : k1;
    m->lo[which[0]] = k0;
    if (both)
        m->lo[1] = k1;
    m->span[0] = m->span[1] = 0;
}

/* After pass 0: each rank's bucket as a key range. */
static void end_pass0(struct hw_median *m, uint64_t *held)
{
    uint32_t first = 0, last = WIDE_BINS;
    size_t base = 0;
    if (byte_mode(m)) {
        for (unsigned d = 0; d < 256; d++)
            m->t32[BYTE_FINAL + d] = byte_sum(m, d);
        base = BYTE_FINAL;
        last = 256;
    } else if (hw_dtype_is_float(m->dtype)) {
        int e = m->dtype == HW_F64 ? 11 : m->dtype == HW_F32 ? 8 : 5;
        first = 1u << (15 - e); /* buckets whose key has sign and exponent all 0 or 1 */
        last -= first;
    }
    m->count = 0;
    for (uint32_t b = first; b < last; b++)
        m->count += bin(m, base, b);
    if (m->count == 0) {
        m->done = true; /* nothing to select: the median is 0 */
        return;
    }
    m->rank[0] = (m->count - 1) / 2;
    m->rank[1] = m->count / 2;
    for (int k = 0; k < 2; k++) {
        uint32_t b = pick_bucket(m, base, first, last, &m->rank[k], &held[k]);
        if (m->dtype == HW_I64) {
            range_i64(b, &m->lo[k], &m->span[k]);
        } else {
            int low = m->bits - (byte_mode(m) ? 8 : 16);
            m->lo[k] = (uint64_t)b << low;
            m->span[k] = low ? ((uint64_t)1 << low) - 1 : 0;
        }
    }
}

/* After a histogram pass inside the ranges: each rank's bucket as a narrower range. */
static void end_hist(struct hw_median *m, uint64_t *held)
{
    int which[2], ns = slots(m, which);
    for (int k = 0; k < 2; k++) {
        if (m->span[k] == 0)
            continue;
        uint32_t last = (uint32_t)(m->span[k] >> m->shift[k]) + 1;
        size_t base = ns == 2 ? (size_t)k * HALF : 0;
        uint64_t b = pick_bucket(m, base, 0, last, &m->rank[k], &held[k]);
        uint64_t off = b << m->shift[k], rest = m->span[k] - off;
        uint64_t width = ((uint64_t)1 << m->shift[k]) - 1;
        m->lo[k] += off;
        m->span[k] = rest < width ? rest : width;
    }
}

static int bit_length(uint64_t x) { return x ? 64 - __builtin_clzll(x) : 0; }

void hw_median_end_pass(struct hw_median *m)
{
    if (!hw_median_pass_needed(m))
        return;
    if (m->mode == MODE_COLLECT) {
        select_candidates(m);
        m->done = true;
        return;
    }
    uint64_t held[2] = {0, 0};
    if (m->mode == MODE_PASS0)
        end_pass0(m, held);
    else
        end_hist(m, held);
    int which[2], ns = slots(m, which);
    if (m->done || ns == 0) {
        m->done = true;
        return;
    }
    uint64_t need = held[which[0]] + (ns == 2 ? held[which[1]] : 0);
    if (need <= CAP) {
        m->mode = MODE_COLLECT;
        m->ncand = 0;
        m->below = ns == 2 ? held[which[0]] : 0;
        return;
    }
    m->mode = MODE_HIST;
    for (int k = 0; k < 2; k++) {
        int b = bit_length(m->span[k]);
        m->shift[k] = b > 15 ? b - 15 : 0;
    }
    clear_tables(m);
}

double hw_median_value(const struct hw_median *m)
{
    if (m->count == 0)
        return 0.0;
    return hw_median_mid(value_of(m->dtype, m->lo[0]), value_of(m->dtype, m->lo[1]));
}

void hw_median_release(struct hw_median *m)
{
    free(m->mem);
    m->mem = NULL;
    m->t32 = NULL;
}

/* The scratch is the wide tables' half of the allocation (512 KiB, 32768 f64 at most), which
 * a pass only uses after a fold and clears first then: the 32-bit tables stay as they were. */
bool hw_median_short(struct hw_median *m, enum hw_dtype dtype, const void *data,
                     const uint8_t *validity, uint64_t vbit0, size_t n, double *median,
                     uint64_t *count)
{
    if (n > HW_MEDIAN_SHORT || !m->mem || dtype == HW_F16 || m->wide_used)
        return false;
    uint64_t k = hw_compact_finite(dtype, data, validity, vbit0, n, m->mem);
    *median = hw_buffer_median(dtype, m->mem, (size_t)k);
    *count = k;
    return true;
}

int hw_median_column(enum hw_dtype dtype, const void *data, const uint8_t *validity, size_t n,
                     double *median)
{
    struct hw_median m;
    if (hw_median_init(&m, dtype) != 0)
        return -1;
    while (hw_median_pass_needed(&m)) {
        hw_median_feed(&m, data, validity, 0, n);
        hw_median_end_pass(&m);
    }
    *median = hw_median_value(&m);
    hw_median_release(&m);
    return 0;
}

/* Measured at 250k and 2M rows, both sources (README, Fidelity). */
const struct hw_fidelity_gap hw_numpy_median_gaps[] = {
    {"median", -0.05, 0.00,
     "numpy has no radix select: the twin's median (the valid finite values compressed into a new array, "
     "np.median partitioning it in place) holds up to a column more than the model's two 64K tables "
     "(-0.02 D at 250k and 2M rows)", NULL},
    {0},
};
