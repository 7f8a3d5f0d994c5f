/* fused-single-pass: what the conversion needs and nothing more.
 *
 *   medians = [exact_median(col) for col in df]      # radix select in place, no column copy
 *   X = np.empty((rows, cols), dtype=np.float32)     # the output, preallocated
 *   for tile in row_tiles:                           # one pass: cast, inf/null -> median
 *       for c, col in enumerate(df): X[tile, c] = fill(col[tile], medians[c])
 *   del df
 *
 * Memory shape: S while the medians are found (two 65536-entry tables on top), S + D while
 * converting (the output commits page by page as the pass writes it), then D. */
#include "output.h"
#include "phase.h"
#include "source.h"
#include "strategy.h"
#include <stdlib.h>

static int run_fused_single_pass(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    int rc = -1;
    struct hw_colview *views = NULL;
    double *medians = calloc(src->cols, sizeof *medians);
    views = calloc(src->cols, sizeof *views);
    if (!medians || !views) {
        hw_run_fail(run, "out of memory for %u medians", src->cols);
        goto out;
    }
    hw_phase_begin(run, "median");
    if (hw_source_medians(run, src, 0, src->rows, medians, NULL) != 0)
        goto out;

    hw_phase_begin(run, "convert");
    if (hw_output_alloc(run, out, HW_SIDE_NUMPY) != 0)
        goto out;
    hw_source_views(src, 0, views);
    hw_tiles_convert(views, src->cols, medians, src->rows, out->dtype, out->order, out->rows, 0,
                     out->data);

    hw_phase_begin(run, "drop_source");
    hw_source_release(run, src);
    rc = 0;
out:
    hw_phase_end(run);
    free(views);
    free(medians);
    return rc;
}

const struct hw_strategy hw_strategy_fused_single_pass = {
    .name = "fused-single-pass",
    .summary = "exact medians in place, then one pass into a preallocated output",
    .models = "medians by radix select; X = np.empty(...); X[tile, c] = fill(col[tile]) in one pass",
    .model_source = 1.0,
    .model_peak = 1.0,
    .run = run_fused_single_pass,
};
