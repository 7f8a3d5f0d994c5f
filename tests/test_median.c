/* The radix select against the obvious answer: copy the valid finite values, sort them,
 * take the middle. Bit-identical doubles, whether the column comes in one buffer or in
 * random chunks with unaligned validity offsets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "median.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const enum hw_dtype sources[] = {HW_F64, HW_F32, HW_I64, HW_I32, HW_I16, HW_I8};

static bool as_double(enum hw_dtype t, const void *data, size_t i, double *v)
{
    switch (t) {
    case HW_F64: *v = ((const double *)data)[i]; break;
    case HW_F32: *v = ((const float *)data)[i]; break;
    case HW_I64: *v = (double)((const int64_t *)data)[i]; break;
    case HW_I32: *v = ((const int32_t *)data)[i]; break;
    case HW_I16: *v = ((const int16_t *)data)[i]; break;
    case HW_I8:  *v = ((const int8_t *)data)[i]; break;
    default:     return false;
    }
    return isfinite(*v);
}

static double sorted_median(enum hw_dtype t, const void *data, const uint8_t *validity, size_t n)
{
    double *vals = malloc((n + 1) * sizeof *vals);
    assert_non_null(vals);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        bool valid = !validity || ((validity[i / 8] >> (i % 8)) & 1);
        if (valid && as_double(t, data, i, &vals[count]))
            count++;
    }
    double m = 0.0;
    if (count) {
        qsort(vals, count, sizeof *vals, tu_cmp_double);
        m = hw_median_mid(vals[(count - 1) / 2], vals[count / 2]);
    }
    free(vals);
    return m;
}

/* Element i of a random column: drawn from a small pool (heavy duplicates) or from the
 * whole range, with +-0, +-inf and NaN mixed into float columns. */
static void put_random(enum hw_dtype t, void *data, size_t i, uint64_t *s, unsigned pool)
{
    uint64_t r = tu_rng(s);
    uint64_t v = pool ? r % pool : r;
    bool sign = (r >> 62) & 1;
    unsigned special = (r >> 56) & 31; /* 0..31: a few special values */
    switch (t) {
    case HW_F64: {
        double d = pool ? (double)v * (sign ? -0.25 : 0.25) : ldexp((double)(v >> 11), -40) * (sign ? -1 : 1);
        if (special == 0) d = sign ? -0.0 : 0.0;
        if (special == 1) d = sign ? -INFINITY : INFINITY;
        if (special == 2) d = NAN;
        if (special == 3) d = sign ? -5e-324 : 5e-324; /* denormals have keys too */
        ((double *)data)[i] = d;
        break;
    }
    case HW_F32: {
        float f = pool ? (float)v * (sign ? -0.5f : 0.5f) : ldexpf((float)(v >> 40), -12) * (sign ? -1 : 1);
        if (special == 0) f = sign ? -0.0f : 0.0f;
        if (special == 1) f = sign ? -INFINITY : INFINITY;
        if (special == 2) f = sign ? -NAN : NAN;
        ((float *)data)[i] = f;
        break;
    }
    case HW_I64: ((int64_t *)data)[i] = pool ? (int64_t)v - pool / 2 : (int64_t)v; break;
    case HW_I32: ((int32_t *)data)[i] = pool ? (int32_t)v - (int32_t)(pool / 2) : (int32_t)v; break;
    case HW_I16: ((int16_t *)data)[i] = (int16_t)(pool ? (int64_t)v - pool / 2 : (int64_t)v); break;
    case HW_I8:  ((int8_t *)data)[i] = (int8_t)(pool ? (int64_t)v - pool / 2 : (int64_t)v); break;
    default:     break;
    }
}

struct column {
    enum hw_dtype t;
    size_t n;
    void *data;
    uint8_t *validity;
};

