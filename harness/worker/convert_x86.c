/* Half outputs with F16C: 64 rows of one source dtype into binary16, 16 rows a step; and
 * int64 sources into f32/f64 with AVX2 (at the end).
 *
 * Why intrinsics: gcc 12 turns a scalar (_Float16)float into vcvtps2ph under -mf16c but does
 * not vectorise it, and convert.c's integer rounding (half_of) built with -march=x86-64-v3
 * measured 0.54-0.79 of memcpy for f32 and 0.2-0.39 for the integer sources (issue 16).
 * vcvtps2ph converts 8 floats at once, rounding to nearest even like gcc's cast.
 *
 * Every source reaches the half through one float that rounds to the same half as the
 * straight cast would:
 * - f32: itself.
 * - integers: clamped to [-65536, 65536] first. Every integer a half tells apart (|x| < 65520)
 *   is exact in float, and every larger one is +-inf, so the clamp changes nothing and lets
 *   int32 -> float (vcvtdq2ps, exact here) stand in for any width.
 * - f64: rounded to float with round-to-odd (nearest, stepped toward zero if it rounded away,
 *   last bit set if inexact): the float keeps 24 >= 11 + 2 bits, so the half's one rounding is
 *   the double's (Boldo and Melquiond), as in convert.c's odd_float_bits.
 * Non-finite sources and nulls take the fill (tested on the source, before the cast).
 * tests/test_convert.c checks these against gcc's casts (every finite float, the integer
 * edges). */
#include "convert_x86.h"

#ifdef HW_CONVERT_X86
#include <immintrin.h>

#define F16C __attribute__((target("avx2,f16c")))
#define ALWAYS_INLINE static inline __attribute__((always_inline)) F16C

/* Row j of 16 (bit j of keep) -> 16-bit lane j all ones. */
ALWAYS_INLINE __m256i lanes_of(uint32_t keep)
{
    const __m256i bit = _mm256_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048,
                                          4096, 8192, 16384, (short)32768);
    __m256i v = _mm256_and_si256(_mm256_set1_epi16((short)keep), bit);
    return _mm256_cmpeq_epi16(v, bit);
}

ALWAYS_INLINE __m128i half8(__m256 f)
{
    return _mm256_cvtps_ph(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

/* Two groups of 8 halves, their 16 rows' keep bits: the cast or the fill, stored. */
ALWAYS_INLINE void put16(__m128i lo, __m128i hi, uint32_t keep, __m256i fill, uint16_t *dst)
{
    __m256i h = _mm256_set_m128i(hi, lo);
    _mm256_storeu_si256((__m256i *)dst, _mm256_blendv_epi8(fill, h, lanes_of(keep)));
}

ALWAYS_INLINE __m256 clamped_f32(__m256i x)
{
    x = _mm256_min_epi32(_mm256_max_epi32(x, _mm256_set1_epi32(-65536)),
                         _mm256_set1_epi32(65536));
    return _mm256_cvtepi32_ps(x);
}

/* The low 32 bits of 4 + 4 int64 lanes as 8 int32, in order. */
ALWAYS_INLINE __m256i low32(__m256i a, __m256i b)
{
    __m256 s = _mm256_shuffle_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b),
                                 _MM_SHUFFLE(2, 0, 2, 0)); /* a0 a1 b0 b1 | a2 a3 b2 b3 */
    return _mm256_permute4x64_epi64(_mm256_castps_si256(s), _MM_SHUFFLE(3, 1, 2, 0));
}

ALWAYS_INLINE __m256i clamp64(__m256i x)
{
    const __m256i hi = _mm256_set1_epi64x(65536), lo = _mm256_set1_epi64x(-65536);
    x = _mm256_blendv_epi8(x, hi, _mm256_cmpgt_epi64(x, hi));
    return _mm256_blendv_epi8(x, lo, _mm256_cmpgt_epi64(lo, x));
}

/* 8 int64 as floats that round to the same halves (clamped, see the header). */
ALWAYS_INLINE __m256 i64_f32(const int64_t *s)
{
    __m256i a = clamp64(_mm256_loadu_si256((const __m256i *)s));
    __m256i b = clamp64(_mm256_loadu_si256((const __m256i *)(s + 4)));
    return _mm256_cvtepi32_ps(low32(a, b));
}

