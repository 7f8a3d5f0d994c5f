/* Frames as Arrow holds them (frame.h), the worker pool (pool.h) and Polars' median by a
 * sorted copy (polars_median.h): which buffers a select shares and which it makes, that a
 * buffer lives exactly as long as the last frame holding it, that the pool hands every item
 * out once, that hw_alloc's counters hold under threads, and that the sorted-copy median is
 * the reference's median (the radix select in place), copy by copy on the worker threads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "convert.h"
#include "frame.h"
#include "median.h"
#include "polars_median.h"
#include "pool.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 1003u   /* not a multiple of 8: the last bitmap byte is partial */

static struct hw_run *new_run(void)
{
    struct hw_run *run = calloc(1, sizeof *run);
    char err[256];
    assert_non_null(run);
    assert_int_equal(hw_allocator_open(&run->alloc, HW_ALLOC_GLIBC, err, sizeof err), 0);
    return run;
}

/* One value of dtype t, as the dataset would write it; every 7th a non-finite float. */
static void put(enum hw_dtype t, void *data, uint64_t r, uint64_t *s)
{
    double v = (double)(tu_rng(s) % 2001) - 1000.0;
    if ((t == HW_F32 || t == HW_F64) && r % 7 == 3)
        v = (r % 3 == 0) ? INFINITY : (r % 3 == 1) ? -INFINITY : NAN;
    switch (t) {
    case HW_F64: ((double *)data)[r] = v; break;
    case HW_F32: ((float *)data)[r] = (float)v; break;
    case HW_I64: ((int64_t *)data)[r] = (int64_t)v; break;
    case HW_I32: ((int32_t *)data)[r] = (int32_t)v; break;
    case HW_I16: ((int16_t *)data)[r] = (int16_t)v; break;
    default:     ((int8_t *)data)[r] = (int8_t)(v / 8); break;
    }
}

/* A loaded source: column c has dtype types[c]; null_every[c] rows apart a null (0: none,
 * 1: all null). Null cells hold 0, as the dataset writes them. */
static void make_source(struct hw_run *run, struct hw_source *src, const enum hw_dtype *types,
                        const unsigned *null_every, uint32_t cols, uint64_t seed)
{
    memset(src, 0, sizeof *src);
    src->rows = ROWS;
    src->cols = cols;
    src->col = calloc(cols, sizeof *src->col);
    assert_non_null(src->col);
    for (uint32_t c = 0; c < cols; c++) {
        struct hw_column *col = &src->col[c];
        col->dtype = types[c];
        col->data = hw_alloc(run, HW_SIDE_POLARS, ROWS * hw_dtype_size(types[c]));
        col->validity = hw_alloc(run, HW_SIDE_POLARS, hw_validity_bytes(ROWS));
        assert_non_null(col->data);
        assert_non_null(col->validity);
        memset(col->validity, 0, hw_validity_bytes(ROWS));
        for (uint64_t r = 0; r < ROWS; r++) {
            bool null = null_every[c] && r % null_every[c] == 0;
            put(types[c], col->data, r, &seed);
            if (null)
                memset((char *)col->data + r * hw_dtype_size(types[c]), 0, hw_dtype_size(types[c]));
            else
                col->validity[r >> 3] |= (uint8_t)(1u << (r & 7));
        }
    }
}

static void free_run(struct hw_run *run, struct hw_source *src)
{
    hw_source_release(run, src);
    free(run);
}

static void adopt_moves_the_buffers_and_drops_all_valid_bitmaps(void **state)
{
    (void)state;
    struct hw_run *run = new_run();
    struct hw_source src;
    const enum hw_dtype t[] = {HW_F32, HW_I32, HW_F64};
    const unsigned nulls[] = {5, 0, 1};
    make_source(run, &src, t, nulls, 3, 1);
    void *v0 = src.col[0].data;
    struct hw_frame df;
    assert_int_equal(hw_frame_adopt(run, &df, &src), 0);
    assert_ptr_equal(df.col[0].values->data, v0);
    assert_null(src.col[0].data);                       /* the source keeps nothing */
    assert_null(src.col[0].validity);
    assert_int_equal(df.col[0].nulls, (ROWS + 4) / 5);
    assert_null(df.col[1].validity);                    /* no nulls: Arrow has no bitmap */
    assert_int_equal(df.col[1].nulls, 0);
    assert_int_equal(df.col[2].nulls, ROWS);            /* all null */
    assert_non_null(df.col[2].validity);
    hw_frame_free(run, &df);
    hw_frame_free(run, &df);                            /* twice is safe */
    free_run(run, &src);
}

