/* The reference result, kept apart from the code it checks: medians come from a quickselect
 * over a copy of the column (the strategies use the radix select in median.c), and output
 * cells are generated, converted and hashed one by one (hw_convert_cell, never the strided
 * hw_convert loop). Generation itself goes through hw_gen_fill in blocks, the cheap way to
 * touch every cell. */
#include "reference.h"
#include "checksum.h"
#include "convert.h"
#include "median.h" /* hw_median_mid only: the shared definition of the midpoint */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 1024 /* rows per generated block: small enough to live on the stack */

struct block {
    double data[BLOCK]; /* room for BLOCK values of any dtype, suitably aligned */
    uint8_t validity[BLOCK / 8];
};

/* Element i of a generated block as double, and whether it is finite. */
static bool block_value(enum hw_dtype t, const struct block *b, size_t i, double *v)
{
    switch (t) {
    case HW_F64: *v = ((const double *)b->data)[i]; break;
    case HW_F32: *v = ((const float *)b->data)[i]; break;
    case HW_I64: *v = (double)((const int64_t *)b->data)[i]; break;
    case HW_I32: *v = ((const int32_t *)b->data)[i]; break;
    case HW_I16: *v = ((const int16_t *)b->data)[i]; break;
    case HW_I8:  *v = ((const int8_t *)b->data)[i]; break;
    default:     return false;
    }
    return isfinite(*v);
}

/* The order the radix select's keys impose: numeric, with -0.0 before +0.0. Plain `<`
 * would call the zeros equal and let the partition return either one, and a median of -0.0
 * converts to a different bit pattern than +0.0. */
static bool before(double a, double b)
{
    return a < b || (a == b && signbit(a) && !signbit(b));
}

static void swap(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

static double median_of_3(double a, double b, double c)
{
    if (before(b, a))
        swap(&a, &b);
    if (before(c, b))
        swap(&b, &c);
    if (before(b, a))
        swap(&a, &b);
    return b;
}

/* The k-th smallest of a[0..n) (k < n). Three-way partition, so a column of a few distinct
 * values (i8, or heavy duplicates) stays linear. On return every a[i] with i < k is not
 * after the result. */
static double quickselect(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        double p = median_of_3(a[lo], a[lo + (hi - lo) / 2], a[hi - 1]);
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            if (before(a[i], p))
                swap(&a[lt++], &a[i++]);
            else if (before(p, a[i]))
                swap(&a[i], &a[--gt]);
            else
                i++;
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return p;
    }
    return a[k];
}

static double max_of(const double *a, size_t n)
{
    double m = a[0];
    for (size_t i = 1; i < n; i++)
        if (before(m, a[i]))
            m = a[i];
    return m;
}

/* The column's valid finite values into vals; returns how many. */
static size_t collect(const struct hw_dataset *ds, uint32_t col, enum hw_dtype t, double *vals,
                      struct block *b)
{
    size_t count = 0;
    for (uint64_t row0 = 0; row0 < ds->rows; row0 += BLOCK) {
        size_t n = ds->rows - row0 < BLOCK ? (size_t)(ds->rows - row0) : BLOCK;
        hw_gen_fill(ds, col, row0, n, b->data, b->validity);
        for (size_t i = 0; i < n; i++)
            if (hw_valid_bit(b->validity, i) && block_value(t, b, i, &vals[count]))
                count++;
    }
    return count;
}

static double select_median(double *vals, size_t count)
{
    if (count == 0)
        return 0.0;
    size_t k_hi = count / 2; /* (count - 1) / 2 is k_hi, or k_hi - 1 when count is even */
    double hi = quickselect(vals, count, k_hi);
    double lo = count % 2 ? hi : max_of(vals, k_hi);
    return hw_median_mid(lo, hi);
}

int hw_reference_medians(const struct hw_dataset *ds, double *medians)
{
    int ret = -1;
    struct block b;
    double *vals = NULL;
    for (uint32_t c = 0; c < ds->cols; c++) {
        struct hw_colspec cs;
        hw_dataset_colspec(ds, c, &cs);
        medians[c] = 0.0;
        if (cs.all_null || ds->rows == 0)
            continue;
        vals = malloc(ds->rows * sizeof *vals);
        if (!vals)
            goto out;
        medians[c] = select_median(vals, collect(ds, c, cs.dtype, vals, &b));
        free(vals);
        vals = NULL;
    }
    ret = 0;
out:
    free(vals);
    return ret;
}

/* Reference output elements for rows [row0, row0+n) of column col (n <= BLOCK), one
 * hw_convert_cell per cell, into out (n elements of out_dtype). */
static void reference_block(const struct hw_dataset *ds, uint32_t col, enum hw_dtype src,
                            double median, enum hw_dtype out_dtype, uint64_t row0, size_t n,
                            struct block *b, unsigned char *out)
{
    size_t ssize = hw_dtype_size(src), osize = hw_dtype_size(out_dtype);
    const unsigned char *in = (const unsigned char *)b->data;
    hw_gen_fill(ds, col, row0, n, b->data, b->validity);
    for (size_t i = 0; i < n; i++)
        hw_convert_cell(src, in + i * ssize, hw_valid_bit(b->validity, i), median, out_dtype,
                        out + i * osize);
}

