/* The pool runs each job on its own thread, one job at a time, and the caller sees the
 * job's effects when hw_pool_run returns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pool.h"
#include <pthread.h>
#include <stdlib.h>

struct job {
    pthread_t ran_on;
    int value;
    void *block;
};

static void job_fn(void *arg)
{
    struct job *j = arg;
    j->ran_on = pthread_self();
    j->value++;
    j->block = malloc(1 << 20);   /* allocated on the worker, freed by the caller */
}

static void test_runs_on_the_named_thread(void **state)
{
    (void)state;
    struct hw_pool *p = hw_pool_start(2);
    assert_non_null(p);
    assert_int_equal(hw_pool_size(p), 2);
    struct job a = {0}, b = {0}, c = {0};
    hw_pool_run(p, 0, job_fn, &a);
    hw_pool_run(p, 1, job_fn, &b);
    hw_pool_run(p, 2, job_fn, &c);          /* 2 mod 2: thread 0 again */
    assert_int_equal(a.value, 1);            /* done by the time run returns */
    assert_int_equal(b.value, 1);
    assert_false(pthread_equal(a.ran_on, pthread_self()));
    assert_false(pthread_equal(a.ran_on, b.ran_on));
    assert_true(pthread_equal(a.ran_on, c.ran_on));
    free(a.block);
    free(b.block);
    free(c.block);
    hw_pool_stop(p);
}

static void test_many_jobs_then_stop(void **state)
{
    (void)state;
    struct hw_pool *p = hw_pool_start(3);
    assert_non_null(p);
    struct job j = {0};
    for (int i = 0; i < 1000; i++) {
        hw_pool_run(p, (unsigned)i, job_fn, &j);
        free(j.block);
    }
    assert_int_equal(j.value, 1000);
    hw_pool_stop(p);
    hw_pool_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_on_the_named_thread),
        cmocka_unit_test(test_many_jobs_then_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