static void cast_shares_what_it_does_not_change(void **state)
{
    (void)state;
    struct hw_run *run = new_run();
    struct hw_source src;
    const enum hw_dtype t[] = {HW_F32, HW_F64, HW_I64, HW_I16, HW_I8};
    const unsigned nulls[] = {5, 5, 5, 5, 0};
    make_source(run, &src, t, nulls, 5, 2);
    struct hw_frame df, strict, loose;
    assert_int_equal(hw_frame_adopt(run, &df, &src), 0);
    assert_int_equal(hw_frame_cast(run, 2, &df, HW_F32, true, &strict), 0);
    assert_int_equal(hw_frame_cast(run, 2, &df, HW_F32, false, &loose), 0);
    /* f32 -> f32: both Arcs shared, one more reference each per frame */
    assert_ptr_equal(strict.col[0].values, df.col[0].values);
    assert_ptr_equal(strict.col[0].validity, df.col[0].validity);
    assert_int_equal(df.col[0].values->refs, 3);
    /* f64 strict: new values, the bitmap shared; not strict: a bitmap of its own */
    assert_ptr_not_equal(strict.col[1].values, df.col[1].values);
    assert_ptr_equal(strict.col[1].validity, df.col[1].validity);
    assert_ptr_not_equal(loose.col[1].validity, df.col[1].validity);
    assert_memory_equal(loose.col[1].validity->data, df.col[1].validity->data, hw_validity_bytes(ROWS));
    /* i64: its own bitmap either way; i16: shared; i8 without nulls: still none */
    assert_ptr_not_equal(strict.col[2].validity, df.col[2].validity);
    assert_ptr_equal(strict.col[3].validity, df.col[3].validity);
    assert_null(strict.col[4].validity);
    for (uint32_t c = 0; c < 5; c++) {
        assert_int_equal(strict.col[c].dtype, HW_F32);
        assert_int_equal(strict.col[c].nulls, df.col[c].nulls);
    }
    /* the values are the cast's */
    float want[ROWS];
    hw_cast(HW_I16, df.col[3].values->data, ROWS, HW_F32, want);
    assert_memory_equal(strict.col[3].values->data, want, sizeof want);
    hw_frame_free(run, &loose);
    hw_frame_free(run, &strict);
    hw_frame_free(run, &df);
    free_run(run, &src);
}

static void replace_writes_a_bitmap_and_keeps_the_values(void **state)
{
    (void)state;
    struct hw_run *run = new_run();
    struct hw_source src;
    const enum hw_dtype t[] = {HW_F32, HW_F32};
    const unsigned nulls[] = {4, 0};
    make_source(run, &src, t, nulls, 2, 3);
    struct hw_frame df, r;
    assert_int_equal(hw_frame_adopt(run, &df, &src), 0);
    assert_null(df.col[1].validity);
    assert_int_equal(hw_frame_replace_nonfinite(run, 2, &df, &r), 0);
    for (uint32_t c = 0; c < 2; c++) {
        assert_ptr_equal(r.col[c].values, df.col[c].values);
        assert_non_null(r.col[c].validity);
        assert_ptr_not_equal(r.col[c].validity, df.col[c].validity);
        uint8_t want[(ROWS + 7) / 8];
        struct hw_colview v = hw_frame_view(&df, c);
        memset(want, 0, sizeof want);   /* valid AND finite, row by row */
        for (uint64_t i = 0; i < ROWS; i++)
            if (hw_valid_bit(v.validity, i) && isfinite(((const float *)v.data)[i]))
                want[i / 8] |= (uint8_t)(1u << (i % 8));
        assert_memory_equal(r.col[c].validity->data, want, sizeof want);
        uint64_t n = 0;
        for (uint64_t i = 0; i < ROWS; i++)
            n += !hw_valid_bit(want, i);
        assert_int_equal(r.col[c].nulls, n);
        assert_true(n > df.col[c].nulls);   /* the non-finite rows became null */
    }
    hw_frame_free(run, &r);
    hw_frame_free(run, &df);
    free_run(run, &src);
}