uint64_t hw_reference_checksum(const struct hw_dataset *ds, const double *medians,
                               enum hw_dtype out_dtype)
{
    struct block b;
    double out[BLOCK];
    size_t osize = hw_dtype_size(out_dtype);
    uint64_t sum = 0;
    for (uint32_t c = 0; c < ds->cols; c++) {
        struct hw_colspec cs;
        hw_dataset_colspec(ds, c, &cs);
        for (uint64_t row0 = 0; row0 < ds->rows; row0 += BLOCK) {
            size_t n = ds->rows - row0 < BLOCK ? (size_t)(ds->rows - row0) : BLOCK;
            reference_block(ds, c, cs.dtype, medians[c], out_dtype, row0, n, &b,
                            (unsigned char *)out);
            for (size_t i = 0; i < n; i++) {
                uint64_t bits = hw_out_bits(out_dtype, (unsigned char *)out + i * osize);
                sum += hw_cell_hash((row0 + i) * ds->cols + c, bits);
            }
        }
    }
    return sum;
}

/* Rows of column c whose storage index lies in [e0, e1). */
static void row_range(const struct hw_dataset *ds, enum hw_order order, uint32_t c, uint64_t e0,
                      uint64_t e1, uint64_t *r0, uint64_t *r1)
{
    if (order == HW_ORDER_C) { /* storage r * cols + c: first r with r*cols + c >= e */
        *r0 = e0 <= c ? 0 : (e0 - c + ds->cols - 1) / ds->cols;
        *r1 = e1 <= c ? 0 : (e1 - c + ds->cols - 1) / ds->cols;
    } else { /* storage c * rows + r */
        uint64_t base = (uint64_t)c * ds->rows;
        *r0 = e0 > base ? e0 - base : 0;
        *r1 = e1 > base ? e1 - base : 0;
    }
    *r0 = *r0 < ds->rows ? *r0 : ds->rows;
    *r1 = *r1 < ds->rows ? *r1 : ds->rows;
}

/* Equal bit patterns, as equal bytes: inlined, where hw_out_bits is a call a cell (it was a
 * third of a wrong output's check). */
static inline bool same_bits(size_t osize, const void *a, const void *b)
{
    switch (osize) {
    case 2:  { uint16_t x, y; memcpy(&x, a, 2); memcpy(&y, b, 2); return x == y; }
    case 4:  { uint32_t x, y; memcpy(&x, a, 4); memcpy(&y, b, 4); return x == y; }
    default: { uint64_t x, y; memcpy(&x, a, 8); memcpy(&y, b, 8); return x == y; }
    }
}

static inline void compare_cell(enum hw_dtype out_dtype, size_t osize, const void *ref,
                                const void *got, uint64_t *differing, double *max_abs)
{
    if (same_bits(osize, ref, got))
        return;
    (*differing)++;
    double d = fabs(hw_out_value(out_dtype, got) - hw_out_value(out_dtype, ref));
    if (isnan(d)) /* a NaN left in the output: as wrong as it gets, and visible */
        d = INFINITY;
    if (d > *max_abs)
        *max_abs = d;
}

void hw_reference_compare(const struct hw_dataset *ds, const double *medians,
                          enum hw_dtype out_dtype, enum hw_order order, uint64_t elem0, size_t n,
                          const void *data, uint64_t *differing, double *max_abs)
{
    struct block b;
    double ref[BLOCK];
    size_t osize = hw_dtype_size(out_dtype);
    const unsigned char *got = data;
    uint64_t e1 = elem0 + n;
    /* C order goes a band of BLOCK rows at a time, every column inside it: the band's output
     * rows (BLOCK * cols elements) stay in cache while each column's cells are read at the
     * row's stride. Column after column over the whole range read each line of a large
     * output once per column, from memory (measured 0.7 s for 114 MB). */
    uint64_t band = ds->rows ? ds->rows : 1, first = 0, end = ds->rows;
    if (order == HW_ORDER_C && ds->cols) {   /* the rows the range touches, no more */
        band = BLOCK;
        first = elem0 / ds->cols;
        end = (e1 + ds->cols - 1) / ds->cols;
        end = end < ds->rows ? end : ds->rows;
    }
    for (uint64_t b0 = first; b0 < end; b0 += band) {
        for (uint32_t c = 0; c < ds->cols; c++) {
            struct hw_colspec cs;
            uint64_t r0, r1;
            hw_dataset_colspec(ds, c, &cs);
            row_range(ds, order, c, elem0, e1, &r0, &r1);
            r0 = r0 > b0 ? r0 : b0;
            r1 = r1 < b0 + band ? r1 : b0 + band;
            for (uint64_t row0 = r0; row0 < r1; row0 += BLOCK) {
                size_t m = r1 - row0 < BLOCK ? (size_t)(r1 - row0) : BLOCK;
                reference_block(ds, c, cs.dtype, medians[c], out_dtype, row0, m, &b,
                                (unsigned char *)ref);
                for (size_t i = 0; i < m; i++) {
                    uint64_t r = row0 + i;
                    uint64_t s = order == HW_ORDER_C ? r * ds->cols + c : (uint64_t)c * ds->rows + r;
                    compare_cell(out_dtype, osize, (unsigned char *)ref + i * osize,
                                 got + (s - elem0) * osize, differing, max_abs);
                }
            }
        }
    }
}
