/* The limit bisection against runs that survive exactly above a threshold. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "limit_search.h"

#define MIB (1ull << 20)

/* Runs a search against "survives iff limit >= need"; the tries it took. */
static int search(struct hw_limit_search *s, uint64_t need)
{
    uint64_t limit;
    int n = 0;
    while ((limit = hw_limit_search_next(s)) != 0) {
        assert_true(limit % 4096 == 0);
        hw_limit_search_record(s, limit, limit >= need);
        n++;
    }
    return n;
}

static void it_finds_the_threshold_to_a_step(void **state)
{
    (void)state;
    struct hw_limit_search s;
    /* An output of 100 MiB, a step of 1 MiB, an unlimited peak of 230 MiB, a real need of
     * 187.3 MiB (a memmap run needs less than its peak). */
    uint64_t need = 187 * MIB + 300 * 1024;
    hw_limit_search_init(&s, 230 * MIB, 0, MIB, 4096, 20);
    int n = search(&s, need);
    assert_true(hw_limit_search_converged(&s));
    assert_true(s.hi >= need && s.hi - need <= MIB);
    assert_true(s.lo < need);
    assert_true(n <= 10);   /* hi, then log2(230) bisections */
}

/* A good guess for lo (an anonymous output: the need is its anon at a phase end) ends the
 * search in a few tries; a wrong one (it survives) costs one try and the answer stays right. */
static void a_guess_is_tried_not_believed(void **state)
{
    (void)state;
    struct hw_limit_search s;
    uint64_t need = 200 * MIB;
    hw_limit_search_init(&s, 202 * MIB, 199 * MIB + 512 * 1024, MIB, 4096, 20);
    int n = search(&s, need);
    assert_true(hw_limit_search_converged(&s) && s.hi >= need && s.hi - need <= MIB);
    assert_true(n <= 4);
    hw_limit_search_init(&s, 230 * MIB, 210 * MIB, MIB, 4096, 20);   /* the guess survives */
    search(&s, need);
    assert_true(hw_limit_search_converged(&s) && s.hi >= need && s.hi - need <= MIB);
}

/* A start that was not enough (the unlimited run's peak, under a limit, failed) doubles. */
static void a_failing_start_doubles(void **state)
{
    (void)state;
    struct hw_limit_search s;
    hw_limit_search_init(&s, 100 * MIB, 0, MIB, 4096, 30);
    search(&s, 150 * MIB);
    assert_true(hw_limit_search_converged(&s));
    assert_true(s.hi >= 150 * MIB && s.hi - 150 * MIB <= MIB);
}

/* Out of tries: not converged, and hi (if proven) still a limit that survived. */
static void tries_are_bounded(void **state)
{
    (void)state;
    struct hw_limit_search s;
    hw_limit_search_init(&s, 1024 * MIB, 0, 4096, 4096, 3);
    int n = search(&s, 333 * MIB);
    assert_int_equal(n, 3);
    assert_false(hw_limit_search_converged(&s));
    assert_true(s.hi_proven && s.hi >= 333 * MIB);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(it_finds_the_threshold_to_a_step),
        cmocka_unit_test(a_guess_is_tried_not_believed),
        cmocka_unit_test(a_failing_start_doubles),
        cmocka_unit_test(tries_are_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
