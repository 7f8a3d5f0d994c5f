/* The pandas BlockManager model (harness/worker/pdframe.c): its medians by copy-and-partition equal
 * the radix select's, bit for bit; its operations keep every cell where pandas keeps it
 * (replace, fillna, consolidation and to_numpy give the reference conversion); and the
 * blocks it builds are the ones pandas 1.5.3 builds (one per dtype from to_pandas, one per
 * column after a fillna that is not inplace). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "convert.h"
#include "median.h"
#include "pdframe.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#define ROWS 1001
static const enum hw_dtype dts[] = {HW_F64, HW_F32, HW_I64, HW_I32, HW_I16, HW_I8, HW_F32, HW_I16};
#define COLS (sizeof dts / sizeof dts[0])

/* A source of COLS columns: floats with nulls, NaN and +-inf, ints with and without nulls
 * (column 2 and 7 have nulls, so pandas makes them float64), many repeated values. */
static void make_source(struct hw_run *run, struct hw_source *src, uint64_t seed)
{
    memset(run, 0, sizeof *run);
    run->alloc.kind = HW_ALLOC_GLIBC;
    *src = (struct hw_source){.rows = ROWS, .cols = COLS};
    src->col = calloc(COLS, sizeof *src->col);
    for (uint32_t c = 0; c < COLS; c++) {
        struct hw_column *col = &src->col[c];
        col->dtype = dts[c];
        col->data = hw_alloc(run, HW_SIDE_POLARS, ROWS * hw_dtype_size(dts[c]));
        col->validity = hw_alloc(run, HW_SIDE_POLARS, (ROWS + 7) / 8);
        memset(col->validity, 0xff, (ROWS + 7) / 8);
        bool nulls = hw_dtype_is_float(dts[c]) || c == 2 || c == 7;
        for (uint64_t r = 0; r < ROWS; r++) {
            uint64_t x = rng(&seed);
            int64_t v = (int64_t)(x % 200) - 100;
            switch (dts[c]) {
            case HW_F64: ((double *)col->data)[r] = x % 97 == 0 ? INFINITY : x % 89 == 0 ? -INFINITY
                                                  : x % 83 == 0 ? NAN : (double)v / 3; break;
            case HW_F32: ((float *)col->data)[r] = x % 97 == 0 ? -INFINITY : x % 83 == 0 ? NAN
                                                 : (float)v / 7; break;
            case HW_I64: ((int64_t *)col->data)[r] = v * 1000003; break;
            case HW_I32: ((int32_t *)col->data)[r] = (int32_t)v; break;
            case HW_I16: ((int16_t *)col->data)[r] = (int16_t)v; break;
            default:     ((int8_t *)col->data)[r] = (int8_t)v; break;
            }
            if (nulls && (x >> 40) % 11 == 0)
                col->validity[r / 8] &= (uint8_t)~(1u << (r % 8));
        }
    }
}

static void free_source(struct hw_run *run, struct hw_source *src)
{
    hw_source_release(run, src);
    free(src->col);
}

static void test_select(void **state)
{
    (void)state;
    uint64_t seed = 7;
    for (size_t n = 1; n < 300; n += 7) {
        double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] = (double)(rng(&seed) % 50);
        for (size_t k = 0; k < n; k += 3) {
            memcpy(a, b, n * sizeof *a);
            double v = hw_pd_select(HW_F64, a, n, k);
            size_t below = 0, le = 0;
            for (size_t i = 0; i < n; i++) {
                below += b[i] < v;
                le += b[i] <= v;
            }
            assert_true(below <= k && k < le);       /* v is the k-th smallest */
            for (size_t i = 0; i < k; i++)
                assert_true(a[i] <= v);              /* and the partition holds */
        }
        free(a);
        free(b);
    }
}

/* The sort order of the reference: numeric, -0.0 before +0.0. */
static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    if (a < b)
        return -1;
    if (a > b)
        return 1;
    return (signbit(b) != 0) - (signbit(a) != 0);
}

static double as_double(enum hw_dtype t, const void *buf, size_t i)
{
    switch (t) {
    case HW_F64: return ((const double *)buf)[i];
    case HW_F32: return ((const float *)buf)[i];
    case HW_I64: return (double)((const int64_t *)buf)[i];
    case HW_I32: return ((const int32_t *)buf)[i];
    case HW_I16: return ((const int16_t *)buf)[i];
    default:     return ((const int8_t *)buf)[i];
    }
}

/* One random finite value of dtype t, from `spread` distinct magnitudes (small: duplicates). */
static void put_value(enum hw_dtype t, void *buf, size_t i, uint64_t r, uint64_t spread)
{
    int64_t v = (int64_t)(r % spread) - (int64_t)(spread / 2);
    switch (t) {
    case HW_F64: ((double *)buf)[i] = r % 97 == 0 ? -0.0 : (double)v / 8.0 + (double)(r >> 40) * 1e6; break;
    case HW_F32: ((float *)buf)[i] = r % 89 == 0 ? -0.0f : (float)v / 4.0f; break;
    case HW_I64: ((int64_t *)buf)[i] = r % 101 == 0 ? (r & 1 ? INT64_MIN : INT64_MAX) : v * 1000003; break;
    case HW_I32: ((int32_t *)buf)[i] = (int32_t)v; break;
    case HW_I16: ((int16_t *)buf)[i] = (int16_t)v; break;
    default:     ((int8_t *)buf)[i] = (int8_t)v; break;
    }
}

/* The narrowed median against sorting: every dtype, sizes across the narrowing threshold,
 * wide and duplicate-heavy values, both zeros and the integer extremes planted. */
