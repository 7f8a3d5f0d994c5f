/* The pandas 1.5.3 BlockManager model: see pdframe.h for what each operation allocates. */
#include "pdframe.h"
#include "convert.h"
#include "median.h"
#include "tiles.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t col_bytes(const struct hw_pdframe *f, enum hw_dtype dt)
{
    return (size_t)f->rows * hw_dtype_size(dt);
}

static void *block_row(const struct hw_pdframe *f, const struct hw_pdblock *b, uint32_t j)
{
    return (char *)b->data + (size_t)j * col_bytes(f, b->dtype);
}

/* The bookkeeping of a frame of up to cols blocks (plain malloc: pandas' is Python objects,
 * a few KiB). */
static int frame_init(struct hw_run *run, struct hw_pdframe *f, uint64_t rows, uint32_t cols)
{
    *f = (struct hw_pdframe){.rows = rows, .cols = cols};
    f->blk = calloc(cols ? cols : 1, sizeof *f->blk);
    if (!f->blk)
        return hw_run_fail(run, "out of memory for a frame's blocks");
    return 0;
}

/* A block of ncols columns of dtype, its data allocated (untouched) and locs to fill. */
static struct hw_pdblock *block_add(struct hw_run *run, struct hw_pdframe *f, enum hw_dtype dt,
                                    uint32_t ncols)
{
    struct hw_pdblock *b = &f->blk[f->nblocks];
    *b = (struct hw_pdblock){.dtype = dt, .ncols = ncols};
    b->locs = calloc(ncols ? ncols : 1, sizeof *b->locs);
    b->data = hw_alloc(run, HW_SIDE_NUMPY, (size_t)ncols * col_bytes(f, dt));
    if (!b->locs || !b->data) {
        free(b->locs);
        hw_free(run, HW_SIDE_NUMPY, b->data);
        hw_run_fail(run, "out of memory for a %s block of %u columns", hw_dtype_name(dt), ncols);
        return NULL;
    }
    f->nblocks++;
    return b;
}

static void block_free(struct hw_run *run, struct hw_pdblock *b)
{
    hw_free(run, HW_SIDE_NUMPY, b->data);
    free(b->locs);
    *b = (struct hw_pdblock){0};
}

void hw_pd_free(struct hw_run *run, struct hw_pdframe *f)
{
    for (uint32_t i = 0; f->blk && i < f->nblocks; i++)
        block_free(run, &f->blk[i]);
    free(f->blk);
    *f = (struct hw_pdframe){0};
}

/* Block b copied as the next block of dst (Block.copy: values.copy()). */
static struct hw_pdblock *block_copy(struct hw_run *run, struct hw_pdframe *dst,
                                     const struct hw_pdframe *f, const struct hw_pdblock *b)
{
    struct hw_pdblock *nb = block_add(run, dst, b->dtype, b->ncols);
    if (!nb)
        return NULL;
    memcpy(nb->locs, b->locs, b->ncols * sizeof *b->locs);
    memcpy(nb->data, b->data, (size_t)b->ncols * col_bytes(f, b->dtype));
    return nb;
}

const void *hw_pd_column(const struct hw_pdframe *f, uint32_t c, enum hw_dtype *dtype)
{
    for (uint32_t i = 0; i < f->nblocks; i++)
        for (uint32_t j = 0; j < f->blk[i].ncols; j++)
            if (f->blk[i].locs[j] == c) {
                *dtype = f->blk[i].dtype;
                return block_row(f, &f->blk[i], j);
            }
    return NULL;
}

static bool column_has_null(const struct hw_column *col, uint64_t rows)
{
    for (uint64_t i = 0; i < rows / 8; i++)
        if (col->validity[i] != 0xff)
            return true;
    for (uint64_t r = rows / 8 * 8; r < rows; r++)
        if (!hw_valid_bit(col->validity, r))
            return true;
    return false;
}

