/* Phase markers: nesting, every malformed case with its warning, unterminated phases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "exec.h"

static void nesting(void **state)
{
    (void)state;
    char why[256];
    struct hw_markers *m = hw_markers_new();
    assert_int_equal(hw_markers_line(m, "begin outer", 1.0, why, sizeof why), 0);
    assert_int_equal(hw_markers_line(m, "begin inner", 2.0, why, sizeof why), 0);
    assert_int_equal(hw_markers_line(m, "end inner", 3.0, why, sizeof why), 0);
    assert_int_equal(hw_markers_line(m, "end outer", 4.0, why, sizeof why), 0);
    cJSON *w = cJSON_CreateArray(), *p = hw_markers_finish(m, 9.0, w);
    assert_int_equal(cJSON_GetArraySize(p), 2);
    assert_int_equal(cJSON_GetArraySize(w), 0);
    cJSON *in = cJSON_GetArrayItem(p, 1);
    assert_string_equal(cJSON_GetObjectItem(in, "name")->valuestring, "inner");
    assert_int_equal(cJSON_GetObjectItem(in, "depth")->valuedouble, 1);
    assert_true(cJSON_GetObjectItem(in, "start_seconds")->valuedouble == 2.0);
    assert_true(cJSON_GetObjectItem(in, "end_seconds")->valuedouble == 3.0);
    cJSON_Delete(p);
    cJSON_Delete(w);
    hw_markers_free(m);
}

static void malformed(void **state)
{
    (void)state;
    char why[256];
    struct hw_markers *m = hw_markers_new();
    assert_int_equal(hw_markers_line(m, "start x", 1, why, sizeof why), -1);
    assert_string_equal(why, "malformed marker 'start x': expected 'begin NAME' or 'end NAME'");
    assert_int_equal(hw_markers_line(m, "begin ", 1, why, sizeof why), -1);
    assert_string_equal(why, "malformed marker 'begin ': the name must be 1-127 printable characters");
    assert_int_equal(hw_markers_line(m, "begin a\tb", 1, why, sizeof why), -1);
    assert_string_equal(why, "malformed marker 'begin a\tb': the name must be 1-127 printable characters");
    assert_int_equal(hw_markers_line(m, "end nothing", 1, why, sizeof why), -1);
    assert_string_equal(why, "'end nothing' has no open phase of that name; ignored");
    assert_int_equal(hw_markers_line(m, "", 1, why, sizeof why), -1);
    /* end of an outer phase closes what is open inside it, and says so */
    assert_int_equal(hw_markers_line(m, "begin a", 2, why, sizeof why), 0);
    assert_int_equal(hw_markers_line(m, "begin b", 3, why, sizeof why), 0);
    assert_int_equal(hw_markers_line(m, "end a", 4, why, sizeof why), -1);
    assert_string_equal(why, "'end a' also closed the phases still open inside it");
    /* never ended: closed at exit with a warning */
    assert_int_equal(hw_markers_line(m, "begin c", 5, why, sizeof why), 0);
    cJSON *w = cJSON_CreateArray(), *p = hw_markers_finish(m, 6.0, w);
    assert_int_equal(cJSON_GetArraySize(p), 3);
    assert_string_equal(cJSON_GetArrayItem(w, 0)->valuestring, "phase 'c' was never ended; closed when the command exited");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(p, 2), "closed_by_exit")));
    assert_true(cJSON_GetObjectItem(cJSON_GetArrayItem(p, 1), "end_seconds")->valuedouble == 4.0);
    cJSON_Delete(p);
    cJSON_Delete(w);
    hw_markers_free(m);
}

/* MAX_PHASES is 1024: 1024 phases are kept (exec's burst test writes 1000), the next one is a
 * warning. */
static void phase_limit(void **state)
{
    (void)state;
    char why[256], line[64];
    struct hw_markers *m = hw_markers_new();
    for (int i = 0; i < 1024; i++) {
        snprintf(line, sizeof line, "begin p%d", i);
        assert_int_equal(hw_markers_line(m, line, i, why, sizeof why), 0);
        snprintf(line, sizeof line, "end p%d", i);
        assert_int_equal(hw_markers_line(m, line, i + 0.5, why, sizeof why), 0);
    }
    assert_int_equal(hw_markers_line(m, "begin one-too-many", 2000, why, sizeof why), -1);
    assert_string_equal(why, "marker 'begin one-too-many' ignored: more than 1024 phases or 64 levels");
    cJSON *w = cJSON_CreateArray(), *p = hw_markers_finish(m, 3000, w);
    assert_int_equal(cJSON_GetArraySize(p), 1024);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(p, 1023), "name")->valuestring, "p1023");
    assert_int_equal(cJSON_GetArraySize(w), 0);
    cJSON_Delete(p);
    cJSON_Delete(w);
    hw_markers_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(nesting), cmocka_unit_test(malformed),
                                       cmocka_unit_test(phase_limit)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
