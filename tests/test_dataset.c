/* The generator: deterministic, random-access, the promised class rates, and the size
 * formulas the memory model is built on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dataset.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One column per source dtype, then two all-null columns (the tail of the i8 group). */
static struct hw_dataset mixed(uint64_t rows, uint64_t seed)
{
    struct hw_dataset ds = {
        .rows = rows, .cols = 8, .seed = seed, .ngroups = 6, .all_null_columns = 2,
        .groups = {
            {HW_F64, 1, 0.10, 0.02, 0.03},
            {HW_F32, 1, 0.10, 0.02, 0.03},
            {HW_I64, 1, 0.10, 0.02, 0.03}, /* inf/nan rates must be ignored for ints */
            {HW_I32, 1, 0.05, 0.0, 0.0},
            {HW_I16, 1, 0.0, 0.0, 0.0},
            {HW_I8, 3, 0.2, 0.0, 0.0},
        },
    };
    return ds;
}

static uint64_t rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t col_size(const struct hw_dataset *ds, uint32_t c)
{
    struct hw_colspec cs;
    hw_dataset_colspec(ds, c, &cs);
    return hw_dtype_size(cs.dtype);
}

static void test_colspec(void **state)
{
    (void)state;
    struct hw_dataset ds = mixed(100, 1);
    struct hw_colspec cs;
    hw_dataset_colspec(&ds, 0, &cs);
    assert_int_equal(cs.dtype, HW_F64);
    assert_false(cs.all_null);
    assert_int_equal(cs.null_below, (uint32_t)(0.10 * 4294967296.0));
    assert_int_equal(cs.inf_below, (uint32_t)((0.10 + 0.02) * 4294967296.0));
    assert_int_equal(cs.nan_below, (uint32_t)((0.10 + 0.02 + 0.03) * 4294967296.0));
    hw_dataset_colspec(&ds, 2, &cs);
    assert_int_equal(cs.dtype, HW_I64);
    assert_int_equal(cs.inf_below, cs.null_below);
    assert_int_equal(cs.nan_below, cs.null_below);
    hw_dataset_colspec(&ds, 4, &cs);
    assert_int_equal(cs.dtype, HW_I16);
    assert_int_equal(cs.null_below, 0);
    assert_int_equal(cs.nan_below, 0);
    hw_dataset_colspec(&ds, 5, &cs);
    assert_int_equal(cs.dtype, HW_I8);
    assert_false(cs.all_null);
    for (uint32_t c = 6; c < 8; c++) {
        hw_dataset_colspec(&ds, c, &cs);
        assert_int_equal(cs.dtype, HW_I8);
        assert_true(cs.all_null);
    }
    ds.groups[0].null_rate = 1.0;
    hw_dataset_colspec(&ds, 0, &cs);
    assert_int_equal(cs.null_below, UINT32_MAX);
    assert_int_equal(cs.nan_below, UINT32_MAX);
}

static void test_byte_formulas(void **state)
{
    (void)state;
    struct hw_dataset ds = mixed(1001, 1);
    uint64_t vb = 126; /* (1001 + 7) / 8 */
    assert_int_equal(hw_validity_bytes(1001), vb);
    assert_int_equal(hw_validity_bytes(0), 0);
    assert_int_equal(hw_validity_bytes(8), 1);
    assert_int_equal(hw_validity_bytes(9), 2);
    assert_int_equal(hw_dataset_column_bytes(&ds, 0), 1001 * 8);
    assert_int_equal(hw_dataset_column_bytes(&ds, 1), 1001 * 4);
    assert_int_equal(hw_dataset_column_bytes(&ds, 7), 1001 * 1);
    uint64_t values = 1001 * (8 + 4 + 8 + 4 + 2 + 1 + 1 + 1);
    assert_int_equal(hw_dataset_source_bytes(&ds), values + 8 * vb);
    assert_int_equal(hw_dataset_output_bytes(&ds, HW_F32), 1001 * 8 * 4);
    assert_int_equal(hw_dataset_output_bytes(&ds, HW_F16), 1001 * 8 * 2);
    assert_int_equal(hw_dataset_output_bytes(&ds, HW_F64), 1001 * 8 * 8);

    /* The seed-70m scale must not overflow anywhere. */
    struct hw_dataset big = {.rows = 70000000, .cols = 114, .ngroups = 1,
                             .groups = {{HW_F32, 114, 0, 0, 0}}};
    assert_int_equal(hw_dataset_output_bytes(&big, HW_F32), 70000000ull * 114 * 4);
    assert_int_equal(hw_dataset_source_bytes(&big), 114 * (70000000ull * 4 + 8750000));
}

