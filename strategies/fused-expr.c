/* fused-expr: Attempt 2, "one expression, one copy".
 *
 *   medians = df.select(pl.all().median())                                  # a 1-row frame
 *   result = df.select([pl.col(c).cast(pl.Float32)
 *                          .replace([inf, -inf], None)
 *                          .fill_null(medians[c]) for c in df.columns])     # one new frame
 *   if result.null_count().sum_horizontal().item() > 0:                     # the null check
 *       result = result.select(pl.all().fill_null(0))                       # all-null columns
 *   X = result.to_numpy()
 *
 * An all-null column has no median (None), so fill_null leaves it null, the check finds it,
 * and the re-select builds a second whole frame while the first is still bound. The seed's
 * table has one such column, so this path runs. As in select-chain, NaN counts as missing,
 * and inf is replaced after the cast: with an f16 output, values beyond f16's range become
 * inf in the cast and then the median, unlike the reference (which keeps the cast's inf).
 *
 * Memory shape: S + D' after the chained select, S + 2D' during the re-select, S + D' + D
 * at to_numpy: about 3 D. */
#include "convert.h"
#include "frame.h"
#include "output.h"
#include "phase.h"
#include "source.h"
#include "strategy.h"
#include <stdlib.h>
#include <string.h>

/* One chained expression per column, evaluated as Polars does: each step of the chain is a
 * new Series (cast, then replace, then fill_null into the result frame), the intermediates
 * dropped once the next exists. Columns without a median keep their nulls. */
static int chain_column(struct hw_run *run, const struct hw_column *col, uint64_t rows, double median,
                        bool none, struct hw_frame *f, uint32_t c)
{
    int rc = -1;
    size_t bytes = rows * hw_dtype_size(f->dtype), vbytes = hw_validity_bytes(rows);
    void *cast = hw_alloc(run, HW_SIDE_POLARS, bytes), *replaced = NULL;
    uint8_t *cast_v = hw_alloc(run, HW_SIDE_POLARS, vbytes), *replaced_v = NULL;
    if (!cast || !cast_v)
        goto out;
    hw_cast(col->dtype, col->data, rows, f->dtype, cast);
    memcpy(cast_v, col->validity, vbytes);
    replaced = hw_alloc(run, HW_SIDE_POLARS, bytes);
    replaced_v = hw_alloc(run, HW_SIDE_POLARS, vbytes);
    if (!replaced || !replaced_v)
        goto out;
    memcpy(replaced, cast, bytes);
    /* After the cast: a value the output dtype cannot hold (f16) is inf now, and goes too. */
    hw_finite_mask(f->dtype, cast, cast_v, rows, replaced_v);
    hw_free(run, HW_SIDE_POLARS, cast);
    hw_free(run, HW_SIDE_POLARS, cast_v);
    cast = cast_v = NULL;
    hw_convert(f->dtype, replaced, replaced_v, 0, rows, median, f->dtype, f->data[c], 1);
    if (none)   /* no valid finite value anywhere: the median is None, fill_null leaves nulls */
        memset(f->validity[c], 0, vbytes);
    rc = 0;
out:
    hw_free(run, HW_SIDE_POLARS, cast);
    hw_free(run, HW_SIDE_POLARS, cast_v);
    hw_free(run, HW_SIDE_POLARS, replaced);
    hw_free(run, HW_SIDE_POLARS, replaced_v);
    return rc ? hw_run_fail(run, "out of memory for the expression chain of column %u", c) : 0;
}

static int chained_select(struct hw_run *run, const struct hw_source *src, enum hw_dtype dt,
                          const double *medians, const uint64_t *counts, struct hw_frame *f)
{
    bool *nullable = calloc(src->cols, sizeof *nullable);
    if (!nullable)
        return hw_run_fail(run, "out of memory");
    for (uint32_t c = 0; c < src->cols; c++)
        nullable[c] = counts[c] == 0;
    int rc = hw_frame_alloc(run, f, dt, src->rows, src->cols, nullable);
    for (uint32_t c = 0; rc == 0 && c < src->cols; c++)
        rc = chain_column(run, &src->col[c], src->rows, medians[c], nullable[c], f, c);
    free(nullable);
    return rc;
}

static bool has_nulls(const struct hw_frame *f)
{
    for (uint32_t c = 0; c < f->cols; c++)
        if (f->validity[c])
            for (size_t b = 0; b < hw_validity_bytes(f->rows); b++)
                if (f->validity[c][b] != 0xff)
                    return true;
    return false;
}

static int fill_zero(struct hw_run *run, const struct hw_frame *in, struct hw_frame *out)
{
    bool *none = calloc(in->cols, sizeof *none);
    int rc = none ? hw_frame_alloc(run, out, in->dtype, in->rows, in->cols, none) : hw_run_fail(run, "out of memory");
    free(none);
    if (rc != 0)
        return -1;
    /* fill_null(0) fills nulls only: a valid inf (an f16 overflow of the fill) stays. */
    size_t esz = hw_dtype_size(in->dtype);
    for (uint32_t c = 0; c < in->cols; c++) {
        char *dst = out->data[c];
        memcpy(dst, in->data[c], in->rows * esz);
        for (uint64_t r = 0; in->validity[c] && r < in->rows; r++)
            if (!hw_valid_bit(in->validity[c], r))
                memset(dst + r * esz, 0, esz);   /* all-zero bits: +0.0 in every float dtype */
    }
    return 0;
}

static int run_fused_expr(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    int rc = -1;
    struct hw_frame result = {0}, refilled = {0};
    double *medians = calloc(src->cols, sizeof *medians);
    uint64_t *counts = calloc(src->cols, sizeof *counts);
    struct hw_colview *views = calloc(src->cols, sizeof *views);
    if (!medians || !counts || !views) {
        hw_run_fail(run, "out of memory for %u medians", src->cols);
        goto out;
    }
    hw_phase_begin(run, "median");
    if (hw_source_medians(run, src, 0, src->rows, medians, counts) != 0)
        goto out;

    hw_phase_begin(run, "select");
    if (chained_select(run, src, out->dtype, medians, counts, &result) != 0)
        goto out;

    hw_phase_begin(run, "null_check");
    bool nulls = has_nulls(&result);

    if (nulls) {
        hw_phase_begin(run, "fill_all_null");
        if (fill_zero(run, &result, &refilled) != 0)
            goto out;
        hw_frame_free(run, &result);    /* rebinding `result` drops the old frame */
        result = refilled;
        refilled = (struct hw_frame){0};
    }
    hw_phase_begin(run, "to_numpy");
    if (hw_output_alloc(run, out, HW_SIDE_NUMPY) != 0)
        goto out;
    for (uint32_t c = 0; c < src->cols; c++)
        views[c] = hw_frame_view(&result, c);
    hw_tiles_convert(views, src->cols, medians, src->rows, out->dtype, out->order, out->rows, 0,
                     out->data);

    hw_phase_begin(run, "release");
    rc = 0;
out:
    hw_frame_free(run, &refilled);
    hw_frame_free(run, &result);
    hw_source_release(run, src);
    hw_phase_end(run);
    free(views);
    free(counts);
    free(medians);
    return rc;
}

const struct hw_strategy hw_strategy_fused_expr = {
    .name = "fused-expr",
    .summary = "Attempt 2: median select, one chained select, null check, all-null re-select, to_numpy",
    .models = "med = df.select(median); res = df.select(cast.replace_inf.fill_null(med)); "
              "if res.null_count(): res = res.select(fill_null(0)); X = res.to_numpy()",
    .model_source = 1.0,
    .model_peak = 2.1,
    .run = run_fused_expr,
};
