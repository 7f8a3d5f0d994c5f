/* The pool: every item once, worker t on its contiguous share, the same threads from one
 * call to the next (rayon's live as long as the process, and so do their glibc arenas), the
 * main thread never running an item, and a failure that names its item. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "pool.h"

struct rec {
    uint32_t n;
    unsigned worker[1000];
    pthread_t thread[1000];
    int times[1000];
    uint32_t fail_at;
};

static int record(void *ctx, unsigned worker, uint32_t item, const char **why)
{
    struct rec *r = ctx;
    r->worker[item] = worker;
    r->thread[item] = pthread_self();
    __atomic_fetch_add(&r->times[item], 1, __ATOMIC_RELAXED);
    if (item == r->fail_at) {
        *why = "no memory for the column";
        return -1;
    }
    return 0;
}

static void shares_are_contiguous_and_threads_persist(void **state)
{
    (void)state;
    static struct hw_run run;
    static struct rec a, b;
    memset(&run, 0, sizeof run);
    a.fail_at = b.fail_at = UINT32_MAX;
    assert_int_equal(hw_pool_for(&run, 3, 114, record, &a), 0);
    for (uint32_t i = 0; i < 114; i++) {
        assert_int_equal(a.times[i], 1);
        assert_int_equal(a.worker[i], i * 3 / 114);    /* 0..37, 38..75, 76..113 */
        assert_false(pthread_equal(a.thread[i], pthread_self()));
    }
    assert_int_equal(hw_pool_for(&run, 3, 114, record, &b), 0);
    for (uint32_t i = 0; i < 114; i++)
        assert_true(pthread_equal(a.thread[i], b.thread[i]));
    /* One item on worker 1: the thread that ran worker 1's share before. */
    static struct rec c;
    c.fail_at = UINT32_MAX;
    assert_int_equal(hw_pool_on(&run, 1, record, &c), 0);
    assert_int_equal(c.times[0], 1);
    assert_true(pthread_equal(c.thread[0], a.thread[40]));
    /* A worker past the pool's size is a thread of its own, started for it. */
    static struct rec d;
    d.fail_at = UINT32_MAX;
    assert_int_equal(hw_pool_on(&run, 4, record, &d), 0);
    for (uint32_t i = 0; i < 114; i++)
        assert_false(pthread_equal(d.thread[0], a.thread[i]));
    hw_pool_stop(&run);
    assert_null(run.pool);
    hw_pool_stop(&run);   /* twice is fine */
}

static void a_failed_item_is_the_runs_error(void **state)
{
    (void)state;
    static struct hw_run run;
    static struct rec r;
    memset(&run, 0, sizeof run);
    r.fail_at = 5;
    assert_int_equal(hw_pool_for(&run, 2, 20, record, &r), -1);
    assert_string_equal(run.error, "item 5 on a worker thread: no memory for the column");
    /* The failing worker took no more items; the other finished its share. */
    for (uint32_t i = 6; i < 10; i++)
        assert_int_equal(r.times[i], 0);
    hw_pool_stop(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shares_are_contiguous_and_threads_persist),
        cmocka_unit_test(a_failed_item_is_the_runs_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
