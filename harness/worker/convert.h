/* The conversion kernel every exact strategy uses: cast to the output dtype, null or
 * non-finite -> the column's median. The cast is the C conversion straight from the source
 * type to the output type (never through a wider type), so a strategy that routes through
 * float64 (pandas) is exact only while its values are exact in float64 (ours are). */
#ifndef HW_CONVERT_H
#define HW_CONVERT_H
#include "dtype.h"
#include <stdint.h>
#include <stddef.h>

/* Rows [0, n) of one column into dst[i * stride] (stride in output elements). */
void hw_convert(enum hw_dtype src_dtype, const void *data, const uint8_t *validity,
                uint64_t vbit0, size_t n, double median, enum hw_dtype out_dtype, void *dst,
                size_t stride);

/* The cast alone (Polars' cast): rows [0, n) of a column into a contiguous dst of out_dtype,
 * NaN and inf kept, no fill. Exact like hw_convert: straight from the source type. */
void hw_cast(enum hw_dtype src_dtype, const void *data, size_t n, enum hw_dtype out_dtype, void *dst);
/* One value of src_dtype (or the median when !valid or non-finite) as out_dtype, into dst. */
void hw_convert_cell(enum hw_dtype src_dtype, const void *value, int valid, double median,
                     enum hw_dtype out_dtype, void *dst);

/* The bit pattern of an output element (f16/f32/f64) as an integer, for checksums. */
uint64_t hw_out_bits(enum hw_dtype out_dtype, const void *elem);
/* An output element as double, for differences. */
double hw_out_value(enum hw_dtype out_dtype, const void *elem);

#endif
