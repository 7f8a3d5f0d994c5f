/* Exact medians of a buffer of values, rearranging the buffer in place, no allocation
 * (buffer_median.c). */
#ifndef HW_BUFFER_MEDIAN_H
#define HW_BUFFER_MEDIAN_H
#include "dtype.h"
#include <stddef.h>

/* The k-th smallest (0-based) of n values of dtype in buf, partitioning buf (Wirth's
 * selection, as bottleneck's median does), as double. n > k. */
double hw_select_kth(enum hw_dtype dtype, void *buf, size_t n, size_t k);
/* The median of n finite values in buf (0 when n is 0): the midpoint of the two middle ranks,
 * -0.0 before +0.0, found by narrowing the buffer in place to their values, then
 * hw_select_kth. */
double hw_buffer_median(enum hw_dtype dtype, void *buf, size_t n);

#endif
