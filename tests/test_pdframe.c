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

#include "testutil.h"

#include "convert.h"
#include "median.h"
#include "pdframe.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
            uint64_t x = tu_rng(&seed);
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
        cmocka_unit_test(test_blocks_and_medians),
        cmocka_unit_test(test_chain_inplace),
        cmocka_unit_test(test_chain_new_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
