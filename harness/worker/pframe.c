#include "pframe.h"
#include "bitmaps.h"
#include "convert.h"
#include "output.h"
#include "tiles.h"
#include <stdlib.h>
#include <string.h>

static int frame_init(struct hw_run *run, struct hw_pframe *f, uint64_t rows, uint32_t cols)
{
    *f = (struct hw_pframe){.rows = rows, .cols = cols};
    /* The column table is bookkeeping: plain calloc. */
    f->view = calloc(cols, sizeof *f->view);
    f->own_data = calloc(cols, sizeof *f->own_data);
    f->own_validity = calloc(cols, sizeof *f->own_validity);
    if (!f->view || !f->own_data || !f->own_validity) {
        free(f->view);
        free(f->own_data);
        free(f->own_validity);
        *f = (struct hw_pframe){0};
        return hw_run_fail(run, "out of memory for a frame's column table");
    }
    return 0;
}

struct clean_job {
    struct hw_run *run;
    const struct hw_source *src;
    uint64_t row0, n;
    struct hw_pframe *a;
};

static int clean_column(void *arg, unsigned thread, uint32_t c, const char **why)
{
    struct clean_job *j = arg;
    *why = "out of memory for a clean select's bitmaps";
    struct hw_colview v = hw_source_view(j->src, c, j->row0);
    uint64_t n = j->n;
    /* is_finite's mask and its AND with the validity come first (traced: two bitmaps of the
     * builder's size, freed once the result's exists), except on an integer column without
     * nulls, where the result is the mask alone. */
    /* The first when/then a worker evaluates allocates an 8 MiB block (4 KiB-aligned) that
     * stays for the process (traced on one worker, at the first clean select, alive at
     * exit; fully resident). Where it lands in that thread's arena pins a heap. */
    if (thread == 0 && !j->run->polars_kept) {
        j->run->polars_kept = hw_alloc(j->run, HW_SIDE_POLARS, (size_t)8 << 20);
        if (!j->run->polars_kept)
            return -1;
        memset(j->run->polars_kept, 0, (size_t)8 << 20);
    }
    bool temps = hw_dtype_is_float(v.dtype) || hw_bits_zeros(v.validity, v.vbit0, n) > 0;
    size_t bytes = temps ? hw_pframe_bitmap_bytes(n) : hw_validity_bytes(n);
    uint8_t *t1 = NULL, *t2 = NULL, *bits = NULL;
    if (temps) {
        t1 = hw_alloc(j->run, HW_SIDE_POLARS, bytes);
        t2 = t1 ? hw_alloc(j->run, HW_SIDE_POLARS, bytes) : NULL;
        if (!t2)
            goto out;
    }
    bits = hw_alloc(j->run, HW_SIDE_POLARS, bytes);
    if (!bits)
        goto out;
    memset(bits, 0, bytes);   /* the builder's padding past the bits stays 0 */
    hw_bits_finite(v.dtype, v.data, v.validity, v.vbit0, n, bits);
    if (temps) {   /* written as the kernels write them: their pages are touched */
        memcpy(t1, bits, bytes);
        memcpy(t2, bits, bytes);
    }
    j->a->own_validity[c] = bits;
    j->a->view[c] = (struct hw_colview){.dtype = v.dtype, .data = v.data, .validity = bits};
out:
    hw_free(j->run, HW_SIDE_POLARS, t2);
    hw_free(j->run, HW_SIDE_POLARS, t1);
    return bits ? 0 : -1;
}

int hw_pframe_clean(struct hw_run *run, const struct hw_source *src, uint64_t row0, uint64_t n,
                    struct hw_pframe *a)
{
    if (frame_init(run, a, n, src->cols) != 0)
        return -1;
    struct clean_job j = {.run = run, .src = src, .row0 = row0, .n = n, .a = a};
    return hw_pool_for(run, 0, src->cols, clean_column, &j);
}

struct fill_job {
    struct hw_run *run;
    const struct hw_pframe *a;
    const double *medians;
    enum hw_dtype out;
    struct hw_pframe *b;
};

