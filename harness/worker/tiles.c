/* C order: a tile of rows at a time, every column of a chunk converted by the contiguous
 * kernel (hw_convert, stride 1) into a scratch block, column after column, then the block
 * transposed into the output rows 8 x 8 cells at a time with SIMD shuffles. The output is
 * written row after row, whole lines, and the scratch stays in L1/L2.
 *
 * Why not hw_convert's strided path: cell by cell to a stride of a row measured 0.20-0.46 of
 * memcpy (make bench, "convert C tiles", 114 f32 columns, AMD EPYC, issue 16), and an earlier
 * scalar scatter from a local block was 25% slower still: the scatter has to be SIMD.
 * Transposing moves bits, so the output is the contiguous kernel's, bit for bit. */
#include "tiles.h"
#include "convert.h"
#include "simd.h"
#include <string.h>
#ifdef __SSE2__
#include <immintrin.h>
#endif

/* The scratch, on the stack (8 MiB by default, threads included): 64 KiB, of which 128 rows
 * of 114 f32 columns use 58 (see tile_shape). */
enum { SCRATCH_BYTES = 65536, MIN_ROWS = 64 };

/* Cells of a chunk that no 8 x 8 block covers: rows [r0, k) of every column, and columns
 * [c0, cc) of rows [0, r0). Column j of the scratch is s + j * k elements; output rows are
 * ld elements apart. */
#define DEF_REST(NAME, T)                                                                      \
    static void NAME(const T *s, size_t k, unsigned cc, T *o, size_t ld, size_t r0,           \
                     unsigned c0)                                                              \
    {                                                                                          \
        for (size_t r = 0; r < k; r++)                                                         \
            for (unsigned c = r < r0 ? c0 : 0; c < cc; c++)                                    \
                o[r * ld + c] = s[c * k + r];                                                  \
    }
DEF_REST(rest64, uint64_t)
DEF_REST(rest32, uint32_t)
DEF_REST(rest16, uint16_t)

/* The chunk in 8 x 8 blocks by BLOCK8(s, k, o, ld): rows r..r+8 of columns c..c+8. */
#define DEF_CHUNK(NAME, T, BLOCK8, REST, ATTR)                                                 \
    ATTR static void NAME(const T *s, size_t k, unsigned cc, T *o, size_t ld)                 \
    {                                                                                          \
        size_t r8 = k & ~(size_t)7;                                                            \
        unsigned c8 = cc & ~7u;                                                                \
        for (size_t r = 0; r < r8; r += 8)                                                     \
            for (unsigned c = 0; c < c8; c += 8)                                               \
                BLOCK8(s + c * k + r, k, o + r * ld + c, ld);                                  \
        REST(s, k, cc, o, ld, r8, c8);                                                         \
    }

#ifdef __SSE2__
#define INLINE static inline __attribute__((always_inline))

/* 4 x 4 floats (as bits) */
INLINE void block4_32(const uint32_t *s, size_t k, uint32_t *o, size_t ld)
{
    __m128 a = _mm_loadu_ps((const float *)s), b = _mm_loadu_ps((const float *)(s + k));
    __m128 c = _mm_loadu_ps((const float *)(s + 2 * k));
    __m128 d = _mm_loadu_ps((const float *)(s + 3 * k));
    _MM_TRANSPOSE4_PS(a, b, c, d);
    _mm_storeu_ps((float *)o, a);
    _mm_storeu_ps((float *)(o + ld), b);
    _mm_storeu_ps((float *)(o + 2 * ld), c);
    _mm_storeu_ps((float *)(o + 3 * ld), d);
}

INLINE void sse2_32(const uint32_t *s, size_t k, uint32_t *o, size_t ld)
{
    for (unsigned r = 0; r < 8; r += 4)
        for (unsigned c = 0; c < 8; c += 4)
            block4_32(s + c * k + r, k, o + r * ld + c, ld);
}

/* 2 x 2 doubles (as bits) */
INLINE void sse2_64(const uint64_t *s, size_t k, uint64_t *o, size_t ld)
{
    for (unsigned r = 0; r < 8; r += 2)
        for (unsigned c = 0; c < 8; c += 2) {
            __m128i a = _mm_loadu_si128((const __m128i *)(s + c * k + r));
            __m128i b = _mm_loadu_si128((const __m128i *)(s + (c + 1) * k + r));
            _mm_storeu_si128((__m128i *)(o + r * ld + c), _mm_unpacklo_epi64(a, b));
            _mm_storeu_si128((__m128i *)(o + (r + 1) * ld + c), _mm_unpackhi_epi64(a, b));
        }
}