static struct column random_column(enum hw_dtype t, size_t n, uint64_t *s, unsigned pool,
                                   double null_rate)
{
    struct column c = {t, n, malloc(n * 8 + 8), calloc(n / 8 + 1, 1)};
    assert_non_null(c.data);
    assert_non_null(c.validity);
    for (size_t i = 0; i < n; i++) {
        put_random(t, c.data, i, s, pool);
        if ((double)(tu_rng(s) >> 11) / 9007199254740992.0 >= null_rate)
            c.validity[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    return c;
}

static void free_column(struct column *c)
{
    free(c->data);
    free(c->validity);
}

static void assert_same_double(double got, double want)
{
    if (memcmp(&got, &want, sizeof got) != 0)
        fail_msg("median %.17g (%a), expected %.17g (%a)", got, got, want, want);
}

/* Feed every pass in random chunks; alternate between passing the bitmap's base with
 * vbit0 = start and passing the byte holding start with vbit0 = start % 8. */
static double chunked_median(const struct column *c, uint64_t *s)
{
    struct hw_median m;
    size_t size = hw_dtype_size(c->t);
    assert_int_equal(hw_median_init(&m, c->t), 0);
    while (hw_median_pass_needed(&m)) {
        for (size_t start = 0; start < c->n;) {
            size_t len = tu_rng(s) % 97;
            if (len > c->n - start)
                len = c->n - start;
            const char *d = (const char *)c->data + start * size;
            if (tu_rng(s) & 1)
                hw_median_feed(&m, d, c->validity, start, len);
            else
                hw_median_feed(&m, d, c->validity + start / 8, start % 8, len);
            start += len;
        }
        hw_median_end_pass(&m);
    }
    double v = hw_median_value(&m);
    hw_median_release(&m);
    return v;
}

static void check_column(const struct column *c, uint64_t *s)
{
    double want = sorted_median(c->t, c->data, c->validity, c->n), got = NAN;
    assert_int_equal(hw_median_column(c->t, c->data, c->validity, c->n, &got), 0);
    assert_same_double(got, want);
    assert_same_double(chunked_median(c, s), want);
}

static void test_random_columns(void **state)
{
    (void)state;
    uint64_t s = 2024;
    static const size_t sizes[] = {1, 2, 3, 8, 9, 100, 101, 1000, 4097, 20000};
    static const unsigned pools[] = {0, 2, 5, 300, 70000};
    static const double null_rates[] = {0.0, 0.3, 0.97};
    for (size_t d = 0; d < sizeof sources / sizeof *sources; d++)
        for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++)
            for (size_t p = 0; p < sizeof pools / sizeof *pools; p++)
                for (size_t r = 0; r < sizeof null_rates / sizeof *null_rates; r++) {
                    struct column c = random_column(sources[d], sizes[z], &s, pools[p], null_rates[r]);
                    check_column(&c, &s);
                    free_column(&c);
                }
}

/* Without a bitmap every element is valid. */
static void test_no_validity(void **state)
{
    (void)state;
    uint64_t s = 5;
    for (size_t d = 0; d < sizeof sources / sizeof *sources; d++) {
        struct column c = random_column(sources[d], 777, &s, 50, 0.0);
        double got, want = sorted_median(c.t, c.data, NULL, c.n);
        assert_int_equal(hw_median_column(c.t, c.data, NULL, c.n, &got), 0);
        assert_same_double(got, want);
        free_column(&c);
    }
}

static double median_f64(const double *v, size_t n)
{
    double m = NAN;
    assert_int_equal(hw_median_column(HW_F64, v, NULL, n, &m), 0);
    return m;
}

static void test_edge_cases(void **state)
{
    (void)state;
    double m = 1;
    uint8_t none[2] = {0, 0};
    int32_t ints[9] = {5, 5, 5, 5, 5, 5, 5, 5, 5};
    assert_int_equal(hw_median_column(HW_I32, ints, none, 9, &m), 0); /* all null */
    assert_same_double(m, 0.0);
    assert_int_equal(hw_median_column(HW_I32, ints, NULL, 0, &m), 0); /* empty */
    assert_same_double(m, 0.0);
    assert_same_double(median_f64((double[]){NAN, INFINITY, -INFINITY}, 3), 0.0);
    assert_same_double(median_f64((double[]){NAN, 2.5, INFINITY}, 3), 2.5); /* single value */
    assert_int_equal(hw_median_column(HW_I32, ints, NULL, 9, &m), 0);
    assert_same_double(m, 5.0);

    /* Zeros: -0.0 sorts below +0.0, and the median is the actual middle value. */
    assert_same_double(median_f64((double[]){-0.0, 0.0}, 2), 0.0);
    assert_same_double(median_f64((double[]){0.0, -0.0, -0.0}, 3), -0.0);
    assert_same_double(median_f64((double[]){-0.0, -0.0}, 2), -0.0);
    float fz[3] = {0.0f, -0.0f, -0.0f};
    assert_int_equal(hw_median_column(HW_F32, fz, NULL, 3, &m), 0);
    assert_same_double(m, -0.0);

    /* Middle values split at every digit position (different prefixes in later passes). */
    assert_same_double(median_f64((double[]){1.0, 2.0}, 2), 1.5);
    assert_same_double(median_f64((double[]){1.0, nextafter(1.0, 2.0)}, 2),
                       (1.0 + nextafter(1.0, 2.0)) / 2);
    int64_t i64[4] = {INT64_MIN, INT64_MAX, (int64_t)1 << 62, ((int64_t)1 << 62) + 1};
    assert_int_equal(hw_median_column(HW_I64, i64, NULL, 4, &m), 0);
    assert_same_double(m, hw_median_mid((double)((int64_t)1 << 62), (double)(((int64_t)1 << 62) + 1)));
    int32_t i32[2] = {-1, 0};
    assert_int_equal(hw_median_column(HW_I32, i32, NULL, 2, &m), 0);
    assert_same_double(m, -0.5);
    int8_t i8[5] = {-128, 127, -1, 0, 1};
    assert_int_equal(hw_median_column(HW_I8, i8, NULL, 5, &m), 0);
    assert_same_double(m, 0.0);
    int16_t i16[4] = {-32768, -32768, 32767, 32767};
    assert_int_equal(hw_median_column(HW_I16, i16, NULL, 4, &m), 0);
    assert_same_double(m, -0.5);
}

/* f16 is not a source dtype, but the select supports it: keys of half floats. */
static void test_f16(void **state)
{
    (void)state;
    /* -2, 3, 0.5, +inf, -1, 0.25, -0, and a subnormal (2^-24) as binary16 bit patterns */
    uint16_t h[8] = {0xc000, 0x4200, 0x3800, 0x7c00, 0xbc00, 0x3400, 0x8000, 0x0001};
    double m = NAN;
    assert_int_equal(hw_median_column(HW_F16, h, NULL, 6, &m), 0);
    assert_same_double(m, 0.25); /* -2 -1 0.25 0.5 3: odd count of finite */
    assert_int_equal(hw_median_column(HW_F16, h, NULL, 8, &m), 0);
    assert_same_double(m, 0x1p-24); /* -2 -1 -0 [2^-24] 0.25 0.5 3: subnormal exact */
}

/* Feeding after the last pass, or ending an extra pass, changes nothing. */
static void test_extra_calls(void **state)
{
    (void)state;
    struct hw_median m;
    double v[3] = {3, 1, 2};
    assert_int_equal(hw_median_init(&m, HW_F64), 0);
    int passes = 0;
    while (hw_median_pass_needed(&m)) {
        hw_median_feed(&m, v, NULL, 0, 3);
        hw_median_end_pass(&m);
        passes++;
    }
    /* Two passes, not the f64 key's four digits: pass 0's buckets hold 3 keys, so pass 1
     * collects them and selects (issue 16 asked for fewer passes; this was 4). */
    assert_int_equal(passes, 2);
    hw_median_feed(&m, v, NULL, 0, 3);
    hw_median_end_pass(&m);
    assert_same_double(hw_median_value(&m), 2.0);
    assert_int_equal(m.count, 3);
    hw_median_release(&m);
    hw_median_release(&m); /* safe twice */

    assert_int_equal(hw_median_init(&m, HW_I8), 0);
    assert_int_equal(m.npasses, 1);
    hw_median_release(&m);
    assert_int_equal(hw_median_init(&m, HW_I16), 0);
    assert_int_equal(m.npasses, 2); /* the top byte, then the low byte's range */
    hw_median_release(&m);
    assert_int_equal(hw_median_init(&m, HW_F32), 0);
    assert_int_equal(m.npasses, 3); /* 16 bits, then 15 and 1 of a range past 131072 keys */
    hw_median_release(&m);
}


/* Buckets too big to collect (over 131072 keys in one top-16-bit bucket): the select falls
 * back to histogram passes, with one prefix, and with the middle ranks in two buckets. */
static void test_big_buckets(void **state)
{
    (void)state;
    enum { M = 300001 };
    uint64_t s = 99;
    float *f = malloc(M * sizeof *f);
    double *d = malloc(M * sizeof *d);
    int64_t *q = malloc(M * sizeof *q);
    uint8_t *v = malloc((M + 7) / 8);
    assert_non_null(f);
    assert_non_null(d);
    assert_non_null(q);
    assert_non_null(v);
    for (size_t i = 0; i < M; i++) {
        f[i] = 1.0f + (float)(tu_rng(&s) >> 48) * 0x1p-23f; /* one top-16 bucket */
        d[i] = 1000.0 + (double)(tu_rng(&s) >> 40) * 0x1p-30;
        q[i] = (int64_t)(tu_rng(&s) >> 20) - ((int64_t)1 << 43); /* the dataset's i64 shape */
    }
    for (size_t i = 0; i < (M + 7) / 8; i++)
        v[i] = (uint8_t)(tu_rng(&s) | 0x11);
    double got;
    for (int with_validity = 0; with_validity < 2; with_validity++) {
        const uint8_t *val = with_validity ? v : NULL;
        for (size_t n = M - 1; n <= M; n++) {
            assert_int_equal(hw_median_column(HW_F32, f, val, n, &got), 0);
            assert_same_double(got, sorted_median(HW_F32, f, val, n));
            assert_int_equal(hw_median_column(HW_F64, d, val, n, &got), 0);
            assert_same_double(got, sorted_median(HW_F64, d, val, n));
            assert_int_equal(hw_median_column(HW_I64, q, val, n, &got), 0);
            assert_same_double(got, sorted_median(HW_I64, q, val, n));
        }
    }
    /* Half 1.0, half 2.0: the middle ranks sit in two full buckets. */
    for (size_t i = 0; i < M - 1; i++)
        f[i] = i % 2 ? 1.0f : 2.0f;
    assert_int_equal(hw_median_column(HW_F32, f, NULL, M - 1, &got), 0);
    assert_same_double(got, 1.5);
    free(f);
    free(d);
    free(q);
    free(v);
}

/* All-NaN and all-infinite columns, and all-null ones at lengths off the 64-row blocks. */
static void test_non_finite_and_null_columns(void **state)
{
    (void)state;
    enum { M = 1000 };
    static float f[M];
    static double d[M];
    static uint8_t none[(M + 7) / 8];
    double got = 1;
    for (size_t i = 0; i < M; i++) {
        f[i] = i % 2 ? NAN : -INFINITY;
        d[i] = i % 3 ? -NAN : INFINITY;
    }
    for (size_t n = 61; n <= M; n += 131) {
        assert_int_equal(hw_median_column(HW_F32, f, NULL, n, &got), 0);
        assert_same_double(got, 0.0);
        assert_int_equal(hw_median_column(HW_F64, d, NULL, n, &got), 0);
        assert_same_double(got, 0.0);
        f[n / 2] = 3.5f; /* one finite value among them */
        assert_int_equal(hw_median_column(HW_F32, f, NULL, n, &got), 0);
        assert_same_double(got, 3.5);
        f[n / 2] = NAN;
        for (size_t t = 0; t < sizeof sources / sizeof *sources; t++) {
            assert_int_equal(hw_median_column(sources[t], d, none, n, &got), 0);
            assert_same_double(got, 0.0);
        }
    }
}

/* The passes a column takes, fed whole. */
static int passes_of(enum hw_dtype t, const void *data, const uint8_t *validity, size_t n,
                     double *median)
{
    struct hw_median m;
    int passes = 0;
    assert_int_equal(hw_median_init(&m, t), 0);
    while (hw_median_pass_needed(&m)) {
        hw_median_feed(&m, data, validity, 0, n);
        hw_median_end_pass(&m);
        passes++;
    }
    assert_true(passes <= m.npasses);
    *median = hw_median_value(&m);
    hw_median_release(&m);
    return passes;
}

/* The 32-bit counters folded into the 64-bit tables every few values, in random chunks: the
 * path a real column takes only past 2^32 values. */
static void test_folds(void **state)
{
    (void)state;
    uint64_t s = 7;
    static const uint64_t folds[] = {1, 7, 64, 1000};
    for (size_t d = 0; d < sizeof sources / sizeof *sources; d++)
        for (size_t f = 0; f < sizeof folds / sizeof *folds; f++)
            for (unsigned pool = 0; pool <= 300; pool += 150) {
                /* a fold adds 65536 counters but for i8 and i16's 1024: keep the test short */
                if (folds[f] < 64 && hw_dtype_size(sources[d]) > 2)
                    continue;
                struct column c = random_column(sources[d], 3001, &s, pool, 0.3);
                double want = sorted_median(c.t, c.data, c.validity, c.n);
                struct hw_median m;
                assert_int_equal(hw_median_init(&m, c.t), 0);
                m.fold_at = folds[f];
                size_t size = hw_dtype_size(c.t);
                while (hw_median_pass_needed(&m)) {
                    for (size_t start = 0; start < c.n;) {
                        size_t len = tu_rng(&s) % 300;
                        len = len > c.n - start ? c.n - start : len;
                        hw_median_feed(&m, (const char *)c.data + start * size, c.validity,
                                       start, len);
                        start += len;
                    }
                    hw_median_end_pass(&m);
                }
                assert_same_double(hw_median_value(&m), want);
                hw_median_release(&m);
                free_column(&c);
            }
}

/* i64's float-like pass-0 digit at every binade edge: +-(2^k - 1), +-2^k, +-(2^k + 1), the
 * extremes and 0, in random subsets with nulls, odd and even counts. */
static void test_i64_magnitudes(void **state)
{
    (void)state;
    enum { POOL = 63 * 6 + 3 };
    int64_t pool[POOL];
    size_t np = 0;
    for (int k = 0; k < 63; k++) {
        int64_t p = (int64_t)((uint64_t)1 << k);
        int64_t v[6] = {p - 1, p, k < 62 ? p + 1 : INT64_MAX, -(p - 1), -p, -p - 1};
        for (int i = 0; i < 6; i++)
            pool[np++] = v[i];
    }
    pool[np++] = INT64_MIN;
    pool[np++] = INT64_MAX;
    pool[np++] = 0;
    uint64_t s = 11;
    int64_t col[400];
    uint8_t val[50];
    for (int trial = 0; trial < 3000; trial++) {
        size_t n = 1 + tu_rng(&s) % 400;
        for (size_t i = 0; i < n; i++)
            col[i] = pool[tu_rng(&s) % np];
        for (size_t i = 0; i < sizeof val; i++)
            val[i] = (uint8_t)(tu_rng(&s) | tu_rng(&s)); /* 3/4 valid */
        const uint8_t *v = trial % 2 ? val : NULL;
        double got;
        assert_int_equal(hw_median_column(HW_I64, col, v, n, &got), 0);
        assert_same_double(got, sorted_median(HW_I64, col, v, n));
    }
}

/* Every dtype's extremes, -1 and 0, one value or all equal, at lengths around the 64-row
 * blocks and past the 131072 keys a collect holds (so the histogram passes run down to a
 * single key); all-null at each length too. */
static void test_all_equal(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 63, 64, 65, 300001};
    enum { MAX = 300001 };
    char *data = malloc(MAX * 8);
    uint8_t *val = malloc(MAX / 8 + 1), *none = calloc(MAX / 8 + 1, 1);
    assert_non_null(data);
    assert_non_null(val);
    assert_non_null(none);
    memset(val, 0xb7, MAX / 8 + 1);
    for (size_t d = 0; d < sizeof sources / sizeof *sources; d++) {
        enum hw_dtype t = sources[d];
        size_t size = hw_dtype_size(t);
        for (int which = 0; which < 4; which++) {
            unsigned char x[8];
            int64_t top = (int64_t)(((uint64_t)1 << (8 * size - 1)) - 1); /* the dtype's max */
            int64_t iv = which == 0 ? -top - 1 : which == 1 ? -1 : which == 2 ? 0 : top;
            double fv = which == 0 ? -3.4e38 : which == 1 ? -1.0 : which == 2 ? -0.0 : 1e-40;
            if (t == HW_F64) {
                memcpy(x, &fv, 8);
            } else if (t == HW_F32) {
                float f = (float)fv;
                memcpy(x, &f, 4);
            } else {
                memcpy(x, &iv, size); /* little-endian: the low bytes */
            }
            for (size_t i = 0; i < MAX; i++)
                memcpy(data + i * size, x, size);
            double want;
            assert_true(as_double(t, x, 0, &want));
            for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
                double got;
                passes_of(t, data, NULL, sizes[z], &got);
                assert_same_double(got, want);
                passes_of(t, data, val, sizes[z], &got);
                assert_same_double(got, want);
                passes_of(t, data, none, sizes[z], &got);
                assert_same_double(got, 0.0);
            }
        }
    }
    free(data);
    free(val);
    free(none);
}