static void fill_null_fills_only_where_there_are_nulls(void **state)
{
    (void)state;
    struct hw_run *run = new_run();
    struct hw_source src;
    const enum hw_dtype t[] = {HW_F32, HW_F32, HW_F32};
    const unsigned nulls[] = {3, 0, 1};
    make_source(run, &src, t, nulls, 3, 4);
    struct hw_frame df, f, g;
    assert_int_equal(hw_frame_adopt(run, &df, &src), 0);
    const double fill[] = {2.5, 7.0, 9.0};
    const bool none[] = {false, false, true};
    assert_int_equal(hw_frame_fill_null(run, 2, &df, fill, none, &f), 0);
    /* column 0: new values and an all-valid bitmap; nulls hold the fill, the rest (inf too) stay */
    assert_ptr_not_equal(f.col[0].values, df.col[0].values);
    assert_int_equal(f.col[0].nulls, 0);
    const float *in = df.col[0].values->data, *out = f.col[0].values->data;
    for (uint64_t r = 0; r < ROWS; r++) {
        if (r % 3 == 0)
            assert_true(out[r] == 2.5f);
        else
            assert_memory_equal(&out[r], &in[r], sizeof *out);
    }
    for (uint64_t r = 0; r < ROWS; r++)
        assert_true(hw_valid_bit(f.col[0].validity->data, r));
    /* column 1 has no nulls, column 2's fill is None: both shared as they are */
    assert_ptr_equal(f.col[1].values, df.col[1].values);
    assert_ptr_equal(f.col[2].values, df.col[2].values);
    assert_ptr_equal(f.col[2].validity, df.col[2].validity);
    assert_int_equal(hw_frame_null_count(&f), ROWS);
    /* fill_null(0) of that frame: only the all-null column is new */
    const double zero[] = {0, 0, 0};
    assert_int_equal(hw_frame_fill_null(run, 1, &f, zero, NULL, &g), 0);
    assert_ptr_equal(g.col[0].values, f.col[0].values);
    assert_ptr_not_equal(g.col[2].values, f.col[2].values);
    assert_int_equal(hw_frame_null_count(&g), 0);
    hw_frame_free(run, &g);
    hw_frame_free(run, &f);
    hw_frame_free(run, &df);
    free_run(run, &src);
}

/* Rebinding: dropping the old frame frees only what the new one does not share. */
static void a_buffer_lives_as_long_as_its_last_frame(void **state)
{
    (void)state;
    struct hw_run *run = new_run();
    struct hw_source src;
    const enum hw_dtype t[] = {HW_F32, HW_F64};
    const unsigned nulls[] = {5, 5};
    make_source(run, &src, t, nulls, 2, 5);
    struct hw_frame df, next;
    assert_int_equal(hw_frame_adopt(run, &df, &src), 0);
    assert_int_equal(hw_frame_cast(run, 2, &df, HW_F32, true, &next), 0);
    uint64_t freed0 = run->blocks.freed_small + run->blocks.freed_large;
    hw_frame_free(run, &df);          /* df = df.select(cast) */
    uint64_t freed = run->blocks.freed_small + run->blocks.freed_large - freed0;
    /* only the f64 values went (malloc's usable size: at least the request) */
    assert_true(freed >= ROWS * 8 && freed < ROWS * 8 + 64);
    assert_int_equal(next.col[0].values->refs, 1);   /* the f32 column is next's alone now */
    float first;
    memcpy(&first, next.col[0].values->data, sizeof first);   /* still there (ASan checks) */
    (void)first;
    hw_frame_free(run, &next);
    free_run(run, &src);
}

struct counting {
    uint32_t *seen;
    uint32_t fail_at;
    unsigned max_worker;
};

