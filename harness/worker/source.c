#include "source.h"
#include "median.h"
#include "size.h"
#include <stdlib.h>
#include <string.h>

int hw_source_load(struct hw_run *run, struct hw_source *src, const struct hw_dataset *ds)
{
    memset(src, 0, sizeof *src);
    src->kind = HW_SOURCE_MEMORY;
    src->ds = ds;
    src->rows = ds->rows;
    src->cols = ds->cols;
    /* The column table is bookkeeping, not data: plain calloc, a few KiB. */
    src->col = calloc(ds->cols, sizeof *src->col);
    if (!src->col)
        return hw_run_fail(run, "out of memory for the column table (%u columns)", ds->cols);
    for (uint32_t c = 0; c < ds->cols; c++) {
        struct hw_colspec cs;
        hw_dataset_colspec(ds, c, &cs);
        struct hw_column *col = &src->col[c];
        col->dtype = cs.dtype;
        uint64_t bytes = hw_dataset_column_bytes(ds, c);
        col->data = hw_alloc(run, HW_SIDE_POLARS, bytes);
        col->validity = hw_alloc(run, HW_SIDE_POLARS, hw_validity_bytes(ds->rows));
        if (!col->data || !col->validity) {
            char b[32];
            return hw_run_fail(run, "out of memory loading source column %u (%s)", c,
                               hw_fmt_bytes((double)bytes, b, sizeof b));
        }
        hw_gen_fill(ds, c, 0, ds->rows, col->data, col->validity);
    }
    return 0;
}

void hw_source_drop_column(struct hw_run *run, struct hw_source *src, uint32_t c)
{
    if (!src->col || c >= src->cols)
        return;
    hw_free(run, HW_SIDE_POLARS, src->col[c].data);
    hw_free(run, HW_SIDE_POLARS, src->col[c].validity);
    src->col[c].data = NULL;
    src->col[c].validity = NULL;
}

void hw_source_release(struct hw_run *run, struct hw_source *src)
{
    if (!src->col)
        return;
    for (uint32_t c = 0; c < src->cols; c++)
        hw_source_drop_column(run, src, c);
    free(src->col);
    src->col = NULL;
}

struct hw_colview hw_source_view(const struct hw_source *src, uint32_t c, uint64_t row0)
{
    const struct hw_column *col = &src->col[c];
    return (struct hw_colview){
        .dtype = col->dtype,
        .data = (const char *)col->data + row0 * hw_dtype_size(col->dtype),
        .validity = col->validity,
        .vbit0 = row0,
    };
}

void hw_source_views(const struct hw_source *src, uint64_t row0, struct hw_colview *views)
{
    for (uint32_t c = 0; c < src->cols; c++)
        views[c] = hw_source_view(src, c, row0);
}

int hw_source_medians(struct hw_run *run, const struct hw_source *src, uint64_t row0, uint64_t n,
                      double *medians, uint64_t *counts)
{
    struct hw_median m;
    if (hw_median_init(&m, src->col[0].dtype) != 0)
        return hw_run_fail(run, "out of memory for the median tables");
    for (uint32_t c = 0; c < src->cols; c++) {
        struct hw_colview v = hw_source_view(src, c, row0);
        uint64_t k;
        if (hw_median_short(&m, v.dtype, v.data, v.validity, v.vbit0, n, &medians[c], &k)) {
            if (counts)
                counts[c] = k;
            continue;
        }
        hw_median_reset(&m, v.dtype);
        while (hw_median_pass_needed(&m)) {
            hw_median_feed(&m, v.data, v.validity, v.vbit0, n);
            hw_median_end_pass(&m);
        }
        medians[c] = hw_median_value(&m);
        if (counts)
            counts[c] = m.count;
    }
    hw_median_release(&m);
    return 0;
}

void hw_source_read(const struct hw_source *src, uint32_t c, uint64_t row0, size_t n, void *data,
                    uint8_t *validity)
{
    hw_gen_fill(src->ds, c, row0, n, data, validity);
}