/* 8 x 8 halves: pairs, then quads, then octets interleaved (written out: gcc -O2 keeps
 * arrays of vectors on the stack) */
#define LD16(j) _mm_loadu_si128((const __m128i *)(s + (j) * k))
#define ST16(r, v) _mm_storeu_si128((__m128i *)(o + (r) * ld), v)
INLINE void sse2_16(const uint16_t *s, size_t k, uint16_t *o, size_t ld)
{
    __m128i x0 = LD16(0), x1 = LD16(1), x2 = LD16(2), x3 = LD16(3);
    __m128i x4 = LD16(4), x5 = LD16(5), x6 = LD16(6), x7 = LD16(7);
    __m128i a0 = _mm_unpacklo_epi16(x0, x1), a1 = _mm_unpackhi_epi16(x0, x1); /* rows 0-3, 4-7 */
    __m128i a2 = _mm_unpacklo_epi16(x2, x3), a3 = _mm_unpackhi_epi16(x2, x3);
    __m128i a4 = _mm_unpacklo_epi16(x4, x5), a5 = _mm_unpackhi_epi16(x4, x5);
    __m128i a6 = _mm_unpacklo_epi16(x6, x7), a7 = _mm_unpackhi_epi16(x6, x7);
    __m128i b0 = _mm_unpacklo_epi32(a0, a2), b1 = _mm_unpackhi_epi32(a0, a2); /* rows 0-1, 2-3 */
    __m128i b2 = _mm_unpacklo_epi32(a1, a3), b3 = _mm_unpackhi_epi32(a1, a3); /* rows 4-5, 6-7 */
    __m128i b4 = _mm_unpacklo_epi32(a4, a6), b5 = _mm_unpackhi_epi32(a4, a6); /* columns 4-7 */
    __m128i b6 = _mm_unpacklo_epi32(a5, a7), b7 = _mm_unpackhi_epi32(a5, a7);
    ST16(0, _mm_unpacklo_epi64(b0, b4));
    ST16(1, _mm_unpackhi_epi64(b0, b4));
    ST16(2, _mm_unpacklo_epi64(b1, b5));
    ST16(3, _mm_unpackhi_epi64(b1, b5));
    ST16(4, _mm_unpacklo_epi64(b2, b6));
    ST16(5, _mm_unpackhi_epi64(b2, b6));
    ST16(6, _mm_unpacklo_epi64(b3, b7));
    ST16(7, _mm_unpackhi_epi64(b3, b7));
}

DEF_CHUNK(chunk64_sse2, uint64_t, sse2_64, rest64, )
DEF_CHUNK(chunk32_sse2, uint32_t, sse2_32, rest32, )
DEF_CHUNK(chunk16_sse2, uint16_t, sse2_16, rest16, )
#endif

/* AVX2 where common/simd.h builds clones (gcc, x86-64, not HW_NO_CLONES: `make asan` checks
 * the SSE2 blocks): 32-byte rows, half the shuffles and stores per cell. */
#ifdef HW_HAVE_CLONES
#define TILES_AVX2 1
#define AVX2 __attribute__((target("avx2")))
#define AVX2_INLINE static inline __attribute__((always_inline)) AVX2