static int count_item(void *ctx, unsigned worker, uint32_t i, const char **why)
{
    struct counting *x = ctx;
    __atomic_fetch_add(&x->seen[i], 1, __ATOMIC_RELAXED);
    unsigned cur = __atomic_load_n(&x->max_worker, __ATOMIC_RELAXED);
    while (worker > cur && !__atomic_compare_exchange_n(&x->max_worker, &cur, worker, true,
                                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    if (i == x->fail_at) {
        *why = "told to fail";
        return -1;
    }
    return 0;
}

static void the_pool_hands_every_item_out_once(void **state)
{
    (void)state;
    struct hw_run *run = new_run();
    enum { N = 5000 };
    struct counting x = {.seen = calloc(N, sizeof *x.seen), .fail_at = UINT32_MAX};
    assert_non_null(x.seen);
    assert_int_equal(hw_pool_for(run, 3, N, count_item, &x), 0);
    for (uint32_t i = 0; i < N; i++)
        assert_int_equal(x.seen[i], 1);
    assert_true(x.max_worker < 3);
    assert_true(hw_pool_default_threads() >= 1);
    /* a failing item fails the run, names the item, and the rest is skipped (one thread:
     * exactly the items up to the failing one ran) */
    memset(x.seen, 0, N * sizeof *x.seen);
    x.fail_at = 10;
    assert_int_equal(hw_pool_for(run, 1, N, count_item, &x), -1);
    assert_non_null(strstr(run->error, "item 10"));
    assert_non_null(strstr(run->error, "told to fail"));
    uint32_t done = 0;
    for (uint32_t i = 0; i < N; i++)
        done += x.seen[i];
    assert_int_equal(done, 11);
    free(x.seen);
    free(run);
}

static void *alloc_many(void *arg)
{
    struct hw_run *run = arg;
    for (int i = 0; i < 20000; i++)
        hw_free(run, HW_SIDE_POLARS, hw_alloc(run, HW_SIDE_POLARS, 64 + (size_t)(i % 7) * 1000));
    return NULL;
}

static void the_block_counters_hold_under_threads(void **state)
{
    (void)state;
    struct hw_run *run = new_run();
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, alloc_many, run), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(run->blocks.count, 80000);
    assert_int_equal(run->blocks.largest, 64 + 6000);
    assert_true(run->blocks.largest_freed >= 64 + 6000);
    free(run);
}

static void the_sorted_copy_median_is_the_reference_median(void **state)
{
    (void)state;
    struct hw_run *run = new_run();
    struct hw_source src;
    const enum hw_dtype t[] = {HW_F64, HW_F32, HW_I64, HW_I32, HW_I16, HW_I8, HW_F32};
    const unsigned nulls[] = {9, 2, 11, 0, 13, 0, 1};
    make_source(run, &src, t, nulls, 7, 6);
    struct hw_frame df;
    assert_int_equal(hw_frame_adopt(run, &df, &src), 0);
    double ms[7], mr[7];
    uint64_t cs[7], cr[7];
    assert_int_equal(hw_polars_medians(run, &df, HW_MEDIAN_RADIX, 0, mr, cr), 0);
    uint64_t before = run->blocks.count;
    assert_int_equal(hw_polars_medians(run, &df, HW_MEDIAN_SORT, 3, ms, cs), 0);
    for (uint32_t c = 0; c < 7; c++) {
        assert_memory_equal(&ms[c], &mr[c], sizeof ms[c]);   /* bit for bit */
        assert_int_equal(cs[c], cr[c]);
        double one;
        struct hw_colview v = hw_frame_view(&df, c);
        assert_int_equal(hw_median_column(v.dtype, v.data, v.validity, ROWS, &one), 0);
        assert_memory_equal(&ms[c], &one, sizeof one);
    }
    assert_int_equal(cs[6], 0);   /* all null: no median */
    /* a sorted copy per column, and a bitmap for each of the 5 with nulls */
    assert_int_equal(run->blocks.count - before, 7 + 5);
    assert_true(run->blocks.largest >= ROWS * 8);
    hw_frame_free(run, &df);
    free_run(run, &src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adopt_moves_the_buffers_and_drops_all_valid_bitmaps),
        cmocka_unit_test(cast_shares_what_it_does_not_change),
        cmocka_unit_test(replace_writes_a_bitmap_and_keeps_the_values),
        cmocka_unit_test(fill_null_fills_only_where_there_are_nulls),
        cmocka_unit_test(a_buffer_lives_as_long_as_its_last_frame),
        cmocka_unit_test(the_pool_hands_every_item_out_once),
        cmocka_unit_test(the_block_counters_hold_under_threads),
        cmocka_unit_test(the_sorted_copy_median_is_the_reference_median),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
