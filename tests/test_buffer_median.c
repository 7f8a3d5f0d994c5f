/* Wirth's selection and the narrowed buffer median (buffer_median.c): the k-th value and the
 * partition around it, and medians against sorting for every dtype. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "buffer_median.h"
#include "median.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_select(void **state)
{
    (void)state;
    uint64_t seed = 7;
    for (size_t n = 1; n < 300; n += 7) {
        double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] = (double)(tu_rng(&seed) % 50);
        for (size_t k = 0; k < n; k += 3) {
            memcpy(a, b, n * sizeof *a);
            double v = hw_select_kth(HW_F64, a, n, k);
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
                    put_value(types[t], buf, i, tu_rng(&seed), spreads[p]);
                    sorted[i] = as_double(types[t], buf, i);
                }
                qsort(sorted, n, sizeof *sorted, tu_cmp_double);
                double want = n == 0 ? 0.0 : hw_median_mid(sorted[(n - 1) / 2], sorted[n / 2]);
                double got = hw_buffer_median(types[t], buf, n);
                assert_memory_equal(&got, &want, sizeof got);
            }
    free(buf);
    free(sorted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_buffer_median),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
