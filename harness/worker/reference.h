/* The reference result, computed independently of every strategy: medians by quickselect on
 * a copy of each column's valid finite values (not the radix select the strategies use), and
 * every output cell generated, converted and hashed one at a time. */
#ifndef HW_REFERENCE_H
#define HW_REFERENCE_H
#include "dataset.h"
#include <stdint.h>

/* medians[cols]. 0, or -1 if a column copy could not be allocated. */
int hw_reference_medians(const struct hw_dataset *ds, double *medians);
uint64_t hw_reference_checksum(const struct hw_dataset *ds, const double *medians,
                               enum hw_dtype out_dtype);
/* Compare storage elements [elem0, elem0+n) of an output against the reference: adds to
 * *differing the count of cells whose bits differ, raises *max_abs to the largest |diff|
 * (NaN-free: the reference never holds NaN). */
void hw_reference_compare(const struct hw_dataset *ds, const double *medians,
                          enum hw_dtype out_dtype, enum hw_order order, uint64_t elem0, size_t n,
                          const void *data, uint64_t *differing, double *max_abs);

#endif