/* One column of a.fill_null(median).cast(out), in the order the tracer showed the buffers
 * come and go (nodejs-polars 0.26.1, on its worker thread):
 *   integer:        sup = cast to Float64 (n x 8); with nulls: filled (n x 8) and its bitmap,
 *                   sup freed; cast: a bitmap of n/8 bytes, the result (n x out), then the
 *                   n/8 bitmap, the Float64 values and their bitmap freed.
 *   float, nulls:   filled (n x s) and its bitmap; s != out: cast as above, the filled
 *                   values and bitmap freed; s == out: they are the result.
 *   float, none:    s == out: the source's values, shared; else the cast alone. */
static int fill_column(void *arg, unsigned thread, uint32_t c, const char **why)
{
    struct fill_job *j = arg;
    (void)thread;
    *why = "out of memory for a fill_null column";
    const struct hw_colview *v = &j->a->view[c];
    uint64_t n = j->a->rows;
    bool nulls = hw_bits_zeros(v->validity, v->vbit0, n) > 0;
    const void *vals = v->data;      /* what the next step reads */
    void *owned = NULL;              /* the buffer behind vals, if this column made it */
    uint8_t *owned_bits = NULL;      /* its bitmap */
    void *sup = NULL, *tmp = NULL;
    enum hw_dtype dt = v->dtype;

    if (!hw_dtype_is_float(dt)) {
        /* The supertype of an integer column and a float median: Float64 first. */
        sup = hw_alloc(j->run, HW_SIDE_POLARS, n * hw_dtype_size(HW_F64));
        if (!sup)
            goto fail;
        hw_cast(dt, vals, n, HW_F64, sup);
        vals = sup;
        dt = HW_F64;
    }
    if (nulls) {
        owned = hw_alloc(j->run, HW_SIDE_POLARS, n * hw_dtype_size(dt));
        owned_bits = owned ? hw_alloc(j->run, HW_SIDE_POLARS, hw_pframe_bitmap_bytes(n)) : NULL;
        if (!owned_bits)
            goto fail;
        hw_convert(dt, vals, v->validity, v->vbit0, n, j->medians[c], dt, owned, 1);
        memset(owned_bits, 0xff, hw_pframe_bitmap_bytes(n));   /* nothing null any more */
        hw_free(j->run, HW_SIDE_POLARS, sup);
        sup = NULL;
        vals = owned;
    } else if (sup) {
        owned = sup;   /* no nulls: fill_null hands the Float64 values on */
        sup = NULL;
    }
    if (dt != j->out) {
        tmp = hw_alloc(j->run, HW_SIDE_POLARS, hw_validity_bytes(n));
        void *cast = tmp ? hw_alloc(j->run, HW_SIDE_POLARS, n * hw_dtype_size(j->out)) : NULL;
        if (!cast)
            goto fail;
        memset(tmp, 0xff, hw_validity_bytes(n));
        hw_cast(dt, vals, n, j->out, cast);
        hw_free(j->run, HW_SIDE_POLARS, tmp);
        tmp = NULL;
        hw_free(j->run, HW_SIDE_POLARS, owned);
        hw_free(j->run, HW_SIDE_POLARS, owned_bits);
        owned = cast;
        owned_bits = NULL;
        vals = cast;
        dt = j->out;
    }
    j->b->own_data[c] = owned;
    j->b->own_validity[c] = owned_bits;
    j->b->view[c] = (struct hw_colview){.dtype = dt, .data = vals};   /* no nulls: no bitmap */
    return 0;
fail:
    hw_free(j->run, HW_SIDE_POLARS, tmp);
    hw_free(j->run, HW_SIDE_POLARS, owned_bits);
    hw_free(j->run, HW_SIDE_POLARS, owned);
    hw_free(j->run, HW_SIDE_POLARS, sup);
    return -1;
}

int hw_pframe_fill_cast(struct hw_run *run, const struct hw_pframe *a, const double *medians,
                        enum hw_dtype out, struct hw_pframe *b)
{
    if (frame_init(run, b, a->rows, a->cols) != 0)
        return -1;
    struct fill_job j = {.run = run, .a = a, .medians = medians, .out = out, .b = b};
    return hw_pool_for(run, 0, a->cols, fill_column, &j);
}