/* pyarrow's dtype for a column: a float keeps its type, an int with nulls becomes float64. */
static enum hw_dtype arrow_to_pandas_dtype(const struct hw_column *col, uint64_t rows)
{
    if (hw_dtype_is_float(col->dtype))
        return col->dtype;
    return column_has_null(col, rows) ? HW_F64 : col->dtype;
}

static void set_nan(enum hw_dtype dt, void *data, uint64_t r)
{
    if (dt == HW_F64)
        ((double *)data)[r] = NAN;
    else if (dt == HW_F32)
        ((float *)data)[r] = NAN;
    else if (dt == HW_F16)
        ((uint16_t *)data)[r] = 0x7e00;   /* the IEEE half quiet NaN */
}

static bool is_nan(enum hw_dtype dt, const void *data, uint64_t r)
{
    if (dt == HW_F64)
        return isnan(((const double *)data)[r]);
    if (dt == HW_F32)
        return isnan(((const float *)data)[r]);
    if (dt == HW_F16) {
        uint16_t h = ((const uint16_t *)data)[r];
        return (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0;
    }
    return false;
}

int hw_pd_from_source(struct hw_run *run, const struct hw_source *src, struct hw_pdframe *f)
{
    enum hw_dtype *dt = calloc(src->cols ? src->cols : 1, sizeof *dt);
    if (!dt || frame_init(run, f, src->rows, src->cols) != 0) {
        free(dt);
        return hw_run_fail(run, "out of memory for the frame");
    }
    uint32_t count[HW_DTYPE_COUNT] = {0};
    for (uint32_t c = 0; c < src->cols; c++)
        count[dt[c] = arrow_to_pandas_dtype(&src->col[c], src->rows)]++;
    /* Blocks in the order of each dtype's first column, as pyarrow groups them. */
    for (uint32_t c = 0; c < src->cols; c++) {
        if (count[dt[c]] == 0)
            continue;
        struct hw_pdblock *b = block_add(run, f, dt[c], count[dt[c]]);
        if (!b) {
            free(dt);
            return -1;
        }
        uint32_t j = 0;
        for (uint32_t k = c; k < src->cols; k++) {
            if (dt[k] != dt[c])
                continue;
            const struct hw_column *col = &src->col[k];
            void *dst = block_row(f, b, j);
            b->locs[j++] = k;
            if (col->dtype == b->dtype)          /* inf and NaN kept */
                memcpy(dst, col->data, col_bytes(f, b->dtype));
            else                                 /* an int with nulls -> float64, exact */
                hw_cast(col->dtype, col->data, src->rows, b->dtype, dst);
            if (hw_dtype_is_float(b->dtype))
                for (uint64_t r = 0; r < src->rows; r++)
                    if (!hw_valid_bit(col->validity, r))
                        set_nan(b->dtype, dst, r);
        }
        count[dt[c]] = 0;
    }
    free(dt);
    return 0;
}

int hw_pd_copy(struct hw_run *run, const struct hw_pdframe *f, struct hw_pdframe *dst)
{
    if (frame_init(run, dst, f->rows, f->cols) != 0)
        return -1;
    for (uint32_t i = 0; i < f->nblocks; i++)
        if (!block_copy(run, dst, f, &f->blk[i]))
            return -1;
    return 0;
}

/* missing.mask_missing(values, x) for x = +inf or -inf: mask = np.zeros(shape, bool), then
 * mask |= (values == x). np.zeros is calloc (untouched pages); the |= writes every byte. */
static uint8_t *mask_missing(struct hw_run *run, const struct hw_pdframe *f,
                             const struct hw_pdblock *b, int sign)
{
    size_t n = (size_t)b->ncols * f->rows;
    uint8_t *mask = hw_alloc(run, HW_SIDE_NUMPY, n ? n : 1);
    uint8_t *eq = hw_alloc(run, HW_SIDE_NUMPY, n ? n : 1);
    if (!mask || !eq) {
        hw_free(run, HW_SIDE_NUMPY, mask);
        hw_free(run, HW_SIDE_NUMPY, eq);
        hw_run_fail(run, "out of memory for a replace mask");
        return NULL;
    }
    /* np.zeros is calloc, whose pages commit at the |= below; hw_alloc has no calloc, so it is
     * zeroed here, in the same step: the same pages, committed a moment earlier. */
    memset(mask, 0, n);
    double x = sign > 0 ? INFINITY : -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v = b->dtype == HW_F64 ? ((const double *)b->data)[i]
                 : b->dtype == HW_F32 ? ((const float *)b->data)[i]
                 : NAN;   /* f16: its infinities are handled below */
        if (b->dtype == HW_F16) {
            uint16_t h = ((const uint16_t *)b->data)[i];
            v = h == 0x7c00 ? INFINITY : h == 0xfc00 ? -INFINITY : 0;
        }
        eq[i] = v == x;
    }
    for (size_t i = 0; i < n; i++)
        mask[i] |= eq[i];
    hw_free(run, HW_SIDE_NUMPY, eq);
    return mask;
}

