/* select-chain: Attempt 1, "each step replaces the last, so the peak stays at 32-40 GB".
 *
 *   selected_df = df.select(pl.all().cast(pl.Float32))                        # frame 1
 *   selected_df = selected_df.select(pl.all().replace([inf, -inf], None))     # frame 2
 *   filled_df = selected_df.select(pl.all().fill_null(df.median()))           # frame 3
 *   X = filled_df.to_numpy()
 *
 * Rebinding a name frees the old frame only after the new one exists, and selected_df stays
 * alive while filled_df is built and converted; df itself is never dropped. Modelling
 * choices: replace() also turns NaN into null (the seed's intent: every non-finite becomes
 * the median) and the medians are the source columns' (exact), so the output matches the
 * reference bit for bit for f32 and f64. Frames hold the output dtype (f32 by default); with
 * f16, values beyond its range turn inf in the cast and then become the median, a deviation
 * the report counts (cells_differing), like fused-expr's.
 *
 * Memory shape: S + 2D' while frame 2 is built (D' = D plus bitmaps), S + 2D' again at
 * fill_null, S + 2D' + D at to_numpy: about 4 D, the ~160 GB of the seed. */
#include "convert.h"
#include "frame.h"
#include "output.h"
#include "phase.h"
#include "source.h"
#include "strategy.h"
#include <stdlib.h>
#include <string.h>

static int cast(struct hw_run *run, const struct hw_source *src, enum hw_dtype dt, struct hw_frame *f1)
{
    if (hw_frame_alloc(run, f1, dt, src->rows, src->cols, NULL) != 0)
        return -1;
    for (uint32_t c = 0; c < src->cols; c++) {
        hw_cast(src->col[c].dtype, src->col[c].data, src->rows, dt, f1->data[c]);
        memcpy(f1->validity[c], src->col[c].validity, hw_validity_bytes(src->rows));
    }
    return 0;
}

static int replace_inf(struct hw_run *run, const struct hw_frame *f1, struct hw_frame *f2)
{
    if (hw_frame_alloc(run, f2, f1->dtype, f1->rows, f1->cols, NULL) != 0)
        return -1;
    for (uint32_t c = 0; c < f1->cols; c++) {
        memcpy(f2->data[c], f1->data[c], f1->rows * hw_dtype_size(f1->dtype));
        hw_finite_mask(f1->dtype, f1->data[c], f1->validity[c], f1->rows, f2->validity[c]);
    }
    return 0;
}

static int fill_null(struct hw_run *run, const struct hw_frame *f2, const double *medians, struct hw_frame *f3)
{
    bool *no_validity = calloc(f2->cols, sizeof *no_validity);   /* nothing is null after */
    int rc = no_validity ? hw_frame_alloc(run, f3, f2->dtype, f2->rows, f2->cols, no_validity)
                         : hw_run_fail(run, "out of memory");
    free(no_validity);
    if (rc != 0)
        return -1;
    for (uint32_t c = 0; c < f2->cols; c++)
        hw_convert(f2->dtype, f2->data[c], f2->validity[c], 0, f2->rows, medians[c], f3->dtype,
                   f3->data[c], 1);
    return 0;
}

static int run_select_chain(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    int rc = -1;
    struct hw_frame selected = {0}, selected2 = {0}, filled = {0};
    double *medians = calloc(src->cols, sizeof *medians);
    struct hw_colview *views = calloc(src->cols, sizeof *views);
    if (!medians || !views) {
        hw_run_fail(run, "out of memory for %u medians", src->cols);
        goto out;
    }
    hw_phase_begin(run, "cast");
    if (cast(run, src, out->dtype, &selected) != 0)
        goto out;

    hw_phase_begin(run, "replace_inf");
    if (replace_inf(run, &selected, &selected2) != 0)
        goto out;
    hw_frame_free(run, &selected);      /* the old selected_df, once the new one exists */
    selected = selected2;
    selected2 = (struct hw_frame){0};

    hw_phase_begin(run, "fill_null");
    if (hw_source_medians(run, src, 0, src->rows, medians, NULL) != 0 ||
        fill_null(run, &selected, medians, &filled) != 0)
        goto out;

    hw_phase_begin(run, "to_numpy");
    if (hw_output_alloc(run, out, HW_SIDE_NUMPY) != 0)
        goto out;
    for (uint32_t c = 0; c < src->cols; c++)
        views[c] = hw_frame_view(&filled, c);
    hw_tiles_convert(views, src->cols, medians, src->rows, out->dtype, out->order, out->rows, 0,
                     out->data);

    hw_phase_begin(run, "release");
    rc = 0;
out:
    hw_frame_free(run, &filled);
    hw_frame_free(run, &selected2);
    hw_frame_free(run, &selected);
    hw_source_release(run, src);
    hw_phase_end(run);
    free(views);
    free(medians);
    return rc;
}

const struct hw_strategy hw_strategy_select_chain = {
    .name = "select-chain",
    .summary = "Attempt 1: cast, replace_inf, fill_null, to_numpy, each a full new frame",
    .models = "selected_df = df.select(cast); selected_df = selected_df.select(replace_inf); "
              "filled_df = selected_df.select(fill_null(median)); X = filled_df.to_numpy()",
    .model_source = 1.0,
    .model_peak = 3.1,   /* two frames with bitmaps (2 x 1.03 D) and the array */
    .twin = "polars",
    .run = run_select_chain,
};
