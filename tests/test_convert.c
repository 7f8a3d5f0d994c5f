/* The conversion kernel: straight C casts (checked on the rounding cases where a detour
 * through another type would give a different last bit), the median fill for null and
 * non-finite cells, strides and validity offsets, for every (source, output) pair. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "convert.h"
#include <float.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f64_rounding),   cmocka_unit_test(test_f32_rounding),
        cmocka_unit_test(test_int_rounding),   cmocka_unit_test(test_all_pairs),
        cmocka_unit_test(test_no_validity),    cmocka_unit_test(test_fill_rounding),
        cmocka_unit_test(test_out_bits_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