/* 4 doubles to float with round-to-odd, as float bits. */
ALWAYS_INLINE __m128i odd4(__m256d d)
{
    const __m256d abs = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffll));
    __m128 f = _mm256_cvtpd_ps(d);
    __m256d back = _mm256_cvtps_pd(f);
    __m256i inexact = _mm256_castpd_si256(_mm256_cmp_pd(back, d, _CMP_NEQ_UQ));
    __m256i away = _mm256_castpd_si256(_mm256_cmp_pd(_mm256_and_pd(back, abs),
                                                     _mm256_and_pd(d, abs), _CMP_GT_OQ));
    /* the masks' low halves, one per float lane (all ones or zero either way) */
    __m256i both = low32(away, inexact); /* away in lanes 0-3, inexact in 4-7 */
    __m128i fb = _mm_add_epi32(_mm_castps_si128(f), _mm256_castsi256_si128(both));
    return _mm_or_si128(fb, _mm_and_si128(_mm256_extracti128_si256(both, 1), _mm_set1_epi32(1)));
}

/* Bits j of 8 doubles' "finite". */
ALWAYS_INLINE uint32_t finite8_f64(__m256d a, __m256d b)
{
    const __m256d abs = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffll));
    const __m256d inf = _mm256_set1_pd(__builtin_inf());
    __m256d fa = _mm256_cmp_pd(_mm256_and_pd(a, abs), inf, _CMP_LT_OQ); /* NaN: false */
    __m256d fb = _mm256_cmp_pd(_mm256_and_pd(b, abs), inf, _CMP_LT_OQ);
    return (uint32_t)_mm256_movemask_pd(fa) | (uint32_t)_mm256_movemask_pd(fb) << 4;
}

ALWAYS_INLINE uint32_t finite8_f32(__m256 f)
{
    const __m256i e = _mm256_set1_epi32(0x7f800000);
    __m256i nf = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(f), e), e);
    return ~(uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(nf)) & 0xffu;
}

/* 8 doubles -> halves, with their finite bits. */
ALWAYS_INLINE __m128i f64_half8(const double *s, uint32_t *finite)
{
    __m256d a = _mm256_loadu_pd(s), b = _mm256_loadu_pd(s + 4);
    *finite = finite8_f64(a, b);
    __m256i odd = _mm256_set_m128i(odd4(b), odd4(a));
    return half8(_mm256_castsi256_ps(odd));
}

F16C void hw_x86_half_f64(const double *restrict src, uint64_t w, uint16_t fill,
                          uint16_t *restrict dst)
{
    __m256i fv = _mm256_set1_epi16((short)fill);
    for (unsigned j = 0; j < 64; j += 16) {
        uint32_t f0, f1;
        __m128i lo = f64_half8(src + j, &f0), hi = f64_half8(src + j + 8, &f1);
        put16(lo, hi, (uint32_t)(w >> j) & (f0 | f1 << 8), fv, dst + j);
    }
}

F16C void hw_x86_half_f32(const float *restrict src, uint64_t w, uint16_t fill,
                          uint16_t *restrict dst)
{
    __m256i fv = _mm256_set1_epi16((short)fill);
    for (unsigned j = 0; j < 64; j += 16) {
        __m256 a = _mm256_loadu_ps(src + j), b = _mm256_loadu_ps(src + j + 8);
        uint32_t fin = finite8_f32(a) | finite8_f32(b) << 8;
        put16(half8(a), half8(b), (uint32_t)(w >> j) & fin, fv, dst + j);
    }
}

F16C void hw_x86_half_i64(const int64_t *restrict src, uint64_t w, uint16_t fill,
                          uint16_t *restrict dst)
{
    __m256i fv = _mm256_set1_epi16((short)fill);
    for (unsigned j = 0; j < 64; j += 16)
        put16(half8(i64_f32(src + j)), half8(i64_f32(src + j + 8)), (uint32_t)(w >> j), fv,
              dst + j);
}

F16C void hw_x86_half_i32(const int32_t *restrict src, uint64_t w, uint16_t fill,
                          uint16_t *restrict dst)
{
    __m256i fv = _mm256_set1_epi16((short)fill);
    for (unsigned j = 0; j < 64; j += 16) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(src + j));
        __m256i b = _mm256_loadu_si256((const __m256i *)(src + j + 8));
        put16(half8(clamped_f32(a)), half8(clamped_f32(b)), (uint32_t)(w >> j), fv, dst + j);
    }
}

