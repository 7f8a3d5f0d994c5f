/* The conversion kernels, absent from the fuzz build: clang 14 has no _Float16 on x86-64,
 * so harness/worker/convert.c does not compile there. The strategies' table links them, but no
 * fuzzed code converts data: reaching one is a bug in a target, and aborts. */
#include "convert.h"
#include <stdlib.h>

void hw_convert(enum hw_dtype src_dtype, const void *data, const uint8_t *validity,
                uint64_t vbit0, size_t n, double median, enum hw_dtype out_dtype, void *dst,
                size_t stride)
{
    (void)src_dtype, (void)data, (void)validity, (void)vbit0, (void)n, (void)median;
    (void)out_dtype, (void)dst, (void)stride;
    abort();
}

void hw_cast(enum hw_dtype src_dtype, const void *data, size_t n, enum hw_dtype out_dtype, void *dst)
{
    (void)src_dtype, (void)data, (void)n, (void)out_dtype, (void)dst;
    abort();
}

void hw_convert_cell(enum hw_dtype src_dtype, const void *value, int valid, double median,
                     enum hw_dtype out_dtype, void *dst)
{
    (void)src_dtype, (void)value, (void)valid, (void)median, (void)out_dtype, (void)dst;
    abort();
}

uint64_t hw_out_bits(enum hw_dtype out_dtype, const void *elem)
{
    (void)out_dtype, (void)elem;
    abort();
}

double hw_out_value(enum hw_dtype out_dtype, const void *elem)
{
    (void)out_dtype, (void)elem;
    abort();
}