static void test_determinism(void **state)
{
    (void)state;
    enum { N = 5000 };
    struct hw_dataset a = mixed(N, 42), b = mixed(N, 43);
    static unsigned char d1[N * 8], d2[N * 8], d3[N * 8];
    uint8_t v1[N / 8 + 1], v2[N / 8 + 1], v3[N / 8 + 1];
    for (uint32_t c = 0; c < 6; c++) {
        size_t bytes = N * col_size(&a, c);
        hw_gen_fill(&a, c, 0, N, d1, v1);
        hw_gen_fill(&a, c, 0, N, d2, v2);
        hw_gen_fill(&b, c, 0, N, d3, v3);
        assert_memory_equal(d1, d2, bytes);
        assert_memory_equal(v1, v2, hw_validity_bytes(N));
        assert_memory_not_equal(d1, d3, bytes);
    }
    /* Columns of one dtype are independent streams, not copies. */
    hw_gen_fill(&a, 5, 0, N, d1, v1);
    struct hw_dataset same = a;
    same.all_null_columns = 0;
    hw_gen_fill(&same, 6, 0, N, d2, v2);
    assert_memory_not_equal(d1, d2, N);
}

/* A fill of rows [row0, row0+n) must agree cell for cell with hw_gen_cell, whatever the
 * alignment of row0 and n, and must write exactly (n+7)/8 validity bytes, padding zero. */
static void check_window(const struct hw_dataset *ds, uint32_t c, uint64_t row0, size_t n)
{
    size_t size = col_size(ds, c);
    unsigned char *data = malloc(n * size + 16);
    uint8_t *val = malloc(n / 8 + 2);
    assert_non_null(data);
    assert_non_null(val);
    memset(val, 0xa5, n / 8 + 2);
    hw_gen_fill(ds, c, row0, n, data, val);
    for (size_t i = 0; i < n; i++) {
        unsigned char cell[8];
        bool valid = hw_gen_cell(ds, c, row0 + i, cell);
        assert_int_equal(valid, hw_valid_bit(val, i));
        assert_memory_equal(cell, data + i * size, size);
    }
    if (n % 8)
        assert_int_equal(val[n / 8] >> (n % 8), 0);
    assert_int_equal(val[(n + 7) / 8], 0xa5);
    free(data);
    free(val);
}

static void test_random_access(void **state)
{
    (void)state;
    struct hw_dataset ds = mixed(1ull << 40, 7); /* rows far beyond memory: nothing is stored */
    uint64_t s = 99;
    for (uint32_t c = 0; c < ds.cols; c++) {
        check_window(&ds, c, 0, 1000);
        check_window(&ds, c, 13, 1003);
        check_window(&ds, c, 1, 1);
        check_window(&ds, c, 5, 7);
        for (int k = 0; k < 20; k++)
            check_window(&ds, c, rng(&s) % ds.rows, 1 + rng(&s) % 300);
    }
}

/* Filling in pieces (a streaming source) gives the bytes of filling at once. */
static void test_pieces(void **state)
{
    (void)state;
    enum { N = 4096 };
    struct hw_dataset ds = mixed(N, 5);
    static unsigned char whole[N * 8], piece[N * 8];
    uint8_t vwhole[N / 8], vpiece[N / 8 + 1];
    for (uint32_t c = 0; c < 6; c++) {
        size_t size = col_size(&ds, c);
        hw_gen_fill(&ds, c, 0, N, whole, vwhole);
        for (size_t r = 0; r < N; r += 512) { /* byte-aligned pieces share the bitmap */
            hw_gen_fill(&ds, c, r, 512, piece + r * size, vpiece + r / 8);
        }
        assert_memory_equal(whole, piece, N * size);
        assert_memory_equal(vwhole, vpiece, N / 8);
    }
}

static void assert_within(uint64_t count, uint64_t n, double p, const char *what)
{
    double mean = n * p, sigma = sqrt(n * p * (1 - p));
    if (fabs((double)count - mean) > 5 * sigma + 1e-9)
        fail_msg("%s: %llu of %llu, expected %.0f +- 5 * %.1f", what, (unsigned long long)count,
                 (unsigned long long)n, mean, sigma);
}

static void test_class_rates_float(void **state)
{
    (void)state;
    enum { N = 1 << 20 };
    struct hw_dataset ds = mixed(N, 11);
    float *d = malloc(N * sizeof *d);
    uint8_t *v = malloc(N / 8);
    assert_non_null(d);
    assert_non_null(v);
    hw_gen_fill(&ds, 1, 0, N, d, v);
    uint64_t nulls = 0, pinf = 0, ninf = 0, nans = 0, valid = 0, distinct_hint = 0;
    for (size_t i = 0; i < N; i++) {
        if (!hw_valid_bit(v, i)) {
            nulls++;
            uint32_t bits;
            memcpy(&bits, &d[i], 4);
            assert_int_equal(bits, 0); /* null cells hold +0 */
        } else if (isnan(d[i])) {
            nans++;
        } else if (isinf(d[i])) {
            d[i] > 0 ? pinf++ : ninf++;
        } else {
            valid++;
            float scaled = d[i] * 1024.0f; /* exact: values are k / 1024, |k| < 2^23 */
            assert_true(scaled == truncf(scaled));
            assert_true(fabsf(d[i]) <= 8192.0f);
            distinct_hint += d[i] != 0.0f;
        }
    }
    assert_within(nulls, N, 0.10, "f32 nulls");
    assert_within(pinf + ninf, N, 0.02, "f32 inf");
    assert_within(pinf, N, 0.01, "f32 +inf");
    assert_within(nans, N, 0.03, "f32 nan");
    assert_within(valid, N, 0.85, "f32 valid");
    assert_true(distinct_hint > valid / 2);
    free(d);
    free(v);
}

