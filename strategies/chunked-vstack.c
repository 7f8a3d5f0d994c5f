/* chunked-vstack: Option A, "the fix if memory is tight".
 *
 *   clean = [pl.when(pl.col(c).is_finite()).then(pl.col(c)) for c in df.columns]  # inf, NaN -> null
 *   medians = df.select(clean).median()                    # median: global (default)
 *   chunks = []
 *   for sl in df.iter_slices(n_rows=chunk_rows):           # zero-copy slices
 *       chunks.append(sl.select(clean).fill_null(medians).to_numpy())  # a dense chunk each
 *   X = np.vstack(chunks)                                  # a second full copy
 *   del chunks
 *
 * The per-slice select and fill_null make slice-sized frames that live only until the
 * chunk exists; they are not modelled (a slice is 10k rows, under 5 MiB here).
 *
 * median: local fills each slice with its own medians (sl.median()): cheaper to write, and
 * silently different from the whole-column result.
 *
 * Memory shape: S + D once every chunk exists, S + 2D during vstack, then S + D. */
#include "median.h"
#include "output.h"
#include "phase.h"
#include "source.h"
#include "strategy.h"
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct params {
    uint64_t chunk_rows;
    int median;        /* 0 global, 1 local */
};

static const struct hw_option params[] = {
    {"chunk_rows", HW_OPT_COUNT, offsetof(struct params, chunk_rows), "10k", 1, 1e12, NULL,
     "rows per slice (Polars iter_slices n_rows)"},
    {"median", HW_OPT_ENUM, offsetof(struct params, median), "global", 0, 0, "global|local",
     "global: whole-column medians; local: each slice's own (differs from the reference)"},
    {0},
};

/* vstack: every chunk's rows into their place in the output. */
static void vstack(const struct hw_output *out, void *const *chunks, uint64_t nchunks, uint64_t chunk_rows)
{
    size_t esz = hw_dtype_size(out->dtype);
    for (uint64_t k = 0; k < nchunks; k++) {
        uint64_t r0 = k * chunk_rows;
        uint64_t n = out->rows - r0 < chunk_rows ? out->rows - r0 : chunk_rows;
        if (out->order == HW_ORDER_C) {
            memcpy((char *)out->data + r0 * out->cols * esz, chunks[k], n * out->cols * esz);
            continue;
        }
        for (uint32_t c = 0; c < out->cols; c++)
            memcpy((char *)out->data + ((uint64_t)c * out->rows + r0) * esz,
                   (const char *)chunks[k] + (uint64_t)c * n * esz, n * esz);
    }
}

static int run_chunked_vstack(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    const struct params *p = run->params;
    int rc = -1;
    uint64_t nchunks = (src->rows + p->chunk_rows - 1) / p->chunk_rows;
    size_t esz = hw_dtype_size(out->dtype);
    double *medians = calloc(src->cols, sizeof *medians);
    struct hw_colview *views = calloc(src->cols, sizeof *views);
    void **chunks = calloc(nchunks, sizeof *chunks);   /* the Python list */
    if (!medians || !views || !chunks) {
        hw_run_fail(run, "out of memory for %llu chunk slots", (unsigned long long)nchunks);
        goto out;
    }
    if (p->median == 0) {
        hw_phase_begin(run, "median");
        if (hw_source_medians(run, src, 0, src->rows, medians, NULL) != 0)
            goto out;
    }
    hw_phase_begin(run, "chunks");
    for (uint64_t k = 0; k < nchunks; k++) {
        uint64_t r0 = k * p->chunk_rows;
        uint64_t n = src->rows - r0 < p->chunk_rows ? src->rows - r0 : p->chunk_rows;
        if (p->median == 1 && hw_source_medians(run, src, r0, n, medians, NULL) != 0)
            goto out;
        chunks[k] = hw_alloc(run, HW_SIDE_NUMPY, n * src->cols * esz);
        if (!chunks[k]) {
            hw_run_fail(run, "out of memory for chunk %llu", (unsigned long long)k);
            goto out;
        }
        hw_source_views(src, r0, views);
        hw_tiles_convert(views, src->cols, medians, n, out->dtype, out->order, n, 0, chunks[k]);
    }
    hw_phase_begin(run, "vstack");
    if (hw_output_alloc(run, out, HW_SIDE_NUMPY) != 0)
        goto out;
    vstack(out, chunks, nchunks, p->chunk_rows);

    hw_phase_begin(run, "free_chunks");
    for (uint64_t k = 0; k < nchunks; k++) {
        hw_free(run, HW_SIDE_NUMPY, chunks[k]);
        chunks[k] = NULL;
    }
    hw_phase_begin(run, "drop_source");
    hw_source_release(run, src);
    rc = 0;
out:
    for (uint64_t k = 0; chunks && k < nchunks; k++)
        hw_free(run, HW_SIDE_NUMPY, chunks[k]);
    hw_phase_end(run);
    free(chunks);
    free(views);
    free(medians);
    return rc;
}

const struct hw_strategy hw_strategy_chunked_vstack = {
    .name = "chunked-vstack",
    .summary = "iter_slices -> a dense chunk each -> list -> np.vstack",
    .models = "chunks = [sl.fill_null(med).to_numpy() for sl in df.iter_slices(n)]; X = np.vstack(chunks)",
    .model_source = 1.0,
    .model_peak = 2.0,
    .params = params,
    .params_size = sizeof(struct params),
    .run = run_chunked_vstack,
};
