/* streaming: the source is never whole in memory; row groups are decoded on demand, as a
 * Parquet scan does, straight into a preallocated output.
 *
 *   pf = pq.ParquetFile(path)
 *   medians = [exact_median_streaming(pf, c) for c in cols]   # radix-select passes over
 *                                                             # one column chunk at a time
 *   X = np.empty((rows, cols), np.float32)                    # or np.memmap (output: memmap)
 *   for rg in range(pf.num_row_groups):
 *       batch = pf.read_row_group(rg)                         # every column of the group
 *       X[rg_rows] = fill(batch, medians); del batch
 *
 * Medians need no copy and no whole column: each radix pass reads one column chunk of a row
 * group at a time and counts it into fixed tables (2-4 passes per column).
 *
 * Memory shape: D + one row group (row_group_rows x a source row) + the median tables; a huge
 * row group destroys the benefit. With output: memmap and evict: true the written rows leave
 * RSS behind the write front, so RSS stays near one row group. */
#include "median.h"
#include "output.h"
#include "phase.h"
#include "source.h"
#include "strategy.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

struct params {
    uint64_t row_group_rows;
    int output;          /* 0 memory, 1 memmap */
    bool evict;
};

static const struct hw_option params[] = {
    {"row_group_rows", HW_OPT_COUNT, offsetof(struct params, row_group_rows), "16k", 1, 1e12, NULL,
     "rows per row group decoded at once"},
    {"output", HW_OPT_ENUM, offsetof(struct params, output), "memory", 0, 0, "memory|memmap",
     "memory: np.empty; memmap: a MAP_SHARED file in the run's tmpdir"},
    {"evict", HW_OPT_BOOL, offsetof(struct params, evict), "false", 0, 0, NULL,
     "with output: memmap, drop written rows from RSS and the page cache"},
    {0},
};

static uint64_t group_rows(const struct hw_source *src, uint64_t r0, uint64_t rg)
{
    return src->rows - r0 < rg ? src->rows - r0 : rg;
}

/* One column's median over every row group, pass after pass; one column chunk buffer. */
static int column_median(struct hw_run *run, const struct hw_source *src, uint32_t c,
                         uint64_t rg, double *median)
{
    int rc = -1;
    struct hw_colspec cs;
    struct hw_median m;
    hw_dataset_colspec(src->ds, c, &cs);
    void *data = hw_alloc(run, HW_SIDE_POLARS, rg * hw_dtype_size(cs.dtype));
    uint8_t *validity = hw_alloc(run, HW_SIDE_POLARS, hw_validity_bytes(rg));
    if (!data || !validity || hw_median_init(&m, cs.dtype) != 0) {
        hw_run_fail(run, "out of memory for a column chunk of %llu rows", (unsigned long long)rg);
        goto out;
    }
    while (hw_median_pass_needed(&m)) {
        for (uint64_t r0 = 0; r0 < src->rows; r0 += rg) {
            uint64_t n = group_rows(src, r0, rg);
            hw_source_read(src, c, r0, n, data, validity);
            hw_median_feed(&m, data, validity, 0, n);
        }
        hw_median_end_pass(&m);
    }
    *median = hw_median_value(&m);
    hw_median_release(&m);
    rc = 0;
out:
    hw_free(run, HW_SIDE_POLARS, data);
    hw_free(run, HW_SIDE_POLARS, validity);
    return rc;
}

/* A record batch: every column of one row group, each its own buffers. */
static int read_group(struct hw_run *run, const struct hw_source *src, uint64_t r0, uint64_t n,
                      struct hw_colview *views)
{
    for (uint32_t c = 0; c < src->cols; c++) {
        struct hw_colspec cs;
        hw_dataset_colspec(src->ds, c, &cs);
        void *data = hw_alloc(run, HW_SIDE_POLARS, n * hw_dtype_size(cs.dtype));
        uint8_t *validity = hw_alloc(run, HW_SIDE_POLARS, hw_validity_bytes(n));
        views[c] = (struct hw_colview){.dtype = cs.dtype, .data = data, .validity = validity};
        if (!data || !validity)
            return hw_run_fail(run, "out of memory for a row group of %llu rows", (unsigned long long)n);
        hw_source_read(src, c, r0, n, data, validity);
    }
    return 0;
}

static void free_group(struct hw_run *run, struct hw_colview *views, uint32_t cols)
{
    for (uint32_t c = 0; c < cols; c++) {
        hw_free(run, HW_SIDE_POLARS, (void *)views[c].data);
        hw_free(run, HW_SIDE_POLARS, (void *)views[c].validity);
        views[c] = (struct hw_colview){0};
    }
}

static int run_streaming(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    const struct params *p = run->params;
    int rc = -1;
    double *medians = calloc(src->cols, sizeof *medians);
    struct hw_colview *views = calloc(src->cols, sizeof *views);
    if (!medians || !views) {
        hw_run_fail(run, "out of memory for %u medians", src->cols);
        goto out;
    }
    hw_phase_begin(run, "median");
    for (uint32_t c = 0; c < src->cols; c++)
        if (column_median(run, src, c, p->row_group_rows, &medians[c]) != 0)
            goto out;

    hw_phase_begin(run, "alloc_output");
    if ((p->output == 1 ? hw_output_map_file(run, out, "streaming.f")
                        : hw_output_alloc(run, out, HW_SIDE_NUMPY)) != 0)
        goto out;

    hw_phase_begin(run, "convert");
    for (uint64_t r0 = 0; r0 < src->rows; r0 += p->row_group_rows) {
        uint64_t n = group_rows(src, r0, p->row_group_rows);
        if (read_group(run, src, r0, n, views) != 0)
            goto out;
        hw_tiles_convert(views, src->cols, medians, n, out->dtype, out->order, out->rows, r0, out->data);
        free_group(run, views, src->cols);
        if (p->output == 1 && p->evict)
            hw_output_evict_rows(out, r0, n);
    }
    if (p->output == 1) {
        hw_phase_begin(run, "flush");
        if (hw_output_flush(run, out, p->evict) != 0)
            goto out;
    }
    rc = 0;
out:
    if (views)
        free_group(run, views, src->cols);
    hw_phase_end(run);
    free(views);
    free(medians);
    return rc;
}

/* D and a row group; with an evicting memmap, the row group twice (the batch and the rows
 * not yet written back) and the process. */
static void estimate(const void *params, struct hw_estimate *e)
{
    const struct params *p = params;
    double group = (double)p->row_group_rows * e->source_bytes / e->rows;
    group = group < e->source_bytes ? group : e->source_bytes;
    e->disk_bytes = p->output == 1 ? e->output_bytes : 0;
    if (p->output == 1 && p->evict) {
        e->peak_bytes = 2 * group + 16.0 * (1 << 20);
        snprintf(e->model, sizeof e->model, "2 x a row group + 16 MiB, the output evicted to disk");
    } else {
        e->peak_bytes = e->output_bytes + group;
        snprintf(e->model, sizeof e->model, "output + a row group");
    }
}

const struct hw_strategy hw_strategy_streaming = {
    .name = "streaming",
    .summary = "row groups decoded on demand (a Parquet scan) into a preallocated output",
    .models = "for rg in pf.row_groups: X[rows(rg)] = fill(pf.read_row_group(rg), medians)",
    .model_source = 0.0,
    .model_peak = 1.1,    /* D and a row group; memmap+evict needs far less */
    .streams_source = true,
    .params = params,
    .params_size = sizeof(struct params),
    .run = run_streaming,
    .estimate = estimate,
};
