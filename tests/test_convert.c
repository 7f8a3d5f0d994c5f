/* The conversion kernel: straight C casts (checked on the rounding cases where a detour
 * through another type would give a different last bit), the median fill for null and
 * non-finite cells, strides and validity offsets, for every (source, output) pair. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "convert.h"
#include <float.h>
/* gcc's binary16, as convert.c has it (__extension__: ISO C11 has no half type) */
__extension__ typedef _Float16 test_f16;
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const enum hw_dtype sources[] = {HW_F64, HW_F32, HW_I64, HW_I32, HW_I16, HW_I8};
static const enum hw_dtype outputs[] = {HW_F64, HW_F32, HW_F16};

/* Output bits of one valid cell. */
static uint64_t cell_bits(enum hw_dtype src, const void *value, enum hw_dtype out)
{
    unsigned char dst[8];
    hw_convert_cell(src, value, 1, 0.0, out, dst);
    return hw_out_bits(out, dst);
}

static uint64_t f64_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

static void test_f64_rounding(void **state)
{
    (void)state;
    static const struct { double in; uint32_t f32; uint16_t f16; } cases[] = {
        {0.1, 0x3dcccccd, 0x2e66},
        {1.0 + 0x1p-24, 0x3f800000, 0x3c00},         /* f32 tie: to even */
        {1.0 + 0x1p-24 + 0x1p-50, 0x3f800001, 0x3c00},/* just above the f32 tie */
        {1.0 + 0x3p-24, 0x3f800002, 0x3c00},         /* f32 tie: to even, upwards */
        {1.0 + 0x1p-11, 0x3f801000, 0x3c00},         /* f16 tie: to even */
        /* Above the f16 tie by less than an f32 ulp: rounding through f32 first would land
         * on the tie and round down; the straight cast rounds up. */
        {1.0 + 0x1p-11 + 0x1p-30, 0x3f801000, 0x3c01},
        {-0.0, 0x80000000, 0x8000},
        {65504.0, 0x477fe000, 0x7bff},               /* f16 max */
        {65520.0, 0x477ff000, 0x7c00},               /* f16 tie with 2^16: to even = inf */
        {0x1p-24, 0x33800000, 0x0001},               /* smallest f16 subnormal */
        {0x1p-25, 0x33000000, 0x0000},               /* tie: to even = 0 */
        {0x1p-25 + 0x1p-40, 0x33000100, 0x0001},
        {1e-46, 0x00000000, 0x0000},                 /* below half the f32 subnormal */
        {3.4028235677973366e38, 0x7f800000, 0x7c00}, /* rounds past FLT_MAX */
        {-1234.567, 0xc49a5225, 0xe4d3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(cell_bits(HW_F64, &cases[i].in, HW_F32), cases[i].f32);
        assert_int_equal(cell_bits(HW_F64, &cases[i].in, HW_F16), cases[i].f16);
        assert_int_equal(cell_bits(HW_F64, &cases[i].in, HW_F64), f64_bits(cases[i].in));
    }
}

static void test_f32_rounding(void **state)
{
    (void)state;
    static const struct { float in; uint16_t f16; } cases[] = {
        {1.0f + 0x1p-11f, 0x3c00},
        {1.0f + 0x1p-11f + 0x1p-20f, 0x3c01},
        {1.0f + 0x3p-11f, 0x3c02},
        {-65520.0f, 0xfc00},
        {8191.999f, 0x7000}, /* 8192 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(cell_bits(HW_F32, &cases[i].in, HW_F16), cases[i].f16);
        assert_int_equal(cell_bits(HW_F32, &cases[i].in, HW_F64), f64_bits(cases[i].in));
    }
}

static void test_int_rounding(void **state)
{
    (void)state;
    static const struct { int64_t in; uint32_t f32; uint16_t f16; } cases[] = {
        {16777217, 0x4b800000, 0x7c00},                /* 2^24 + 1: f32 tie to even */
        {16777219, 0x4b800002, 0x7c00},                /* 2^24 + 3: tie to even, up */
        /* 2^60 + 2^36 + 1 is above the f32 tie; through double the +1 is lost first and
         * the tie rounds down to 2^60. */
        {((int64_t)1 << 60) + ((int64_t)1 << 36) + 1, 0x5d800001, 0x7c00},
        {INT64_MIN, 0xdf000000, 0xfc00},
        {INT64_MAX, 0x5f000000, 0x7c00},
        {2049, 0x45001000, 0x6800},                    /* f16 tie: to even (2048) */
        {2051, 0x45003000, 0x6802},                    /* f16 tie: to even (2052) */
        {65504, 0x477fe000, 0x7bff},
        {65520, 0x477ff000, 0x7c00},
        {-7, 0xc0e00000, 0xc700},
        {0, 0x00000000, 0x0000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t v = cases[i].in;
        assert_int_equal(cell_bits(HW_I64, &v, HW_F32), cases[i].f32);
        assert_int_equal(cell_bits(HW_I64, &v, HW_F16), cases[i].f16);
        assert_int_equal(cell_bits(HW_I64, &v, HW_F64), f64_bits((double)v));
    }
    int32_t i32 = 16777217, i32min = INT32_MIN;
    assert_int_equal(cell_bits(HW_I32, &i32, HW_F32), 0x4b800000);
    assert_int_equal(cell_bits(HW_I32, &i32min, HW_F16), 0xfc00);
    assert_int_equal(cell_bits(HW_I32, &i32min, HW_F64), f64_bits(-2147483648.0));
    int16_t i16 = 32767, i16min = -32768;
    assert_int_equal(cell_bits(HW_I16, &i16, HW_F16), 0x7800); /* 32768 */
    assert_int_equal(cell_bits(HW_I16, &i16min, HW_F64), f64_bits(-32768.0));
    assert_int_equal(cell_bits(HW_I16, &i16, HW_F32), 0x46fffe00);
    int8_t i8 = -128;
    assert_int_equal(cell_bits(HW_I8, &i8, HW_F16), 0xd800);
    assert_int_equal(cell_bits(HW_I8, &i8, HW_F32), 0xc3000000);
    assert_int_equal(cell_bits(HW_I8, &i8, HW_F64), f64_bits(-128.0));
}

/* The source element `v` (small, exact in every dtype) stored as dtype t. */
static void put(enum hw_dtype t, void *data, size_t i, double v)
{
    switch (t) {
    case HW_F64: ((double *)data)[i] = v; break;
    case HW_F32: ((float *)data)[i] = (float)v; break;
    case HW_I64: ((int64_t *)data)[i] = (int64_t)v; break;
    case HW_I32: ((int32_t *)data)[i] = (int32_t)v; break;
    case HW_I16: ((int16_t *)data)[i] = (int16_t)v; break;
    case HW_I8:  ((int8_t *)data)[i] = (int8_t)v; break;
    default:     break;
    }
}

/* Median 0.1 is inexact everywhere: its fill must be the straight cast of the double. */
static uint64_t fill_bits(enum hw_dtype out)
{
    switch (out) {
    case HW_F16: return 0x2e66;
    case HW_F32: return 0x3dcccccd;
    default:     return f64_bits(0.1);
    }
}

enum { N = 37, STRIDE = 3, VBIT0 = 5 };

/* Element i of the test column: exact small values, every 4th null, and for float sources
 * +inf, -inf, NaN at i % 7 == 1, 2, 3. Returns whether the cell should keep its value. */
static bool make_cell(enum hw_dtype t, void *data, uint8_t *validity, size_t i)
{
    double v = ((double)i - 18) * 0.5;
    if (!hw_dtype_is_float(t))
        v = (double)i * 3 - 50;
    bool keep = i % 4 != 0;
    if (hw_dtype_is_float(t) && i % 7 >= 1 && i % 7 <= 3) {
        v = i % 7 == 1 ? INFINITY : i % 7 == 2 ? -INFINITY : NAN;
        keep = false;
    }
    put(t, data, i, v);
    if (i % 4 != 0)
        validity[(VBIT0 + i) / 8] |= (uint8_t)(1u << ((VBIT0 + i) % 8));
    return keep;
}

static double expected_value(enum hw_dtype t, size_t i)
{
    return hw_dtype_is_float(t) ? ((double)i - 18) * 0.5 : (double)i * 3 - 50;
}

/* Every pair: strided output with untouched gaps, validity at a bit offset, exact values
 * where valid and finite, the median fill elsewhere; and the one-cell version agrees. */
static void check_pair(enum hw_dtype src, enum hw_dtype out)
{
    double data[N];
    uint8_t validity[(N + VBIT0 + 7) / 8] = {0};
    bool keep[N];
    unsigned char dst[N * STRIDE * 8];
    size_t osize = hw_dtype_size(out), ssize = hw_dtype_size(src);
    for (size_t i = 0; i < N; i++)
        keep[i] = make_cell(src, data, validity, i);
    memset(dst, 0xee, sizeof dst);
    hw_convert(src, data, validity, VBIT0, N, 0.1, out, dst, STRIDE);
    for (size_t i = 0; i < N; i++) {
        const unsigned char *e = dst + i * STRIDE * osize;
        if (keep[i])
            assert_true(hw_out_value(out, e) == expected_value(src, i));
        else
            assert_int_equal(hw_out_bits(out, e), fill_bits(out));
        for (size_t g = osize; g < STRIDE * osize && i + 1 < N; g++)
            assert_int_equal(e[g], 0xee);

        unsigned char one[8];
        bool valid = (validity[(VBIT0 + i) / 8] >> ((VBIT0 + i) % 8)) & 1;
        hw_convert_cell(src, (const unsigned char *)data + i * ssize, valid, 0.1, out, one);
        assert_memory_equal(one, e, osize);
    }
    assert_int_equal(dst[(N - 1) * STRIDE * osize + osize], 0xee);
}

static void test_all_pairs(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof sources / sizeof *sources; s++)
        for (size_t o = 0; o < sizeof outputs / sizeof *outputs; o++)
            check_pair(sources[s], outputs[o]);
}

/* No bitmap: everything valid, only non-finite values take the fill; stride 1. */
static void test_no_validity(void **state)
{
    (void)state;
    double in[5] = {1.5, NAN, -INFINITY, INFINITY, -2.0};
    float out[5];
    hw_convert(HW_F64, in, NULL, 0, 5, 7.25, HW_F32, out, 1);
    float want[5] = {1.5f, 7.25f, 7.25f, 7.25f, -2.0f};
    assert_memory_equal(out, want, sizeof out);
    int8_t i8[3] = {-1, 0, 1};
    double o64[3];
    hw_convert(HW_I8, i8, NULL, 0, 3, 99, HW_F64, o64, 1);
    assert_true(o64[0] == -1.0 && o64[1] == 0.0 && o64[2] == 1.0);
}

/* The fill is the median cast straight from double to the output type. */
static void test_fill_rounding(void **state)
{
    (void)state;
    double median = 1.0 + 0x1p-11 + 0x1p-30; /* see test_f64_rounding */
    int32_t v = 5;
    unsigned char dst[8];
    hw_convert_cell(HW_I32, &v, 0, median, HW_F16, dst);
    assert_int_equal(hw_out_bits(HW_F16, dst), 0x3c01);
    hw_convert_cell(HW_I32, &v, 0, median, HW_F32, dst);
    assert_int_equal(hw_out_bits(HW_F32, dst), 0x3f801000);
    hw_convert_cell(HW_I32, &v, 0, median, HW_F64, dst);
    assert_int_equal(hw_out_bits(HW_F64, dst), f64_bits(median));
    hw_convert_cell(HW_I32, &v, 0, -0.0, HW_F32, dst);
    assert_int_equal(hw_out_bits(HW_F32, dst), 0x80000000);
    hw_convert_cell(HW_I32, &v, 1, -0.0, HW_F32, dst);
    assert_int_equal(hw_out_bits(HW_F32, dst), 0x40a00000);
}

static void test_out_bits_value(void **state)
{
    (void)state;
    uint16_t h = 0x3c01;
    assert_int_equal(hw_out_bits(HW_F16, &h), 0x3c01);
    assert_true(hw_out_value(HW_F16, &h) == 1.0 + 0x1p-10);
    float f = -0.1f;
    assert_int_equal(hw_out_bits(HW_F32, &f), 0xbdcccccd);
    assert_true(hw_out_value(HW_F32, &f) == (double)-0.1f);
    double d = 0.1;
    assert_int_equal(hw_out_bits(HW_F64, &d), f64_bits(0.1));
    assert_true(hw_out_value(HW_F64, &d) == 0.1);
    h = 0x7c00;
    assert_true(isinf(hw_out_value(HW_F16, &h)));
}


/* The block kernels against the one-cell path (the reference's plain C casts), bit for bit:
 * random bit patterns (every float class: subnormals, ties, huge, inf, NaN; integers of
 * every magnitude), random validity at every bit offset, lengths around the 64-row blocks
 * (ragged validity words), contiguous and strided. */
/* A value worth converting: raw bits, or a small number, or one near an f16/f32 tie. */
static uint64_t random_bits(enum hw_dtype t, uint64_t *s)
{
    uint64_t r = tu_rng(s), kind = r & 7;
    if (t == HW_F64 && kind == 0) { /* near a half or float tie: low bits set sparsely */
        double d = ldexp((double)(tu_rng(s) >> 11), -52 + (int)(r >> 8 & 31) - 15);
        memcpy(&r, &d, 8);
        r ^= tu_rng(s) & 0x1fffffffull;
    } else if (t == HW_F32 && kind == 0) {
        float f = ldexpf((float)(tu_rng(s) >> 40), -24 + (int)(r >> 8 & 31) - 15);
        uint32_t u;
        memcpy(&u, &f, 4);
        r = u ^ (tu_rng(s) & 0x3fff);
    } else if (kind == 1) {
        r >>= (r >> 58); /* integers of every magnitude */
    }
    return r;
}

static void check_block_kernels(enum hw_dtype src, enum hw_dtype out, size_t n, unsigned vbit0,
                                size_t stride, uint64_t *seed, int validity_kind)
{
    size_t ssize = hw_dtype_size(src), osize = hw_dtype_size(out);
    unsigned char *data = malloc(n * ssize + 1), *dst = malloc(n * stride * osize + 1);
    size_t vbytes = (vbit0 + n + 7) / 8;
    uint8_t *validity = malloc(vbytes);
    assert_non_null(data);
    assert_non_null(dst);
    assert_non_null(validity);
    for (size_t i = 0; i < n; i++) {
        uint64_t b = random_bits(src, seed);
        memcpy(data + i * ssize, &b, ssize);
    }
    for (size_t i = 0; i < vbytes; i++)
        validity[i] = validity_kind == 0 ? (uint8_t)tu_rng(seed) : validity_kind == 1 ? 0 : 0xff;
    double median = (double)(int64_t)(tu_rng(seed) >> 40) / 7.0;
    memset(dst, 0xee, n * stride * osize);
    hw_convert(src, data, validity, vbit0, n, median, out, dst, stride);
    for (size_t i = 0; i < n; i++) {
        unsigned char one[8];
        bool valid = (validity[(vbit0 + i) / 8] >> ((vbit0 + i) % 8)) & 1;
        hw_convert_cell(src, data + i * ssize, valid, median, out, one);
        if (memcmp(one, dst + i * stride * osize, osize) != 0)
            fail_msg("%s->%s n=%zu vbit0=%u stride=%zu row %zu: %llx, want %llx",
                     hw_dtype_name(src), hw_dtype_name(out), n, vbit0, stride, i,
                     (unsigned long long)hw_out_bits(out, dst + i * stride * osize),
                     (unsigned long long)hw_out_bits(out, one));
        if (stride > 1 && i + 1 < n)
            assert_int_equal(dst[i * stride * osize + osize], 0xee);
    }
    free(data);
    free(dst);
    free(validity);
}

static void test_blocks_match_cells(void **state)
{
    (void)state;
    static const size_t lengths[] = {1, 7, 63, 64, 65, 127, 128, 200, 1000};
    static const unsigned offsets[] = {0, 1, 7, 8, 13, 63, 64};
    uint64_t seed = 42;
    for (size_t s = 0; s < sizeof sources / sizeof *sources; s++)
        for (size_t o = 0; o < sizeof outputs / sizeof *outputs; o++)
            for (size_t l = 0; l < sizeof lengths / sizeof *lengths; l++)
                for (size_t v = 0; v < sizeof offsets / sizeof *offsets; v++)
                    for (size_t stride = 1; stride <= 3; stride += 2)
                        check_block_kernels(sources[s], outputs[o], lengths[l], offsets[v],
                                            stride, &seed, 0);
}

/* An all-null column and an all-valid one, at ragged lengths: every cell the fill, and
 * every cell its cast. */
static void test_all_null_and_all_valid(void **state)
{
    (void)state;
    uint64_t seed = 7;
    for (size_t s = 0; s < sizeof sources / sizeof *sources; s++)
        for (size_t o = 0; o < sizeof outputs / sizeof *outputs; o++)
            for (size_t n = 60; n <= 200; n += 35) {
                check_block_kernels(sources[s], outputs[o], n, 3, 1, &seed, 1);
                check_block_kernels(sources[s], outputs[o], n, 0, 1, &seed, 2);
            }
}

/* An all-NaN column and one of infinities, no bitmap: every cell the fill. */
static void test_all_non_finite(void **state)
{
    (void)state;
    enum { M = 131 };
    double d[M];
    float f[M];
    for (size_t i = 0; i < M; i++) {
        d[i] = i % 2 ? NAN : -INFINITY;
        f[i] = i % 3 ? -NAN : INFINITY;
    }
    for (size_t o = 0; o < sizeof outputs / sizeof *outputs; o++) {
        unsigned char dst[M * 8], fill[8];
        int32_t zero = 0;
        hw_convert_cell(HW_I32, &zero, 0, 2.5, outputs[o], fill);
        size_t osize = hw_dtype_size(outputs[o]);
        hw_convert(HW_F64, d, NULL, 0, M, 2.5, outputs[o], dst, 1);
        for (size_t i = 0; i < M; i++)
            assert_memory_equal(dst + i * osize, fill, osize);
        hw_convert(HW_F32, f, NULL, 0, M, 2.5, outputs[o], dst, 1);
        for (size_t i = 0; i < M; i++)
            assert_memory_equal(dst + i * osize, fill, osize);
    }
}

/* Every float's half, by the kernel and by gcc's cast, for a spread of 2^24 floats (every
 * 256th bit pattern, both signs, each exponent's ties included by the low bits' walk);
 * the bench's author ran all 2^32 once (see README). */
static void test_half_rounding_sweep(void **state)
{
    (void)state;
    enum { M = 4096 };
    static float in[M];
    static uint16_t got[M];
    for (uint64_t base = 0; base < (1ull << 32); base += (uint64_t)M * 256) {
        for (size_t i = 0; i < M; i++) {
            uint32_t u = (uint32_t)(base + i * 256) ^ (uint32_t)(i & 0xff);
            memcpy(&in[i], &u, 4);
        }
        hw_convert(HW_F32, in, NULL, 0, M, 0.0, HW_F16, got, 1);
        for (size_t i = 0; i < M; i++) {
            unsigned char one[2];
            hw_convert_cell(HW_F32, &in[i], 1, 0.0, HW_F16, one);
            if (memcmp(one, &got[i], 2) != 0) {
                uint32_t u;
                memcpy(&u, &in[i], 4);
                fail_msg("float %08x: half %04x, want %04x", u, got[i],
                         (unsigned)hw_out_bits(HW_F16, one));
            }
        }
    }
}


/* Every finite float's half by hw_convert (the AVX2/F16C blocks where the CPU has them, the
 * integer rounding under HW_NO_CLONES) against gcc's scalar (_Float16) cast built for F16C
 * (one vcvtps2ph, round to nearest even); every non-finite float gets the fill. gcc's
 * software cast (libgcc, the reference's path) takes 60 ns a float here, too slow for 2^32:
 * test_half_rounding_sweep checks that one on every 256th pattern. Under HW_NO_CLONES (`make
 * asan`: the baseline kernels, 70 s for all 2^32 under ASan) every 16th block of 65536. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target("f16c"), noinline)) static void f16c_halves(const float *in, size_t n,
                                                                  uint16_t *out)
{
    for (size_t i = 0; i < n; i++) {
        test_f16 h = (test_f16)in[i];
        memcpy(&out[i], &h, 2);
    }
}

static void test_half_every_float(void **state)
{
    (void)state;
    if (!__builtin_cpu_supports("f16c"))
        skip();
    enum { M = 1 << 16 };
    static float in[M];
    static uint16_t got[M], want[M];
    const uint16_t fill = 0x3e00; /* 1.5 */
#ifdef HW_NO_CLONES
    const uint64_t step = (uint64_t)M * 16;
#else
    const uint64_t step = M;
#endif
    for (uint64_t base = 0; base < (1ull << 32); base += step) {
        for (size_t i = 0; i < M; i++) {
            uint32_t u = (uint32_t)(base + i);
            memcpy(&in[i], &u, 4);
        }
        hw_convert(HW_F32, in, NULL, 0, M, 1.5, HW_F16, got, 1);
        f16c_halves(in, M, want);
        for (size_t i = 0; i < M; i++) {
            uint16_t w = isfinite(in[i]) ? want[i] : fill;
            if (got[i] != w)
                fail_msg("float %08llx: half %04x, want %04x", (unsigned long long)(base + i),
                         got[i], w);
        }
    }
}
#else
static void test_half_every_float(void **state)
{
    (void)state;
    skip();
}
#endif

