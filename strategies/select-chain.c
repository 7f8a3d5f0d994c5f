/* select-chain: Attempt 1, "each step replaces the last, so the peak stays at 32-40 GB".
 *
 *   selected_df = df.select(pl.all().cast(pl.Float32))                        # frame 1
 *   selected_df = selected_df.select(pl.all().replace([inf, -inf], None))     # frame 2
 *   filled_df = selected_df.select(pl.all().fill_null(df.median()))           # frame 3
 *   X = filled_df.to_numpy()
 *
 * Each frame is Arrow's (frame.h): a column is a values buffer and a bitmap, each shared by
 * every frame that did not change it. Frame 1 shares every column that already has the
 * output dtype (on the seed's mostly-f32 mix nearly all of it: only the 12 non-f32 columns
 * are new) and every bitmap but an i64 column's; frame 2 shares frame 1's values and writes
 * a new bitmap per column; frame 3 writes new values (and an all-valid bitmap) for every
 * column with nulls. df.median() is Polars' (polars_median.h: a sorted copy of each source
 * column, `threads` at a time on worker threads) unless median=radix. Rebinding a name frees
 * the old frame only after the new one exists; selected_df stays alive while filled_df is
 * built and converted; df itself is never dropped. Modelling choices: replace() also turns
 * NaN into null (the seed's intent: every non-finite becomes the median) and the medians are
 * the reference's (over valid finite values), so the output matches the reference bit for
 * bit for f32 and f64. With f16, values beyond its range turn inf in the cast and then
 * become the median, a deviation the report counts (cells_differing), like fused-expr's.
 *
 * Memory shape (S source, D output, B = D/32 the bitmaps of an f32 frame): f64 source:
 * S + D (frame 1's values) + B (frame 2), then + D at fill_null and + D at to_numpy: about
 * +3 D. Mostly-f32 source: frame 1 is nearly free, so about +2 D (fill_null's values and
 * the array). Measured against nodejs-polars 0.26.1 by its twin
 * (scripts/twins/polars/select-chain.js), glibc, 2M rows, model vs real: f64 source cast
 * 1.001/1.011, replace_inf 1.033/1.047, fill_null 2.064/2.080, to_numpy 3.064/3.090; mix
 * 0.106/0.117, 0.138/0.153, 1.123/1.140, 2.123/2.150. What the model leaves out: the library's
 * code paged in by its first select (~10 MiB of RssFile) and an 8 MiB block it allocates once
 * on a worker thread, 0.02 D at 2M together. */
#include "frame.h"
#include "output.h"
#include "phase.h"
#include "polars_median.h"
#include "source.h"
#include "strategy.h"
#include <stddef.h>
#include <stdlib.h>


static int run_select_chain(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    const struct hw_polars_params *p = run->params;
    unsigned threads = (unsigned)p->threads;
    int rc = -1;
    struct hw_frame df = {0}, selected = {0}, selected2 = {0}, filled = {0};
    double *medians = calloc(src->cols, sizeof *medians);
    struct hw_colview *views = calloc(src->cols, sizeof *views);
    if (!medians || !views) {
        hw_run_fail(run, "out of memory for %u medians", src->cols);
        goto out;
    }
    if (hw_frame_adopt(run, &df, src) != 0)   /* the loaded source is the frame df */
        goto out;

    hw_phase_begin(run, "cast");
    if (hw_frame_cast(run, threads, &df, out->dtype, true, &selected) != 0)
        goto out;

    hw_phase_begin(run, "replace_inf");
    if (hw_frame_replace_nonfinite(run, threads, &selected, &selected2) != 0)
        goto out;
    hw_frame_free(run, &selected);      /* the old selected_df, once the new one exists */
    selected = selected2;
    selected2 = (struct hw_frame){0};

    hw_phase_begin(run, "fill_null");
    if (hw_polars_medians(run, &df, (enum hw_median_mode)p->median, threads, medians, NULL) != 0 ||
        hw_frame_fill_null(run, threads, &selected, medians, NULL, &filled) != 0)
        goto out;

    hw_phase_begin(run, "to_numpy");
    if (hw_output_alloc(run, out, HW_SIDE_NUMPY) != 0)
        goto out;
    hw_frame_to_numpy(&filled, medians, views, out);

    hw_phase_begin(run, "release");
    rc = 0;
out:
    hw_frame_free(run, &filled);
    hw_frame_free(run, &selected2);
    hw_frame_free(run, &selected);
    hw_frame_free(run, &df);
    hw_source_release(run, src);
    hw_phase_end(run);
    free(views);
    free(medians);
    return rc;
}

const struct hw_strategy hw_strategy_select_chain = {
    .name = "select-chain",
    .summary = "Attempt 1: cast, replace_inf, fill_null, to_numpy, each a frame sharing what it keeps",
    .models = "selected_df = df.select(cast); selected_df = selected_df.select(replace_inf); "
              "filled_df = selected_df.select(fill_null(median)); X = filled_df.to_numpy()",
    .model_source = 1.0,
    .model_peak = 3.1,   /* f64 source: frame 1's values, frame 3's and the array */
    .params = hw_polars_params,
    .params_size = sizeof(struct hw_polars_params),
    .twin = "polars",
    .run = run_select_chain,
};
