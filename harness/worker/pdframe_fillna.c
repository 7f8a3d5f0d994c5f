/* The pandas model's fillna(Series[, inplace]), column by column: see pdframe.h. */
#include "pdframe_blocks.h"
#include "simd.h"
#include "convert.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* mask[r] = isna(values[r]), one typed loop a dtype, whole blocks of 64 in a fixed-count
 * loop that gcc vectorises at -O2 (HW_CLONES: SSE2 and AVX2). */
#define DEF_ISNA(SN, T, NAN_TEST)                                                             \
    static HW_CLONES void isna_##SN(const T *v, uint64_t n, uint8_t *mask)                    \
    {                                                                                         \
        uint64_t r = 0;                                                                       \
        for (; r + 64 <= n; r += 64)                                                          \
            for (unsigned j = 0; j < 64; j++)                                                 \
                mask[r + j] = NAN_TEST(v[r + j]);                                             \
        for (; r < n; r++)                                                                    \
            mask[r] = NAN_TEST(v[r]);                                                         \
    }
#define FLOAT_NAN(x) isnan(x)
#define HALF_NAN(h)  (((h) & 0x7c00) == 0x7c00 && ((h) & 0x03ff) != 0)
DEF_ISNA(f64, double, FLOAT_NAN)
DEF_ISNA(f32, float, FLOAT_NAN)
DEF_ISNA(f16, uint16_t, HALF_NAN)

static void isna(enum hw_dtype dt, const void *col, uint64_t n, uint8_t *mask)
{
    switch (dt) {
    case HW_F64: isna_f64(col, n, mask); break;
    case HW_F32: isna_f32(col, n, mask); break;
    case HW_F16: isna_f16(col, n, mask); break;
    default:     memset(mask, 0, n); break;   /* an int column cannot hold NaN */
    }
}

/* Series.fillna(v): an isna mask (float columns; an int column cannot hold NaN and is only
 * copied), a copy of the column, NaN -> v in it. The mask is freed on return. */
static void *series_fillna(struct hw_run *run, const struct hw_pdframe *f, enum hw_dtype dt,
                           const void *col, double v)
{
    size_t bytes = hw_pd_col_bytes(f, dt);
    uint8_t *mask = NULL;
    if (hw_dtype_is_float(dt)) {
        mask = hw_alloc(run, HW_SIDE_NUMPY, f->rows ? f->rows : 1);
        if (!mask) {
            hw_run_fail(run, "out of memory for an isna mask");
            return NULL;
        }
        isna(dt, col, f->rows, mask);
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
        uint64_t r = 0;
        for (; r + 8 <= f->rows; r += 8) {   /* mostly zeros: 8 mask bytes at a time past them */
            uint64_t w;
            memcpy(&w, mask + r, 8);
            for (unsigned j = 0; w && j < 8; j++, w >>= 8)
                if (w & 0xff)
                    memcpy((char *)res + (r + j) * esz, fill, esz);
        }
        for (; r < f->rows; r++)
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
    size_t cb = hw_pd_col_bytes(f, b->dtype);
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
        void *next = series_fillna(run, r, dt, hw_pd_block_row(r, &r->blk[bi], j), medians[c]);
        if (!next) {
            rc = -1;
            break;
        }
        hw_free(run, HW_SIDE_NUMPY, res);
        res = next;
        /* The setitem's own copy (_sanitize_column -> _reindex_for_setitem: values.copy()). */
        size_t bytes = hw_pd_col_bytes(r, dt);
        void *value = hw_alloc(run, HW_SIDE_NUMPY, bytes ? bytes : 1);
        if (!value) {
            rc = hw_run_fail(run, "out of memory for a setitem copy");
            break;
        }
        memcpy(value, res, bytes);
        if (inplace) {                        /* loc[:, k] = res_k -> set_inplace */
            memcpy(hw_pd_block_row(r, &r->blk[bi], j), value, bytes);
            hw_free(run, HW_SIDE_NUMPY, value);
        } else {
            rc = iset_new_block(run, r, c, value);
        }
    }
    hw_free(run, HW_SIDE_NUMPY, res);
    return rc;
}