static void putmask_nan(const struct hw_pdframe *f, struct hw_pdblock *b, const uint8_t *mask)
{
    size_t n = (size_t)b->ncols * f->rows;
    for (size_t i = 0; i < n; i++)
        if (mask[i])
            set_nan(b->dtype, b->data, i);
}

int hw_pd_replace_inf(struct hw_run *run, struct hw_pdframe *f, bool inplace, struct hw_pdframe *dst)
{
    if (!inplace && frame_init(run, dst, f->rows, f->cols) != 0)
        return -1;
    for (uint32_t i = 0; i < f->nblocks; i++) {
        struct hw_pdblock *b = &f->blk[i];
        if (!hw_dtype_is_float(b->dtype)) {       /* cannot hold inf: no pair applies */
            if (!inplace && !block_copy(run, dst, f, b))
                return -1;
            continue;
        }
        uint8_t *m[2] = {mask_missing(run, f, b, +1), NULL};
        if (m[0])
            m[1] = mask_missing(run, f, b, -1);
        if (!m[1]) {
            hw_free(run, HW_SIDE_NUMPY, m[0]);
            return -1;
        }
        int rc = 0;
        if (inplace) {
            putmask_nan(f, b, m[0]);
            putmask_nan(f, b, m[1]);
        } else {
            /* rb = [self.copy()], then per pair Block.replace copies again; the previous copy
             * is freed when rb is rebound. The copies are built in a scratch frame of one
             * block, the last one moved into dst. */
            struct hw_pdframe s[2];
            rc = frame_init(run, &s[0], f->rows, 1);
            if (rc == 0 && (rc = frame_init(run, &s[1], f->rows, 1)) != 0)
                hw_pd_free(run, &s[0]);
            if (rc == 0) {
                int cur = 0;
                rc = block_copy(run, &s[cur], f, b) ? 0 : -1;
                for (int p = 0; rc == 0 && p < 2; p++) {
                    struct hw_pdblock *nb = block_copy(run, &s[!cur], &s[cur], &s[cur].blk[0]);
                    if (!nb) {
                        rc = -1;
                        break;
                    }
                    putmask_nan(f, nb, m[p]);
                    hw_pd_free(run, &s[cur]);
                    rc = frame_init(run, &s[cur], f->rows, 1);
                    cur = !cur;
                }
                if (rc == 0) {
                    dst->blk[dst->nblocks++] = s[cur].blk[0];
                    s[cur].nblocks = 0;
                }
                hw_pd_free(run, &s[0]);
                hw_pd_free(run, &s[1]);
            }
        }
        hw_free(run, HW_SIDE_NUMPY, m[0]);
        hw_free(run, HW_SIDE_NUMPY, m[1]);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Wirth's selection, the partition bottleneck's median uses: a[k] ends in its sorted place,
 * every a[i < k] <= a[k]. */
#define HW_PD_SELECT(T)                                                                       \
    static double select_##T(T *a, size_t n, size_t k)                                        \
    {                                                                                         \
        ptrdiff_t l = 0, m = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;                             \
        while (l < m) {                                                                       \
            T x = a[kk];                                                                      \
            ptrdiff_t i = l, j = m;                                                           \
            do {                                                                              \
                while (a[i] < x)                                                              \
                    i++;                                                                      \
                while (x < a[j])                                                              \
                    j--;                                                                      \
                if (i <= j) {                                                                 \
                    T t = a[i];                                                               \
                    a[i] = a[j];                                                              \
                    a[j] = t;                                                                 \
                    i++;                                                                      \
                    j--;                                                                      \
                }                                                                             \
            } while (i <= j);                                                                 \
            if (j < kk)                                                                       \
                l = i;                                                                        \
            if (kk < i)                                                                       \
                m = j;                                                                        \
        }                                                                                     \
        return (double)a[kk];                                                                 \
    }                                                                                         \
    static double max_below_##T(const T *a, size_t k)                                         \
    {                                                                                         \
        T v = a[0];                                                                           \
        for (size_t i = 1; i < k; i++)                                                        \
            if (a[i] > v)                                                                     \
                v = a[i];                                                                     \
        return (double)v;                                                                     \
    }
HW_PD_SELECT(double)
HW_PD_SELECT(float)
HW_PD_SELECT(int64_t)
HW_PD_SELECT(int32_t)
HW_PD_SELECT(int16_t)
HW_PD_SELECT(int8_t)

double hw_pd_select(enum hw_dtype dtype, void *buf, size_t n, size_t k)
{
    switch (dtype) {
    case HW_F64: return select_double(buf, n, k);
    case HW_F32: return select_float(buf, n, k);
    case HW_I64: return select_int64_t(buf, n, k);
    case HW_I32: return select_int32_t(buf, n, k);
    case HW_I16: return select_int16_t(buf, n, k);
    case HW_I8:  return select_int8_t(buf, n, k);
    default:     return NAN;
    }
}

static double max_below(enum hw_dtype dtype, const void *buf, size_t k)
{
    switch (dtype) {
    case HW_F64: return max_below_double(buf, k);
    case HW_F32: return max_below_float(buf, k);
    case HW_I64: return max_below_int64_t(buf, k);
    case HW_I32: return max_below_int32_t(buf, k);
    case HW_I16: return max_below_int16_t(buf, k);
    case HW_I8:  return max_below_int8_t(buf, k);
    default:     return NAN;
    }
}

static bool finite_at(enum hw_dtype dt, const void *data, uint64_t r)
{
    if (dt == HW_F64)
        return isfinite(((const double *)data)[r]);
    if (dt == HW_F32)
        return isfinite(((const float *)data)[r]);
    return true;
}

int hw_pd_median(struct hw_run *run, const struct hw_pdframe *f, double *medians)
{
    for (uint32_t i = 0; i < f->nblocks; i++) {
        const struct hw_pdblock *b = &f->blk[i];
        size_t esz = hw_dtype_size(b->dtype);
        /* bottleneck's BUFFER_NEW: one column of the block's dtype, reused for each column.
         * (float16 is not a bottleneck dtype; its block is partitioned as float32, a buffer
         * twice as large as numpy's fallback would need: no configured source has one.) */
        enum hw_dtype sel = b->dtype == HW_F16 ? HW_F32 : b->dtype;
        char *buf = hw_alloc(run, HW_SIDE_NUMPY, f->rows ? f->rows * hw_dtype_size(sel) : 1);
        if (!buf)
            return hw_run_fail(run, "out of memory for a median buffer");
        for (uint32_t j = 0; j < b->ncols; j++) {
            const char *col = block_row(f, b, j);
            size_t n = 0;
            for (uint64_t r = 0; r < f->rows; r++) {
                if (b->dtype == HW_F16) {
                    float v;
                    hw_cast(HW_F16, col + r * esz, 1, HW_F32, &v);
                    if (isfinite(v))
                        ((float *)buf)[n++] = v;
                } else if (finite_at(b->dtype, col, r)) {   /* NaN skipped, as bottleneck does */
                    memcpy(buf + n * esz, col + r * esz, esz);
                    n++;
                }
            }
            double med = 0.0;    /* no value: highwater's reference says 0 */
            if (n > 0) {
                double hi = hw_pd_select(sel, buf, n, n / 2);
                double lo = n % 2 ? hi : max_below(sel, buf, n / 2);
                med = hw_median_mid(lo, hi);
            }
            medians[b->locs[j]] = med;
        }
        hw_free(run, HW_SIDE_NUMPY, buf);
    }
    return 0;
}

/* Series.fillna(v): an isna mask (float columns; an int column cannot hold NaN and is only
 * copied), a copy of the column, NaN -> v in it. The mask is freed on return. */
static void *series_fillna(struct hw_run *run, const struct hw_pdframe *f, enum hw_dtype dt,
                           const void *col, double v)
{
    size_t bytes = col_bytes(f, dt);
    uint8_t *mask = NULL;
    if (hw_dtype_is_float(dt)) {
        mask = hw_alloc(run, HW_SIDE_NUMPY, f->rows ? f->rows : 1);
        if (!mask) {
            hw_run_fail(run, "out of memory for an isna mask");
            return NULL;
        }
        for (uint64_t r = 0; r < f->rows; r++)
            mask[r] = is_nan(dt, col, r);
    }
    void *res = hw_alloc(run, HW_SIDE_NUMPY, bytes ? bytes : 1);
    if (!res) {
        hw_free(run, HW_SIDE_NUMPY, mask);
        hw_run_fail(run, "out of memory for a filled column");
        return NULL;
    }
    memcpy(res, col, bytes);
    if (mask) {
        char fill[8];
        hw_convert_cell(HW_F64, &v, 1, v, dt, fill);
        size_t esz = hw_dtype_size(dt);
        for (uint64_t r = 0; r < f->rows; r++)
            if (mask[r])
                memcpy((char *)res + r * esz, fill, esz);
    }
    hw_free(run, HW_SIDE_NUMPY, mask);
    return res;
}

/* Column c's block index and row there, or -1. */
static int find_column(const struct hw_pdframe *f, uint32_t c, uint32_t *row)
{
    for (uint32_t i = 0; i < f->nblocks; i++)
        for (uint32_t j = 0; j < f->blk[i].ncols; j++)
            if (f->blk[i].locs[j] == c) {
                *row = j;
                return (int)i;
            }
    return -1;
}

/* BlockManager.iset(loc, value), not inplace: column c leaves its block (np.delete: a new
 * block of the other columns; a block of one column is simply replaced) and value becomes a
 * one-column block of its own. value is owned by the frame from here. */
static int iset_new_block(struct hw_run *run, struct hw_pdframe *f, uint32_t c, void *value)
{
    uint32_t j = 0;
    int bi = find_column(f, c, &j);
    if (bi < 0) {
        hw_free(run, HW_SIDE_NUMPY, value);
        return hw_run_fail(run, "column %u is in no block", c);
    }
    struct hw_pdblock *b = &f->blk[bi];
    if (b->ncols == 1) {
        hw_free(run, HW_SIDE_NUMPY, b->data);
        b->data = value;
        return 0;
    }
    size_t cb = col_bytes(f, b->dtype);
    char *nd = hw_alloc(run, HW_SIDE_NUMPY, (size_t)(b->ncols - 1) * cb);
    uint32_t *nl = calloc(b->ncols + 1, sizeof *nl);
    uint32_t *one = calloc(1, sizeof *one);
    if (!nd || !nl || !one) {
        hw_free(run, HW_SIDE_NUMPY, nd);
        free(nl);
        free(one);
        hw_free(run, HW_SIDE_NUMPY, value);
        return hw_run_fail(run, "out of memory in np.delete of a %u-column block", b->ncols);
    }
    memcpy(nd, b->data, (size_t)j * cb);
    memcpy(nd + (size_t)j * cb, (char *)b->data + (size_t)(j + 1) * cb,
           (size_t)(b->ncols - 1 - j) * cb);
    for (uint32_t k = 0, n = 0; k < b->ncols; k++)
        if (k != j)
            nl[n++] = b->locs[k];
    hw_free(run, HW_SIDE_NUMPY, b->data);
    free(b->locs);
    b->data = nd;
    b->locs = nl;
    b->ncols--;
    one[0] = c;
    f->blk[f->nblocks++] = (struct hw_pdblock){.dtype = b->dtype, .ncols = 1, .locs = one, .data = value};
    return 0;
}

int hw_pd_fillna(struct hw_run *run, struct hw_pdframe *f, const double *medians, bool inplace,
                 struct hw_pdframe *dst)
{
    struct hw_pdframe *r = f;
    if (!inplace) {
        if (hw_pd_copy(run, f, dst) != 0)     /* result = self.copy() */
            return -1;
        r = dst;
    }
    void *res = NULL;     /* res_k: bound until the next column's replaces it */
    int rc = 0;
    for (uint32_t c = 0; c < r->cols && rc == 0; c++) {
        uint32_t j = 0;
        int bi = find_column(r, c, &j);
        if (bi < 0) {
            rc = hw_run_fail(run, "column %u is in no block", c);
            break;
        }
        enum hw_dtype dt = r->blk[bi].dtype;
        void *next = series_fillna(run, r, dt, block_row(r, &r->blk[bi], j), medians[c]);
        if (!next) {
            rc = -1;
            break;
        }
        hw_free(run, HW_SIDE_NUMPY, res);
        res = next;
        /* The setitem's own copy (_sanitize_column -> _reindex_for_setitem: values.copy()). */
        size_t bytes = col_bytes(r, dt);
        void *value = hw_alloc(run, HW_SIDE_NUMPY, bytes ? bytes : 1);
        if (!value) {
            rc = hw_run_fail(run, "out of memory for a setitem copy");
            break;
        }
        memcpy(value, res, bytes);
        if (inplace) {                        /* loc[:, k] = res_k -> set_inplace */
            memcpy(block_row(r, &r->blk[bi], j), value, bytes);
            hw_free(run, HW_SIDE_NUMPY, value);
        } else {
            rc = iset_new_block(run, r, c, value);
        }
    }
    hw_free(run, HW_SIDE_NUMPY, res);
    return rc;
}

/* pandas' _consolidate groups blocks by dtype name: float16 < float32 < float64 < int16 <
 * int32 < int64 < int8, the order of the HW names' own sort. */
static int dtype_rank(enum hw_dtype d)
{
    static const int rank[HW_DTYPE_COUNT] = {
        [HW_F16] = 0, [HW_F32] = 1, [HW_F64] = 2, [HW_I16] = 3, [HW_I32] = 4, [HW_I64] = 5, [HW_I8] = 6};
    return rank[d];
}

static int consolidate(struct hw_run *run, struct hw_pdframe *f)
{
    uint32_t per[HW_DTYPE_COUNT] = {0};
    for (uint32_t i = 0; i < f->nblocks; i++)
        per[f->blk[i].dtype]++;
    bool needed = false;
    for (int d = 0; d < HW_DTYPE_COUNT; d++)
        needed |= per[d] > 1;
    if (!needed)
        return 0;
    struct hw_pdframe nf;
    if (frame_init(run, &nf, f->rows, f->cols) != 0)
        return -1;
    for (int rk = 0; rk < HW_DTYPE_COUNT; rk++) {
        enum hw_dtype d = HW_DTYPE_COUNT;
        for (int k = 0; k < HW_DTYPE_COUNT; k++)
            if (dtype_rank((enum hw_dtype)k) == rk)
                d = (enum hw_dtype)k;
        if (d == HW_DTYPE_COUNT || per[d] == 0)
            continue;
        uint32_t n = 0;
        for (uint32_t i = 0; i < f->nblocks; i++)
            if (f->blk[i].dtype == d)
                n += f->blk[i].ncols;
        if (per[d] == 1) {      /* one block of the dtype: kept as it is */
            for (uint32_t i = 0; i < f->nblocks; i++)
                if (f->blk[i].dtype == d) {
                    nf.blk[nf.nblocks++] = f->blk[i];
                    f->blk[i] = (struct hw_pdblock){0};
                }
            continue;
        }
        /* _merge_blocks: np.vstack of the group's blocks in block order, then
         * new_values[argsort(locs)]: a second copy, the vstack freed once it exists. */
        size_t cb = col_bytes(f, d);
        struct hw_pdblock *stack = block_add(run, &nf, d, n);
        if (!stack)
            goto fail;
        uint32_t at = 0;
        for (uint32_t i = 0; i < f->nblocks; i++) {
            const struct hw_pdblock *b = &f->blk[i];
            if (b->dtype != d)
                continue;
            memcpy((char *)stack->data + (size_t)at * cb, b->data, (size_t)b->ncols * cb);
            memcpy(stack->locs + at, b->locs, b->ncols * sizeof *b->locs);
            at += b->ncols;
        }
        char *sorted = hw_alloc(run, HW_SIDE_NUMPY, (size_t)n * cb);
        if (!sorted) {
            hw_run_fail(run, "out of memory consolidating %u %s columns", n, hw_dtype_name(d));
            goto fail;
        }
        /* argsort of distinct column positions: write each row to its rank. */
        uint32_t *nl = calloc(n, sizeof *nl);
        if (!nl) {
            hw_free(run, HW_SIDE_NUMPY, sorted);
            hw_run_fail(run, "out of memory for an argsort");
            goto fail;
        }
        for (uint32_t s = 0; s < n; s++) {
            uint32_t rank = 0;
            for (uint32_t t = 0; t < n; t++)
                rank += stack->locs[t] < stack->locs[s];
            memcpy(sorted + (size_t)rank * cb, (char *)stack->data + (size_t)s * cb, cb);
            nl[rank] = stack->locs[s];
        }
        hw_free(run, HW_SIDE_NUMPY, stack->data);
        free(stack->locs);
        stack->data = sorted;
        stack->locs = nl;
    }
    /* self.blocks = the new tuple: the old blocks go now. */
    hw_pd_free(run, f);
    *f = nf;
    return 0;
fail:
    hw_pd_free(run, &nf);
    return -1;
}

int hw_pd_to_numpy(struct hw_run *run, struct hw_pdframe *f, struct hw_output *out)
{
    if (consolidate(run, f) != 0)
        return -1;
    /* One block: values.astype(dtype), a new array; several: _interleave, np.empty and each
     * block cast into its rows. Either way one new array of the output's size, written
     * column after column. (One block already of the output dtype would be shared by pandas,
     * no copy; no configured source is all float32, and the model copies it too.) */
    if (hw_output_alloc(run, out, HW_SIDE_NUMPY) != 0)
        return -1;
    struct hw_colview *views = calloc(f->cols ? f->cols : 1, sizeof *views);
    double *zero = calloc(f->cols ? f->cols : 1, sizeof *zero);
    if (!views || !zero) {
        free(views);
        free(zero);
        return hw_run_fail(run, "out of memory for %u column views", f->cols);
    }
    for (uint32_t i = 0; i < f->nblocks; i++)
        for (uint32_t j = 0; j < f->blk[i].ncols; j++)
            views[f->blk[i].locs[j]] = (struct hw_colview){.dtype = f->blk[i].dtype,
                                                           .data = block_row(f, &f->blk[i], j)};
    /* A NaN left by fillna (pandas: an all-null column, whose median is NaN) becomes the
     * reference's 0 here; fillna has filled every other. */
    hw_tiles_convert(views, f->cols, zero, f->rows, out->dtype, out->order, out->rows, 0, out->data);
    free(views);
    free(zero);
    return 0;
}