/* The half kernels take an integer through int32 -> float after clamping it to
 * [-65536, 65536]: every integer a half tells apart (|x| < 65520) is exact in float and every
 * larger one rounds to +-inf. The claim itself, by gcc's casts, then the kernels against the
 * one-cell path at every integer near the edges, in blocks and ragged ends, every source. */
static uint16_t half_bits_of(enum hw_dtype src, const void *v)
{
    unsigned char one[8];
    hw_convert_cell(src, v, 1, 0.0, HW_F16, one);
    return (uint16_t)hw_out_bits(HW_F16, one);
}

static void test_int_half_clamp(void **state)
{
    (void)state;
    enum { M = 1 << 16 };
    static int64_t vals[M];
    size_t nv = 0;
    for (int64_t x = -66000; x <= 66000; x += 17) /* every 17th, then each edge densely */
        vals[nv++] = x;
    static const int64_t edges[] = {65504, 65519, 65520, 65535, 65536, 65537, 1 << 20,
                                    INT32_MAX, (int64_t)1 << 32, ((int64_t)1 << 53) + 1,
                                    INT64_MAX - 3};
    for (size_t e = 0; e < sizeof edges / sizeof *edges; e++)
        for (int64_t d = -3; d <= 3; d++) {
            vals[nv++] = edges[e] + d;
            vals[nv++] = -(edges[e] + d);
        }
    vals[nv++] = INT64_MIN;
    for (size_t i = 0; i < nv; i++) {
        int64_t x = vals[i], c = x < -65536 ? -65536 : x > 65536 ? 65536 : x;
        float f = (float)(int32_t)c;
        int32_t i32 = (int32_t)c;
        assert_int_equal(half_bits_of(HW_I64, &x), half_bits_of(HW_F32, &f));
        assert_int_equal(half_bits_of(HW_I64, &x), half_bits_of(HW_I32, &i32));
    }
    /* the kernels: every source width, the values that fit it */
    static const enum hw_dtype ints[] = {HW_I64, HW_I32, HW_I16, HW_I8};
    static unsigned char data[M * 8];
    static uint16_t got[M];
    for (size_t s = 0; s < sizeof ints / sizeof *ints; s++) {
        size_t sz = hw_dtype_size(ints[s]), n = 0;
        for (size_t i = 0; i < nv; i++) {
            int64_t x = vals[i];
            if (sz < 8 && (x < -((int64_t)1 << (8 * sz - 1)) || x >= (int64_t)1 << (8 * sz - 1)))
                continue;
            memcpy(data + n++ * sz, &x, sz); /* little-endian: the low bytes */
        }
        if (sz <= 2) { /* every value of the type */
            n = (size_t)1 << (8 * sz);
            for (size_t i = 0; i < n; i++) {
                uint16_t u = (uint16_t)i;
                memcpy(data + i * sz, &u, sz);
            }
        }
        for (size_t len = n; len + 64 >= n && len > 0; len -= 29) { /* ragged ends */
            hw_convert(ints[s], data, NULL, 0, len, 0.0, HW_F16, got, 1);
            for (size_t i = 0; i < len; i++)
                if (got[i] != half_bits_of(ints[s], data + i * sz))
                    fail_msg("%s row %zu of %zu: half %04x, want %04x", hw_dtype_name(ints[s]),
                             i, len, got[i], half_bits_of(ints[s], data + i * sz));
        }
    }
}

