/* memmap: "lower RSS, only slower" -- the output is a file mapping.
 *
 *   X = np.memmap(path, dtype=np.float32, mode="w+", shape=(rows, cols))
 *   clean = [pl.when(pl.col(c).is_finite()).then(pl.col(c)) for c in df.columns]  # inf, NaN -> null
 *   medians = df.select(clean).median()
 *   for i, sl in enumerate(df.iter_slices(n_rows=chunk_rows)):
 *       X[i*n:(i+1)*n] = sl.select(clean).fill_null(medians).to_numpy()   # a dense chunk, copied in
 *   X.flush()
 *
 * As in chunked-vstack, the slice-sized intermediate frames are not modelled.
 *
 * Twin: scripts/twins/pandas/memmap.py, the same slices in numpy (a dense chunk per slice
 * copied into an np.memmap, the same msync/madvise/fadvise eviction through the mapping's own
 * mmap object). Its median is numpy's (see fused-single-pass.c): up to a column more in the
 * median phase.
 *
 * Memory shape: anonymous S (the source stays) plus one chunk; the written file pages are
 * resident in the mapping and count in RSS (RssFile) and in the cgroup, up to D. With
 * evict: true each written slice is msync'ed and dropped (MADV_DONTNEED + fadvise), so
 * the file part stays bounded. */
#include "median.h"
#include "output.h"
#include "phase.h"
#include "source.h"
#include "strategy.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct params {
    uint64_t chunk_rows;
    bool evict;
};

static const struct hw_option params[] = {
    {"chunk_rows", HW_OPT_COUNT, offsetof(struct params, chunk_rows), "10k", 1, 1e12, NULL,
     "rows per slice written into the mapping"},
    {"evict", HW_OPT_BOOL, offsetof(struct params, evict), "false", 0, 0, NULL,
     "msync and drop written pages behind the write front"},
    {0},
};

static int run_memmap(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    const struct params *p = run->params;
    int rc = -1;
    size_t esz = hw_dtype_size(out->dtype);
    double *medians = calloc(src->cols, sizeof *medians);
    struct hw_colview *views = calloc(src->cols, sizeof *views);
    if (!medians || !views) {
        hw_run_fail(run, "out of memory for %u medians", src->cols);
        goto out;
    }
    hw_phase_begin(run, "memmap_create");
    if (hw_output_map_file(run, out, "memmap.f") != 0)
        goto out;
    hw_phase_begin(run, "median");
    if (hw_source_medians(run, src, 0, src->rows, medians, NULL) != 0)
        goto out;

    hw_phase_begin(run, "fill");
    for (uint64_t r0 = 0; r0 < src->rows; r0 += p->chunk_rows) {
        uint64_t n = src->rows - r0 < p->chunk_rows ? src->rows - r0 : p->chunk_rows;
        void *chunk = hw_alloc(run, HW_SIDE_NUMPY, n * src->cols * esz);
        if (!chunk) {
            hw_run_fail(run, "out of memory for a chunk of %llu rows", (unsigned long long)n);
            goto out;
        }
        hw_source_views(src, r0, views);
        hw_tiles_convert(views, src->cols, medians, n, out->dtype, out->order, n, 0, chunk);
        hw_output_put_rows(out, chunk, r0, n);
        hw_free(run, HW_SIDE_NUMPY, chunk);
        if (p->evict)
            hw_output_evict_rows(out, r0, n);
    }
    hw_phase_begin(run, "flush");
    if (hw_output_flush(run, out, p->evict) != 0)
        goto out;
    hw_phase_begin(run, "drop_source");
    hw_source_release(run, src);
    rc = 0;
out:
    hw_phase_end(run);
    free(views);
    free(medians);
    return rc;
}

/* The source stays; the mapping's pages count in RSS unless evicted behind the front. */
static void estimate(const void *params, struct hw_estimate *e)
{
    const struct params *p = params;
    double chunk = (double)p->chunk_rows * e->output_bytes / e->rows;
    if (p->evict) {
        e->peak_bytes = e->source_bytes + 2 * chunk;
        snprintf(e->model, sizeof e->model, "source + 2 chunks, the output evicted to disk");
    }
}

const struct hw_strategy hw_strategy_memmap = {
    .name = "memmap",
    .summary = "output in a MAP_SHARED file filled slice by slice (np.memmap)",
    .models = "X = np.memmap(path, 'w+', shape); for sl in df.iter_slices(n): X[i:j] = sl.fill_null(med).to_numpy()",
    .model_source = 1.0,
    .model_peak = 1.0,      /* file pages of the mapping count in RSS until evicted */
    .output_on_disk = true,
    .params = params,
    .params_size = sizeof(struct params),
    .run = run_memmap,
    .twin = "pandas",
    .fidelity_gaps = hw_numpy_median_gaps,
    .estimate = estimate,
};
