/* compare: rows matched by (label, allocator, conf), deltas from the medians, rows only one
 * side has, and a note when the datasets differ. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compare.h"

static cJSON *report(int rows)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *ds = cJSON_AddObjectToObject(r, "dataset");
    cJSON_AddNumberToObject(ds, "rows", rows);
    cJSON_AddNumberToObject(ds, "cols", 114);
    cJSON_AddArrayToObject(ds, "dtypes");
    cJSON_AddArrayToObject(r, "summary");
    return r;
}

static void add(cJSON *r, const char *label, const char *conf, double peak_mib, double wall, const char *verdict)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "label", label);
    cJSON_AddStringToObject(s, "allocator", "jemalloc");
    cJSON_AddStringToObject(s, "allocator_conf", conf);
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(s, "peak_rss_bytes"), "median", peak_mib * 1048576.0);
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(s, "wall_seconds"), "median", wall);
    cJSON_AddStringToObject(s, "expect_verdict", verdict);
    cJSON_AddStringToObject(s, "output_check", "matches");
    cJSON_AddItemToArray(cJSON_GetObjectItem(r, "summary"), s);
}

static void side_by_side(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cJSON *a = report(1000), *b = report(1000);
    add(a, "whole-copy", "", 200, 2.0, "held");
    add(a, "whole-copy", "dirty_decay_ms:0", 160, 2.0, "held");
    add(a, "gone", "", 100, 1.0, "held");
    add(b, "whole-copy", "", 300, 1.0, "wrong");
    add(b, "whole-copy", "dirty_decay_ms:0", 150, 2.5, "held");
    add(b, "new", "", 50, 1.0, "held");
    hw_compare_print(a, "a.json", b, "b.json", f);
    fclose(f);
    assert_null(strstr(buf, "note: the datasets differ"));
    assert_non_null(strstr(buf, "whole-copy                         jemalloc      200.0 MiB  300.0 MiB   +50.0%    2.00s    1.00s   -50.0%  held -> wrong\n"));
    assert_non_null(strstr(buf, "jemalloc+dirty_decay_ms:0  160.0 MiB  150.0 MiB    -6.2%    2.00s    2.50s   +25.0%  held -> held\n"));
    assert_non_null(strstr(buf, "gone                               jemalloc      100.0 MiB          -        -    1.00s        -        -  held -> -\n"));
    assert_non_null(strstr(buf, "new                                jemalloc              -   50.0 MiB        -        -    1.00s        -  - -> held\n"));
    free(buf);
    cJSON_Delete(b);
    b = report(2000);
    buf = NULL;
    f = open_memstream(&buf, &len);
    hw_compare_print(a, "a.json", b, "b.json", f);
    fclose(f);
    assert_non_null(strstr(buf, "note: the datasets differ; compare the x-output ratios, not the bytes\n"));
    free(buf);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(side_by_side)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