/* Doubles at and beside every half's rounding boundary (the midpoint to the next half, a
 * double ulp either side, and a float ulp either side: where a rounding through the nearest
 * float would land on the tie), both signs, against the one-cell path: the f64 -> f16 blocks
 * round to float with round-to-odd first. */
static void test_f64_half_ties(void **state)
{
    (void)state;
    enum { PER = 5, M = 0x7c00 * PER * 2 };
    static double in[M];
    static uint16_t got[M];
    size_t n = 0;
    for (uint32_t h = 0; h < 0x7c00; h++) {
        uint16_t b = (uint16_t)h, nb = (uint16_t)(h + 1);
        test_f16 lo, hi;
        memcpy(&lo, &b, 2);
        memcpy(&hi, &nb, 2);
        /* exact (12 bits); past the largest half, the tie with 2^16 */
        double mid = h == 0x7bff ? 65520.0 : ((double)lo + (double)hi) / 2;
        double c[PER] = {mid, nextafter(mid, 0), nextafter(mid, INFINITY),
                         mid - ldexp(mid, -24), mid + ldexp(mid, -24)};
        for (int k = 0; k < PER; k++) {
            in[n++] = c[k];
            in[n++] = -c[k];
        }
    }
    hw_convert(HW_F64, in, NULL, 0, n, 0.0, HW_F16, got, 1);
    for (size_t i = 0; i < n; i++)
        if (got[i] != half_bits_of(HW_F64, &in[i]))
            fail_msg("double %a: half %04x, want %04x", in[i], got[i],
                     half_bits_of(HW_F64, &in[i]));
}


