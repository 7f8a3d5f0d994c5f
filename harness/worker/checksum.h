/* Output checksum: the wrapping sum over cells of a mix of (logical index r*cols+c, bit
 * pattern). Independent of memory order (C or F) and of the order cells are visited, so it
 * can be accumulated over any storage range, and a swapped pair of cells changes it. */
#ifndef HW_CHECKSUM_H
#define HW_CHECKSUM_H
#include "dtype.h"
#include <stdint.h>
#include <stddef.h>

uint64_t hw_cell_hash(uint64_t index, uint64_t bits);

/* Sum of hw_cell_hash over storage elements [elem0, elem0+n) of a rows x cols matrix in the
 * given order; data points at element elem0. */
uint64_t hw_checksum_range(enum hw_dtype dtype, enum hw_order order, uint64_t rows, uint32_t cols,
                           uint64_t elem0, size_t n, const void *data);

#endif
