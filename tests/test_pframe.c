/* The per-slice frames, built on the run's pool (test_pool.c checks the pool itself): the clean select's bitmap is valid AND
 * finite over the source's own values; fill_null + cast shares a buffer exactly where Polars
 * does (a float column without nulls already in the output dtype) and otherwise makes one,
 * holding the source's values with every missing cell filled by the column's median. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pframe.h"
#include "pool.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void run_init(struct hw_run *run)
{
    memset(run, 0, sizeof *run);
    run->alloc.kind = HW_ALLOC_GLIBC;
}

enum { N = 203 };   /* not a multiple of 8 or 64: bitmaps end mid-byte */

struct fixture {
    struct hw_source src;
    struct hw_column col[4];
    double f64[N];
    float f32a[N], f32b[N];
    int16_t i16[N];
    uint8_t valid[4][(N + 7) / 8];
};

static void set_valid(uint8_t *v, uint64_t i, bool on)
{
    if (on)
        v[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        v[i / 8] &= (uint8_t)~(1u << (i % 8));
}

/* Column 0 f64 with nulls, inf and NaN; 1 f32 with nulls; 2 f32 all valid and finite;
 * 3 i16 with nulls. */
static struct fixture *fixture_new(void)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    memset(f->valid, 0xff, sizeof f->valid);
    for (uint64_t i = 0; i < N; i++) {
        f->f64[i] = (double)i * 1.5;
        f->f32a[i] = (float)i;
        f->f32b[i] = (float)i * 0.25f;
        f->i16[i] = (int16_t)(i * 3);
        if (i % 7 == 0)
            set_valid(f->valid[0], i, false);
        if (i % 11 == 1)
            f->f64[i] = i % 2 ? INFINITY : NAN;
        if (i % 5 == 2)
            set_valid(f->valid[1], i, false);
        if (i % 9 == 4)
            set_valid(f->valid[3], i, false);
    }
    f->col[0] = (struct hw_column){HW_F64, f->f64, f->valid[0]};
    f->col[1] = (struct hw_column){HW_F32, f->f32a, f->valid[1]};
    f->col[2] = (struct hw_column){HW_F32, f->f32b, NULL};
    f->col[3] = (struct hw_column){HW_I16, f->i16, f->valid[3]};
    f->src = (struct hw_source){.kind = HW_SOURCE_MEMORY, .rows = N, .cols = 4, .col = f->col};
    return f;
}

static bool missing(const struct fixture *f, uint32_t c, uint64_t r)
{
    if (f->col[c].validity && !hw_valid_bit(f->col[c].validity, r))
        return true;
    return c == 0 && !isfinite(f->f64[r]);
}

static double source_value(const struct fixture *f, uint32_t c, uint64_t r)
{
    switch (c) {
    case 0: return f->f64[r];
    case 1: return f->f32a[r];
    case 2: return f->f32b[r];
    default: return f->i16[r];
    }
}

/* A slice from row 13 (a bit offset) of 150 rows through clean and fill_cast to f32. */
static void test_slice_frames(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    struct hw_run run;
    run_init(&run);
    const uint64_t r0 = 13, n = 150;
    const double medians[4] = {-1.0, -2.0, -3.0, -4.0};
    struct hw_pframe a = {0}, b = {0};
    assert_int_equal(hw_pframe_clean(&run, &f->src, r0, n, &a), 0);
    for (uint32_t c = 0; c < 4; c++) {
        /* the values are the source's own (a view), the bitmap new */
        assert_ptr_equal(a.view[c].data, (const char *)f->col[c].data + r0 * hw_dtype_size(f->col[c].dtype));
        assert_null(a.own_data[c]);
        assert_non_null(a.own_validity[c]);
        for (uint64_t i = 0; i < n; i++)
            assert_int_equal(hw_valid_bit(a.view[c].validity, i), !missing(f, c, r0 + i));
    }
    assert_int_equal(hw_pframe_fill_cast(&run, &a, medians, HW_F32, &b), 0);
    /* f32 without nulls is handed on; every other column is a buffer of its own */
    assert_null(b.own_data[2]);
    assert_ptr_equal(b.view[2].data, f->f32b + r0);
    for (uint32_t c = 0; c < 4; c++) {
        if (c != 2)
            assert_non_null(b.own_data[c]);
        assert_int_equal(b.view[c].dtype, HW_F32);
        assert_null(b.view[c].validity);
        const float *v = b.view[c].data;
        for (uint64_t i = 0; i < n; i++) {
            float want = missing(f, c, r0 + i) ? (float)medians[c] : (float)source_value(f, c, r0 + i);
            assert_true(v[i] == want);
        }
    }
    hw_pframe_free(&run, &a);
    hw_pframe_free(&run, &b);
    hw_pframe_free(&run, &b);   /* twice is harmless */
    hw_pool_stop(&run);
    free(f);
}

/* The median's copies leave nothing behind; the medians are the exact ones. */
static void test_medians(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    struct hw_run run;
    run_init(&run);
    double m[4], want[4];
    assert_int_equal(hw_pframe_medians(&run, &f->src, 0, N, m), 0);
    assert_int_equal(hw_source_medians(&run, &f->src, 0, N, want, NULL), 0);
    for (uint32_t c = 0; c < 4; c++)
        assert_true(m[c] == want[c]);
    assert_non_null(run.polars_kept);   /* the block Polars keeps after its first clean select */
    hw_pool_stop(&run);
    assert_null(run.polars_kept);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slice_frames),
        cmocka_unit_test(test_medians),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