struct median_job {
    struct hw_run *run;
    const struct hw_pframe *a;
};

static int median_column(void *arg, unsigned thread, uint32_t c, const char **why)
{
    struct median_job *j = arg;
    (void)thread;
    *why = "out of memory for a median's column copy";
    const struct hw_colview *v = &j->a->view[c];
    uint64_t n = j->a->rows;
    size_t bytes = n * hw_dtype_size(v->dtype);
    void *copy = hw_alloc(j->run, HW_SIDE_POLARS, bytes);
    uint8_t *bits = copy ? hw_alloc(j->run, HW_SIDE_POLARS, hw_validity_bytes(n)) : NULL;
    if (copy && bits) {
        /* Written in full, as the copy is: every page of it resident. */
        memcpy(copy, v->data, bytes);
        memcpy(bits, v->validity, hw_validity_bytes(n));
    }
    int rc = copy && bits ? 0 : -1;
    hw_free(j->run, HW_SIDE_POLARS, bits);
    hw_free(j->run, HW_SIDE_POLARS, copy);
    return rc;
}

int hw_pframe_median_copies(struct hw_run *run, const struct hw_pframe *a)
{
    struct median_job j = {.run = run, .a = a};
    return hw_pool_for(run, 0, a->cols, median_column, &j);
}

int hw_pframe_medians(struct hw_run *run, const struct hw_source *src,
                      uint64_t row0, uint64_t n, double *medians)
{
    struct hw_pframe sel = {0};
    int rc = -1;
    if (hw_pframe_clean(run, src, row0, n, &sel) != 0 || hw_pframe_median_copies(run, &sel) != 0)
        goto out;
    /* median: polars sort (h-frames) */
    rc = hw_source_medians(run, src, row0, n, medians, NULL);
out:
    hw_pframe_free(run, &sel);
    return rc;
}

void hw_pframe_to_numpy(const struct hw_pframe *f, enum hw_dtype dtype, enum hw_order order,
                        uint64_t total, uint64_t row0, void *matrix)
{
    size_t esz = hw_dtype_size(dtype);
    char *m = matrix;
    if (order == HW_ORDER_F) {
        for (uint32_t c = 0; c < f->cols; c++)
            memcpy(m + ((uint64_t)c * total + row0) * esz, f->view[c].data, f->rows * esz);
        return;
    }
    /* C order: a tile of rows at a time, transposed by SIMD blocks (tiles.h). */
    hw_tiles_copy(f->view, f->cols, f->rows, dtype, row0, matrix);
}

void hw_pframe_free(struct hw_run *run, struct hw_pframe *f)
{
    for (uint32_t c = 0; f->view && c < f->cols; c++) {
        hw_free(run, HW_SIDE_POLARS, f->own_data[c]);
        hw_free(run, HW_SIDE_POLARS, f->own_validity[c]);
    }
    free(f->view);
    free(f->own_data);
    free(f->own_validity);
    *f = (struct hw_pframe){0};
}

void *hw_pframe_slice_chunk(struct hw_run *run, const struct hw_source *src, uint64_t r0, uint64_t n,
                            const double *medians, const struct hw_output *out)
{
    struct hw_pframe sel = {0}, filled = {0};
    void *chunk = NULL;
    if (hw_pframe_clean(run, src, r0, n, &sel) != 0 ||
        hw_pframe_fill_cast(run, &sel, medians, out->dtype, &filled) != 0)
        goto out;
    hw_pframe_free(run, &sel);     /* the select's frame, once fill_null has returned */
    chunk = hw_alloc(run, HW_SIDE_NUMPY, n * src->cols * hw_dtype_size(out->dtype));
    if (!chunk) {
        hw_run_fail(run, "out of memory for the chunk of rows %llu+", (unsigned long long)r0);
        goto out;
    }
    hw_pframe_to_numpy(&filled, out->dtype, out->order, n, 0, chunk);
out:
    hw_pframe_free(run, &filled);  /* once its chunk exists */
    hw_pframe_free(run, &sel);
    return chunk;
}
