/* The generator: deterministic, random-access, the promised class rates, and the size
 * formulas the memory model is built on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

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
            check_window(&ds, c, tu_rng(&s) % ds.rows, 1 + tu_rng(&s) % 300);
    }
}

/* Rows are 64-bit while the generator's lanes hold the low 32 bits: each block of 2^32 rows
 * has its own keys, so fills across a block boundary (the chunk that straddles it goes cell
 * by cell) must still agree with hw_gen_cell, and block 1 must not repeat block 0. */
static void test_block_boundary(void **state)
{
    (void)state;
    struct hw_dataset ds = mixed(HW_ROWS_MAX, 7);
    const uint64_t b1 = 1ull << 32, last = HW_ROWS_MAX - 1000;
    for (uint32_t c = 0; c < 6; c++) {
        check_window(&ds, c, b1 - 100, 300);
        check_window(&ds, c, b1 - 1000, 5000);   /* whole chunks on both sides */
        check_window(&ds, c, 3 * b1 - 257, 513);
        check_window(&ds, c, b1, 777);
        check_window(&ds, c, last, 1000);        /* up to the last row a config takes */
    }
    enum { N = 4096 };
    static int32_t lo[N], hi[N];
    uint8_t vlo[N / 8], vhi[N / 8];
    hw_gen_fill(&ds, 3, 0, N, lo, vlo);
    hw_gen_fill(&ds, 3, b1, N, hi, vhi);
    assert_memory_not_equal(lo, hi, sizeof lo);
    size_t same = 0;
    for (size_t i = 0; i < N; i++)
        same += hw_valid_bit(vlo, i) && hw_valid_bit(vhi, i) && lo[i] == hi[i];
    assert_true(same < 4); /* 28-bit values: one coincidence in 4096 rows is rare (p ~ 1.5e-5) */
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

/* Every class of every dtype at its rate, in a window far from row 0 that crosses a block
 * boundary, with a rare class (0.1%) and a rate of 1 (every draw but one in 2^32 is null). */
static void test_class_rates_all(void **state)
{
    (void)state;
    enum { N = 1 << 19 };
    struct hw_dataset ds = {
        .rows = HW_ROWS_MAX, .cols = 7, .seed = 2026, .ngroups = 7,
        .groups = {
            {HW_F64, 1, 0.30, 0.001, 0.20},
            {HW_F32, 1, 0.001, 0.25, 0.05},
            {HW_I64, 1, 0.50, 0.0, 0.0},
            {HW_I32, 1, 0.001, 0.0, 0.0},
            {HW_I16, 1, 0.25, 0.0, 0.0},
            {HW_I8, 1, 0.75, 0.0, 0.0},
            {HW_I8, 1, 1.0, 0.0, 0.0},
        },
    };
    unsigned char *d = malloc(N * 8);
    uint8_t *v = malloc(N / 8);
    assert_non_null(d);
    assert_non_null(v);
    const uint64_t row0 = 5 * (1ull << 32) - N / 2;
    for (uint32_t c = 0; c < ds.cols; c++) {
        const struct hw_col_group *g = &ds.groups[c];
        size_t size = col_size(&ds, c);
        hw_gen_fill(&ds, c, row0, N, d, v);
        uint64_t nulls = 0, infs = 0, nans = 0, nonzero_null = 0;
        for (size_t i = 0; i < N; i++) {
            unsigned char *cell = d + i * size;
            bool valid = hw_valid_bit(v, i);
            if (!valid) {
                nulls++;
                for (size_t k = 0; k < size; k++)
                    nonzero_null += cell[k] != 0;
            } else if (g->dtype == HW_F64 || g->dtype == HW_F32) {
                double x = g->dtype == HW_F64 ? *(double *)cell : *(float *)cell;
                infs += isinf(x) != 0; /* glibc's isinf is -1 for -inf */
                nans += isnan(x) != 0;
            }
        }
        char what[64];
        snprintf(what, sizeof what, "column %u (%s) nulls", c, hw_dtype_name(g->dtype));
        if (g->null_rate >= 1.0)
            assert_true(nulls >= N - 1);
        else
            assert_within(nulls, N, g->null_rate, what);
        assert_int_equal(nonzero_null, 0);
        snprintf(what, sizeof what, "column %u infs", c);
        assert_within(infs, N, hw_dtype_is_float(g->dtype) ? g->inf_rate : 0, what);
        snprintf(what, sizeof what, "column %u nans", c);
        assert_within(nans, N, hw_dtype_is_float(g->dtype) ? g->nan_rate : 0, what);
    }
    free(d);
    free(v);
}

/* Pearson correlation of n pairs. */
static double correlation(const double *a, const double *b, size_t n)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= n;
    mb /= n;
    for (size_t i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return sab / sqrt(saa * sbb);
}

/* Neighbours are independent: consecutive columns at the same row and consecutive rows of one
 * column, in value (correlation within 5 / sqrt(n), its 5-sigma band under independence) and
 * in class (the 2x2 table of null/valid for the pair, chi-square with 1 degree of freedom
 * below 25, 5 sigma); the value bits do not depend on the class (the top nibble of valid
 * cells' value bits is uniform, chi-square with 15 degrees of freedom within 5 sigma). */
static void check_pairs(const int32_t *a, const uint8_t *va, const int32_t *b, const uint8_t *vb,
                        size_t n, double p, const char *what)
{
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    size_t m = 0;
    uint64_t table[2][2] = {{0, 0}, {0, 0}};
    for (size_t i = 0; i < n; i++) {
        bool ua = hw_valid_bit(va, i), ub = hw_valid_bit(vb, i);
        table[ua][ub]++;
        if (ua && ub) {
            x[m] = a[i];
            y[m++] = b[i];
        }
    }
    double r = correlation(x, y, m);
    if (fabs(r) > 5 / sqrt((double)m))
        fail_msg("%s: value correlation %.5f over %zu pairs", what, r, m);
    double chi2 = 0, e[2] = {p, 1 - p};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            double expect = n * e[i] * e[j];
            chi2 += (table[i][j] - expect) * (table[i][j] - expect) / expect;
        }
    if (chi2 > 25)
        fail_msg("%s: class pairs chi-square %.1f (null-null %llu of %zu)", what, chi2,
                 (unsigned long long)table[0][0], n);
    free(x);
    free(y);
}

