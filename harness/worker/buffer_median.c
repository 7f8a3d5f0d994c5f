/* The median of a buffer of finite values, in place and without allocating: the buffer is
 * narrowed to the two middle ranks' values by small histograms, then partitioned by Wirth's
 * selection (the pandas model's median, pdframe_median.c, and the small columns of
 * hw_source_medians, where the radix select's 64K-bucket tables cost more than the column). */
#include "buffer_median.h"
#include "median.h" /* hw_median_mid */
#include <math.h>
#include <stddef.h>
#include <string.h>

/* Wirth's selection, the partition bottleneck's median uses (the pandas model's): a[k] ends in its sorted place,
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

double hw_select_kth(enum hw_dtype dtype, void *buf, size_t n, size_t k)
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

/* Narrowing before the partition: Wirth's loop over a whole column mispredicts a branch at
 * every other element (the select was the largest cost of the pandas model's median). A
 * histogram of the top 11 bits of each value's order-preserving key finds the bucket(s) of
 * the two middle ranks; the values in them are moved to the front of the buffer (in place,
 * branch-free), and the next 11 bits narrow again while both ranks share one bucket. The
 * partition then runs over a few hundred values. The buffer is bottleneck's scratch either
 * way; the table is 8 KiB of stack, no heap. The result is the same value: a rank's value does
 * not depend on how it was found (and the keys order -0.0 before +0.0, as the reference does). */
enum { DIGIT = 11, SMALL = 512 };

#define KEY_FLOAT(U, v) ((v) >> (sizeof(U) * 8 - 1) ? (U)~(v) : (U)((v) | (U)1 << (sizeof(U) * 8 - 1)))
#define KEY_INT(U, v)   ((U)((v) ^ (U)1 << (sizeof(U) * 8 - 1)))

#define DEF_NARROW(SN, T, U, KEY)                                                             \
    static size_t narrow_##SN(T *a, size_t n, size_t *lo, size_t *hi)                         \
    {                                                                                         \
        uint32_t hist[1u << DIGIT];                                                           \
        unsigned shift = sizeof(U) * 8;                                                       \
        while (n > SMALL && n <= UINT32_MAX && shift > 0) {                                   \
            unsigned d = shift < DIGIT ? shift : DIGIT;                                       \
            shift -= d;                                                                       \
            U mask = (U)((1u << d) - 1);                                                      \
            memset(hist, 0, sizeof hist);                                                     \
            for (size_t i = 0; i < n; i++) {                                                  \
                U u;                                                                          \
                memcpy(&u, &a[i], sizeof u);                                                  \
                hist[(U)(KEY(U, u) >> shift) & mask]++;                                       \
            }                                                                                 \
            size_t acc = 0, below = 0;                                                        \
            unsigned blo = 0, bhi = 0, b = 0;                                                 \
            for (; acc + hist[b] <= *lo; b++)                                                 \
                acc += hist[b];                                                               \
            blo = b, below = acc;                                                             \
            for (; acc + hist[b] <= *hi; b++)                                                 \
                acc += hist[b];                                                               \
            bhi = b;                                                                          \
            size_t m = 0;                                                                     \
            for (size_t i = 0; i < n; i++) {                                                  \
                U u;                                                                          \
                memcpy(&u, &a[i], sizeof u);                                                  \
                unsigned k = (unsigned)((U)(KEY(U, u) >> shift) & mask);                      \
                a[m] = a[i];                                                                  \
                m += k - blo <= bhi - blo;                                                    \
            }                                                                                 \
            *lo -= below, *hi -= below, n = m;                                                \
            if (blo != bhi) /* two prefixes now: the next digit alone would not order them */ \
                break;                                                                        \
        }                                                                                     \
        return n;                                                                             \
    }
DEF_NARROW(double, double, uint64_t, KEY_FLOAT)
DEF_NARROW(float, float, uint32_t, KEY_FLOAT)
DEF_NARROW(int64_t, int64_t, uint64_t, KEY_INT)
DEF_NARROW(int32_t, int32_t, uint32_t, KEY_INT)
DEF_NARROW(int16_t, int16_t, uint16_t, KEY_INT)
DEF_NARROW(int8_t, int8_t, uint8_t, KEY_INT)

static size_t narrow(enum hw_dtype dtype, void *buf, size_t n, size_t *lo, size_t *hi)
{
    switch (dtype) {
    case HW_F64: return narrow_double(buf, n, lo, hi);
    case HW_F32: return narrow_float(buf, n, lo, hi);
    case HW_I64: return narrow_int64_t(buf, n, lo, hi);
    case HW_I32: return narrow_int32_t(buf, n, lo, hi);
    case HW_I16: return narrow_int16_t(buf, n, lo, hi);
    case HW_I8:  return narrow_int8_t(buf, n, lo, hi);
    default:     return n;
    }
}

/* The partition's `<` calls -0.0 and +0.0 equal and may leave either at a rank; the keys (and
 * the reference) put -0.0 first. A zero at rank k of m values is -0.0 when the negatives and
 * the -0.0s among them outnumber k. */
static double signed_zero(enum hw_dtype dtype, const void *buf, size_t m, size_t k, double v)
{
    if (v != 0.0 || !hw_dtype_is_float(dtype))
        return v;
    size_t first = 0;   /* values before +0.0 in key order */
    for (size_t i = 0; i < m; i++) {
        double x = dtype == HW_F64 ? ((const double *)buf)[i] : ((const float *)buf)[i];
        first += x < 0.0 || (x == 0.0 && signbit(x));
    }
    return k < first ? -0.0 : 0.0;
}

double hw_buffer_median(enum hw_dtype dtype, void *buf, size_t n)
{
    if (n == 0)
        return 0.0;   /* no value: highwater's reference says 0 */
    size_t hi = n / 2, lo = n % 2 ? hi : hi - 1;
    size_t m = narrow(dtype, buf, n, &lo, &hi);
    double vhi = signed_zero(dtype, buf, m, hi, hw_select_kth(dtype, buf, m, hi));
    double vlo = lo == hi ? vhi : signed_zero(dtype, buf, m, lo, max_below(dtype, buf, hi));
    return hw_median_mid(vlo, vhi);
}
