/* What the files of the pandas model (pdframe*.c) share: a block's bytes and rows, and
 * making, copying and NaN-filling blocks. Strategies include pdframe.h only. */
#ifndef HW_PDFRAME_BLOCKS_H
#define HW_PDFRAME_BLOCKS_H
#include "pdframe.h"

/* The bytes of one column of dtype dt. */
static inline size_t hw_pd_col_bytes(const struct hw_pdframe *f, enum hw_dtype dt)
{
    return (size_t)f->rows * hw_dtype_size(dt);
}

/* Row j of block b: one column, contiguous. */
static inline void *hw_pd_block_row(const struct hw_pdframe *f, const struct hw_pdblock *b, uint32_t j)
{
    return (char *)b->data + (size_t)j * hw_pd_col_bytes(f, b->dtype);
}

/* The bookkeeping of a frame of up to cols blocks (plain malloc: pandas' is Python objects,
 * a few KiB). 0, or -1 (hw_run_fail). */
int hw_pd_frame_init(struct hw_run *run, struct hw_pdframe *f, uint64_t rows, uint32_t cols);
/* A block of ncols columns of dtype, its data allocated (untouched) and locs to fill; NULL
 * (hw_run_fail) when out of memory. */
struct hw_pdblock *hw_pd_block_add(struct hw_run *run, struct hw_pdframe *f, enum hw_dtype dt,
                                   uint32_t ncols);
/* Block b of f copied as the next block of dst (Block.copy: values.copy()), or NULL. */
struct hw_pdblock *hw_pd_block_copy(struct hw_run *run, struct hw_pdframe *dst,
                                    const struct hw_pdframe *f, const struct hw_pdblock *b);
/* Element r of a float column (dt's NaN; an int column has none and is left). */
void hw_pd_set_nan(enum hw_dtype dt, void *data, uint64_t r);

#endif
