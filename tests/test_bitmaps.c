/* The word-at-a-time bitmap operations against the row-by-row loops they replace: every
 * length from 0 to 300 at every bit offset 0..70, random bitmaps of several densities
 * (all valid, all null, 3% null, half), values with inf, NaN and -0.0 planted. Equal bits,
 * equal bytes, and no byte written past what the row loop wrote (guard bytes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "bitmaps.h"
#include "dataset.h" /* hw_valid_bit */
#include <math.h>
#include <stdbool.h>
#include <string.h>

enum { MAXN = 300, MAXOFF = 70, GUARD = 0xa5 };

/* A bitmap whose bits are 0 with probability null_per_1024 / 1024. */
static void random_bits(uint64_t *s, uint8_t *bits, size_t bytes, unsigned null_per_1024)
{
    memset(bits, 0, bytes);
    for (size_t i = 0; i < bytes * 8; i++)
        if ((tu_rng(s) & 1023) >= null_per_1024)
            bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

static bool finite_at(enum hw_dtype t, const void *data, size_t i)
{
    switch (t) {
    case HW_F64: return isfinite(((const double *)data)[i]);
    case HW_F32: return isfinite(((const float *)data)[i]);
    case HW_F16: return (((const uint16_t *)data)[i] & 0x7c00u) != 0x7c00u;
    default:     return true;
    }
}

/* Values of dtype t with specials planted: every 7th inf or -inf, every 11th NaN, some -0. */
static void random_values(uint64_t *s, enum hw_dtype t, void *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t r = tu_rng(s);
        switch (t) {
        case HW_F64: ((double *)data)[i] = r % 7 == 0 ? (r & 8 ? INFINITY : -INFINITY)
                                         : r % 11 == 0 ? NAN : r % 13 == 0 ? -0.0
                                         : (double)(int32_t)r / 3.0; break;
        case HW_F32: ((float *)data)[i] = r % 7 == 0 ? (r & 8 ? INFINITY : -INFINITY)
                                        : r % 11 == 0 ? NAN : r % 13 == 0 ? -0.0f
                                        : (float)(int16_t)r / 3.0f; break;
        case HW_F16: ((uint16_t *)data)[i] = r % 7 == 0 ? 0x7c00 : r % 11 == 0 ? 0xfe01 : (uint16_t)(r & 0x7bff); break;
        case HW_I64: ((int64_t *)data)[i] = (int64_t)r; break;
        case HW_I32: ((int32_t *)data)[i] = (int32_t)r; break;
        case HW_I16: ((int16_t *)data)[i] = (int16_t)r; break;
        default:     ((int8_t *)data)[i] = (int8_t)r; break;
        }
    }
}

static const enum hw_dtype dtypes[] = {HW_F64, HW_F32, HW_F16, HW_I64, HW_I32, HW_I16, HW_I8};
static const unsigned densities[] = {0, 1024, 31, 512};

static void test_zeros(void **state)
{
    (void)state;
    uint64_t s = 1;
    uint8_t bits[(MAXN + MAXOFF) / 8 + 1];
    for (size_t d = 0; d < 4; d++) {
        random_bits(&s, bits, sizeof bits, densities[d]);
        for (uint64_t off = 0; off <= MAXOFF; off++)
            for (uint64_t n = 0; n <= MAXN; n++) {
                uint64_t want = 0;
                for (uint64_t i = 0; i < n; i++)
                    want += !hw_valid_bit(bits, off + i);
                assert_int_equal(hw_bits_zeros(bits, off, n), want);
            }
    }
    assert_int_equal(hw_bits_zeros(NULL, 3, 100), 0);
}

