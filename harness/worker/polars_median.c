#include "polars_median.h"
#include <stddef.h>
#include "bitmaps.h"
#include "median.h"
#include "pool.h"
#include <stdlib.h>
#include <string.h>

/* One column's median from its values and validity, by radix select with tables m. */
static void select_median(struct hw_median *m, enum hw_dtype dt, const void *data,
                          const uint8_t *validity, uint64_t n, double *median, uint64_t *count)
{
    hw_median_reset(m, dt);
    while (hw_median_pass_needed(m)) {
        hw_median_feed(m, data, validity, 0, n);
        hw_median_end_pass(m);
    }
    *median = hw_median_value(m);
    *count = m->count;
}

struct sort_ctx {
    struct hw_run *run;
    const struct hw_frame *f;
    double *medians;
    uint64_t *counts;
    struct hw_median *tables;   /* one set per worker thread, made on first use */
    bool *have;
};

/* The sorted copy of column c, as Polars' sort_with_numeric builds it, then its median. */
static int sort_column(void *vctx, unsigned worker, uint32_t c, const char **why)
{
    struct sort_ctx *x = vctx;
    const struct hw_fcol *col = &x->f->col[c];
    uint64_t rows = x->f->rows;
    size_t esz = hw_dtype_size(col->dtype);
    const char *src = col->values->data;
    const uint8_t *valid = col->validity ? col->validity->data : NULL;
    if (!x->have[worker]) {
        if (hw_median_init(&x->tables[worker], col->dtype) != 0) {
            *why = "out of memory for the median tables";
            return -1;
        }
        x->have[worker] = true;
    }
    char *copy = hw_alloc(x->run, HW_SIDE_POLARS, rows * esz);
    uint8_t *bits = NULL;
    if (!copy)
        goto oom;
    uint64_t nulls = col->validity ? col->nulls : 0;
    if (nulls) {
        memset(copy, 0, nulls * esz);   /* the nulls first, as default values */
        hw_bits_compact(esz, src, valid, 0, rows, copy + nulls * esz);
        /* The sorted array's bitmap: nulls first, then valid. */
        size_t vb = hw_validity_bytes(rows);
        bits = hw_alloc(x->run, HW_SIDE_POLARS, vb);
        if (!bits)
            goto oom;
        memset(bits, 0, vb);
        hw_bits_copy(bits, nulls, NULL, 0, rows - nulls);
    } else {
        memcpy(copy, src, rows * esz);
    }
    /* The selection runs in place over the non-null values of the copy (Polars sorts them in
     * place): no further memory. */
    select_median(&x->tables[worker], col->dtype, copy + nulls * esz, NULL, rows - nulls,
                  &x->medians[c], &x->counts[c]);
    hw_free(x->run, HW_SIDE_POLARS, bits);
    hw_free(x->run, HW_SIDE_POLARS, copy);
    return 0;
oom:
    hw_free(x->run, HW_SIDE_POLARS, copy);
    *why = "out of memory for the sorted copy of a column";
    return -1;
}

int hw_polars_medians(struct hw_run *run, const struct hw_frame *f, enum hw_median_mode mode,
                      unsigned threads, double *medians, uint64_t *counts)
{
    int rc = -1;
    uint64_t *cnt = counts ? counts : calloc(f->cols ? f->cols : 1, sizeof *cnt);
    if (!cnt)
        return hw_run_fail(run, "out of memory for %u median counts", f->cols);
    if (mode == HW_MEDIAN_RADIX) {
        struct hw_median m;
        if (f->cols && hw_median_init(&m, f->col[0].dtype) != 0) {
            hw_run_fail(run, "out of memory for the median tables");
            goto out;
        }
        for (uint32_t c = 0; c < f->cols; c++) {
            struct hw_colview v = hw_frame_view(f, c);
            select_median(&m, v.dtype, v.data, v.validity, f->rows, &medians[c], &cnt[c]);
        }
        if (f->cols)
            hw_median_release(&m);
        rc = 0;
        goto out;
    }
    if (threads == 0)
        threads = hw_pool_default_threads();
    struct sort_ctx x = {.run = run, .f = f, .medians = medians, .counts = cnt,
                         .tables = calloc(threads, sizeof *x.tables),
                         .have = calloc(threads, sizeof *x.have)};
    if (!x.tables || !x.have)
        hw_run_fail(run, "out of memory for %u median workers", threads);
    else
        rc = hw_pool_for(run, threads, f->cols, sort_column, &x);
    for (unsigned t = 0; x.have && t < threads; t++)
        if (x.have[t])
            hw_median_release(&x.tables[t]);
    free(x.tables);
    free(x.have);
out:
    if (cnt != counts)
        free(cnt);
    return rc;
}

const struct hw_option hw_polars_params[] = {
    {"median", HW_OPT_ENUM, offsetof(struct hw_polars_params, median), "sort", 0, 0, HW_MEDIAN_CHOICES,
     "sort: Polars' median (a sorted copy per column, on worker threads); radix: in place"},
    {"threads", HW_OPT_UINT, offsetof(struct hw_polars_params, threads), "0", 0, 1024, NULL,
     "Polars' thread pool: the selects' and the median's worker threads (0: online CPUs)"},
    {0},
};
