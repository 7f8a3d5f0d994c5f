/* The frames of the cleaning select Polars runs on a slice (or a whole frame), built the way
 * real Polars (nodejs-polars 0.26.1, measured with an allocation tracer) builds them: every
 * column on the pool's threads, each buffer new only where Polars makes a new one.
 *
 *   a = sl.select([pl.when(pl.col(c).is_finite()).then(pl.col(c)) for c in cols])   # clean
 *   b = a.select([pl.col(c).fill_null(medians[c]).cast(out) for c in cols])          # fill_cast
 *
 * clean: the values buffer is shared with the source (a slice is a view; when/then with a
 * null otherwise writes only a validity bitmap, valid AND finite, of ceil(n/64) words).
 * fill_cast, per column of source dtype s:
 *   float s: fill_null writes new values of s when the column holds nulls (null count > 0),
 *            else shares them; cast to out is new when s != out (the filled values freed on
 *            the thread once cast), else shared.
 *   int s:   fill_null with a float median first casts to Float64, the supertype (n x 8),
 *            fills into a second n x 8 buffer when there are nulls (the first freed), then
 *            casts to out (n x out), the Float64 values freed on the thread.
 * The result holds no nulls: no bitmap. */
#ifndef HW_PFRAME_H
#define HW_PFRAME_H
#include "options.h"
#include <stddef.h>
#include "pool.h"
#include "source.h"

struct hw_pframe {
    uint64_t rows;
    uint32_t cols;
    struct hw_colview *view;   /* what each column reads (data shared or owned) */
    void **own_data;           /* owned values buffers, NULL where shared */
    uint8_t **own_validity;    /* owned bitmaps, NULL where shared or none */
};

/* a = rows [row0, row0+n) of src through the clean select. 0, or -1 (hw_run_fail). */
int hw_pframe_clean(struct hw_run *run, const struct hw_source *src,
                    uint64_t row0, uint64_t n, struct hw_pframe *a);
/* b = a.fill_null(medians).cast(out). 0, or -1. */
int hw_pframe_fill_cast(struct hw_run *run, const struct hw_pframe *a,
                        const double *medians, enum hw_dtype out, struct hw_pframe *b);
/* The memory of a.median() as Polars makes it: per column on the pool, a copy of the column's
 * values (all n of them, in its dtype) and a bitmap of n/8 bytes, which the median is taken
 * on in place and which are freed on the thread. The medians themselves come from
 * hw_source_medians (exact, the same values): only the allocations are modelled here, so
 * that the arenas hold what a real Polars median leaves in them.
 * median: polars sort (h-frames) -- the lead swaps in the median by copy-and-sort; it must
 * run on the same pool (one thread pool in Polars: the same threads, the same arenas). */
int hw_pframe_median_copies(struct hw_run *run, const struct hw_pframe *a);
/* medians = sl.select(clean).median() over rows [row0, row0+n): the select's bitmaps, the
 * median's copies (hw_pframe_median_copies), the values from hw_source_medians; the
 * select's frame dropped before returning. 0, or -1. */
int hw_pframe_medians(struct hw_run *run, const struct hw_source *src,
                      uint64_t row0, uint64_t n, double *medians);
/* to_numpy of a frame from hw_pframe_fill_cast (every column in the output dtype, no nulls):
 * its rows [0, rows) into rows [row0, row0+rows) of a matrix of `total` rows in `order`,
 * values as they are (an inf the cast made stays inf, as numpy gets it). */
void hw_pframe_to_numpy(const struct hw_pframe *f, enum hw_dtype dtype, enum hw_order order,
                        uint64_t total, uint64_t row0, void *matrix);
/* One slice's chunk, sl.select(clean).fill_null(medians).cast(out).to_numpy(): rows
 * [r0, r0+n) of src as an n-row block in the output's dtype and order (HW_SIDE_NUMPY), the
 * select's frame dropped once fill_null returns, the filled one once to_numpy does. NULL
 * after hw_run_fail. */
void *hw_pframe_slice_chunk(struct hw_run *run, const struct hw_source *src, uint64_t r0, uint64_t n,
                            const double *medians, const struct hw_output *out);
/* The params of the slicing strategies (chunked-vstack, chunks-preallocated): rows per
 * slice, and whose medians fill a slice. HW_SLICE_PARAMS(help) is their table's rows, the
 * slice's help text being each strategy's own. */
struct hw_slice_params {
    uint64_t chunk_rows;
    int median;        /* 0 global, 1 local */
};
#define HW_SLICE_PARAMS(chunk_help)                                                                   \
    {"chunk_rows", HW_OPT_COUNT, offsetof(struct hw_slice_params, chunk_rows), "10k", 1, 1e12, NULL,   \
     chunk_help},                                                                                      \
    {"median", HW_OPT_ENUM, offsetof(struct hw_slice_params, median), "global", 0, 0, "global|local",  \
     "global: whole-column medians; local: each slice's own (differs from the reference)"},            \
    {0}
/* Drop the frame on the calling thread (Python drops it on the main thread): its own
 * buffers go back to the arenas of the threads that allocated them. Safe twice. */
void hw_pframe_free(struct hw_run *run, struct hw_pframe *f);
/* Bytes of a validity bitmap Polars' builder writes for n rows (whole 64-bit words). */
static inline size_t hw_pframe_bitmap_bytes(uint64_t n) { return (size_t)((n + 63) / 64 * 8); }

#endif
