/* The reference against the production path: quickselect medians equal the radix select's
 * on generated columns, the reference checksum equals the checksum of an output built the
 * way a strategy builds it (and one built cell by cell), and compare counts exactly the
 * cells that were changed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "checksum.h"
#include "convert.h"
#include "median.h"
#include "reference.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Every source dtype, heavy nulls in one column, a dense i8 column (few distinct values,
 * many duplicates), and two all-null columns at the end. */
static struct hw_dataset small(uint64_t rows, uint64_t seed)
{
    struct hw_dataset ds = {
        .rows = rows, .cols = 10, .seed = seed, .ngroups = 7, .all_null_columns = 2,
        .groups = {
            {HW_F32, 2, 0.10, 0.02, 0.03},
            {HW_F64, 1, 0.05, 0.01, 0.01},
            {HW_I64, 1, 0.10, 0.0, 0.0},
            {HW_I32, 1, 0.90, 0.0, 0.0},
            {HW_I16, 1, 0.0, 0.0, 0.0},
            {HW_I8, 1, 0.2, 0.0, 0.0},
            {HW_F32, 3, 0.5, 0.1, 0.1},
        },
    };
    return ds;
}

/* The production medians: generate each column whole, radix-select it. */
static void radix_medians(const struct hw_dataset *ds, double *medians)
{
    size_t vbytes = hw_validity_bytes(ds->rows);
    void *data = malloc(ds->rows * 8 + 8);
    uint8_t *validity = malloc(vbytes + 1);
    assert_non_null(data);
    assert_non_null(validity);
    for (uint32_t c = 0; c < ds->cols; c++) {
        struct hw_colspec cs;
        hw_dataset_colspec(ds, c, &cs);
        hw_gen_fill(ds, c, 0, ds->rows, data, validity);
        assert_int_equal(hw_median_column(cs.dtype, data, validity, ds->rows, &medians[c]), 0);
    }
    free(data);
    free(validity);
}

static void assert_medians_equal(const double *got, const double *want, uint32_t cols)
{
    for (uint32_t c = 0; c < cols; c++)
        if (memcmp(&got[c], &want[c], sizeof(double)) != 0)
            fail_msg("column %u: reference median %.17g, radix select %.17g", c, got[c], want[c]);
}

static void test_medians(void **state)
{
    (void)state;
    static const uint64_t rows[] = {1, 2, 3, 8, 999, 20000, 20001};
    for (size_t k = 0; k < sizeof rows / sizeof *rows; k++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            struct hw_dataset ds = small(rows[k], seed);
            double ref[10], radix[10];
            assert_int_equal(hw_reference_medians(&ds, ref), 0);
            radix_medians(&ds, radix);
            assert_medians_equal(ref, radix, ds.cols);
            assert_true(ref[8] == 0.0 && ref[9] == 0.0); /* all-null columns */
        }
    /* At 20000 rows the generated columns have real medians, not fills. */
    struct hw_dataset ds = small(20000, 9);
    double ref[10];
    assert_int_equal(hw_reference_medians(&ds, ref), 0);
    int nonzero = 0;
    for (int c = 0; c < 8; c++)
        nonzero += ref[c] != 0.0;
    assert_true(nonzero >= 6);
}

/* A one-column dataset of 200k rows: enough for quickselect to partition for real. */
static void test_medians_large(void **state)
{
    (void)state;
    static const enum hw_dtype types[] = {HW_F32, HW_F64, HW_I64, HW_I32, HW_I16, HW_I8};
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        struct hw_dataset ds = {.rows = 200001 - t, .cols = 1, .seed = 77 + t, .ngroups = 1,
                                .groups = {{types[t], 1, 0.1, 0.05, 0.05}}};
        double ref, radix;
        assert_int_equal(hw_reference_medians(&ds, &ref), 0);
        radix_medians(&ds, &radix);
        assert_medians_equal(&ref, &radix, 1);
    }
}

/* The output the way fused-single-pass builds it: whole columns, strided hw_convert. */
static void *build_output(const struct hw_dataset *ds, const double *medians, enum hw_dtype out,
                          enum hw_order order)
{
    size_t osize = hw_dtype_size(out);
    unsigned char *m = malloc(ds->rows * ds->cols * osize);
    void *data = malloc(ds->rows * 8);
    uint8_t *validity = malloc(hw_validity_bytes(ds->rows));
    assert_non_null(m);
    assert_non_null(data);
    assert_non_null(validity);
    for (uint32_t c = 0; c < ds->cols; c++) {
        struct hw_colspec cs;
        hw_dataset_colspec(ds, c, &cs);
        hw_gen_fill(ds, c, 0, ds->rows, data, validity);
        size_t first = order == HW_ORDER_C ? c : (size_t)c * ds->rows;
        size_t stride = order == HW_ORDER_C ? ds->cols : 1;
        hw_convert(cs.dtype, data, validity, 0, ds->rows, medians[c], out, m + first * osize, stride);
    }
    free(data);
    free(validity);
    return m;
}