static void test_copy(void **state)
{
    (void)state;
    uint64_t s = 2;
    uint8_t src[(MAXN + MAXOFF) / 8 + 1], want[(MAXN + MAXOFF) / 8 + 9], got[sizeof want];
    for (size_t d = 0; d < 4; d++) {
        random_bits(&s, src, sizeof src, densities[d]);
        for (uint64_t s0 = 0; s0 <= MAXOFF; s0 += 3)
            for (uint64_t d0 = 0; d0 <= 17; d0++)
                for (uint64_t n = 0; n <= MAXN; n += 1 + n / 16) {
                    random_bits(&s, want, sizeof want, 512);   /* the bits around stay */
                    memcpy(got, want, sizeof got);
                    for (uint64_t i = 0; i < n; i++) {
                        uint8_t m = (uint8_t)(1u << ((d0 + i) % 8));
                        if (hw_valid_bit(src, s0 + i))
                            want[(d0 + i) / 8] |= m;
                        else
                            want[(d0 + i) / 8] &= (uint8_t)~m;
                    }
                    hw_bits_copy(got, d0, src, s0, n);
                    assert_memory_equal(got, want, sizeof got);
                    if (n) {   /* NULL is all ones */
                        hw_bits_copy(got, d0, NULL, 0, n);
                        for (uint64_t i = 0; i < n; i++)
                            assert_true(hw_valid_bit(got, d0 + i));
                    }
                }
    }
}

static void test_finite(void **state)
{
    (void)state;
    uint64_t s = 3;
    static double data[MAXN + 8];
    uint8_t validity[(MAXN + MAXOFF) / 8 + 1], want[MAXN / 8 + 2], got[sizeof want];
    for (size_t t = 0; t < sizeof dtypes / sizeof *dtypes; t++)
        for (size_t d = 0; d < 4; d++) {
            random_values(&s, dtypes[t], data, MAXN);
            random_bits(&s, validity, sizeof validity, densities[d]);
            for (uint64_t off = 0; off <= MAXOFF; off += 5)
                for (uint64_t n = 0; n <= MAXN; n++)
                    for (int with = 0; with < 2; with++) {
                        const uint8_t *v = with ? validity : NULL;
                        memset(want, GUARD, sizeof want);
                        memset(want, 0, (n + 7) / 8);
                        for (uint64_t i = 0; i < n; i++)
                            if ((!v || hw_valid_bit(v, off + i)) && finite_at(dtypes[t], data, i))
                                want[i / 8] |= (uint8_t)(1u << (i % 8));
                        memset(got, GUARD, sizeof got);
                        hw_bits_finite(dtypes[t], data, v, off, n, got);
                        assert_memory_equal(got, want, sizeof got);
                    }
        }
}

/* Compaction writes exactly the slots it fills: guard bytes after them stay. */
static void test_compact(void **state)
{
    (void)state;
    uint64_t s = 4;
    static double data[MAXN + 8];
    static unsigned char want[(MAXN + 8) * 8], got[sizeof want];
    uint8_t bits[(MAXN + MAXOFF) / 8 + 1];
    for (size_t t = 0; t < sizeof dtypes / sizeof *dtypes; t++) {
        size_t esz = hw_dtype_size(dtypes[t]);
        for (size_t d = 0; d < 4; d++) {
            random_values(&s, dtypes[t], data, MAXN);
            random_bits(&s, bits, sizeof bits, densities[d]);
            for (uint64_t off = 0; off <= MAXOFF; off += 7)
                for (uint64_t n = 0; n <= MAXN; n++)
                    for (int finite = 0; finite < 2; finite++) {
                        memset(want, GUARD, sizeof want);
                        uint64_t k = 0;
                        for (uint64_t i = 0; i < n; i++)
                            if (hw_valid_bit(bits, off + i) &&
                                (!finite || finite_at(dtypes[t], data, i)))
                                memcpy(want + (k++) * esz, (const char *)data + i * esz, esz);
                        memset(got, GUARD, sizeof got);
                        uint64_t g = finite ? hw_compact_finite(dtypes[t], data, bits, off, n, got)
                                            : hw_bits_compact(esz, data, bits, off, n, got);
                        assert_int_equal(g, k);
                        assert_memory_equal(got, want, sizeof got);
                    }
            memset(got, GUARD, sizeof got);   /* NULL bits: every element */
            assert_int_equal(hw_bits_compact(esz, data, NULL, 0, MAXN, got), MAXN);
            assert_memory_equal(got, data, MAXN * esz);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zeros),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_finite),
        cmocka_unit_test(test_compact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
