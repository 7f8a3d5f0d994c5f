/* Radix select for the two middle ranks of a column. Each value maps to an unsigned key
 * whose integer order is the value order (floats: flip the sign bit of positives, every bit
 * of negatives; ints: flip the sign bit), so -0.0 sorts just below +0.0 and the k-th key is
 * the k-th value. Pass p histograms digit p (16 bits, from the top) of the keys that share
 * the prefix chosen so far; the bucket holding the rank extends the prefix. The two middle
 * ranks keep their own prefix and table, but while the prefixes agree (always in pass 0,
 * usually later on) one table serves both. Once the chosen buckets hold few enough keys to
 * fit in the tables' memory, the next pass copies those keys there and the ranks are
 * selected among them: no pass per remaining digit.
 *
 * Speed (bench/bench.c): pass 0 needs no finite test, because with 16-bit digits +-inf and
 * NaN land in buckets that hold nothing else (the top and bottom 2^(15-E) buckets, E the
 * exponent bits), which are emptied after the pass. Nulls are counted in a second table, the
 * one after the first, by an index offset: so the pass is branch-free, its 64 bucket indices
 * a block computed by a loop gcc vectorises (validity from a 64-bit word), then counted. */
#include "median.h"
#include "dataset.h" /* hw_valid_bit */
#include "bitwords.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define BUCKETS 65536u
#define CAP (2 * BUCKETS) /* candidate keys the two tables' memory holds */
enum { BLOCK = 64 };

static int key_bits(enum hw_dtype t) { return 8 * (int)hw_dtype_size(t); }
static int digit_bits(const struct hw_median *m) { return m->bits < 16 ? m->bits : 16; }

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

/* Bucket index of 64 elements for pass 0: the top 16 bits of the key (all of it for
 * narrower keys), plus BUCKETS when the row is null (counted apart, in hist[1]). In 32-bit
 * lanes: a 64-bit key's top bits come from its high word, which keeps the loop vectorisable
 * with SSE2 (no 64-bit arithmetic shift there). */
#define DEF_INDEX(NAME, UT, TOP)                                                               \
    static void NAME(const void *data, uint64_t w, uint32_t *restrict idx)                     \
    {                                                                                          \
        uint8_t mk[BLOCK];                                                                     \
        hw_spread_word(w, mk);                                                                 \
        const unsigned char *p = data;                                                         \
        for (unsigned j = 0; j < BLOCK; j++) {                                                 \
            UT u;                                                                              \
            memcpy(&u, p + j * sizeof u, sizeof u);                                            \
            idx[j] = (TOP) + ((uint32_t)(1u - mk[j]) << 16);                                   \
        }                                                                                      \
    }
/* high word h of a float: key = h ^ (sign ? ~0 : 0x80000000) */
#define FLOAT_TOP32(h) ((((h) ^ ((uint32_t)((int32_t)(h) >> 31) | 0x80000000u))) >> 16)
DEF_INDEX(index_f64, uint64_t, FLOAT_TOP32((uint32_t)(u >> 32)))
DEF_INDEX(index_f32, uint32_t, FLOAT_TOP32(u))
DEF_INDEX(index_f16, uint16_t, (uint16_t)(u ^ ((uint16_t)((int16_t)u >> 15) | 0x8000u)))
DEF_INDEX(index_i64, uint64_t, ((uint32_t)(u >> 32) ^ 0x80000000u) >> 16)
DEF_INDEX(index_i32, uint32_t, (u ^ 0x80000000u) >> 16)
DEF_INDEX(index_i16, uint16_t, (uint16_t)(u ^ 0x8000u))
DEF_INDEX(index_i8, uint8_t, (uint8_t)(u ^ 0x80u))

typedef void index_fn(const void *data, uint64_t w, uint32_t *restrict idx);

static index_fn *index_of(enum hw_dtype t)
{
    switch (t) {
    case HW_F64: return index_f64;
    case HW_F32: return index_f32;
    case HW_F16: return index_f16;
    case HW_I64: return index_i64;
    case HW_I32: return index_i32;
    case HW_I16: return index_i16;
    default:     return index_i8;
    }
}

/* Pass 0: every element counted, in hist[0] when valid, hist[1] (never read) when null. A
 * ragged end goes through a zero-padded copy so the index loop keeps its 64 rows. */
static void feed_pass0(struct hw_median *m, const void *data, const uint8_t *validity,
                       uint64_t vbit0, size_t n)
{
    index_fn *index = index_of(m->dtype);
    size_t size = hw_dtype_size(m->dtype);
    uint64_t *h = m->hist[0];
    uint32_t idx[BLOCK];
    for (size_t i = 0; i < n; i += BLOCK) {
        unsigned k = n - i < BLOCK ? (unsigned)(n - i) : BLOCK;
        uint64_t w = validity ? hw_valid_word(validity, vbit0 + i, k)
                              : (k == BLOCK ? ~0ull : (1ull << k) - 1);
        if (w == 0)
            continue; /* a null block: nothing to count */
        const unsigned char *p = (const unsigned char *)data + i * size;
        if (k < BLOCK) {
            uint64_t pad[BLOCK] = {0};
            memcpy(pad, p, k * size);
            index(pad, w, idx);
        } else {
            index(p, w, idx);
        }
        for (unsigned j = 0; j < k; j++)
            h[idx[j]]++;
    }
}