static void test_neighbours_independent(void **state)
{
    (void)state;
    enum { N = 1 << 20 };
    const double p = 0.3;
    struct hw_dataset ds = {.rows = N + 1, .cols = 3, .seed = 99, .ngroups = 1,
                            .groups = {{HW_I32, 3, p, 0, 0}}};
    int32_t *d[3];
    uint8_t *v[3];
    for (int c = 0; c < 3; c++) {
        d[c] = malloc((N + 1) * sizeof(int32_t));
        v[c] = malloc(N / 8 + 1);
        assert_non_null(d[c]);
        assert_non_null(v[c]);
        hw_gen_fill(&ds, c, 0, N, d[c], v[c]);
    }
    check_pairs(d[0], v[0], d[1], v[1], N, p, "columns 0, 1");
    check_pairs(d[1], v[1], d[2], v[2], N, p, "columns 1, 2");
    /* rows r and r + 1: column 0 against itself shifted by a row */
    hw_gen_fill(&ds, 0, 1, N, d[1], v[1]);
    check_pairs(d[0], v[0], d[1], v[1], N, p, "rows r, r+1");
    hw_gen_fill(&ds, 0, 64, N - 64, d[1], v[1]);
    check_pairs(d[0], v[0], d[1], v[1], N - 64, p, "rows r, r+64");

    uint64_t hist[16] = {0}, valid = 0;
    for (size_t i = 0; i < N; i++)
        if (hw_valid_bit(v[2], i)) {
            hist[((uint32_t)d[2][i] >> 24) & 15]++; /* v's top nibble: the value is v >> 4 */
            valid++;
        }
    double chi2 = 0, expect = valid / 16.0;
    for (int k = 0; k < 16; k++)
        chi2 += (hist[k] - expect) * (hist[k] - expect) / expect;
    assert_true(chi2 < 15 + 5 * sqrt(2 * 15.0));
    for (int c = 0; c < 3; c++) {
        free(d[c]);
        free(v[c]);
    }
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

/* Not a pass/fail criterion (machines differ): issue 16's target is >= 2 GB/s of values per
 * core for every dtype (`make bench` measures it beside memcpy). */
static void test_throughput(void **state)
{
    (void)state;
    static const enum hw_dtype types[] = {HW_F64, HW_F32, HW_I64, HW_I32, HW_I16, HW_I8};
    size_t n = (size_t)16 << 20;
    void *d = malloc(n * 8);
    uint8_t *v = malloc(n / 8);
    assert_non_null(d);
    assert_non_null(v);
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        bool fl = hw_dtype_is_float(types[t]);
        struct hw_dataset ds = {.rows = n, .cols = 1, .seed = 1, .ngroups = 1,
                                .groups = {{types[t], 1, 0.05, fl ? 0.01 : 0, fl ? 0.01 : 0}}};
        hw_gen_fill(&ds, 0, 0, n, d, v); /* warm the pages */
        double best = 1e30;
        for (int k = 0; k < 3; k++) {
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            hw_gen_fill(&ds, 0, 0, n, d, v);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
            best = secs < best ? secs : best;
        }
        printf("generation: %s, 16M rows into warm memory: %.2f GB/s of values (%.0f Mcells/s)\n",
               hw_dtype_name(types[t]), n * hw_dtype_size(types[t]) / best / 1e9, n / best / 1e6);
    }
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
        cmocka_unit_test(test_block_boundary),
        cmocka_unit_test(test_pieces),
        cmocka_unit_test(test_class_rates_float),
        cmocka_unit_test(test_class_rates_int),
        cmocka_unit_test(test_class_rates_all),
        cmocka_unit_test(test_neighbours_independent),
        cmocka_unit_test(test_all_null),
        cmocka_unit_test(test_throughput),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
