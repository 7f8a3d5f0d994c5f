/* The pandas model's median(): bottleneck's nanmedian, a partition per column (pdframe.h). */
#include "pdframe_blocks.h"
#include "bitmaps.h"
#include "convert.h"
#include "median.h"
#include <math.h>
#include <string.h>

/* Wirth's selection, the partition bottleneck's median uses: a[k] ends in its sorted place,
 * every a[i < k] <= a[k]. */
#define HW_PD_SELECT(T)                                                                       \
    static double select_##T(T *a, size_t n, size_t k)                                        \
    {                                                                                         \
        ptrdiff_t l = 0, m = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;                             \
        while (l < m) {                                                                       \
            T x = a[kk];                                                                      \
            ptrdiff_t i = l, j = m;                                                           \
            do {                                                                              \
                while (a[i] < x)                                                              \
                    i++;                                                                      \
                while (x < a[j])                                                              \
                    j--;                                                                      \
                if (i <= j) {                                                                 \
                    T t = a[i];                                                               \
                    a[i] = a[j];                                                              \
                    a[j] = t;                                                                 \
                    i++;                                                                      \
                    j--;                                                                      \
                }                                                                             \
            } while (i <= j);                                                                 \
            if (j < kk)                                                                       \
                l = i;                                                                        \
            if (kk < i)                                                                       \
                m = j;                                                                        \
        }                                                                                     \
        return (double)a[kk];                                                                 \
    }                                                                                         \
    static double max_below_##T(const T *a, size_t k)                                         \
    {                                                                                         \
        T v = a[0];                                                                           \
        for (size_t i = 1; i < k; i++)                                                        \
            if (a[i] > v)                                                                     \
                v = a[i];                                                                     \
        return (double)v;                                                                     \
    }
HW_PD_SELECT(double)
HW_PD_SELECT(float)
HW_PD_SELECT(int64_t)
HW_PD_SELECT(int32_t)
HW_PD_SELECT(int16_t)
HW_PD_SELECT(int8_t)

double hw_pd_select(enum hw_dtype dtype, void *buf, size_t n, size_t k)
{
    switch (dtype) {
    case HW_F64: return select_double(buf, n, k);
    case HW_F32: return select_float(buf, n, k);
    case HW_I64: return select_int64_t(buf, n, k);
    case HW_I32: return select_int32_t(buf, n, k);
    case HW_I16: return select_int16_t(buf, n, k);
    case HW_I8:  return select_int8_t(buf, n, k);
    default:     return NAN;
    }
}

static double max_below(enum hw_dtype dtype, const void *buf, size_t k)
{
    switch (dtype) {
    case HW_F64: return max_below_double(buf, k);
    case HW_F32: return max_below_float(buf, k);
    case HW_I64: return max_below_int64_t(buf, k);
    case HW_I32: return max_below_int32_t(buf, k);
    case HW_I16: return max_below_int16_t(buf, k);
    case HW_I8:  return max_below_int8_t(buf, k);
    default:     return NAN;
    }
}

int hw_pd_median(struct hw_run *run, const struct hw_pdframe *f, double *medians)
{
    for (uint32_t i = 0; i < f->nblocks; i++) {
        const struct hw_pdblock *b = &f->blk[i];
        size_t esz = hw_dtype_size(b->dtype);
        /* bottleneck's BUFFER_NEW: one column of the block's dtype, reused for each column.
         * (float16 is not a bottleneck dtype; its block is partitioned as float32, a buffer
         * twice as large as numpy's fallback would need: no configured source has one.) */
        enum hw_dtype sel = b->dtype == HW_F16 ? HW_F32 : b->dtype;
        char *buf = hw_alloc(run, HW_SIDE_NUMPY, f->rows ? f->rows * hw_dtype_size(sel) : 1);
        if (!buf)
            return hw_run_fail(run, "out of memory for a median buffer");
        for (uint32_t j = 0; j < b->ncols; j++) {
            const char *col = hw_pd_block_row(f, b, j);
            size_t n = 0;
            if (b->dtype == HW_F16) {
                for (uint64_t r = 0; r < f->rows; r++) {
                    float v;
                    hw_cast(HW_F16, col + r * esz, 1, HW_F32, &v);
                    if (isfinite(v))
                        ((float *)buf)[n++] = v;
                }
            } else {   /* NaN skipped, as bottleneck does */
                n = (size_t)hw_compact_finite(b->dtype, col, NULL, 0, f->rows, buf);
            }
            double med = 0.0;    /* no value: highwater's reference says 0 */
            if (n > 0) {
                double hi = hw_pd_select(sel, buf, n, n / 2);
                double lo = n % 2 ? hi : max_below(sel, buf, n / 2);
                med = hw_median_mid(lo, hi);
            }
            medians[b->locs[j]] = med;
        }
        hw_free(run, HW_SIDE_NUMPY, buf);
    }
    return 0;
}
