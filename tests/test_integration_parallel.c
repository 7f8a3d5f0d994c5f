/* Integration: run -j 2 against -j 1 on configs/ci.yaml (34 runs, back to back): the same
 * runs in the same (job) order, every output the same to the bit, and every peak within
 * the gate's tolerance of the serial one (the gate itself compares them), because a peak is
 * its own worker's process; the report says two workers ran and marks the walls taken beside
 * another as contended, which -j 1 never does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static char bin[512], dir[] = "/tmp/hw-test-integration-parallel-XXXXXX";

static cJSON *run_with(int jobs)
{
    char tag[16];
    snprintf(tag, sizeof tag, "j%d", jobs);
    int rc = tu_sh("TMPDIR=%s %s run configs/ci.yaml -j %d --no-timeline -o %s/%s.json > %s/%s.out 2> %s/%s.err",
                   dir, bin, jobs, dir, tag, dir, tag, dir, tag);
    if (rc != 0)
        fail_msg("run -j %d: exit %d\n%s", jobs, rc, tu_text("%s/%s.err", dir, tag));
    cJSON *r = tu_report("%s/%s.json", dir, tag);
    assert_non_null(r);
    return r;
}

static void two_workers_give_the_serial_peaks(void **state)
{
    (void)state;
    cJSON *one = run_with(1), *two = run_with(2);
    const cJSON *a = cJSON_GetObjectItem(one, "runs"), *b = cJSON_GetObjectItem(two, "runs");
    assert_int_equal(cJSON_GetArraySize(a), 34);
    assert_int_equal(cJSON_GetArraySize(b), 34);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(one, "parallel"), "workers")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(two, "parallel"), "workers")->valueint, 2);
    int contended = 0;
    for (int i = 0; i < 34; i++) {
        const cJSON *x = cJSON_GetArrayItem(a, i), *y = cJSON_GetArrayItem(b, i);
        assert_int_equal(cJSON_GetObjectItem(y, "job_index")->valueint, i);
        assert_string_equal(cJSON_GetObjectItem(x, "label")->valuestring, cJSON_GetObjectItem(y, "label")->valuestring);
        assert_string_equal(cJSON_GetObjectItem(x, "allocator")->valuestring,
                            cJSON_GetObjectItem(y, "allocator")->valuestring);
        assert_string_equal(cJSON_GetObjectItem(y, "status")->valuestring, "ok");
        /* The same output to the bit (median=local is wrong on purpose, the same both ways). */
        const cJSON *ox = cJSON_GetObjectItem(x, "output"), *oy = cJSON_GetObjectItem(y, "output");
        assert_string_equal(cJSON_GetObjectItem(ox, "checksum")->valuestring,
                            cJSON_GetObjectItem(oy, "checksum")->valuestring);
        assert_true(cJSON_Compare(cJSON_GetObjectItem(ox, "matches_reference"),
                                  cJSON_GetObjectItem(oy, "matches_reference"), 1));
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(x, "contended")));
        contended += cJSON_IsTrue(cJSON_GetObjectItem(y, "contended"));
    }
    /* All but the runs that had the machine to themselves (the last one, say). */
    assert_true(contended >= 30);
    int rc = tu_sh("%s gate %s/j2.json --baseline %s/j1.json > %s/gate.out 2>&1", bin, dir, dir, dir);
    const char *out = tu_scratch_read("gate.out");
    if (rc != 0)
        fail_msg("gate -j 2 against -j 1: exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "gate: PASS (34 compared, 0 failed"));
    cJSON_Delete(one);
    cJSON_Delete(two);
}

int main(void)
{
    tu_bin(bin, sizeof bin);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_workers_give_the_serial_peaks),
    };
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, tu_scratch_setup, tu_scratch_teardown);
}