/* Buckets past the 131072 keys a collect holds, for the integer digits: one bucket, and the
 * two middle ranks in two different buckets (two histogram tables). */
static void test_int_big_buckets(void **state)
{
    (void)state;
    enum { M = 300002 };
    uint64_t s = 123;
    int16_t *h = malloc(M * sizeof *h);
    int32_t *w = malloc(M * sizeof *w);
    int64_t *q = malloc(M * sizeof *q);
    uint8_t *v = malloc(M / 8 + 1);
    assert_non_null(h);
    assert_non_null(w);
    assert_non_null(q);
    assert_non_null(v);
    for (size_t i = 0; i < M / 8 + 1; i++)
        v[i] = (uint8_t)(tu_rng(&s) | 0x81);
    for (int shape = 0; shape < 2; shape++) {
        for (size_t i = 0; i < M; i++) {
            uint64_t r = tu_rng(&s);
            bool hi = shape == 1 && i % 2;
            h[i] = (int16_t)((r & 255) + (hi ? 256 : 0));                 /* one top byte */
            w[i] = (int32_t)(r & 0xffff) - (hi ? 0x40000000 : 0);        /* one top 16 bits */
            q[i] = ((int64_t)1 << 40) + (int64_t)(r >> 44) - (hi ? (int64_t)1 << 42 : 0);
        }
        for (int with = 0; with < 2; with++) { /* n even, then odd */
            size_t n = M - (size_t)with;
            const uint8_t *val = with ? v : NULL;
            double got;
            passes_of(HW_I16, h, val, n, &got);
            assert_same_double(got, sorted_median(HW_I16, h, val, n));
            passes_of(HW_I32, w, val, n, &got);
            assert_same_double(got, sorted_median(HW_I32, w, val, n));
            passes_of(HW_I64, q, val, n, &got);
            assert_same_double(got, sorted_median(HW_I64, q, val, n));
        }
    }
    free(h);
    free(w);
    free(q);
    free(v);
}

