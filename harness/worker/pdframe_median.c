/* The pandas model's median(): bottleneck's nanmedian, a partition per column (pdframe.h). */
#include "pdframe_blocks.h"
#include "bitmaps.h"
#include "buffer_median.h"
#include "convert.h"
#include "median.h"
#include <math.h>
#include <string.h>

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
            medians[b->locs[j]] = hw_buffer_median(sel, buf, n);
        }
        hw_free(run, HW_SIDE_NUMPY, buf);
    }
    return 0;
}