/* Whether any of 64 bucket indices is t0 or t1 (null rows carry +BUCKETS: never). */
static bool any_of(const uint32_t *restrict idx, uint32_t t0, uint32_t t1)
{
    unsigned hit = 0;
    for (unsigned j = 0; j < BLOCK; j++)
        hit |= (idx[j] == t0) | (idx[j] == t1);
    return hit != 0;
}

/* The collecting pass: keys whose resolved high bits equal either prefix, into the tables'
 * memory. A block is first tested on its top digits (pass 0's vectorised index): the
 * buckets are small, so most blocks hold no candidate and cost no more than that test. */
ALWAYS_INLINE void collect_typed(enum hw_dtype t, struct hw_median *m, const void *data,
                                 const uint8_t *validity, uint64_t vbit0, size_t n)
{
    int hi_shift = m->bits - 16 * m->pass, top_shift = 16 * (m->pass - 1);
    uint64_t p0 = m->prefix[0], p1 = m->prefix[1], c = m->ncand, *cand = m->hist[0];
    uint32_t t0 = (uint32_t)(p0 >> top_shift), t1 = (uint32_t)(p1 >> top_shift);
    index_fn *index = index_of(t);
    size_t size = hw_dtype_size(t);
    uint32_t idx[BLOCK];
    uint64_t key;
    for (size_t i = 0; i < n; i += BLOCK) {
        unsigned k = n - i < BLOCK ? (unsigned)(n - i) : BLOCK;
        uint64_t w = validity ? hw_valid_word(validity, vbit0 + i, k) : ~0ull;
        if (k == BLOCK) {
            index((const unsigned char *)data + i * size, w, idx);
            if (!any_of(idx, t0, t1))
                continue;
        }
        for (unsigned j = 0; j < k; j++) {
            key_of(t, data, i + j, &key); /* finite: the prefixes exclude inf and NaN */
            uint64_t hi = key >> hi_shift;
            if (((w >> j) & 1) && (hi == p0 || hi == p1) && c < CAP)
                cand[c++] = key;
        }
    }
    m->ncand = c;
}

/* One pass over n elements with a constant dtype, so key_of folds to a few instructions. */
ALWAYS_INLINE void feed_typed(enum hw_dtype t, struct hw_median *m, const void *data,
                              const uint8_t *validity, uint64_t vbit0, size_t n)
{
    int width = digit_bits(m);
    int shift = m->bits - width * (m->pass + 1);
    uint64_t mask = ((uint64_t)1 << width) - 1;
    uint64_t *h0 = m->hist[0], *h1 = m->hist[1];
    uint64_t key;

    if (m->collect) {
        collect_typed(t, m, data, validity, vbit0, n);
        return;
    }
    if (m->pass == 0) {
        feed_pass0(m, data, validity, vbit0, n);
        return;
    }
    /* Resolved high bits must equal a rank's prefix; shift + width < 64 once pass > 0. */
    int hi_shift = shift + width;
    uint64_t p0 = m->prefix[0], p1 = m->prefix[1]; /* equal: hi == p0 wins, h1 stays unused */
    for (size_t i = 0; i < n; i++) {
        if (!hw_valid_bit(validity, vbit0 + i) || !key_of(t, data, i, &key))
            continue;
        uint64_t hi = key >> hi_shift, d = (key >> shift) & mask;
        if (hi == p0)
            h0[d]++;
        else if (hi == p1)
            h1[d]++;
    }
}

/* The tables for pass 0: the buckets a key's top digit can take (the null table, hist[1],
 * is written but never read in pass 0, so it needs no clearing). */
static void clear_pass0(struct hw_median *m)
{
    memset(m->hist[0], 0, ((size_t)1 << digit_bits(m)) * sizeof(uint64_t));
}

static void start(struct hw_median *m, enum hw_dtype dtype)
{
    m->dtype = dtype;
    m->bits = key_bits(dtype);
    m->npasses = (m->bits + 15) / 16;
}

int hw_median_init(struct hw_median *m, enum hw_dtype dtype)
{
    memset(m, 0, sizeof *m);
    start(m, dtype);
    /* One block, so the candidates can use both tables' memory; calloc's pages stay
     * untouched until counted, as two callocs' did. */
    m->hist[0] = calloc(2 * BUCKETS, sizeof(uint64_t));
    if (!m->hist[0])
        return -1;
    m->hist[1] = m->hist[0] + BUCKETS;
    return 0;
}

