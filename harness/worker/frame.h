/* A Polars DataFrame as Arrow holds it: each column a values buffer and, where it can hold
 * nulls, a validity bitmap, each buffer reference-counted (Arc) and shared by every frame
 * that did not change it. A select builds a new frame whose columns are new buffers only
 * where the Polars kernel writes one: a cast to the dtype a column already has shares both
 * buffers; when(is_finite).then(col).otherwise(None) (or replace([inf, -inf], None)) writes a
 * new bitmap and shares the values; fill_null on a column without nulls shares both. A frame
 * is dropped by hw_frame_free: a buffer is freed when the last frame holding it goes, so
 * rebinding a name (free the old frame after the new one exists) frees only what the new
 * frame does not share.
 *
 * What each kernel allocates was read off an allocation trace of nodejs-polars 0.26.1 (the
 * Rust core 0.55.2, glibc malloc; every malloc/free of 64 KiB or more with its thread, one
 * column per select, 1M rows), see each function. The frame-level selects evaluate their
 * columns on worker threads (pool.h), as Polars' in-memory engine does with its POOL. */
#ifndef HW_FRAME_H
#define HW_FRAME_H
#include "output.h"
#include "run.h"
#include "source.h"
#include "tiles.h"

struct hw_buf {
    uint32_t refs;         /* frames holding it (atomic: frames are built on worker threads) */
    size_t bytes;
    void *data;            /* HW_SIDE_POLARS */
};

struct hw_fcol {
    enum hw_dtype dtype;
    struct hw_buf *values;     /* rows elements of dtype */
    struct hw_buf *validity;   /* NULL: no bitmap (no nulls) */
    uint64_t nulls;
};

struct hw_frame {
    uint64_t rows;
    uint32_t cols;
    struct hw_fcol *col;       /* the column table is bookkeeping: plain calloc */
};

/* An empty frame of cols columns (every buffer NULL). 0, or -1 (hw_run_fail). */
int hw_frame_init(struct hw_run *run, struct hw_frame *f, uint64_t rows, uint32_t cols);
/* The loaded source becomes frame f (`df`): its buffers move into f, so the source keeps
 * none (hw_source_release then frees nothing of them) and they live as long as some frame
 * holds them. Arrow's IPC reader gives a column without nulls no bitmap: the source's
 * all-valid bitmaps are freed here (call it before the first phase). */
int hw_frame_adopt(struct hw_run *run, struct hw_frame *f, struct hw_source *src);
/* Drop the frame: every buffer loses a reference. Safe on a zeroed or freed frame. */
void hw_frame_free(struct hw_run *run, struct hw_frame *f);
struct hw_colview hw_frame_view(const struct hw_frame *f, uint32_t c);
/* X = f.to_numpy() into out's allocated array, every column through the tiled convert (a
 * null, which the strategies' fills have left none of, would take the column's median);
 * views is scratch for f->cols entries. */
void hw_frame_to_numpy(const struct hw_frame *f, const double *medians, struct hw_colview *views,
                       const struct hw_output *out);
uint64_t hw_frame_null_count(const struct hw_frame *f);

/* Column kernels, on the calling thread. out is written whole (share or new); 0, or -1
 * (out of memory; *out is then empty). */
/* cast(dtype, strict): same dtype: both buffers shared. Otherwise a new values buffer; the
 * bitmap is shared, except where the kernel builds its own validity (traced: an i64 source,
 * strict or not, and a non-strict f64 -> f32, which checks each value's range). */
int hw_col_cast(struct hw_run *run, const struct hw_fcol *in, uint64_t rows, enum hw_dtype dtype,
                bool strict, struct hw_fcol *out);
/* when(is_finite).then(col).otherwise(None), or replace([inf, -inf], None): values shared; the
 * is_finite mask (a bitmap) is allocated, and with a bitmap in the input a temporary and the
 * new bitmap (input AND mask), the mask and the temporary freed; without one the mask is the
 * new validity. NaN counts as missing (the strategies' choice: every non-finite becomes
 * null). */
int hw_col_replace_nonfinite(struct hw_run *run, const struct hw_fcol *in, uint64_t rows,
                             struct hw_fcol *out);
/* fill_null(value): no nulls: both buffers shared. Otherwise new values (nulls replaced by
 * value, every valid cell kept as it is) and a new all-valid bitmap. none: the fill value is
 * None (the median of an all-null column), the column stays as it is: shared. */
int hw_col_fill_null(struct hw_run *run, const struct hw_fcol *in, uint64_t rows, double value,
                     bool none, struct hw_fcol *out);
/* Share in's buffers into out (a reference each). */
void hw_col_share(const struct hw_fcol *in, struct hw_fcol *out);
void hw_col_release(struct hw_run *run, struct hw_fcol *c);

/* Frame-level selects of every column, on `threads` worker threads (0: online CPUs). out is
 * a new frame; 0, or -1 (hw_run_fail; out is then freed). fill: one value per column, none
 * (may be NULL) marks the columns whose fill value is None. */
int hw_frame_cast(struct hw_run *run, unsigned threads, const struct hw_frame *in,
                  enum hw_dtype dtype, bool strict, struct hw_frame *out);
int hw_frame_replace_nonfinite(struct hw_run *run, unsigned threads, const struct hw_frame *in,
                               struct hw_frame *out);
int hw_frame_fill_null(struct hw_run *run, unsigned threads, const struct hw_frame *in,
                       const double *fill, const bool *none, struct hw_frame *out);

#endif