F16C void hw_x86_half_i16(const int16_t *restrict src, uint64_t w, uint16_t fill,
                          uint16_t *restrict dst)
{
    __m256i fv = _mm256_set1_epi16((short)fill);
    for (unsigned j = 0; j < 64; j += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(src + j));
        __m128i b = _mm_loadu_si128((const __m128i *)(src + j + 8));
        put16(half8(_mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(a))),
              half8(_mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(b))), (uint32_t)(w >> j), fv,
              dst + j);
    }
}

F16C void hw_x86_half_i8(const int8_t *restrict src, uint64_t w, uint16_t fill,
                         uint16_t *restrict dst)
{
    __m256i fv = _mm256_set1_epi16((short)fill);
    for (unsigned j = 0; j < 64; j += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(src + j));
        put16(half8(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v))),
              half8(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(v, 8)))),
              (uint32_t)(w >> j), fv, dst + j);
    }
}

/* int64 -> double, exact for |x| < 2^51: x added to the bits of 2^52 + 2^51 is that double
 * plus x (x lands in the mantissa), and subtracting 2^52 + 2^51 leaves x. AVX2 has no
 * vcvtqq2pd, and gcc's AVX2 build of the C cast converts one lane at a time. */
ALWAYS_INLINE __m256d i64_f64(__m256i x)
{
    const __m256i magic = _mm256_set1_epi64x(0x4338000000000000ll);
    return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_add_epi64(x, magic)),
                         _mm256_castsi256_pd(magic));
}

/* Whether every one of the 64 values is in [-2^51, 2^51): x + 2^51 as an unsigned < 2^52. */
ALWAYS_INLINE bool i64_block_fits(const int64_t *s)
{
    const __m256i off = _mm256_set1_epi64x((int64_t)1 << 51);
    __m256i any = _mm256_setzero_si256();
    for (unsigned j = 0; j < 64; j += 4)
        any = _mm256_or_si256(any, _mm256_add_epi64(_mm256_loadu_si256((const __m256i *)(s + j)), off));
    return _mm256_testz_si256(any, _mm256_set1_epi64x(~(((int64_t)1 << 52) - 1)));
}

/* Rows j of 8 (bits of keep) -> 32-bit lanes all ones; of 4 -> 64-bit lanes. */
ALWAYS_INLINE __m256i lanes32(uint32_t keep)
{
    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)keep), bit), bit);
}
ALWAYS_INLINE __m256i lanes64(uint32_t keep)
{
    const __m256i bit = _mm256_setr_epi64x(1, 2, 4, 8);
    return _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_set1_epi64x(keep), bit), bit);
}

F16C bool hw_x86_i64_f64(const int64_t *restrict src, uint64_t w, double fill,
                         double *restrict dst)
{
    if (!i64_block_fits(src))
        return false;
    __m256d fv = _mm256_set1_pd(fill);
    for (unsigned j = 0; j < 64; j += 4) {
        __m256d d = i64_f64(_mm256_loadu_si256((const __m256i *)(src + j)));
        __m256d m = _mm256_castsi256_pd(lanes64((uint32_t)(w >> j) & 15));
        _mm256_storeu_pd(dst + j, _mm256_blendv_pd(fv, d, m));
    }
    return true;
}

/* int64 -> float: the exact double rounded once, as the straight cast rounds. */
F16C bool hw_x86_i64_f32(const int64_t *restrict src, uint64_t w, float fill,
                         float *restrict dst)
{
    if (!i64_block_fits(src))
        return false;
    __m256 fv = _mm256_set1_ps(fill);
    for (unsigned j = 0; j < 64; j += 8) {
        __m128 lo = _mm256_cvtpd_ps(i64_f64(_mm256_loadu_si256((const __m256i *)(src + j))));
        __m128 hi = _mm256_cvtpd_ps(i64_f64(_mm256_loadu_si256((const __m256i *)(src + j + 4))));
        __m256 m = _mm256_castsi256_ps(lanes32((uint32_t)(w >> j) & 0xff));
        _mm256_storeu_ps(dst + j, _mm256_blendv_ps(fv, _mm256_set_m128(hi, lo), m));
    }
    return true;
}

#endif

bool hw_x86_has_f16c(void)
{
#ifdef HW_CONVERT_X86
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
#else
    return false;
#endif
}
