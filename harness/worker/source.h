/* The source table as a strategy sees it. memory: every column its own allocation plus a
 * validity bitmap, like Arrow, owned by the Polars side. stream: nothing resident; row ranges
 * are generated on demand (a Parquet scan). */
#ifndef HW_SOURCE_H
#define HW_SOURCE_H
#include "config.h"
#include "run.h"
#include "tiles.h"

struct hw_column {
    enum hw_dtype dtype;
    void *data;             /* NULL once dropped */
    uint8_t *validity;
};

struct hw_source {
    enum hw_source_kind kind;
    const struct hw_dataset *ds;
    uint64_t rows;
    uint32_t cols;
    struct hw_column *col;  /* memory kind: cols entries */
};

/* Generate the whole table into memory. 0, or -1 (hw_run_fail already called). */
int hw_source_load(struct hw_run *run, struct hw_source *src, const struct hw_dataset *ds);
/* Free one column's buffers (pyarrow self_destruct, or `del df` column by column). */
void hw_source_drop_column(struct hw_run *run, struct hw_source *src, uint32_t c);
/* Rows [row0, row0+n) of column c decoded on demand, as a Parquet reader would (stream
 * kind; works for any kind). validity bit i is row row0+i. */
void hw_source_read(const struct hw_source *src, uint32_t c, uint64_t row0, size_t n, void *data,
                    uint8_t *validity);
/* Column c seen from row row0 on (memory kind). */
struct hw_colview hw_source_view(const struct hw_source *src, uint32_t c, uint64_t row0);
/* Every column seen from row row0 on, into views[cols]. */
void hw_source_views(const struct hw_source *src, uint64_t row0, struct hw_colview *views);
/* Exact medians of rows [row0, row0+n) of every column into medians[cols], by radix select on
 * the column in place (Polars' median without a copy); counts[cols] (may be NULL) gets each
 * column's number of valid finite values (0: the median is None). 0, or -1 (hw_run_fail). */
int hw_source_medians(struct hw_run *run, const struct hw_source *src, uint64_t row0, uint64_t n,
                      double *medians, uint64_t *counts);
/* Free whatever is left; safe to call twice. */
void hw_source_release(struct hw_run *run, struct hw_source *src);

#endif