static void test_class_rates_int(void **state)
{
    (void)state;
    enum { N = 1 << 20 };
    struct hw_dataset ds = mixed(N, 12);
    int64_t *d = malloc(N * sizeof *d);
    uint8_t *v = malloc(N / 8);
    assert_non_null(d);
    assert_non_null(v);
    /* i64 group: null 0.10, and its inf/nan rates do not turn into extra nulls. */
    hw_gen_fill(&ds, 2, 0, N, d, v);
    uint64_t nulls = 0;
    for (size_t i = 0; i < N; i++) {
        if (!hw_valid_bit(v, i)) {
            nulls++;
            assert_int_equal(d[i], 0);
        } else {
            assert_true(d[i] >= (int64_t)INT32_MIN * 1000 && d[i] <= (int64_t)INT32_MAX * 1000 + 1023);
        }
    }
    assert_within(nulls, N, 0.10, "i64 nulls");
    /* i16 group: null rate 0 means no null at all. */
    int16_t *d16 = (int16_t *)d;
    hw_gen_fill(&ds, 4, 0, N, d16, v);
    for (size_t i = 0; i < N / 8; i++)
        assert_int_equal(v[i], 0xff);
    /* i8 values are the low byte of the draw: uniform, chi-square with 255 degrees of
     * freedom within 5 sigma (sigma = sqrt(2 * 255)). */
    int8_t *d8 = (int8_t *)d;
    uint64_t hist[256] = {0}, valid = 0;
    hw_gen_fill(&ds, 5, 0, N, d8, v);
    for (size_t i = 0; i < N; i++)
        if (hw_valid_bit(v, i)) {
            hist[(uint8_t)d8[i]]++;
            valid++;
        }
    assert_within(valid, N, 0.8, "i8 valid");
    double chi2 = 0, expect = valid / 256.0;
    for (int b = 0; b < 256; b++)
        chi2 += (hist[b] - expect) * (hist[b] - expect) / expect;
    assert_true(chi2 < 255 + 5 * sqrt(2 * 255.0));
    free(d);
    free(v);
}

static void test_all_null(void **state)
{
    (void)state;
    enum { N = 1001 };
    struct hw_dataset ds = mixed(N, 3);
    int8_t d[N];
    uint8_t v[(N + 7) / 8];
    for (uint32_t c = 6; c < 8; c++) {
        memset(d, 0x5a, sizeof d);
        memset(v, 0x5a, sizeof v);
        hw_gen_fill(&ds, c, 0, N, d, v);
        for (size_t i = 0; i < N; i++)
            assert_int_equal(d[i], 0);
        for (size_t i = 0; i < sizeof v; i++)
            assert_int_equal(v[i], 0);
        int8_t cell = 1;
        assert_false(hw_gen_cell(&ds, c, 17, &cell));
        assert_int_equal(cell, 0);
    }
}

/* Not a pass/fail criterion (machines differ): the DESIGN target is >= 1 GB/s per core. */
static void test_throughput(void **state)
{
    (void)state;
    size_t n = (64u << 20) / sizeof(float);
    struct hw_dataset ds = {.rows = n, .cols = 1, .seed = 1, .ngroups = 1,
                            .groups = {{HW_F32, 1, 0.05, 0.01, 0.01}}};
    float *d = malloc(n * sizeof *d);
    uint8_t *v = malloc(n / 8);
    assert_non_null(d);
    assert_non_null(v);
    hw_gen_fill(&ds, 0, 0, n, d, v); /* warm the pages */
    int reps = 3;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; k < reps; k++)
        hw_gen_fill(&ds, 0, 0, n, d, v);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    double bytes = (double)reps * (n * sizeof *d + n / 8);
    printf("generation: f32 64 MiB fill into warm memory: %.2f GB/s (%.0f Mcells/s)\n",
           bytes / secs / 1e9, reps * n / secs / 1e6);
    free(d);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_colspec),
        cmocka_unit_test(test_byte_formulas),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_random_access),
        cmocka_unit_test(test_pieces),
        cmocka_unit_test(test_class_rates_float),
        cmocka_unit_test(test_class_rates_int),
        cmocka_unit_test(test_all_null),
        cmocka_unit_test(test_throughput),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
