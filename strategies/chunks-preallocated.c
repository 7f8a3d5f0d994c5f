/* chunks-preallocated: Option A done the careful way, every chunk written into one
 * preallocated array instead of a list that np.vstack copies again.
 *
 *   clean = [pl.when(pl.col(c).is_finite()).then(pl.col(c)) for c in df.columns]  # inf, NaN -> null
 *   medians = df.select(clean).median()
 *   X = np.empty((df.height, df.width), dtype=np.float32)  # untouched: pages commit as written
 *   for off in range(0, df.height, chunk_rows):
 *       sl = df.slice(off, chunk_rows)                     # zero-copy
 *       X[off:off + sl.height] = sl.select(clean).fill_null(medians).cast(pl.Float32).to_numpy()
 *   del df
 *
 * Each slice makes the same frames as chunked-vstack's (harness/worker/pframe.h: the clean select's
 * bitmaps over the source's values, then the filled frame in the output dtype, on the pool's
 * threads) and a dense chunk, which the assignment copies into X and Python then drops:
 * with the filled frame, two slice-sized buffers on top of the rows written so far.
 *
 * Memory shape: S + D + about two slices (2 x chunk_rows/rows x D) at the last slice, then D.
 * median: local fills each slice with its own medians, as chunked-vstack's. */
#include "median.h"
#include "output.h"
#include "pframe.h"
#include "phase.h"
#include "pool.h"
#include "source.h"
#include "strategy.h"
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct hw_option params[] = {HW_SLICE_PARAMS("rows per slice (df.slice(off, n))")};

/* One slice: its frames and chunk (pframe.h), the chunk into X, then dropped. */
static int slice_into(struct hw_run *run, const struct hw_source *src,
                      uint64_t r0, uint64_t n, const double *medians, const struct hw_output *out)
{
    void *chunk = hw_pframe_slice_chunk(run, src, r0, n, medians, out);
    if (!chunk)
        return -1;
    hw_output_put_rows(out, chunk, r0, n);
    hw_free(run, HW_SIDE_NUMPY, chunk);   /* the assignment's right-hand side, dropped */
    return 0;
}

static int run_chunks_preallocated(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    const struct hw_slice_params *p = run->params;
    int rc = -1;
    double *medians = calloc(src->cols, sizeof *medians);
    if (!medians) {
        hw_run_fail(run, "out of memory for %u medians", src->cols);
        goto out;
    }
    if (p->median == 0) {
        hw_phase_begin(run, "median");
        /* median: polars sort (h-frames) */
        if (hw_pframe_medians(run, src, 0, src->rows, medians) != 0)
            goto out;
    }
    hw_phase_begin(run, "chunks");
    if (hw_output_alloc(run, out, HW_SIDE_NUMPY) != 0)   /* np.empty */
        goto out;
    for (uint64_t r0 = 0; r0 < src->rows; r0 += p->chunk_rows) {
        uint64_t n = src->rows - r0 < p->chunk_rows ? src->rows - r0 : p->chunk_rows;
        /* median: polars sort (h-frames) -- local: sl.select(clean).median() */
        if (p->median == 1 && hw_pframe_medians(run, src, r0, n, medians) != 0)
            goto out;
        if (slice_into(run, src, r0, n, medians, out) != 0)
            goto out;
    }
    hw_phase_begin(run, "drop_source");
    hw_source_release(run, src);
    rc = 0;
out:
    hw_phase_end(run);
    free(medians);
    return rc;
}

/* Measured at 250k and 2M rows of the seed's mix and the f64 source (README, Fidelity). */
static const struct hw_fidelity_gap gaps[] = {
    {"chunks drop_source run", -0.25, 0.10,
     "real Polars' worker arenas keep a varying part of the freed slice frames (whole 64 MiB glibc heaps, "
     "0 to 3 of them, as rayon's work stealing places the columns: 2M mix, 250k slices, two runs: "
     "+1.20 and +1.28 D against the model's +1.15); the model's fixed split of the columns keeps the least "
     "of that range", "glibc"},
    {0},
};

const struct hw_strategy hw_strategy_chunks_preallocated = {
    .name = "chunks-preallocated",
    .summary = "slices -> a dense chunk each, written into one preallocated array",
    .models = "X = np.empty((rows, cols), f32); for off, sl in slices: "
              "X[off:off+n] = sl.select(clean).fill_null(med).cast(f32).to_numpy()",
    .model_source = 1.0,
    .model_peak = 1.3,   /* X, a slice's filled frame and its chunk, what the arenas keep */
    .params = params,
    .params_size = sizeof(struct hw_slice_params),
    .twin = "polars",
    .fidelity_gaps = gaps,
    .run = run_chunks_preallocated,
};
