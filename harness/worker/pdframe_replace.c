/* The pandas model's replace([inf, -inf], nan[, inplace]): see pdframe.h. */
#include "pdframe_blocks.h"
#include "simd.h"
#include <math.h>
#include <string.h>

/* eq[i] = (values[i] == x) for x = +inf or -inf, one typed loop a dtype: whole blocks of 64
 * in a fixed-count loop, which gcc vectorises at -O2 (HW_CLONES: SSE2 and AVX2). Comparing a
 * float with (float)x is comparing it as a double with x: both infinities are exact. */
#define DEF_EQ(SN, T)                                                                         \
    static HW_CLONES void eq_##SN(const T *v, size_t n, T x, uint8_t *eq)                     \
    {                                                                                         \
        size_t i = 0;                                                                         \
        for (; i + 64 <= n; i += 64)                                                          \
            for (unsigned j = 0; j < 64; j++)                                                 \
                eq[i + j] = v[i + j] == x;                                                    \
        for (; i < n; i++)                                                                    \
            eq[i] = v[i] == x;                                                                \
    }
DEF_EQ(f64, double)
DEF_EQ(f32, float)
DEF_EQ(f16, uint16_t)   /* as bit patterns: 0x7c00 is +inf, 0xfc00 -inf */

static HW_CLONES void or_into(uint8_t *mask, const uint8_t *eq, size_t n)
{
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        for (unsigned j = 0; j < 64; j++)
            mask[i + j] |= eq[i + j];
    for (; i < n; i++)
        mask[i] |= eq[i];
}

/* missing.mask_missing(values, x) for x = +inf or -inf: mask = np.zeros(shape, bool), then
 * mask |= (values == x). np.zeros is calloc (untouched pages); the |= writes every byte. */
static uint8_t *mask_missing(struct hw_run *run, const struct hw_pdframe *f,
                             const struct hw_pdblock *b, int sign)
{
    size_t n = (size_t)b->ncols * f->rows;
    uint8_t *mask = hw_alloc_zeros(run, HW_SIDE_NUMPY, n ? n : 1);
    uint8_t *eq = hw_alloc(run, HW_SIDE_NUMPY, n ? n : 1);
    if (!mask || !eq) {
        hw_free(run, HW_SIDE_NUMPY, mask);
        hw_free(run, HW_SIDE_NUMPY, eq);
        hw_run_fail(run, "out of memory for a replace mask");
        return NULL;
    }
    /* np.zeros is calloc, whose pages commit at the |= below; the allocators have no calloc,
     * so it is zeroed here, in the same step: the same pages, committed a moment earlier. */
    memset(mask, 0, n);
    switch (b->dtype) {
    case HW_F64: eq_f64(b->data, n, sign > 0 ? INFINITY : -INFINITY, eq); break;
    case HW_F32: eq_f32(b->data, n, sign > 0 ? INFINITY : -INFINITY, eq); break;
    case HW_F16: eq_f16(b->data, n, sign > 0 ? 0x7c00 : 0xfc00, eq); break;
    default:     memset(eq, 0, n); break;   /* not reached: only float blocks hold inf */
    }
    or_into(mask, eq, n);
    hw_free(run, HW_SIDE_NUMPY, eq);
    return mask;
}

static void putmask_nan(const struct hw_pdframe *f, struct hw_pdblock *b, const uint8_t *mask)
{
    size_t n = (size_t)b->ncols * f->rows, i = 0;
    for (; i + 8 <= n; i += 8) {   /* a mask is mostly zeros: 8 bytes at a time past them */
        uint64_t w;
        memcpy(&w, mask + i, 8);
        for (unsigned j = 0; w && j < 8; j++, w >>= 8)
            if (w & 0xff)
                hw_pd_set_nan(b->dtype, b->data, i + j);
    }
    for (; i < n; i++)
        if (mask[i])
            hw_pd_set_nan(b->dtype, b->data, i);
}

int hw_pd_replace_inf(struct hw_run *run, struct hw_pdframe *f, bool inplace, struct hw_pdframe *dst)
{
    if (!inplace && hw_pd_frame_init(run, dst, f->rows, f->cols) != 0)
        return -1;
    for (uint32_t i = 0; i < f->nblocks; i++) {
        struct hw_pdblock *b = &f->blk[i];
        if (!hw_dtype_is_float(b->dtype)) {       /* cannot hold inf: no pair applies */
            if (!inplace && !hw_pd_block_copy(run, dst, f, b))
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
            rc = hw_pd_frame_init(run, &s[0], f->rows, 1);
            if (rc == 0 && (rc = hw_pd_frame_init(run, &s[1], f->rows, 1)) != 0)
                hw_pd_free(run, &s[0]);
            if (rc == 0) {
                int cur = 0;
                rc = hw_pd_block_copy(run, &s[cur], f, b) ? 0 : -1;
                for (int p = 0; rc == 0 && p < 2; p++) {
                    struct hw_pdblock *nb = hw_pd_block_copy(run, &s[!cur], &s[cur], &s[cur].blk[0]);
                    if (!nb) {
                        rc = -1;
                        break;
                    }
                    putmask_nan(f, nb, m[p]);
                    hw_pd_free(run, &s[cur]);
                    rc = hw_pd_frame_init(run, &s[cur], f->rows, 1);
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
