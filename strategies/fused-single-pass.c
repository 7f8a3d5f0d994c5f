/* fused-single-pass: what the conversion needs and nothing more.
 *
 *   medians = [exact_median(col) for col in df]      # radix select in place, no column copy
 *   X = np.empty((rows, cols), dtype=np.float32)     # the output, preallocated
 *   for tile in row_tiles:                           # one pass: cast, inf/null -> median
 *       for c, col in enumerate(df): X[tile, c] = fill(col[tile], medians[c])
 *   del df
 *
 * Twin: scripts/twins/pandas/fused-single-pass.py, the same steps in numpy. numpy has no radix
 * select, so its median is the closest numpy code (compress the valid finite values, np.median
 * in place): up to a column more during the median phase, which glibc then keeps (+0.02 D
 * measured): the median phase compares within that, the rest alike.
 *
 * Memory shape: S while the medians are found (two 65536-entry tables on top), S + D while
 * converting (the output commits page by page as the pass writes it), then D. */
#include "median.h"
#include "output.h"
#include "phase.h"
#include "source.h"
#include "strategy.h"
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct params {
    uint64_t extra_bytes;
};

static const struct hw_option params[] = {
    {"extra_bytes", HW_OPT_BYTES, offsetof(struct params, extra_bytes), "0", 0, 0, NULL,
     "test only: hold this many more bytes through convert (a deliberate regression)"},
    {0},
};

/* Touched through a volatile pointer, one store per page: the compiler may not drop it. */
static void *hold_extra(struct hw_run *run, uint64_t bytes)
{
    char *p = bytes ? hw_alloc(run, HW_SIDE_NUMPY, bytes) : NULL;
    volatile char *v = p;
    for (uint64_t i = 0; p && i < bytes; i += 4096)
        v[i] = 1;
    return p;
}

static int run_fused_single_pass(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    const struct params *p = run->params;
    void *extra = NULL;
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
    extra = hold_extra(run, p->extra_bytes);
    if ((p->extra_bytes && !extra) || hw_output_alloc(run, out, HW_SIDE_NUMPY) != 0) {
        hw_run_fail(run, "out of memory in convert");
        goto out;
    }
    hw_source_views(src, 0, views);
    hw_tiles_convert(views, src->cols, medians, src->rows, out->dtype, out->order, out->rows, 0,
                     out->data);

    hw_phase_begin(run, "drop_source");
    hw_free(run, HW_SIDE_NUMPY, extra);
    extra = NULL;
    hw_source_release(run, src);
    rc = 0;
out:
    hw_free(run, HW_SIDE_NUMPY, extra);
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
    .params = params,
    .params_size = sizeof(struct params),
    .run = run_fused_single_pass,
    .twin = "pandas",
    .fidelity_gaps = hw_numpy_median_gaps,
};
