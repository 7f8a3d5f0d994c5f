/* The pandas model's to_numpy(dtype): _consolidate_inplace, then one new array (pdframe.h). */
#include "pdframe_blocks.h"
#include "tiles.h"
#include <stdlib.h>
#include <string.h>

/* pandas' _consolidate groups blocks by dtype name: float16 < float32 < float64 < int16 <
 * int32 < int64 < int8, the order of the HW names' own sort. */
static int dtype_rank(enum hw_dtype d)
{
    static const int rank[HW_DTYPE_COUNT] = {
        [HW_F16] = 0, [HW_F32] = 1, [HW_F64] = 2, [HW_I16] = 3, [HW_I32] = 4, [HW_I64] = 5, [HW_I8] = 6};
    return rank[d];
}

static int consolidate(struct hw_run *run, struct hw_pdframe *f)
{
    uint32_t per[HW_DTYPE_COUNT] = {0};
    for (uint32_t i = 0; i < f->nblocks; i++)
        per[f->blk[i].dtype]++;
    bool needed = false;
    for (int d = 0; d < HW_DTYPE_COUNT; d++)
        needed |= per[d] > 1;
    if (!needed)
        return 0;
    struct hw_pdframe nf;
    if (hw_pd_frame_init(run, &nf, f->rows, f->cols) != 0)
        return -1;
    for (int rk = 0; rk < HW_DTYPE_COUNT; rk++) {
        enum hw_dtype d = HW_DTYPE_COUNT;
        for (int k = 0; k < HW_DTYPE_COUNT; k++)
            if (dtype_rank((enum hw_dtype)k) == rk)
                d = (enum hw_dtype)k;
        if (d == HW_DTYPE_COUNT || per[d] == 0)
            continue;
        uint32_t n = 0;
        for (uint32_t i = 0; i < f->nblocks; i++)
            if (f->blk[i].dtype == d)
                n += f->blk[i].ncols;
        if (per[d] == 1) {      /* one block of the dtype: kept as it is */
            for (uint32_t i = 0; i < f->nblocks; i++)
                if (f->blk[i].dtype == d) {
                    nf.blk[nf.nblocks++] = f->blk[i];
                    f->blk[i] = (struct hw_pdblock){0};
                }
            continue;
        }
        /* _merge_blocks: np.vstack of the group's blocks in block order, then
         * new_values[argsort(locs)]: a second copy, the vstack freed once it exists. */
        size_t cb = hw_pd_col_bytes(f, d);
        struct hw_pdblock *stack = hw_pd_block_add(run, &nf, d, n);
        if (!stack)
            goto fail;
        uint32_t at = 0;
        for (uint32_t i = 0; i < f->nblocks; i++) {
            const struct hw_pdblock *b = &f->blk[i];
            if (b->dtype != d)
                continue;
            memcpy((char *)stack->data + (size_t)at * cb, b->data, (size_t)b->ncols * cb);
            memcpy(stack->locs + at, b->locs, b->ncols * sizeof *b->locs);
            at += b->ncols;
        }
        char *sorted = hw_alloc(run, HW_SIDE_NUMPY, (size_t)n * cb);
        if (!sorted) {
            hw_run_fail(run, "out of memory consolidating %u %s columns", n, hw_dtype_name(d));
            goto fail;
        }
        /* argsort of distinct column positions: write each row to its rank. */
        uint32_t *nl = calloc(n, sizeof *nl);
        if (!nl) {
            hw_free(run, HW_SIDE_NUMPY, sorted);
            hw_run_fail(run, "out of memory for an argsort");
            goto fail;
        }
        for (uint32_t s = 0; s < n; s++) {
            uint32_t rank = 0;
            for (uint32_t t = 0; t < n; t++)
                rank += stack->locs[t] < stack->locs[s];
            memcpy(sorted + (size_t)rank * cb, (char *)stack->data + (size_t)s * cb, cb);
            nl[rank] = stack->locs[s];
        }
        hw_free(run, HW_SIDE_NUMPY, stack->data);
        free(stack->locs);
        stack->data = sorted;
        stack->locs = nl;
    }
    /* self.blocks = the new tuple: the old blocks go now. */
    hw_pd_free(run, f);
    *f = nf;
    return 0;
fail:
    hw_pd_free(run, &nf);
    return -1;
}

int hw_pd_to_numpy(struct hw_run *run, struct hw_pdframe *f, struct hw_output *out)
{
    if (consolidate(run, f) != 0)
        return -1;
    /* One block: values.astype(dtype), a new array; several: _interleave, np.empty and each
     * block cast into its rows. Either way one new array of the output's size, written
     * column after column. (One block already of the output dtype would be shared by pandas,
     * no copy; no configured source is all float32, and the model copies it too.) */
    if (hw_output_alloc(run, out, HW_SIDE_NUMPY) != 0)
        return -1;
    struct hw_colview *views = calloc(f->cols ? f->cols : 1, sizeof *views);
    double *zero = calloc(f->cols ? f->cols : 1, sizeof *zero);
    if (!views || !zero) {
        free(views);
        free(zero);
        return hw_run_fail(run, "out of memory for %u column views", f->cols);
    }
    for (uint32_t i = 0; i < f->nblocks; i++)
        for (uint32_t j = 0; j < f->blk[i].ncols; j++)
            views[f->blk[i].locs[j]] = (struct hw_colview){.dtype = f->blk[i].dtype,
                                                           .data = hw_pd_block_row(f, &f->blk[i], j)};
    /* A NaN left by fillna (pandas: an all-null column, whose median is NaN) becomes the
     * reference's 0 here; fillna has filled every other. */
    hw_tiles_convert(views, f->cols, zero, f->rows, out->dtype, out->order, out->rows, 0, out->data);
    free(views);
    free(zero);
    return 0;
}
