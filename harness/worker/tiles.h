/* Converting many columns into a row-major (C order) matrix one column at a time writes
 * with a stride of a whole row and misses the cache on every element. Converting in tiles
 * of rows keeps a tile of the output in cache while every column passes through it. */
#ifndef HW_TILES_H
#define HW_TILES_H
#include "output.h"

/* One source column as seen from a row range: element 0 of data is the range's first row,
 * validity bit vbit0 is its bit (validity NULL: all valid; NaN/inf still mean "missing"). */
struct hw_colview {
    enum hw_dtype dtype;
    const void *data;
    const uint8_t *validity;
    uint64_t vbit0;
};

/* Rows [0, n) of every column (cols[0..ncols)) into a matrix of dtype/order with `rows`
 * rows, at its rows [row0, row0+n); missing cells get medians[c]. */
void hw_tiles_convert(const struct hw_colview *cols, uint32_t ncols, const double *medians,
                      uint64_t n, enum hw_dtype dtype, enum hw_order order, uint64_t rows,
                      uint64_t row0, void *matrix);

/* The same without a conversion: rows [0, n) of columns that already hold dtype, validity
 * ignored, their bits (NaN and inf too) into rows [row0, row0 + n) of a C-order matrix of
 * ncols columns (Polars' to_numpy of a frame of one dtype). */
void hw_tiles_copy(const struct hw_colview *cols, uint32_t ncols, uint64_t n, enum hw_dtype dtype,
                   uint64_t row0, void *matrix);

#endif