/* The dataset's shapes (bench/bench.c's columns) take the passes median.h promises: i8 one,
 * i16 two (top byte, then a collect), i64 two (+-2^41: the float-like digit resolves it). */
static void test_dataset_passes(void **state)
{
    (void)state;
    enum { M = 1 << 18 };
    uint64_t s = 5;
    int64_t *q = malloc(M * sizeof *q);
    int16_t *h = malloc(M * sizeof *h);
    int8_t *b = malloc(M);
    assert_non_null(q);
    assert_non_null(h);
    assert_non_null(b);
    for (size_t i = 0; i < M; i++) {
        uint32_t r = (uint32_t)tu_rng(&s);
        q[i] = (int64_t)(int32_t)r * 1000 + (r & 1023);
        h[i] = (int16_t)r;
        b[i] = (int8_t)r;
    }
    double got;
    assert_int_equal(passes_of(HW_I64, q, NULL, M, &got), 2);
    assert_same_double(got, sorted_median(HW_I64, q, NULL, M));
    assert_int_equal(passes_of(HW_I16, h, NULL, M, &got), 2);
    assert_same_double(got, sorted_median(HW_I16, h, NULL, M));
    assert_int_equal(passes_of(HW_I8, b, NULL, M, &got), 1);
    assert_same_double(got, sorted_median(HW_I8, b, NULL, M));
    free(q);
    free(h);
    free(b);
}