/* The same output built one cell at a time through hw_gen_cell (C order). */
static void *build_cellwise(const struct hw_dataset *ds, const double *medians, enum hw_dtype out)
{
    size_t osize = hw_dtype_size(out);
    unsigned char *m = malloc(ds->rows * ds->cols * osize);
    assert_non_null(m);
    for (uint64_t r = 0; r < ds->rows; r++)
        for (uint32_t c = 0; c < ds->cols; c++) {
            struct hw_colspec cs;
            unsigned char v[8];
            hw_dataset_colspec(ds, c, &cs);
            bool valid = hw_gen_cell(ds, c, r, v);
            hw_convert_cell(cs.dtype, v, valid, medians[c], out, m + (r * ds->cols + c) * osize);
        }
    return m;
}

static void test_checksum(void **state)
{
    (void)state;
    static const enum hw_dtype outs[] = {HW_F32, HW_F16, HW_F64};
    struct hw_dataset ds = small(3001, 5);
    double med[10];
    radix_medians(&ds, med);
    for (size_t o = 0; o < sizeof outs / sizeof *outs; o++) {
        enum hw_dtype out = outs[o];
        uint64_t cells = ds.rows * ds.cols, want = hw_reference_checksum(&ds, med, out);
        void *mc = build_output(&ds, med, out, HW_ORDER_C);
        void *mf = build_output(&ds, med, out, HW_ORDER_F);
        void *cw = build_cellwise(&ds, med, out);
        assert_int_equal(hw_checksum_range(out, HW_ORDER_C, ds.rows, ds.cols, 0, cells, mc), want);
        assert_int_equal(hw_checksum_range(out, HW_ORDER_F, ds.rows, ds.cols, 0, cells, mf), want);
        assert_int_equal(hw_checksum_range(out, HW_ORDER_C, ds.rows, ds.cols, 0, cells, cw), want);
        assert_memory_equal(mc, cw, cells * hw_dtype_size(out));

        uint64_t diff = 0;
        double max_abs = 0;
        hw_reference_compare(&ds, med, out, HW_ORDER_C, 0, cells, mc, &diff, &max_abs);
        hw_reference_compare(&ds, med, out, HW_ORDER_F, 0, cells, mf, &diff, &max_abs);
        assert_int_equal(diff, 0);
        assert_true(max_abs == 0.0);
        free(mc);
        free(mf);
        free(cw);
    }
    /* Other medians, other checksum: the fills are part of it. */
    double other[10];
    memcpy(other, med, sizeof other);
    other[0] += 1.0;
    assert_int_not_equal(hw_reference_checksum(&ds, other, HW_F32),
                         hw_reference_checksum(&ds, med, HW_F32));
}

/* Perturb distinct cells by known amounts; compare over the whole output and over a random
 * split into ranges must count exactly those cells and report the largest change. */
static void check_perturbed(enum hw_order order)
{
    struct hw_dataset ds = small(1237, 3);
    double med[10];
    radix_medians(&ds, med);
    uint64_t cells = ds.rows * ds.cols, s = 42 + order;
    float *m = build_output(&ds, med, HW_F32, order);
    unsigned char *hit = calloc(cells, 1);
    assert_non_null(hit);
    uint64_t changed = 0;
    double biggest = 0;
    for (int k = 0; k < 100; k++) {
        uint64_t e = tu_rng(&s) % cells;
        float before = m[e], delta = (float)(1 + k);
        float after = k % 2 ? before + delta : before - delta;
        if (hit[e] || after == before) /* i64 values of 2^41 swallow small deltas */
            continue;
        hit[e] = 1;
        m[e] = after;
        double d = fabs((double)after - (double)before);
        biggest = d > biggest ? d : biggest;
        changed++;
    }
    uint64_t diff = 0;
    double max_abs = 0;
    hw_reference_compare(&ds, med, HW_F32, order, 0, cells, m, &diff, &max_abs);
    assert_int_equal(diff, changed);
    assert_true(max_abs == biggest);

    diff = 0;
    max_abs = 0;
    for (uint64_t e = 0; e < cells;) {
        size_t n = 1 + tu_rng(&s) % 3000;
        n = n > cells - e ? cells - e : n;
        float *part = malloc(n * sizeof *part); /* exactly the range: no reads outside */
        assert_non_null(part);
        memcpy(part, m + e, n * sizeof *part);
        hw_reference_compare(&ds, med, HW_F32, order, e, n, part, &diff, &max_abs);
        free(part);
        e += n;
    }
    assert_int_equal(diff, changed);
    assert_true(max_abs == biggest);

    /* A NaN left in the output counts, and is as far off as it gets. */
    m[5] = NAN;
    diff = 0;
    max_abs = 0;
    hw_reference_compare(&ds, med, HW_F32, order, 5, 1, m + 5, &diff, &max_abs);
    assert_int_equal(diff, 1);
    assert_true(isinf(max_abs));
    free(m);
    free(hit);
}

static void test_compare_c(void **state)
{
    (void)state;
    check_perturbed(HW_ORDER_C);
}

static void test_compare_f(void **state)
{
    (void)state;
    check_perturbed(HW_ORDER_F);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_medians),   cmocka_unit_test(test_medians_large),
        cmocka_unit_test(test_checksum),  cmocka_unit_test(test_compare_c),
        cmocka_unit_test(test_compare_f),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
