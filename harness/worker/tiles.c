#include "tiles.h"
#include "convert.h"

/* 512 rows of 114 f32 columns is a 228 KiB tile, inside a 1 MiB L2 beside the source lines;
 * 2048 rows (912 KiB) spilled it: make bench's "convert C tiles" measured 2.5-2.7 GB/s at
 * 2048, 4.1-4.9 at 512, 2.6-3.3 at 128 (AMD EPYC, issue 16). */
enum { TILE_ROWS = 512 };

void hw_tiles_convert(const struct hw_colview *cols, uint32_t ncols, const double *medians,
                      uint64_t n, enum hw_dtype dtype, enum hw_order order, uint64_t rows,
                      uint64_t row0, void *matrix)
{
    size_t esz = hw_dtype_size(dtype);
    char *m = matrix;
    if (order == HW_ORDER_F) {
        for (uint32_t c = 0; c < ncols; c++)
            hw_convert(cols[c].dtype, cols[c].data, cols[c].validity, cols[c].vbit0, n,
                       medians[c], dtype, m + ((uint64_t)c * rows + row0) * esz, 1);
        return;
    }
    for (uint64_t t = 0; t < n; t += TILE_ROWS) {
        size_t k = n - t < TILE_ROWS ? (size_t)(n - t) : TILE_ROWS;
        for (uint32_t c = 0; c < ncols; c++) {
            size_t csz = hw_dtype_size(cols[c].dtype);
            hw_convert(cols[c].dtype, (const char *)cols[c].data + t * csz, cols[c].validity,
                       cols[c].vbit0 + t, k, medians[c], dtype,
                       m + ((row0 + t) * ncols + c) * esz, ncols);
        }
    }
}