void hw_median_reset(struct hw_median *m, enum hw_dtype dtype)
{
    uint64_t *hist[2] = {m->hist[0], m->hist[1]};
    memset(m, 0, sizeof *m);
    start(m, dtype);
    m->hist[0] = hist[0];
    m->hist[1] = hist[1];
    clear_pass0(m);
}

bool hw_median_pass_needed(const struct hw_median *m) { return m->pass < m->npasses; }

void hw_median_feed(struct hw_median *m, const void *data, const uint8_t *validity,
                    uint64_t vbit0, size_t n)
{
    if (!hw_median_pass_needed(m))
        return;
    switch (m->dtype) {
    case HW_F64: feed_typed(HW_F64, m, data, validity, vbit0, n); break;
    case HW_F32: feed_typed(HW_F32, m, data, validity, vbit0, n); break;
    case HW_F16: feed_typed(HW_F16, m, data, validity, vbit0, n); break;
    case HW_I64: feed_typed(HW_I64, m, data, validity, vbit0, n); break;
    case HW_I32: feed_typed(HW_I32, m, data, validity, vbit0, n); break;
    case HW_I16: feed_typed(HW_I16, m, data, validity, vbit0, n); break;
    case HW_I8:  feed_typed(HW_I8, m, data, validity, vbit0, n); break;
    default:     break;
    }
}

/* The bucket holding *rank; *rank becomes the rank inside that bucket. */
static uint64_t pick_bucket(const uint64_t *h, uint64_t *rank)
{
    uint64_t b = 0;
    while (*rank >= h[b]) {
        *rank -= h[b];
        b++;
    }
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

/* The two middle keys among the candidates: the lower prefix's keys all sort before the
 * higher one's, so their ranks are the lower rank and `below` + the higher rank. */
static void select_candidates(struct hw_median *m)
{
    uint64_t *a = m->hist[0], n = m->ncand;
    uint64_t r0 = m->rank[0], r1 = m->below + m->rank[1];
    if (n == 0 || r0 >= n || r1 >= n) { /* fed differently from pass 0: nothing to trust */
        m->count = 0;
        return;
    }
    uint64_t k0 = select_key(a, n, r0), k1 = k0;
    for (uint64_t i = r0 + 1; r1 > r0 && i < n; i++) /* r1 = r0 + 1: the least above r0 */
        k1 = i == r0 + 1 || a[i] < k1 ? a[i] : k1;
    m->prefix[0] = k0;
    m->prefix[1] = k1;
}

/* After pass 0: the buckets of +-inf and NaN emptied, and the count of what is left. */
static void count_pass0(struct hw_median *m)
{
    uint64_t *h = m->hist[0];
    uint32_t buckets = 1u << digit_bits(m);
    if (hw_dtype_is_float(m->dtype)) {
        int e = m->dtype == HW_F64 ? 11 : m->dtype == HW_F32 ? 8 : 5;
        uint32_t edge = 1u << (15 - e); /* buckets whose key has sign and exponent all 0 or 1 */
        memset(h, 0, edge * sizeof *h);
        memset(h + buckets - edge, 0, edge * sizeof *h);
    }
    m->count = 0;
    for (uint32_t b = 0; b < buckets; b++)
        m->count += h[b];
}

void hw_median_end_pass(struct hw_median *m)
{
    if (!hw_median_pass_needed(m))
        return;
    if (m->collect) {
        select_candidates(m);
        m->pass = m->npasses;
        return;
    }
    if (m->pass == 0) {
        count_pass0(m);
        if (m->count == 0) {
            m->pass = m->npasses; /* nothing to select: the median is 0 */
            return;
        }
        m->rank[0] = (m->count - 1) / 2;
        m->rank[1] = m->count / 2;
    }
    bool shared = m->prefix[0] == m->prefix[1];
    int width = digit_bits(m);
    uint64_t held[2];
    for (int k = 0; k < 2; k++) {
        const uint64_t *h = m->hist[shared ? 0 : k];
        uint64_t b = pick_bucket(h, &m->rank[k]);
        held[k] = h[b];
        m->prefix[k] = (m->prefix[k] << width) | b;
    }
    m->pass++;
    if (m->pass >= m->npasses)
        return;
    uint64_t need = held[0] + (m->prefix[0] != m->prefix[1] ? held[1] : 0);
    if (need <= CAP) {
        m->collect = true;
        m->ncand = 0;
        m->below = m->prefix[0] != m->prefix[1] ? held[0] : 0;
        return;
    }
    memset(m->hist[0], 0, 2 * BUCKETS * sizeof(uint64_t)); /* hist[1] held pass 0's nulls */
}

double hw_median_value(const struct hw_median *m)
{
    if (m->count == 0)
        return 0.0;
    return hw_median_mid(value_of(m->dtype, m->prefix[0]), value_of(m->dtype, m->prefix[1]));
}

void hw_median_release(struct hw_median *m)
{
    free(m->hist[0]);
    m->hist[0] = m->hist[1] = NULL;
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
