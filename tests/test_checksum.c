/* The output checksum: a property of the logical matrix, not of its memory order, that can
 * be summed over any split of the storage and that notices cells changing places. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "checksum.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ROWS = 37, COLS = 11 };

/* A random logical matrix (rows x cols elements of `size` bytes) stored both ways. */
struct pair {
    size_t size;
    unsigned char c[ROWS * COLS * 8], f[ROWS * COLS * 8];
};

static void make_pair(struct pair *p, size_t size, uint64_t seed)
{
    p->size = size;
    for (size_t r = 0; r < ROWS; r++)
        for (size_t c = 0; c < COLS; c++) {
            uint64_t v = tu_rng(&seed);
            memcpy(p->c + (r * COLS + c) * size, &v, size);
            memcpy(p->f + (c * ROWS + r) * size, &v, size);
        }
}

static enum hw_dtype dtype_of(size_t size)
{
    return size == 2 ? HW_F16 : size == 4 ? HW_F32 : HW_F64;
}

static uint64_t whole(const struct pair *p, enum hw_order o)
{
    return hw_checksum_range(dtype_of(p->size), o, ROWS, COLS, 0, ROWS * COLS,
                             o == HW_ORDER_C ? p->c : p->f);
}

static void test_orders_agree(void **state)
{
    (void)state;
    static struct pair p;
    for (size_t size = 2; size <= 8; size *= 2) {
        make_pair(&p, size, size);
        assert_int_equal(whole(&p, HW_ORDER_C), whole(&p, HW_ORDER_F));
        /* and it is the plain sum of cell hashes over logical indices */
        uint64_t sum = 0;
        for (size_t i = 0; i < ROWS * COLS; i++) {
            uint64_t bits = 0;
            memcpy(&bits, p.c + i * size, size);
            sum += hw_cell_hash(i, bits);
        }
        assert_int_equal(whole(&p, HW_ORDER_C), sum);
    }
}

/* Storage orders must not be interchangeable: the F buffer read as C is a different matrix. */
static void test_order_matters(void **state)
{
    (void)state;
    static struct pair p;
    make_pair(&p, 4, 9);
    assert_int_not_equal(hw_checksum_range(HW_F32, HW_ORDER_C, ROWS, COLS, 0, ROWS * COLS, p.f),
                         whole(&p, HW_ORDER_F));
}

static void swap_cells(unsigned char *m, size_t size, size_t a, size_t b)
{
    unsigned char t[8];
    memcpy(t, m + a * size, size);
    memcpy(m + a * size, m + b * size, size);
    memcpy(m + b * size, t, size);
}

static void test_swap_changes(void **state)
{
    (void)state;
    static struct pair p;
    uint64_t s = 1;
    for (size_t size = 2; size <= 8; size *= 2) {
        make_pair(&p, size, 100 + size);
        uint64_t base_c = whole(&p, HW_ORDER_C), base_f = whole(&p, HW_ORDER_F);
        for (int k = 0; k < 200; k++) {
            size_t a = tu_rng(&s) % (ROWS * COLS), b = tu_rng(&s) % (ROWS * COLS);
            if (a == b || memcmp(p.c + a * size, p.c + b * size, size) == 0)
                continue;
            swap_cells(p.c, size, a, b);
            assert_int_not_equal(whole(&p, HW_ORDER_C), base_c);
            swap_cells(p.c, size, a, b);
            swap_cells(p.f, size, a, b);
            assert_int_not_equal(whole(&p, HW_ORDER_F), base_f);
            swap_cells(p.f, size, a, b);
        }
        /* one flipped bit anywhere changes it too */
        p.c[5 * size] ^= 1;
        assert_int_not_equal(whole(&p, HW_ORDER_C), base_c);
    }
}

/* Any split of the storage into consecutive ranges sums to the whole, including ranges
 * that start and end mid-column in F order and empty ranges. */
static void test_split_ranges(void **state)
{
    (void)state;
    static struct pair p;
    uint64_t s = 77;
    for (size_t size = 2; size <= 8; size *= 2) {
        make_pair(&p, size, 7 * size);
        for (int o = 0; o < 2; o++) {
            enum hw_order order = o ? HW_ORDER_F : HW_ORDER_C;
            const unsigned char *m = o ? p.f : p.c;
            uint64_t want = whole(&p, order);
            for (int k = 0; k < 50; k++) {
                uint64_t sum = 0;
                for (size_t e = 0; e < ROWS * COLS;) {
                    size_t n = tu_rng(&s) % 60;
                    if (n > ROWS * COLS - e)
                        n = ROWS * COLS - e;
                    sum += hw_checksum_range(dtype_of(size), order, ROWS, COLS, e, n, m + e * size);
                    e += n;
                }
                assert_int_equal(sum, want);
            }
        }
    }
}

static void test_hash_properties(void **state)
{
    (void)state;
    assert_int_not_equal(hw_cell_hash(0, 0), 0); /* a zero output still counts */
    assert_int_not_equal(hw_cell_hash(1, 0), hw_cell_hash(0, 1));
    assert_int_not_equal(hw_cell_hash(0, 0) + hw_cell_hash(1, 1),
                         hw_cell_hash(0, 1) + hw_cell_hash(1, 0));
    assert_int_equal(hw_checksum_range(HW_F32, HW_ORDER_F, 0, 3, 0, 0, NULL), 0);
}

/* Printed, not asserted: the target is roughly memory speed (>= 1 G cells/s). */
static void test_throughput(void **state)
{
    (void)state;
    size_t n = 16u << 20;
    float *m = calloc(n, sizeof *m);
    assert_non_null(m);
    struct timespec t0, t1;
    uint64_t sum = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sum += hw_checksum_range(HW_F32, HW_ORDER_C, n / 64, 64, 0, n, m);
    sum += hw_checksum_range(HW_F32, HW_ORDER_F, n / 64, 64, 0, n, m);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("checksum: %.0f Mcells/s (sum %016llx)\n", 2.0 * n / secs / 1e6, (unsigned long long)sum);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orders_agree), cmocka_unit_test(test_order_matters),
        cmocka_unit_test(test_swap_changes), cmocka_unit_test(test_split_ranges),
        cmocka_unit_test(test_hash_properties), cmocka_unit_test(test_throughput),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
