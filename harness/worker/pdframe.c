/* The pandas 1.5.3 BlockManager model, its frames and blocks: making, copying and freeing
 * them, and pyarrow's to_pandas(). The operations are one file each (pdframe_*.c); see
 * pdframe.h for what each allocates. */
#include "pdframe_blocks.h"
#include "bitmaps.h"
#include "convert.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int hw_pd_frame_init(struct hw_run *run, struct hw_pdframe *f, uint64_t rows, uint32_t cols)
{
    *f = (struct hw_pdframe){.rows = rows, .cols = cols};
    f->blk = calloc(cols ? cols : 1, sizeof *f->blk);
    if (!f->blk)
        return hw_run_fail(run, "out of memory for a frame's blocks");
    return 0;
}

struct hw_pdblock *hw_pd_block_add(struct hw_run *run, struct hw_pdframe *f, enum hw_dtype dt,
                                   uint32_t ncols)
{
    struct hw_pdblock *b = &f->blk[f->nblocks];
    *b = (struct hw_pdblock){.dtype = dt, .ncols = ncols};
    b->locs = calloc(ncols ? ncols : 1, sizeof *b->locs);
    b->data = hw_alloc(run, HW_SIDE_NUMPY, (size_t)ncols * hw_pd_col_bytes(f, dt));
    if (!b->locs || !b->data) {
        free(b->locs);
        hw_free(run, HW_SIDE_NUMPY, b->data);
        hw_run_fail(run, "out of memory for a %s block of %u columns", hw_dtype_name(dt), ncols);
        return NULL;
    }
    f->nblocks++;
    return b;
}

static void block_free(struct hw_run *run, struct hw_pdblock *b)
{
    hw_free(run, HW_SIDE_NUMPY, b->data);
    free(b->locs);
    *b = (struct hw_pdblock){0};
}

void hw_pd_free(struct hw_run *run, struct hw_pdframe *f)
{
    for (uint32_t i = 0; f->blk && i < f->nblocks; i++)
        block_free(run, &f->blk[i]);
    free(f->blk);
    *f = (struct hw_pdframe){0};
}

struct hw_pdblock *hw_pd_block_copy(struct hw_run *run, struct hw_pdframe *dst,
                                    const struct hw_pdframe *f, const struct hw_pdblock *b)
{
    struct hw_pdblock *nb = hw_pd_block_add(run, dst, b->dtype, b->ncols);
    if (!nb)
        return NULL;
    memcpy(nb->locs, b->locs, b->ncols * sizeof *b->locs);
    memcpy(nb->data, b->data, (size_t)b->ncols * hw_pd_col_bytes(f, b->dtype));
    return nb;
}

const void *hw_pd_column(const struct hw_pdframe *f, uint32_t c, enum hw_dtype *dtype)
{
    for (uint32_t i = 0; i < f->nblocks; i++)
        for (uint32_t j = 0; j < f->blk[i].ncols; j++)
            if (f->blk[i].locs[j] == c) {
                *dtype = f->blk[i].dtype;
                return hw_pd_block_row(f, &f->blk[i], j);
            }
    return NULL;
}

static bool column_has_null(const struct hw_column *col, uint64_t rows)
{
    return hw_bits_zeros(col->validity, 0, rows) > 0;
}

/* pyarrow's dtype for a column: a float keeps its type, an int with nulls becomes float64. */
static enum hw_dtype arrow_to_pandas_dtype(const struct hw_column *col, uint64_t rows)
{
    if (hw_dtype_is_float(col->dtype))
        return col->dtype;
    return column_has_null(col, rows) ? HW_F64 : col->dtype;
}

void hw_pd_set_nan(enum hw_dtype dt, void *data, uint64_t r)
{
    if (dt == HW_F64)
        ((double *)data)[r] = NAN;
    else if (dt == HW_F32)
        ((float *)data)[r] = NAN;
    else if (dt == HW_F16)
        ((uint16_t *)data)[r] = 0x7e00;   /* the IEEE half quiet NaN */
}

int hw_pd_from_source(struct hw_run *run, const struct hw_source *src, struct hw_pdframe *f)
{
    enum hw_dtype *dt = calloc(src->cols ? src->cols : 1, sizeof *dt);
    if (!dt || hw_pd_frame_init(run, f, src->rows, src->cols) != 0) {
        free(dt);
        return hw_run_fail(run, "out of memory for the frame");
    }
    uint32_t count[HW_DTYPE_COUNT] = {0};
    for (uint32_t c = 0; c < src->cols; c++)
        count[dt[c] = arrow_to_pandas_dtype(&src->col[c], src->rows)]++;
    /* Blocks in the order of each dtype's first column, as pyarrow groups them. */
    for (uint32_t c = 0; c < src->cols; c++) {
        if (count[dt[c]] == 0)
            continue;
        struct hw_pdblock *b = hw_pd_block_add(run, f, dt[c], count[dt[c]]);
        if (!b) {
            free(dt);
            return -1;
        }
        uint32_t j = 0;
        for (uint32_t k = c; k < src->cols; k++) {
            if (dt[k] != dt[c])
                continue;
            const struct hw_column *col = &src->col[k];
            void *dst = hw_pd_block_row(f, b, j);
            b->locs[j++] = k;
            if (col->dtype == b->dtype)          /* inf and NaN kept */
                memcpy(dst, col->data, hw_pd_col_bytes(f, b->dtype));
            else                                 /* an int with nulls -> float64, exact */
                hw_cast(col->dtype, col->data, src->rows, b->dtype, dst);
            for (uint64_t r0 = 0; hw_dtype_is_float(b->dtype) && col->validity && r0 < src->rows;
                 r0 += 64) {
                unsigned k = src->rows - r0 < 64 ? (unsigned)(src->rows - r0) : 64;
                for (uint64_t nul = hw_null_word(col->validity, r0, k); nul; nul &= nul - 1)
                    hw_pd_set_nan(b->dtype, dst, r0 + (unsigned)__builtin_ctzll(nul));
            }
        }
        count[dt[c]] = 0;
    }
    free(dt);
    return 0;
}

int hw_pd_copy(struct hw_run *run, const struct hw_pdframe *f, struct hw_pdframe *dst)
{
    if (hw_pd_frame_init(run, dst, f->rows, f->cols) != 0)
        return -1;
    for (uint32_t i = 0; i < f->nblocks; i++)
        if (!hw_pd_block_copy(run, dst, f, &f->blk[i]))
            return -1;
    return 0;
}
