/* column-release: convert a column at a time and free it at once, as pyarrow's
 * to_pandas(self_destruct=True, split_blocks=True) does.
 *
 *   medians = [exact_median(col) for col in df]          # in place
 *   X = np.empty((rows, cols), dtype=np.float32, order=ORDER)
 *   tbl = df.to_arrow(); del df                          # zero copy
 *   for i, name in enumerate(tbl.column_names):
 *       X[:, i] = fill(tbl.column(name), medians[i])
 *       tbl = tbl.drop([name])                           # the column's buffers are freed
 *
 * Twin: scripts/twins/pandas/column-release.py (the columns a list, each entry dropped after
 * its column is written; pyarrow is not in Debian). Its median is numpy's (see
 * fused-single-pass.c): up to a column more in the median phase.
 *
 * Memory shape depends on the output's order, which is the lesson about lazy commit:
 *   F order: column i of X is contiguous, writing it commits only its own pages while the
 *            source column is freed: max(S, D) plus a column.
 *   C order: X[:, 0] touches every row, so the first column commits every page of X while
 *            almost all of the source is alive: S + D. */
#include "convert.h"
#include "median.h"
#include "output.h"
#include "phase.h"
#include "source.h"
#include "strategy.h"
#include <stdlib.h>

static int run_column_release(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    int rc = -1;
    size_t esz = hw_dtype_size(out->dtype);
    double *medians = calloc(src->cols, sizeof *medians);
    if (!medians) {
        hw_run_fail(run, "out of memory for %u medians", src->cols);
        goto out;
    }
    hw_phase_begin(run, "median");
    if (hw_source_medians(run, src, 0, src->rows, medians, NULL) != 0)
        goto out;

    hw_phase_begin(run, "alloc_output");   /* untouched: no page is committed yet */
    if (hw_output_alloc(run, out, HW_SIDE_NUMPY) != 0)
        goto out;

    hw_phase_begin(run, "convert_release");
    for (uint32_t c = 0; c < src->cols; c++) {
        const struct hw_column *col = &src->col[c];
        char *dst = (char *)out->data + hw_output_index(out, 0, c) * esz;
        hw_convert(col->dtype, col->data, col->validity, 0, src->rows, medians[c], out->dtype, dst,
                   hw_output_col_stride(out));
        hw_source_drop_column(run, src, c);
    }
    rc = 0;
out:
    hw_source_release(run, src);
    hw_phase_end(run);
    free(medians);
    return rc;
}

const struct hw_strategy hw_strategy_column_release = {
    .name = "column-release",
    .summary = "convert a column at a time into a preallocated output, freeing each source column",
    .models = "X = np.empty(shape, order=O); for i, c in enumerate(cols): X[:, i] = fill(tbl[c]); "
              "tbl = tbl.drop([c])  (pyarrow self_destruct)",
    .model_source = 1.0,
    .model_peak = 1.0,    /* C order: S + D; F order needs less, but pre-flight stays safe */
    .run = run_column_release,
    .twin = "pandas",
    .fidelity_gaps = hw_numpy_median_gaps,
};
