/* whole-copy: the "pandas path".
 *
 *   pdf = df.to_pandas()      # pyarrow builds consolidated per-dtype blocks; an int column
 *                             # with nulls becomes float64 (NaN for null), as pandas does
 *   del df
 *   pdf.replace([np.inf, -np.inf], np.nan, inplace=True)
 *   pdf.fillna(pdf.median(), inplace=True)
 *   X = pdf.to_numpy(dtype=np.float32)
 *   del pdf
 *
 * Modelled: the replace and the fill in place, fused into the to_numpy pass, and the median
 * without a copy. pandas may copy a block in each of those steps (its "inplace" is not a
 * promise), which could only raise the peak above the figure measured here.
 *
 * Memory shape: S + P at to_pandas (P >= S: float64 blocks for f64 and nullable int
 * columns), then P + D at to_numpy, then D. */
#include "convert.h"
#include "median.h"
#include "output.h"
#include "phase.h"
#include "source.h"
#include "strategy.h"
#include <stdlib.h>
#include <string.h>

/* A pandas block: the columns of one dtype side by side, each column contiguous. */
struct block {
    enum hw_dtype dtype;
    uint32_t ncols;
    void *data;
};

struct frame {
    struct block blocks[HW_DTYPE_COUNT];
    uint32_t *block_of;     /* column -> block (its dtype index) */
    uint32_t *slot;         /* column -> position inside its block */
};

static bool has_null(const struct hw_column *col, uint64_t rows)
{
    size_t full = rows / 8;
    for (size_t i = 0; i < full; i++)
        if (col->validity[i] != 0xff)
            return true;
    for (uint64_t r = full * 8; r < rows; r++)
        if (!hw_valid_bit(col->validity, r))
            return true;
    return false;
}

static enum hw_dtype pandas_dtype(const struct hw_column *col, uint64_t rows)
{
    if (hw_dtype_is_float(col->dtype))
        return col->dtype;
    return has_null(col, rows) ? HW_F64 : col->dtype;
}

/* One source column into its block slot: floats keep their type (null -> NaN), nullable
 * ints go to float64 through the exact int -> double conversion. */
static void column_to_block(const struct hw_column *col, uint64_t rows, enum hw_dtype bdt, void *dst)
{
    if (bdt == col->dtype && !hw_dtype_is_float(bdt)) {
        memcpy(dst, col->data, rows * hw_dtype_size(bdt));
        return;
    }
    hw_convert(col->dtype, col->data, col->validity, 0, rows, __builtin_nan(""), bdt, dst, 1);
}

static void *slot_ptr(const struct frame *f, uint32_t c, uint64_t rows)
{
    const struct block *b = &f->blocks[f->block_of[c]];
    return (char *)b->data + (uint64_t)f->slot[c] * rows * hw_dtype_size(b->dtype);
}

static int to_pandas(struct hw_run *run, const struct hw_source *src, struct frame *f)
{
    for (uint32_t c = 0; c < src->cols; c++) {
        enum hw_dtype bdt = pandas_dtype(&src->col[c], src->rows);
        f->block_of[c] = bdt;
        f->slot[c] = f->blocks[bdt].ncols++;
        f->blocks[bdt].dtype = bdt;
    }
    for (int d = 0; d < HW_DTYPE_COUNT; d++) {
        struct block *b = &f->blocks[d];
        if (b->ncols == 0)
            continue;
        b->data = hw_alloc(run, HW_SIDE_NUMPY, (size_t)b->ncols * src->rows * hw_dtype_size(b->dtype));
        if (!b->data)
            return hw_run_fail(run, "out of memory for the pandas %s block (%u columns)",
                               hw_dtype_name(b->dtype), b->ncols);
    }
    for (uint32_t c = 0; c < src->cols; c++)
        column_to_block(&src->col[c], src->rows, f->blocks[f->block_of[c]].dtype,
                        slot_ptr(f, c, src->rows));
    return 0;
}

static int run_whole_copy(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    int rc = -1;
    uint64_t rows = src->rows;
    uint32_t cols = src->cols;
    struct frame f = {0};
    double *medians = calloc(cols, sizeof *medians);
    struct hw_colview *views = calloc(cols, sizeof *views);
    f.block_of = calloc(cols, sizeof *f.block_of);
    f.slot = calloc(cols, sizeof *f.slot);
    if (!medians || !views || !f.block_of || !f.slot) {
        hw_run_fail(run, "out of memory for the frame's bookkeeping");
        goto out;
    }
    hw_phase_begin(run, "to_pandas");
    if (to_pandas(run, src, &f) != 0)
        goto out;

    hw_phase_begin(run, "drop_source");
    hw_source_release(run, src);

    hw_phase_begin(run, "median");
    for (uint32_t c = 0; c < cols; c++) {
        if (hw_median_column(f.blocks[f.block_of[c]].dtype, slot_ptr(&f, c, rows), NULL, rows,
                             &medians[c]) != 0) {
            hw_run_fail(run, "out of memory for the median tables");
            goto out;
        }
    }

    hw_phase_begin(run, "to_numpy");
    if (hw_output_alloc(run, out, HW_SIDE_NUMPY) != 0)
        goto out;
    for (uint32_t c = 0; c < cols; c++)
        views[c] = (struct hw_colview){.dtype = f.blocks[f.block_of[c]].dtype, .data = slot_ptr(&f, c, rows)};
    hw_tiles_convert(views, cols, medians, rows, out->dtype, out->order, rows, 0, out->data);

    hw_phase_begin(run, "drop_pandas");
    rc = 0;
out:
    for (int d = 0; d < HW_DTYPE_COUNT; d++)
        hw_free(run, HW_SIDE_NUMPY, f.blocks[d].data);
    hw_phase_end(run);
    free(f.block_of);
    free(f.slot);
    free(views);
    free(medians);
    return rc;
}

const struct hw_strategy hw_strategy_whole_copy = {
    .name = "whole-copy",
    .summary = "the pandas path: to_pandas blocks, drop the source, to_numpy",
    .models = "pdf = df.to_pandas(); del df; X = pdf.fillna(pdf.median()).to_numpy(np.float32)",
    .model_source = 2.0,   /* S + P with P ~ S; P + D comes later and is no larger */
    .model_peak = 0.0,
    .run = run_whole_copy,
};
