/* Column medians as the modelled code takes them. radix: the exact radix select on each
 * column in place (median.h), no copy: the strategies that are code a team would write.
 * sort: Polars' median. Polars' median of a column with nulls (quantile -> generic_quantiles
 * -> sort) materialises a sorted copy of the column: a values buffer of the full length
 * (the nulls as default values first, then the non-null values), sorted in place, and a new
 * bitmap (nulls first); a column without nulls is copied (cont_slice().to_vec()) and
 * selected in place. The copy is in the column's own dtype (an i16 column copies 2 bytes a
 * row) and freed when the median is read. df.median() / pl.all().median() evaluates the
 * columns in parallel on the thread pool, so `threads` copies are in flight and each is
 * allocated and freed on a worker thread, whose glibc arena keeps what it freed (traced on
 * nodejs-polars 0.26.1, see frame.h). The value is the reference's (hw_median over the
 * copy's valid finite values), so outputs stay exact. */
#ifndef HW_POLARS_MEDIAN_H
#define HW_POLARS_MEDIAN_H
#include "frame.h"

enum hw_median_mode { HW_MEDIAN_SORT = 0, HW_MEDIAN_RADIX = 1 };
/* The choices string for a strategy's `median` option, in enum order. */
#define HW_MEDIAN_CHOICES "sort|radix"

/* The params every strategy that models Polars calls takes (one table: select-chain,
 * select-chain-rebind, fused-expr): the median mode and the size of Polars' thread pool. */
struct hw_polars_params {
    int median;          /* enum hw_median_mode */
    uint64_t threads;    /* 0: online CPUs */
};
extern const struct hw_option hw_polars_params[];

/* medians[cols] of frame f; counts[cols] (may be NULL) gets each column's number of valid
 * finite values (0: the median is None). threads 0: online CPUs (sort only; radix runs on
 * the calling thread). 0, or -1 (hw_run_fail). */
int hw_polars_medians(struct hw_run *run, const struct hw_frame *f, enum hw_median_mode mode,
                      unsigned threads, double *medians, uint64_t *counts);

#endif
