/* The timeline keeps every local maximum however many samples it folds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include "sampler.h"

static void few_samples_kept_as_they_are(void **state)
{
    (void)state;
    struct hw_timeline *tl = malloc(sizeof *tl);
    hw_timeline_init(tl);
    for (int i = 0; i < 10; i++) {
        struct hw_sample s = {i * 0.001, (uint64_t)(100 + i), 1, 2};
        hw_timeline_add(tl, &s);
    }
    cJSON *j = hw_timeline_json(tl, 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "rss")), 10);
    assert_int_equal(cJSON_GetObjectItem(j, "samples")->valuedouble, 10);
    cJSON_Delete(j);
    free(tl);
}

/* 200000 samples of a noisy sawtooth with one spike: at most 2 points per bucket survive,
 * and the spike, the true maximum, is among them with its exact time. */
static void decimation_keeps_the_true_maximum(void **state)
{
    (void)state;
    struct hw_timeline *tl = malloc(sizeof *tl);
    hw_timeline_init(tl);
    const int n = 200000, spike = 123457;
    for (int i = 0; i < n; i++) {
        uint64_t rss = 1000000 + (uint64_t)(i % 977) * 10 + (uint64_t)(rand() % 5);
        if (i == spike)
            rss = 5000000;
        struct hw_sample s = {i * 0.001, rss, rss / 2, rss / 4};
        hw_timeline_add(tl, &s);
    }
    cJSON *j = hw_timeline_json(tl, 1);
    cJSON *rss = cJSON_GetObjectItem(j, "rss"), *t = cJSON_GetObjectItem(j, "t"), *e;
    assert_true(cJSON_GetArraySize(rss) <= 2 * HW_TIMELINE_BUCKETS);
    double max = 0, tmax = -1, prev_t = -1;
    int i = 0;
    cJSON_ArrayForEach(e, rss) {
        double ti = cJSON_GetArrayItem(t, i++)->valuedouble;
        assert_true(ti > prev_t);   /* time order survives */
        prev_t = ti;
        if (e->valuedouble > max) {
            max = e->valuedouble;
            tmax = ti;
        }
    }
    assert_true(max == 5000000);
    assert_true(fabs(tmax - spike * 0.001) < 1e-9);
    assert_int_equal(hw_timeline_max_between(tl, 0, n), 5000000);
    assert_true(hw_timeline_max_between(tl, 0, spike * 0.001 - 0.5) < 5000000);
    cJSON_Delete(j);
    free(tl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(few_samples_kept_as_they_are),
        cmocka_unit_test(decimation_keeps_the_true_maximum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
