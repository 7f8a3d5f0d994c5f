/* The plan on hand-made reports: the fit through its entries, the regime rule, machines with
 * headroom, and every degenerate input with its message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "plan.h"
#include "plot.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

/* One f32-column table (the common column is rows x 4 bytes), one strategy with peak
 * 2.0 x output + 10 MiB, output = rows x 400 bytes. */
static cJSON *report(double rows, const char *allocator, double extra)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "schema", "highwater.report/1");
    cJSON *ds = cJSON_AddObjectToObject(r, "dataset");
    cJSON_AddNumberToObject(ds, "rows", rows);
    cJSON_AddNumberToObject(ds, "cols", 100);
    cJSON_AddNumberToObject(ds, "output_bytes", rows * 400);
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "dtype", "f32");
    cJSON_AddNumberToObject(g, "count", 100);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(ds, "dtypes"), g);
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "label", "fused-single-pass");
    cJSON_AddStringToObject(s, "strategy", "fused-single-pass");
    cJSON_AddStringToObject(s, "allocator", allocator);
    cJSON_AddStringToObject(s, "allocator_conf", "");
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(s, "peak_rss_bytes"), "median", 2.0 * rows * 400 + 10 * 1048576.0 + extra);
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(s, "wall_seconds"), "median", 1e-6 * rows);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "summary"), s);
    cJSON_AddArrayToObject(r, "runs");
    return r;
}

static struct hw_plan_opts opts(uint64_t rows)
{
    struct hw_plan_opts o = {.rows = rows, .headroom = 0.10};
    snprintf(o.machine, sizeof o.machine, "32GiB,64GiB");
    return o;
}

static void free_all(cJSON **r, int n)
{
    for (int i = 0; i < n; i++)
        cJSON_Delete(r[i]);
}

/* An exact line: 70M rows predicted at 2 x 28 GB + 10 MiB, R² 1, hold-out 0; with 10%
 * headroom it needs 57.6 GB: no on 32 GiB, yes on 64 GiB. */
static void exact_line_and_machines(void **state)
{
    (void)state;
    char err[512];
    cJSON *r[4] = {report(250e3, "glibc", 0), report(500e3, "glibc", 0), report(1e6, "glibc", 0), report(2e6, "glibc", 0)};
    const char *p[4] = {"a", "b", "c", "d"};
    struct hw_plan_opts o = opts(70000000);
    cJSON *plan = hw_plan_build(r, p, 4, &o, err, sizeof err);
    assert_non_null(plan);
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(plan, "entries"), 0);
    const cJSON *pk = cJSON_GetObjectItem(e, "peak");
    double want = 2.0 * 70e6 * 400 + 10 * 1048576.0;
    assert_true(fabs(cJSON_GetObjectItem(pk, "predicted")->valuedouble - want) < 1.0);
    assert_true(fabs(cJSON_GetObjectItem(pk, "r2")->valuedouble - 1.0) < 1e-12);
    assert_true(fabs(cJSON_GetObjectItem(pk, "holdout_error")->valuedouble) < 1e-9);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(e, "reliable")));
    const cJSON *m = cJSON_GetObjectItem(e, "machines");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 0), "fits")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 1), "fits")));
    assert_true(fabs(hw_plan_predict(plan, "fused-single-pass", "glibc", "", 70e6) - want) < 1.0);
    assert_true(isnan(hw_plan_predict(plan, "nope", "glibc", "", 70e6)));
    cJSON_Delete(plan);
    free_all(r, 4);
}

/* A memmap-like entry with --find-limit at every scale: its smallest container limit (1.05 x
 * output) is fitted like the peak (2 x output), and the machines say which sizes it survives
 * as a pod limit: at 70M rows (28 GB output) a 32 GiB limit, though its peak needs 64 GiB. The
 * printed plan says it under the entry. */
static void the_smallest_limit_is_planned(void **state)
{
    (void)state;
    char err[512];
    cJSON *r[3] = {report(250e3, "glibc", 0), report(500e3, "glibc", 0), report(1e6, "glibc", 0)};
    for (int i = 0; i < 3; i++) {
        cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(r[i], "summary"), 0);
        double out = hw_jnum(cJSON_GetObjectItem(r[i], "dataset"), "output_bytes");
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(s, "container_peak_bytes"), "median", 2.05 * out);
        cJSON_AddNumberToObject(s, "smallest_limit_bytes", 1.05 * out);
    }
    const char *p[3] = {"a", "b", "c"};
    struct hw_plan_opts o = opts(70000000);
    cJSON *plan = hw_plan_build(r, p, 3, &o, err, sizeof err);
    assert_non_null(plan);
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(plan, "entries"), 0);
    double lim = hw_jnum(cJSON_GetObjectItem(e, "smallest_limit_bytes"), "predicted");
    assert_true(fabs(lim - 1.05 * 70e6 * 400) < 16.0);
    assert_true(fabs(hw_jnum(cJSON_GetObjectItem(e, "container_peak_bytes"), "predicted") - 2.05 * 70e6 * 400) < 16.0);
    const cJSON *m = cJSON_GetObjectItem(e, "machines");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 0), "fits")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 0), "fits_as_limit")));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    hw_plan_print(plan, f);
    fclose(f);
    assert_non_null(strstr(text, "smallest container limit 27.4 GiB (1.05x): survives a pod limit of 32.0 GiB 64.0 GiB"));
    free(text);
    cJSON_Delete(plan);
    free_all(r, 3);
}