/* The short-column path against the passes (which the tests above hold against a sort): the
 * same median and count, for every dtype, around its length limit, one set of tables shared
 * by short and long columns (the short path must leave the passes' tables as they were). */
static void test_short_columns(void **state)
{
    (void)state;
    uint64_t s = 77;
    static const size_t lengths[] = {0, 1, 2, 63, 64, 65, 1000, 10000, HW_MEDIAN_SHORT,
                                     HW_MEDIAN_SHORT + 1, 100000};
    static const unsigned pools[] = {0, 7, 300};
    struct hw_median m;
    assert_int_equal(hw_median_init(&m, HW_F64), 0);
    for (size_t t = 0; t < sizeof sources / sizeof *sources; t++)
        for (size_t l = 0; l < sizeof lengths / sizeof *lengths; l++)
            for (size_t p = 0; p < sizeof pools / sizeof *pools; p++) {
                size_t n = lengths[l];
                struct column c = random_column(sources[t], n, &s, pools[p], 0.03);
                unsigned off = (unsigned)(n % 5);   /* a bit offset into the bitmap */
                size_t len = n - (n ? off : 0);
                const char *d = (const char *)c.data + off * hw_dtype_size(sources[t]);
                double got = NAN, want = NAN;
                uint64_t count = 0;
                bool shorter = hw_median_short(&m, sources[t], d, c.validity, off, len, &got, &count);
                assert_int_equal(shorter, len <= HW_MEDIAN_SHORT);
                hw_median_reset(&m, sources[t]);   /* the passes, on the same tables */
                while (hw_median_pass_needed(&m)) {
                    hw_median_feed(&m, d, c.validity, off, len);
                    hw_median_end_pass(&m);
                }
                want = hw_median_value(&m);
                if (shorter) {
                    assert_same_double(got, want);
                    assert_int_equal(count, m.count);
                }
                free_column(&c);
            }
    hw_median_release(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_columns),
        cmocka_unit_test(test_no_validity),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_f16),
        cmocka_unit_test(test_extra_calls),
        cmocka_unit_test(test_big_buckets),
        cmocka_unit_test(test_non_finite_and_null_columns),
        cmocka_unit_test(test_folds),
        cmocka_unit_test(test_i64_magnitudes),
        cmocka_unit_test(test_all_equal),
        cmocka_unit_test(test_int_big_buckets),
        cmocka_unit_test(test_dataset_passes),
        cmocka_unit_test(test_short_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
