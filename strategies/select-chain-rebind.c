/* select-chain-rebind: the select chain that rebinds every name, the source included: the
 * cheapest real chain.
 *
 *   medians = df.median()                                   # before the source is rebound
 *   df = df.select(pl.all().cast(pl.Float32))
 *   df = df.select(pl.all().replace([inf, -inf], None))
 *   df = df.select([pl.col(c).fill_null(medians[c]) for c in df.columns])
 *   X = df.to_numpy()
 *   del df
 *
 * The medians are taken first, from the source frame, as a 1-row frame the fill_null reads
 * (once df is rebound to the cast frame the source is gone, and the medians of the cast
 * frame would be other numbers for a narrowing cast). Polars' median (polars_median.h: a
 * sorted copy per column, `threads` at a time on worker threads) unless median=radix. Each
 * rebinding frees the old frame once the new one exists (Python drops it when the name is
 * rebound, after the right-hand side is built), and only what the new frame does not share
 * (frame.h): the cast frees the source's values of every column whose dtype changed (keeping
 * the bitmaps and the columns already f32), replace_inf frees the cast's bitmaps (keeping
 * the values), fill_null frees the values of every column it filled. Modelling choices as in
 * select-chain: NaN counts as missing, the medians are the reference's, so the output is
 * exact for f32 and f64.
 *
 * Memory shape (S source, D output): f64 source (S = 2D): S + D during the cast, then never
 * above it (fill_null: D + D; to_numpy: D + D): +1 D over the source. Mostly-f32 source
 * (S ~ D): the cast frees little, fill_null builds D beside the old frame: S + D, and to_numpy
 * D + D: +1 D. Measured against nodejs-polars 0.26.1 by its twin
 * (scripts/twins/polars/select-chain-rebind.js), glibc, 2M rows: every phase to to_numpy
 * within 0.05 D (f64: cast 1.000 vs 1.013, fill_null 0.031 vs 0.075, to_numpy 1.030 vs 1.080;
 * mix: 0.106 vs 0.124, 1.000 vs 1.032, 1.105 vs 1.141).
 *
 * Fidelity gap: the release phase. After `del df` what RSS keeps of the freed frame is
 * glibc's arenas of the worker threads: a heap there is given back only from the top, and
 * only when nothing above is alive. The library keeps small allocations of its own on those
 * threads that pin heaps (measured at 1M rows: `del df` gave back 87 MiB of the 435 MiB frame
 * on the f64 source, 362 MiB on the mix; at 2M from none to half of it, run to run); the model
 * frees the same buffers in the same arenas but has none of those, so it gives back more.
 * The run's peak is not affected. */
#include "frame.h"
#include "output.h"
#include "phase.h"
#include "polars_median.h"
#include "source.h"
#include "strategy.h"
#include <stddef.h>
#include <stdlib.h>


/* df = next: the old frame dropped once the new one exists. */
static void rebind(struct hw_run *run, struct hw_frame *df, struct hw_frame *next)
{
    hw_frame_free(run, df);
    *df = *next;
    *next = (struct hw_frame){0};
}

static int run_select_chain_rebind(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    const struct hw_polars_params *p = run->params;
    unsigned threads = (unsigned)p->threads;
    int rc = -1;
    struct hw_frame df = {0}, next = {0};
    double *medians = calloc(src->cols, sizeof *medians);
    struct hw_colview *views = calloc(src->cols, sizeof *views);
    if (!medians || !views) {
        hw_run_fail(run, "out of memory for %u medians", src->cols);
        goto out;
    }
    if (hw_frame_adopt(run, &df, src) != 0)   /* the loaded source is the frame df */
        goto out;

    hw_phase_begin(run, "median");
    if (hw_polars_medians(run, &df, (enum hw_median_mode)p->median, threads, medians, NULL) != 0)
        goto out;

    hw_phase_begin(run, "cast");
    if (hw_frame_cast(run, threads, &df, out->dtype, true, &next) != 0)
        goto out;
    rebind(run, &df, &next);

    hw_phase_begin(run, "replace_inf");
    if (hw_frame_replace_nonfinite(run, threads, &df, &next) != 0)
        goto out;
    rebind(run, &df, &next);

    hw_phase_begin(run, "fill_null");
    if (hw_frame_fill_null(run, threads, &df, medians, NULL, &next) != 0)
        goto out;
    rebind(run, &df, &next);

    hw_phase_begin(run, "to_numpy");
    if (hw_output_alloc(run, out, HW_SIDE_NUMPY) != 0)
        goto out;
    hw_frame_to_numpy(&df, medians, views, out);
    hw_frame_free(run, &df);   /* del df, in the step (as its twin): X alone remains */

    hw_phase_begin(run, "release");
    rc = 0;
out:
    hw_frame_free(run, &next);
    hw_frame_free(run, &df);
    hw_source_release(run, src);
    hw_phase_end(run);
    free(views);
    free(medians);
    return rc;
}

/* Measured at 250k and 2M rows (README, Fidelity). */
static const struct hw_fidelity_gap gaps[] = {
    {"release", -0.60, 0.60,
     "after del df glibc keeps a run-to-run varying part of the freed frame in the worker threads' arenas, "
     "pinned by the library's own small allocations there (real 0.08 to 0.66 D of 1 D freed at 250k rows, "
     "0 to 0.6 D at 2M); the model keeps a fixed part (0.59 D at 250k). Peaks up to to_numpy within 0.06 D", "glibc"},
    {"release", -0.05, 0.45,
     "under jemalloc the model keeps the whole freed frame as dirty pages until decay (its extents are "
     "below 8 MiB), the real process part of it (250k rows: +1.30 D against +0.94 D): jemalloc purges on a "
     "clock (dirty_decay_ms, 10 s) and the twin runs several times longer; with the decay pinned on both "
     "sides the two agree within 0.06 D (dirty_decay_ms 0: 1.02 / 1.08 D, -1: 2.14 / 2.19)", "jemalloc"},
    {0},
};

const struct hw_strategy hw_strategy_select_chain_rebind = {
    .name = "select-chain-rebind",
    .summary = "The select chain rebinding every name, the source too: each step frees what it replaced",
    .models = "med = df.median(); df = df.select(cast); df = df.select(replace_inf); "
              "df = df.select(fill_null(med)); X = df.to_numpy(); del df",
    .model_source = 1.0,
    .model_peak = 1.1,   /* the cast beside the source (f64), or fill_null beside frame 2 */
    .params = hw_polars_params,
    .params_size = sizeof(struct hw_polars_params),
    .twin = "polars",
    .fidelity_gaps = gaps,
    .run = run_select_chain_rebind,
};