/* 8 x 8 floats (as bits): pairs within lanes, quads within lanes, then the lanes. */
#define LD32(j) _mm256_loadu_ps((const float *)(s + (j) * k))
#define ST32(r, v) _mm256_storeu_ps((float *)(o + (r) * ld), v)
AVX2_INLINE void avx2_32(const uint32_t *s, size_t k, uint32_t *o, size_t ld)
{
    __m256 x0 = LD32(0), x1 = LD32(1), x2 = LD32(2), x3 = LD32(3);
    __m256 x4 = LD32(4), x5 = LD32(5), x6 = LD32(6), x7 = LD32(7);
    __m256 t0 = _mm256_unpacklo_ps(x0, x1), t1 = _mm256_unpackhi_ps(x0, x1); /* rows 01|45, 23|67 */
    __m256 t2 = _mm256_unpacklo_ps(x2, x3), t3 = _mm256_unpackhi_ps(x2, x3);
    __m256 t4 = _mm256_unpacklo_ps(x4, x5), t5 = _mm256_unpackhi_ps(x4, x5);
    __m256 t6 = _mm256_unpacklo_ps(x6, x7), t7 = _mm256_unpackhi_ps(x6, x7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)); /* rows 0|4, columns 0-3 */
    __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2)); /* rows 1|5 */
    __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)); /* rows 2|6 */
    __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2)); /* rows 3|7 */
    __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)); /* columns 4-7 */
    __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    ST32(0, _mm256_permute2f128_ps(u0, u4, 0x20));
    ST32(1, _mm256_permute2f128_ps(u1, u5, 0x20));
    ST32(2, _mm256_permute2f128_ps(u2, u6, 0x20));
    ST32(3, _mm256_permute2f128_ps(u3, u7, 0x20));
    ST32(4, _mm256_permute2f128_ps(u0, u4, 0x31));
    ST32(5, _mm256_permute2f128_ps(u1, u5, 0x31));
    ST32(6, _mm256_permute2f128_ps(u2, u6, 0x31));
    ST32(7, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/* 4 x 4 doubles (as bits) */
AVX2_INLINE void block4_64(const uint64_t *s, size_t k, uint64_t *o, size_t ld)
{
    __m256d a = _mm256_loadu_pd((const double *)s), b = _mm256_loadu_pd((const double *)(s + k));
    __m256d c = _mm256_loadu_pd((const double *)(s + 2 * k));
    __m256d d = _mm256_loadu_pd((const double *)(s + 3 * k));
    __m256d t0 = _mm256_unpacklo_pd(a, b), t1 = _mm256_unpackhi_pd(a, b); /* rows 0|2, 1|3 */
    __m256d t2 = _mm256_unpacklo_pd(c, d), t3 = _mm256_unpackhi_pd(c, d);
    _mm256_storeu_pd((double *)o, _mm256_permute2f128_pd(t0, t2, 0x20));
    _mm256_storeu_pd((double *)(o + ld), _mm256_permute2f128_pd(t1, t3, 0x20));
    _mm256_storeu_pd((double *)(o + 2 * ld), _mm256_permute2f128_pd(t0, t2, 0x31));
    _mm256_storeu_pd((double *)(o + 3 * ld), _mm256_permute2f128_pd(t1, t3, 0x31));
}

AVX2_INLINE void avx2_64(const uint64_t *s, size_t k, uint64_t *o, size_t ld)
{
    for (unsigned r = 0; r < 8; r += 4)
        for (unsigned c = 0; c < 8; c += 4)
            block4_64(s + c * k + r, k, o + r * ld + c, ld);
}

DEF_CHUNK(chunk64_avx2, uint64_t, avx2_64, rest64, AVX2)
DEF_CHUNK(chunk32_avx2, uint32_t, avx2_32, rest32, AVX2)
#endif

/* Columns [0, cc) of the scratch (k rows each) into the output rows. */
static void transpose(const void *s, size_t k, unsigned cc, size_t esz, void *o, size_t ld)
{
#ifdef TILES_AVX2
    if (esz != 2 && __builtin_cpu_supports("avx2")) {
        if (esz == 8)
            chunk64_avx2(s, k, cc, o, ld);
        else
            chunk32_avx2(s, k, cc, o, ld);
        return;
    }
#endif
#ifdef __SSE2__
    switch (esz) {
    case 8:  chunk64_sse2(s, k, cc, o, ld); break;
    case 4:  chunk32_sse2(s, k, cc, o, ld); break;
    default: chunk16_sse2(s, k, cc, o, ld); break;
    }
#else
    switch (esz) {
    case 8:  rest64(s, k, cc, o, ld, 0, 0); break;
    case 4:  rest32(s, k, cc, o, ld, 0, 0); break;
    default: rest16(s, k, cc, o, ld, 0, 0); break;
    }
#endif
}

/* Rows of a tile and columns of a chunk such that the chunk's scratch fits: as many rows as
 * fit beside every column, a multiple of 64 (the kernel's block), at least 64; columns are
 * then cut into chunks of what fits beside 64 rows. 114 f32 columns: 128 rows, 58 KiB;
 * scratches of 256 KiB and 1 MiB, or chunks of 16-32 columns of 512-2048 rows, measured
 * 10-40% slower (make bench's tiles, AMD EPYC). */
static void tile_shape(uint32_t ncols, size_t esz, size_t *rows, uint32_t *chunk)
{
    size_t r = SCRATCH_BYTES / ((size_t)ncols * esz) / MIN_ROWS * MIN_ROWS;
    if (r >= MIN_ROWS) {
        *rows = r;
        *chunk = ncols;
    } else {
        *rows = MIN_ROWS;
        *chunk = (uint32_t)(SCRATCH_BYTES / (MIN_ROWS * esz));
    }
}

/* Prefetches. A tile reads a few lines from each of ncols columns (and their bitmaps), too
 * many streams for the hardware prefetcher, and its output is lines nothing has touched:
 * every miss waited alone (0.36-0.39 of memcpy). Asking for a column's lines PREFETCH_TILES
 * tiles ahead (into L2: a tile's source is more than L1 holds) and for the tile's output
 * lines before they are written measured 0.59-0.67 (distance 1: 0.54-0.59, 3: 0.53-0.67). */
enum { PREFETCH_TILES = 2 };

static void prefetch_source(const struct hw_colview *v, uint64_t row, size_t k)
{
    const char *p = (const char *)v->data + row * hw_dtype_size(v->dtype);
    for (size_t b = 0; b < k * hw_dtype_size(v->dtype); b += 64)
        __builtin_prefetch(p + b, 0, 2);
    if (v->validity)
        __builtin_prefetch(v->validity + ((v->vbit0 + row) >> 3), 0, 2);
}

/* Part j of cc of the bytes [o, o + len), for writing. */
static void prefetch_output(char *o, size_t len, uint32_t j, uint32_t cc)
{
    size_t a = len * j / cc, e = len * (j + 1) / cc;
    for (size_t b = a & ~(size_t)63; b < e; b += 64)
        __builtin_prefetch(o + b, 1, 2);
}

/* Columns [c0, c0 + cc) of rows [t, t + k) of the tile: each into the scratch (converted, or
 * copied as it is when medians is NULL), then across. */
static void tile_chunk(const struct hw_colview *cols, uint32_t c0, uint32_t cc, uint64_t t,
                       size_t k, uint64_t n, size_t trows, const double *medians,
                       enum hw_dtype dtype, char *scratch, char *out, size_t ld)
{
    size_t esz = hw_dtype_size(dtype);
    uint64_t ahead = t + PREFETCH_TILES * trows;
    size_t kahead = ahead < n ? (n - ahead < trows ? (size_t)(n - ahead) : trows) : 0;
    for (uint32_t j = 0; j < cc; j++) {
        const struct hw_colview *v = &cols[c0 + j];
        if (kahead)
            prefetch_source(v, ahead, kahead);
        prefetch_output(out, (k - 1) * ld * esz + cc * esz, j, cc);
        if (!medians) {
            memcpy(scratch + j * k * esz, (const char *)v->data + t * esz, k * esz);
            continue;
        }
        hw_convert(v->dtype, (const char *)v->data + t * hw_dtype_size(v->dtype), v->validity,
                   v->vbit0 + t, k, medians[c0 + j], dtype, scratch + j * k * esz, 1);
    }
    transpose(scratch, k, cc, esz, out, ld);
}

/* C order, tile after tile; medians NULL copies the cells' bits. */
static void tiles_c(const struct hw_colview *cols, uint32_t ncols, const double *medians,
                    uint64_t n, enum hw_dtype dtype, uint64_t row0, char *m)
{
    size_t esz = hw_dtype_size(dtype);
    if (ncols == 0)
        return;
    _Alignas(64) char scratch[SCRATCH_BYTES];
    size_t trows;
    uint32_t chunk;
    tile_shape(ncols, esz, &trows, &chunk);
    for (uint64_t t = 0; t < n; t += trows) {
        size_t k = n - t < trows ? (size_t)(n - t) : trows;
        for (uint32_t c0 = 0; c0 < ncols; c0 += chunk)
            tile_chunk(cols, c0, ncols - c0 < chunk ? ncols - c0 : chunk, t, k, n, trows,
                       medians, dtype, scratch, m + ((row0 + t) * ncols + c0) * esz, ncols);
    }
}

void hw_tiles_convert(const struct hw_colview *cols, uint32_t ncols, const double *medians,
                      uint64_t n, enum hw_dtype dtype, enum hw_order order, uint64_t rows,
                      uint64_t row0, void *matrix)
{
    size_t esz = hw_dtype_size(dtype);
    char *m = matrix;
    if (order == HW_ORDER_F) {
        for (uint32_t c = 0; c < ncols; c++)
            hw_convert(cols[c].dtype, cols[c].data, cols[c].validity, cols[c].vbit0, n,
                       medians[c], dtype, m + ((uint64_t)c * rows + row0) * esz, 1);
        return;
    }
    tiles_c(cols, ncols, medians, n, dtype, row0, m);
}

void hw_tiles_copy(const struct hw_colview *cols, uint32_t ncols, uint64_t n, enum hw_dtype dtype,
                   uint64_t row0, void *matrix)
{
    tiles_c(cols, ncols, NULL, n, dtype, row0, matrix);
}