static void test_buffer_median(void **state)
{
    (void)state;
    static const enum hw_dtype types[] = {HW_F64, HW_F32, HW_I64, HW_I32, HW_I16, HW_I8};
    static const size_t sizes[] = {0, 1, 2, 3, 511, 512, 513, 1000, 4096, 20001, 100000};
    static const uint64_t spreads[] = {3, 250, 70000, 1ull << 40};
    uint64_t seed = 11;
    double *sorted = malloc(100000 * sizeof *sorted);
    void *buf = malloc(100000 * 8);
    assert_non_null(sorted);
    assert_non_null(buf);
    for (size_t t = 0; t < sizeof types / sizeof *types; t++)
        for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++)
            for (size_t p = 0; p < sizeof spreads / sizeof *spreads; p++) {
                size_t n = sizes[z];
                for (size_t i = 0; i < n; i++) {
                    put_value(types[t], buf, i, rng(&seed), spreads[p]);
                    sorted[i] = as_double(types[t], buf, i);
                }
                qsort(sorted, n, sizeof *sorted, cmp_double);
                double want = n == 0 ? 0.0 : hw_median_mid(sorted[(n - 1) / 2], sorted[n / 2]);
                double got = hw_pd_buffer_median(types[t], buf, n);
                assert_memory_equal(&got, &want, sizeof got);
            }
    free(buf);
    free(sorted);
}

static void test_blocks_and_medians(void **state)
{
    (void)state;
    struct hw_run run;
    struct hw_source src;
    make_source(&run, &src, 11);
    struct hw_pdframe f = {0};
    assert_int_equal(hw_pd_from_source(&run, &src, &f), 0);
    /* f64 (c0, c2, c7), f32 (c1, c6), i32, i16 (c4), i8: one block per dtype. */
    assert_int_equal(f.nblocks, 5);
    assert_int_equal(f.blk[0].dtype, HW_F64);
    assert_int_equal(f.blk[0].ncols, 3);
    assert_int_equal(f.blk[0].locs[1], 2);
    assert_int_equal(f.blk[1].dtype, HW_F32);
    assert_int_equal(f.blk[1].ncols, 2);
    double med[COLS];
    assert_int_equal(hw_pd_replace_inf(&run, &f, true, NULL), 0);
    assert_int_equal(hw_pd_median(&run, &f, med), 0);
    for (uint32_t c = 0; c < COLS; c++) {
        double ref;
        assert_int_equal(hw_median_column(src.col[c].dtype, src.col[c].data, src.col[c].validity,
                                          ROWS, &ref), 0);
        assert_memory_equal(&med[c], &ref, sizeof ref);
    }
    hw_pd_free(&run, &f);
    free_source(&run, &src);
}

/* The whole chain, inplace and not, gives the reference conversion cell for cell. */
static void chain(bool inplace)
{
    struct hw_run run;
    struct hw_source src;
    make_source(&run, &src, 23);
    run.out_dtype = HW_F32;
    run.out_order = HW_ORDER_C;
    struct hw_pdframe f = {0}, g = {0};
    double med[COLS], ref[COLS];
    assert_int_equal(hw_pd_from_source(&run, &src, &f), 0);
    if (inplace) {
        assert_int_equal(hw_pd_replace_inf(&run, &f, true, NULL), 0);
    } else {
        assert_int_equal(hw_pd_replace_inf(&run, &f, false, &g), 0);
        hw_pd_free(&run, &f);
        f = g;
        g = (struct hw_pdframe){0};
    }
    assert_int_equal(hw_pd_median(&run, &f, med), 0);
    if (inplace) {
        assert_int_equal(hw_pd_fillna(&run, &f, med, true, NULL), 0);
        assert_int_equal(f.nblocks, 5);
    } else {
        assert_int_equal(hw_pd_fillna(&run, &f, med, false, &g), 0);
        hw_pd_free(&run, &f);
        f = g;
        assert_int_equal(f.nblocks, COLS);           /* one block per column */
    }
    struct hw_output out = {.rows = ROWS, .cols = COLS, .dtype = HW_F32, .order = HW_ORDER_C,
                            .bytes = ROWS * COLS * 4, .fd = -1};
    assert_int_equal(hw_pd_to_numpy(&run, &f, &out), 0);
    assert_int_equal(f.nblocks, 5);                  /* consolidated again */
    for (uint32_t c = 0; c < COLS; c++) {
        const struct hw_column *col = &src.col[c];
        assert_int_equal(hw_median_column(col->dtype, col->data, col->validity, ROWS, &ref[c]), 0);
        float want[ROWS];
        hw_convert(col->dtype, col->data, col->validity, 0, ROWS, ref[c], HW_F32, want, 1);
        for (uint64_t r = 0; r < ROWS; r++) {
            if (memcmp(&((float *)out.data)[r * COLS + c], &want[r], sizeof(float)))
                print_error("column %u row %llu: %g, want %g\n", c, (unsigned long long)r,
                            ((float *)out.data)[r * COLS + c], want[r]);
            assert_memory_equal(&((float *)out.data)[r * COLS + c], &want[r], sizeof(float));
        }
    }
    hw_output_release(&run, &out);
    hw_pd_free(&run, &f);
    free_source(&run, &src);
}

static void test_chain_inplace(void **state) { (void)state; chain(true); }
static void test_chain_new_frames(void **state) { (void)state; chain(false); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_buffer_median),
        cmocka_unit_test(test_blocks_and_medians),
        cmocka_unit_test(test_chain_inplace),
        cmocka_unit_test(test_chain_new_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
