#include "frame.h"
#include "bitmaps.h"
#include "convert.h"
#include "pool.h"
#include <stdlib.h>
#include <string.h>

static struct hw_buf *buf_new(struct hw_run *run, size_t bytes)
{
    struct hw_buf *b = malloc(sizeof *b);   /* the Arc header: bookkeeping, not data */
    if (!b)
        return NULL;
    b->data = hw_alloc(run, HW_SIDE_POLARS, bytes);
    if (!b->data) {
        free(b);
        return NULL;
    }
    b->refs = 1;
    b->bytes = bytes;
    return b;
}

static struct hw_buf *buf_ref(struct hw_buf *b)
{
    if (b)
        __atomic_fetch_add(&b->refs, 1, __ATOMIC_RELAXED);
    return b;
}

static void buf_unref(struct hw_run *run, struct hw_buf *b)
{
    if (!b || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    hw_free(run, HW_SIDE_POLARS, b->data);
    free(b);
}

/* Rows whose bit is 0 among the first rows bits. */
static uint64_t count_nulls(const uint8_t *v, uint64_t rows) { return hw_bits_zeros(v, 0, rows); }

int hw_frame_init(struct hw_run *run, struct hw_frame *f, uint64_t rows, uint32_t cols)
{
    *f = (struct hw_frame){.rows = rows, .cols = cols};
    f->col = calloc(cols ? cols : 1, sizeof *f->col);
    return f->col ? 0 : hw_run_fail(run, "out of memory for a frame's column table");
}

int hw_frame_adopt(struct hw_run *run, struct hw_frame *f, struct hw_source *src)
{
    if (hw_frame_init(run, f, src->rows, src->cols) != 0)
        return -1;
    for (uint32_t c = 0; c < src->cols; c++) {
        struct hw_column *sc = &src->col[c];
        struct hw_fcol *fc = &f->col[c];
        fc->dtype = sc->dtype;
        fc->values = malloc(sizeof *fc->values);
        struct hw_buf *v = sc->validity ? malloc(sizeof *v) : NULL;
        if (!fc->values || (sc->validity && !v)) {
            free(v);
            hw_frame_free(run, f);
            return hw_run_fail(run, "out of memory adopting source column %u", c);
        }
        *fc->values = (struct hw_buf){.refs = 1, .bytes = src->rows * hw_dtype_size(sc->dtype), .data = sc->data};
        sc->data = NULL;
        if (v) {
            *v = (struct hw_buf){.refs = 1, .bytes = hw_validity_bytes(src->rows), .data = sc->validity};
            sc->validity = NULL;
            fc->nulls = count_nulls(v->data, src->rows);
            if (fc->nulls == 0) {   /* Arrow writes no bitmap for a column without nulls */
                buf_unref(run, v);
                v = NULL;
            }
        }
        fc->validity = v;
    }
    return 0;
}

void hw_col_share(const struct hw_fcol *in, struct hw_fcol *out)
{
    *out = (struct hw_fcol){.dtype = in->dtype, .values = buf_ref(in->values),
                            .validity = buf_ref(in->validity), .nulls = in->nulls};
}

void hw_col_release(struct hw_run *run, struct hw_fcol *c)
{
    buf_unref(run, c->values);
    buf_unref(run, c->validity);
    *c = (struct hw_fcol){0};
}

void hw_frame_free(struct hw_run *run, struct hw_frame *f)
{
    for (uint32_t c = 0; f->col && c < f->cols; c++)
        hw_col_release(run, &f->col[c]);
    free(f->col);
    f->col = NULL;
}

struct hw_colview hw_frame_view(const struct hw_frame *f, uint32_t c)
{
    const struct hw_fcol *fc = &f->col[c];
    return (struct hw_colview){.dtype = fc->dtype, .data = fc->values->data,
                               .validity = fc->validity ? fc->validity->data : NULL};
}

void hw_frame_to_numpy(const struct hw_frame *f, const double *medians, struct hw_colview *views,
                       const struct hw_output *out)
{
    for (uint32_t c = 0; c < f->cols; c++)
        views[c] = hw_frame_view(f, c);
    hw_tiles_convert(views, f->cols, medians, f->rows, out->dtype, out->order, out->rows, 0, out->data);
}

uint64_t hw_frame_null_count(const struct hw_frame *f)
{
    uint64_t n = 0;
    for (uint32_t c = 0; c < f->cols; c++)
        n += f->col[c].nulls;
    return n;
}

int hw_col_cast(struct hw_run *run, const struct hw_fcol *in, uint64_t rows, enum hw_dtype dtype,
                bool strict, struct hw_fcol *out)
{
    if (in->dtype == dtype) {   /* a no-op cast: the same Arcs */
        hw_col_share(in, out);
        return 0;
    }
    *out = (struct hw_fcol){.dtype = dtype, .nulls = in->nulls};
    out->values = buf_new(run, rows * hw_dtype_size(dtype));
    if (!out->values)
        return -1;
    hw_cast(in->dtype, in->values->data, rows, dtype, out->values->data);
    bool own_validity = in->dtype == HW_I64 || (in->dtype == HW_F64 && !strict);
    if (in->validity && own_validity) {
        out->validity = buf_new(run, in->validity->bytes);
        if (!out->validity) {
            hw_col_release(run, out);
            return -1;
        }
        memcpy(out->validity->data, in->validity->data, in->validity->bytes);
    } else {
        out->validity = buf_ref(in->validity);
    }
    return 0;
}

int hw_col_replace_nonfinite(struct hw_run *run, const struct hw_fcol *in, uint64_t rows,
                             struct hw_fcol *out)
{
    size_t vb = hw_validity_bytes(rows);
    *out = (struct hw_fcol){.dtype = in->dtype};
    struct hw_buf *mask = buf_new(run, vb);
    if (!mask)
        return -1;
    hw_bits_finite(in->dtype, in->values->data, NULL, 0, rows, mask->data);   /* is_finite() */
    if (in->validity) {
        /* The kernel's temporary bitmap (traced: allocated and freed between the mask and
         * the result), then the result: the input's validity AND the mask. */
        uint8_t *tmp = hw_alloc(run, HW_SIDE_POLARS, vb);
        struct hw_buf *v = tmp ? buf_new(run, vb) : NULL;
        if (!v) {
            hw_free(run, HW_SIDE_POLARS, tmp);
            buf_unref(run, mask);
            return -1;
        }
        memcpy(tmp, mask->data, vb);
        hw_bits_finite(in->dtype, in->values->data, in->validity->data, 0, rows, v->data);
        hw_free(run, HW_SIDE_POLARS, tmp);
        buf_unref(run, mask);
        mask = v;
    }
    out->values = buf_ref(in->values);
    out->validity = mask;
    out->nulls = count_nulls(mask->data, rows);
    return 0;
}

int hw_col_fill_null(struct hw_run *run, const struct hw_fcol *in, uint64_t rows, double value,
                     bool none, struct hw_fcol *out)
{
    if (in->nulls == 0 || none) {
        hw_col_share(in, out);
        return 0;
    }
    size_t esz = hw_dtype_size(in->dtype), vb = hw_validity_bytes(rows);
    *out = (struct hw_fcol){.dtype = in->dtype};
    out->values = buf_new(run, rows * esz);
    out->validity = out->values ? buf_new(run, vb) : NULL;
    if (!out->validity) {
        hw_col_release(run, out);
        return -1;
    }
    unsigned char fill[8];
    /* The fill as the reference converts a missing cell's median (in->dtype: a float dtype). */
    hw_convert_cell(HW_F64, &value, 0, value, in->dtype, fill);
    const char *src = in->values->data;
    char *dst = out->values->data;
    const uint8_t *iv = in->validity ? in->validity->data : NULL;
    memcpy(dst, src, rows * esz);
    for (uint64_t r0 = 0; iv && r0 < rows; r0 += 64) {   /* nulls only: a valid inf stays */
        unsigned k = rows - r0 < 64 ? (unsigned)(rows - r0) : 64;
        for (uint64_t nul = hw_null_word(iv, r0, k); nul; nul &= nul - 1)
            memcpy(dst + (r0 + (unsigned)__builtin_ctzll(nul)) * esz, fill, esz);
    }
    memset(out->validity->data, 0xff, vb);
    return 0;
}

/* Frame-level selects: one column per work item on the pool. */
enum op { OP_CAST, OP_REPLACE, OP_FILL };

struct select_ctx {
    enum op op;
    const struct hw_frame *in;
    struct hw_frame *out;
    struct hw_run *run;
    enum hw_dtype dtype;
    bool strict;
    const double *fill;
    const bool *none;
};

static int select_col(void *vctx, unsigned worker, uint32_t c, const char **why)
{
    (void)worker;
    struct select_ctx *x = vctx;
    const struct hw_fcol *in = &x->in->col[c];
    struct hw_fcol *out = &x->out->col[c];
    int rc = 0;
    switch (x->op) {
    case OP_CAST:
        rc = hw_col_cast(x->run, in, x->in->rows, x->dtype, x->strict, out);
        break;
    case OP_REPLACE:
        rc = hw_col_replace_nonfinite(x->run, in, x->in->rows, out);
        break;
    case OP_FILL:
        rc = hw_col_fill_null(x->run, in, x->in->rows, x->fill[c], x->none && x->none[c], out);
        break;
    }
    if (rc != 0)
        *why = "out of memory for a column of a select";
    return rc;
}

static int select_frame(struct hw_run *run, unsigned threads, struct select_ctx *x)
{
    if (hw_frame_init(run, x->out, x->in->rows, x->in->cols) != 0)
        return -1;
    x->run = run;
    if (hw_pool_for(run, threads, x->in->cols, select_col, x) != 0) {
        hw_frame_free(run, x->out);
        return -1;
    }
    return 0;
}

int hw_frame_cast(struct hw_run *run, unsigned threads, const struct hw_frame *in,
                  enum hw_dtype dtype, bool strict, struct hw_frame *out)
{
    struct select_ctx x = {.op = OP_CAST, .in = in, .out = out, .dtype = dtype, .strict = strict};
    return select_frame(run, threads, &x);
}

int hw_frame_replace_nonfinite(struct hw_run *run, unsigned threads, const struct hw_frame *in,
                               struct hw_frame *out)
{
    struct select_ctx x = {.op = OP_REPLACE, .in = in, .out = out};
    return select_frame(run, threads, &x);
}

int hw_frame_fill_null(struct hw_run *run, unsigned threads, const struct hw_frame *in,
                       const double *fill, const bool *none, struct hw_frame *out)
{
    struct select_ctx x = {.op = OP_FILL, .in = in, .out = out, .fill = fill, .none = none};
    return select_frame(run, threads, &x);
}