/* int64 into f32/f64 with AVX2 takes blocks whose 64 values are all in [-2^51, 2^51) exactly
 * through double (then f32 rounds once), the C cast otherwise: values of every magnitude up to
 * that edge (f32 ties among them: odd values above 2^24), the edges themselves, and blocks
 * with one value past it, against the one-cell path. */
static void test_i64_float_blocks(void **state)
{
    (void)state;
    enum { M = 64 * 40 };
    static int64_t in[M];
    static unsigned char got[M * 8];
    uint64_t seed = 51;
    for (size_t i = 0; i < M; i++) {
        uint64_t r = tu_rng(&seed);
        int64_t v = (int64_t)(r >> (13 + (r & 63) % 50)); /* below 2^51 */
        in[i] = (r >> 6) & 1 ? -v : v;
    }
    static const int64_t edges[] = {((int64_t)1 << 51) - 1, -((int64_t)1 << 51),
                                    -((int64_t)1 << 51) + 1, ((int64_t)1 << 24) + 1,
                                    ((int64_t)1 << 50) + ((int64_t)1 << 26) + 1, 0, -1};
    for (size_t e = 0; e < sizeof edges / sizeof *edges; e++)
        in[64 + e * 3] = edges[e];
    in[64 * 5 + 17] = (int64_t)1 << 51; /* past the edge: those blocks by the C cast */
    in[64 * 6 + 2] = ((int64_t)1 << 51) + 12345;
    in[64 * 8 + 40] = ((int64_t)3 << 51) + 1;
    in[64 * 7 + 63] = -((int64_t)1 << 51) - 1;
    in[64 * 9] = INT64_MIN;
    in[64 * 11 + 1] = INT64_MAX;
    for (size_t o = 0; o < 2; o++) {
        enum hw_dtype out = o ? HW_F32 : HW_F64;
        size_t osize = hw_dtype_size(out);
        for (size_t n = M; n + 200 > M; n -= 37) {
            hw_convert(HW_I64, in, NULL, 0, n, 2.5, out, got, 1);
            for (size_t i = 0; i < n; i++) {
                unsigned char one[8];
                hw_convert_cell(HW_I64, &in[i], 1, 2.5, out, one);
                if (memcmp(one, got + i * osize, osize) != 0)
                    fail_msg("i64 %lld -> %s: %llx, want %llx", (long long)in[i],
                             hw_dtype_name(out), (unsigned long long)hw_out_bits(out, got + i * osize),
                             (unsigned long long)hw_out_bits(out, one));
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f64_rounding),   cmocka_unit_test(test_f32_rounding),
        cmocka_unit_test(test_int_rounding),   cmocka_unit_test(test_all_pairs),
        cmocka_unit_test(test_no_validity),    cmocka_unit_test(test_fill_rounding),
        cmocka_unit_test(test_out_bits_value), cmocka_unit_test(test_blocks_match_cells),
        cmocka_unit_test(test_all_null_and_all_valid), cmocka_unit_test(test_all_non_finite),
        cmocka_unit_test(test_half_rounding_sweep), cmocka_unit_test(test_half_every_float),
        cmocka_unit_test(test_int_half_clamp),      cmocka_unit_test(test_f64_half_ties),
        cmocka_unit_test(test_i64_float_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
