/* A pandas 1.5 DataFrame as its BlockManager holds it, for the strategies that model pandas
 * code: blocks of one dtype each, a block a 2-D (its columns x rows) C array, so each column
 * is contiguous, owned by the numpy side. Each operation makes the allocations pandas 1.5.3
 * makes (read in pandas/core/internals/{managers,blocks}.py, generic.py, frame.py, nanops.py
 * and bottleneck's reduce.c), of the same size and alive as long, in the same order:
 *
 *   hw_pd_from_source   pyarrow's to_pandas(): one consolidated block per dtype, columns
 *                       written straight in (a float null -> NaN, an int column with nulls ->
 *                       float64), no further copy (pyarrow builds the BlockManager itself)
 *   hw_pd_replace_inf   replace([inf, -inf], nan[, inplace]): Block.replace_list makes both
 *                       masks first (mask_missing: np.zeros, then `arr == x` and `|=`, so 3
 *                       block-sized bool arrays at the peak, 2 held); not inplace, it copies
 *                       the block once (replace_list) and once more per pair (Block.replace),
 *                       each copy freed when the next exists; an int block cannot hold inf
 *                       and is shared (inplace) or copied
 *   hw_pd_median        median(): bottleneck's nanmedian over each block along its rows: one
 *                       buffer of a column (the block's dtype) per block, each column's
 *                       non-NaN values copied in and partitioned (quickselect), no sort
 *   hw_pd_fillna        fillna(Series[, inplace]): per column, Series.fillna (an isna mask and
 *                       a filled copy of the column), then the setitem's own copy of it
 *                       (_sanitize_column); inplace, it is written back into the block
 *                       (loc -> _iset_item, inplace); not inplace, after a deep copy of the
 *                       frame, `result[k] = res_k` takes the column out of its block by
 *                       np.delete (a new block of the other columns, the old freed after)
 *                       and adds a one-column block: the frame ends as one block per column
 *   hw_pd_to_numpy      to_numpy(dtype): _consolidate_inplace (per dtype with more than one
 *                       block, np.vstack then a reorder by column position, two copies, the
 *                       old blocks freed at the end), then one block -> astype (a new array),
 *                       several -> _interleave into np.empty
 *
 * One file an operation: pdframe.c (the frame, its blocks, from_source and copy),
 * pdframe_replace.c, pdframe_median.c, pdframe_fillna.c, pdframe_numpy.c; what they share
 * is in pdframe_blocks.h.
 */
#ifndef HW_PDFRAME_H
#define HW_PDFRAME_H
#include "output.h"
#include "run.h"
#include "source.h"

struct hw_pdblock {
    enum hw_dtype dtype;
    uint32_t ncols;
    uint32_t *locs;     /* the frame column of each block row */
    void *data;         /* ncols x rows, row j is column locs[j] */
};

struct hw_pdframe {
    uint64_t rows;
    uint32_t cols;
    uint32_t nblocks;   /* at most cols */
    struct hw_pdblock *blk;
};

/* 0, or -1 (hw_run_fail called) for each. */
int hw_pd_from_source(struct hw_run *run, const struct hw_source *src, struct hw_pdframe *f);
/* DataFrame.copy(deep=True): every block copied. */
int hw_pd_copy(struct hw_run *run, const struct hw_pdframe *f, struct hw_pdframe *dst);
void hw_pd_free(struct hw_run *run, struct hw_pdframe *f);
/* inplace: f changes, dst unused (may be NULL). Not inplace: dst is the new frame, f kept. */
int hw_pd_replace_inf(struct hw_run *run, struct hw_pdframe *f, bool inplace, struct hw_pdframe *dst);
/* medians[cols]: of each column's non-NaN finite values (0 when there is none: highwater's
 * reference, where pandas gives NaN), exact, by partition. */
int hw_pd_median(struct hw_run *run, const struct hw_pdframe *f, double *medians);
int hw_pd_fillna(struct hw_run *run, struct hw_pdframe *f, const double *medians, bool inplace,
                 struct hw_pdframe *dst);
/* Consolidates f in place, then writes out (allocated here, out->side numpy). */
int hw_pd_to_numpy(struct hw_run *run, struct hw_pdframe *f, struct hw_output *out);
/* Column c's block and its row there. */
const void *hw_pd_column(const struct hw_pdframe *f, uint32_t c, enum hw_dtype *dtype);

#endif