/* jemalloc's 8 MiB threshold: an f32 column reaches it at 2,097,152 rows. Scales on both
 * sides and a target above: the fit keeps the two above. All below: unreliable. */
static void regimes(void **state)
{
    (void)state;
    char err[512];
    const char *p[4] = {"a", "b", "c", "d"};
    struct hw_plan_opts o = opts(16000000);
    /* Below the threshold jemalloc keeps freed columns: +30% of the output in the small runs. */
    cJSON *r[4] = {report(250e3, "jemalloc", 0.3 * 250e3 * 400), report(1e6, "jemalloc", 0.3 * 1e6 * 400),
                   report(4e6, "jemalloc", 0), report(8e6, "jemalloc", 0)};
    cJSON *plan = hw_plan_build(r, p, 4, &o, err, sizeof err);
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(plan, "entries"), 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(e, "reliable")));
    assert_non_null(strstr(cJSON_GetObjectItem(e, "regime_note")->valuestring, "fit on the 2 scales"));
    /* Fit on 4M and 8M only: exact again. */
    double want = 2.0 * 16e6 * 400 + 10 * 1048576.0;
    assert_true(fabs(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "peak"), "predicted")->valuedouble - want) < 1.0);
    cJSON_Delete(plan);
    plan = hw_plan_build(r, p, 2, &o, err, sizeof err);
    e = cJSON_GetArrayItem(cJSON_GetObjectItem(plan, "entries"), 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(e, "reliable")));
    assert_string_equal(cJSON_GetObjectItem(e, "regime_note")->valuestring,
                        "UNRELIABLE: the target's columns (61.0 MiB) sit above the jemalloc oversize_threshold "
                        "8 MiB, and fewer than 2 fit scales do; add fit scales on that side");
    /* Unreliable predictions fit no machine. */
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "machines"), 1), "fits")));
    cJSON_Delete(plan);
    free_all(r, 4);
}

static void degenerate_inputs(void **state)
{
    (void)state;
    char err[512];
    const char *p[3] = {"a.json", "b.json", "c.json"};
    struct hw_plan_opts o = opts(70000000);
    cJSON *r[3] = {report(1e6, "glibc", 0), report(1e6, "glibc", 0), report(0, "glibc", 0)};
    assert_null(hw_plan_build(r, p, 1, &o, err, sizeof err));
    assert_string_equal(err, "a plan needs reports at 2 or more scales, got 1; add fit scales (--fit) or reports (--from)");
    assert_null(hw_plan_build(r, p, 2, &o, err, sizeof err));
    assert_string_equal(err, "a.json and b.json are both at 1000000 rows; give each scale once");
    cJSON *zero[2] = {r[0], r[2]};
    const char *zp[2] = {"a.json", "c.json"};
    assert_null(hw_plan_build(zero, zp, 2, &o, err, sizeof err));
    assert_string_equal(err, "c.json: dataset.rows is 0; a scale needs rows > 0");
    cJSON_Delete(r[1]);
    r[1] = report(2e6, "glibc", 0);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r[1], "dataset"), "cols", cJSON_CreateNumber(99));
    assert_null(hw_plan_build(r, p, 2, &o, err, sizeof err));
    assert_string_equal(err, "a.json and b.json are of different shapes (columns or dtype mix); a plan fits one "
                             "table at several row counts");
    struct hw_plan_opts bad = opts(70000000);
    snprintf(bad.machine, sizeof bad.machine, "64GiB,lots");
    assert_null(hw_plan_build(r, p, 2, &bad, err, sizeof err));
    assert_non_null(strstr(err, "'lots' in '64GiB,lots': "));
    free_all(r, 3);
}

/* A plan without target_rows (hand-made, or read by a fuzzer before any check): the table
 * and the plot page say "? rows", and cast no NaN to an integer (UBSan, make asan). */
static void plan_without_target_rows(void **state)
{
    (void)state;
    cJSON *plan = cJSON_Parse("{\"schema\": \"highwater.plan/1\", \"entries\": []}");
    static char buf[1 << 16];
    char err[256];
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    assert_non_null(plan);
    assert_non_null(f);
    hw_plan_print(plan, f);
    assert_int_equal(hw_plot_plan_html(plan, f, err, sizeof err), 0);
    fclose(f);
    assert_non_null(strstr(buf, "plan for ? rows"));
    assert_non_null(strstr(buf, "<h1>highwater plan: ? rows</h1>"));
    cJSON_Delete(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_line_and_machines),
        cmocka_unit_test(regimes),
        cmocka_unit_test(the_smallest_limit_is_planned),
        cmocka_unit_test(degenerate_inputs),
        cmocka_unit_test(plan_without_target_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
