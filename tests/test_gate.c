/* The gate on hand-made reports: every verdict, every bad input with its exact message,
 * and the JUnit / Markdown views. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gate_views.h"
#include "testutil.h"

#define MIB (1024.0 * 1024.0)
static char dir[] = "/tmp/hw-test-gate-XXXXXX";
static const double D = 100 * MIB;   /* every run's output size */

static struct hw_gate_opts opts(void)
{
    struct hw_gate_opts o = {.tolerance = 0.03, .slack = 8u << 20};
    return o;
}

static cJSON *report(int rows)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "schema", "highwater.report/1");
    cJSON *ds = cJSON_AddObjectToObject(r, "dataset");
    cJSON_AddNumberToObject(ds, "rows", rows);
    cJSON_AddNumberToObject(ds, "cols", 114);
    cJSON_AddNumberToObject(ds, "all_null_columns", 1);
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "dtype", "f32");
    cJSON_AddNumberToObject(g, "count", 114);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(ds, "dtypes"), g);
    cJSON_AddArrayToObject(r, "runs");
    return r;
}

static cJSON *add_run(cJSON *r, const char *label, const char *alloc, double peak_mib, const char *status)
{
    cJSON *run = cJSON_CreateObject();
    cJSON_AddStringToObject(run, "strategy", label);
    cJSON_AddStringToObject(run, "label", label);
    cJSON_AddStringToObject(run, "allocator", alloc);
    cJSON_AddStringToObject(run, "allocator_conf", "");
    cJSON_AddStringToObject(run, "status", status);
    cJSON_AddStringToObject(run, "reason", strcmp(status, "ok") ? "killed by signal 9" : "");
    cJSON_AddStringToObject(run, "output_dtype", "f32");
    cJSON_AddStringToObject(run, "output_order", "C");
    cJSON_AddNumberToObject(run, "output_bytes", D);
    if (strcmp(status, "ok") == 0) {
        cJSON_AddNumberToObject(run, "peak_rss_bytes", peak_mib * MIB);
        cJSON *o = cJSON_AddObjectToObject(run, "output");
        cJSON_AddBoolToObject(o, "matches_reference", 1);
        cJSON_AddNumberToObject(o, "cells_differing", 0);
    }
    cJSON_AddItemToArray(cJSON_GetObjectItem(r, "runs"), run);
    return run;
}

static const cJSON *entry_of(const cJSON *res, const char *label)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(res, "entries"))
        if (strcmp(cJSON_GetObjectItem(e, "label")->valuestring, label) == 0)
            return e;
    fail_msg("no entry %s", label);
    return NULL;
}

static const char *verdict(const cJSON *res, const char *label)
{
    return cJSON_GetObjectItem(entry_of(res, label), "verdict")->valuestring;
}

static cJSON *compare(const cJSON *rep, const cJSON *base, struct hw_gate_opts o, int *code, char *err)
{
    return hw_gate_compare(rep, "new.json", base, "base.json", &o, code, err, 1024);
}

/* 200 MiB baseline: the limit is 200 x 1.03 + 8 = 214 MiB. */
static void limit_is_tolerance_plus_slack(void **state)
{
    (void)state;
    char err[1024];
    int code;
    cJSON *base = report(1000), *rep = report(1000);
    add_run(base, "a", "glibc", 200, "ok");
    add_run(base, "b", "glibc", 200, "ok");
    add_run(base, "c", "glibc", 200, "ok");
    add_run(rep, "a", "glibc", 213.9, "ok");   /* inside */
    add_run(rep, "b", "glibc", 214.1, "ok");   /* past */
    add_run(rep, "c", "glibc", 180, "ok");     /* -10%: better than 200 x 0.97 - 8 */
    cJSON *res = compare(rep, base, opts(), &code, err);
    assert_non_null(res);
    assert_int_equal(code, 1);
    assert_string_equal(verdict(res, "a"), "pass");
    assert_string_equal(verdict(res, "b"), "regression");
    assert_string_equal(verdict(res, "c"), "improved");
    assert_string_equal(cJSON_GetObjectItem(entry_of(res, "c"), "message")->valuestring,
                        "-10.0%: update the baseline");
    assert_true(cJSON_GetObjectItem(entry_of(res, "b"), "limit_bytes")->valuedouble == 214 * MIB);
    cJSON_Delete(res);
    cJSON_Delete(base);
    cJSON_Delete(rep);
}

/* Repeats: the median decides, one outlier does not. */
static void medians_over_repeats(void **state)
{
    (void)state;
    char err[1024];
    int code;
    cJSON *base = report(1000), *rep = report(1000);
    add_run(base, "a", "glibc", 200, "ok");
    add_run(base, "a", "glibc", 300, "ok");
    add_run(base, "a", "glibc", 201, "ok");
    add_run(rep, "a", "glibc", 202, "ok");
    add_run(rep, "a", "glibc", 400, "ok");
    add_run(rep, "a", "glibc", 199, "ok");
    cJSON *res = compare(rep, base, opts(), &code, err);
    assert_int_equal(code, 0);
    assert_string_equal(verdict(res, "a"), "pass");
    assert_true(cJSON_GetObjectItem(entry_of(res, "a"), "old_peak_bytes")->valuedouble == 201 * MIB);
    assert_true(cJSON_GetObjectItem(entry_of(res, "a"), "new_peak_bytes")->valuedouble == 202 * MIB);
    cJSON_Delete(res);
    cJSON_Delete(base);
    cJSON_Delete(rep);
}

static void failures_besides_regressions(void **state)
{
    (void)state;
    char err[1024];
    int code;
    cJSON *base = report(1000), *rep = report(1000);
    add_run(base, "crashed", "glibc", 200, "ok");
    add_run(base, "wrong", "glibc", 200, "ok");
    add_run(base, "budget", "glibc", 200, "ok");
    add_run(base, "gone", "glibc", 200, "ok");
    add_run(rep, "crashed", "glibc", 0, "failed");
    cJSON *w = add_run(rep, "wrong", "glibc", 200, "ok");
    cJSON *o = cJSON_GetObjectItem(w, "output");
    cJSON_ReplaceItemInObject(o, "matches_reference", cJSON_CreateFalse());
    cJSON_ReplaceItemInObject(o, "cells_differing", cJSON_CreateNumber(17));
    cJSON *b = add_run(rep, "budget", "glibc", 200, "ok");
    cJSON_AddNumberToObject(b, "budget_ratio", 1.5);   /* 200 MiB is 2.0x of D */
    add_run(rep, "new-one", "glibc", 200, "ok");
    cJSON *res = compare(rep, base, opts(), &code, err);
    assert_int_equal(code, 1);
    assert_string_equal(verdict(res, "crashed"), "failed");
    assert_string_equal(cJSON_GetObjectItem(entry_of(res, "crashed"), "message")->valuestring,
                        "a run is failed: killed by signal 9");
    assert_string_equal(verdict(res, "wrong"), "output");
    assert_string_equal(cJSON_GetObjectItem(entry_of(res, "wrong"), "message")->valuestring,
                        "the output no longer matches the reference: 17 cells differ");
    assert_string_equal(verdict(res, "budget"), "budget");
    assert_string_equal(cJSON_GetObjectItem(entry_of(res, "budget"), "message")->valuestring,
                        "peak 2.00x passed its budget 1.50x (from the config)");
    assert_string_equal(verdict(res, "gone"), "missing");
    assert_string_equal(verdict(res, "new-one"), "new");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(entry_of(res, "new-one"), "failed")));
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(res, "counts"), "failed")->valuedouble, 4);
    cJSON_Delete(res);

    struct hw_gate_opts allow = opts();
    allow.allow_missing = true;
    res = compare(rep, base, allow, &code, err);
    assert_string_equal(verdict(res, "gone"), "skipped");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(res, "counts"), "failed")->valuedouble, 3);
    cJSON_Delete(res);
    cJSON_Delete(base);
    cJSON_Delete(rep);
}

/* A deviation the baseline already had (local medians) is no failure while it stays the same. */
static void known_deviation_holds(void **state)
{
    (void)state;
    char err[1024];
    int code;
    cJSON *base = report(1000), *rep = report(1000);
    cJSON *runs[2] = {add_run(base, "local", "glibc", 200, "ok"), add_run(rep, "local", "glibc", 200, "ok")};
    for (int i = 0; i < 2; i++) {
        cJSON *o = cJSON_GetObjectItem(runs[i], "output");
        cJSON_ReplaceItemInObject(o, "matches_reference", cJSON_CreateFalse());
        cJSON_ReplaceItemInObject(o, "cells_differing", cJSON_CreateNumber(790917));
    }
    cJSON *res = compare(rep, base, opts(), &code, err);
    assert_int_equal(code, 0);
    assert_string_equal(verdict(res, "local"), "pass");
    cJSON_Delete(res);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(runs[1], "output"), "cells_differing", cJSON_CreateNumber(5));
    res = compare(rep, base, opts(), &code, err);
    assert_int_equal(code, 1);
    assert_string_equal(cJSON_GetObjectItem(entry_of(res, "local"), "message")->valuestring,
                        "a known deviation changed: 5 cells differ, 790917 in the baseline");
    cJSON_Delete(res);
    cJSON_Delete(base);
    cJSON_Delete(rep);
}

static void refuses_other_shapes(void **state)
{
    (void)state;
    char err[1024];
    int code;
    cJSON *base = report(1000), *rep = report(2000);
    add_run(base, "a", "glibc", 200, "ok");
    add_run(rep, "a", "glibc", 200, "ok");
    assert_null(compare(rep, base, opts(), &code, err));
    assert_int_equal(code, 2);
    assert_string_equal(err, "new.json and base.json differ in dataset.rows (2000 vs 1000): compare "
                             "reports of the same shape, or pass --allow-shape-change");
    struct hw_gate_opts allow = opts();
    allow.allow_shape_change = true;
    cJSON *res = compare(rep, base, allow, &code, err);
    assert_non_null(res);
    assert_int_equal(code, 0);
    assert_string_equal(cJSON_GetObjectItem(res, "shape_change")->valuestring, "dataset.rows (2000 vs 1000)");
    cJSON_Delete(res);
    cJSON_Delete(rep);

    rep = report(1000);
    add_run(rep, "a", "glibc", 200, "ok");
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "dataset"), "dtypes"), 0),
                              "dtype", cJSON_CreateString("f64"));
    assert_null(compare(rep, base, opts(), &code, err));
    assert_string_equal(err, "new.json and base.json differ in dataset.dtypes (the dtype mix or its rates): "
                             "compare reports of the same shape, or pass --allow-shape-change");
    cJSON_Delete(rep);

    rep = report(1000);
    cJSON_ReplaceItemInObject(add_run(rep, "a", "glibc", 200, "ok"), "output_dtype", cJSON_CreateString("f16"));
    assert_null(compare(rep, base, opts(), &code, err));
    assert_string_equal(err, "new.json and base.json differ in the output of a/glibc (f16 C vs f32 C): "
                             "compare reports of the same shape, or pass --allow-shape-change");
    cJSON_Delete(rep);
    cJSON_Delete(base);
}

static void missing_fields_are_named(void **state)
{
    (void)state;
    char err[1024];
    int code;
    cJSON *base = report(1000), *rep = report(1000);
    add_run(base, "a", "glibc", 200, "ok");
    cJSON_DeleteItemFromObject(add_run(rep, "a", "glibc", 200, "ok"), "peak_rss_bytes");
    assert_null(compare(rep, base, opts(), &code, err));
    assert_int_equal(code, 2);
    assert_string_equal(err, "new.json: field 'runs[0].peak_rss_bytes' is missing, expected a number; "
                             "regenerate the report with 'highwater run'");
    cJSON_DeleteItemFromObject(base, "dataset");
    cJSON_Delete(rep);
    rep = report(1000);
    assert_null(compare(rep, base, opts(), &code, err));
    assert_string_equal(err, "base.json: field 'dataset' is missing, expected an object; regenerate "
                             "the report with 'highwater run'");
    cJSON_ReplaceItemInObject(rep, "runs", cJSON_CreateString("x"));
    assert_null(compare(rep, base, opts(), &code, err));
    assert_string_equal(err, "new.json: field 'runs' is of the wrong type, expected a list; regenerate "
                             "the report with 'highwater run'");
    cJSON_Delete(base);
    cJSON_Delete(rep);
}

/* JUnit: parses as XML (xmllint, when installed), one testcase per entry, the right counts,
 * names escaped. Markdown: one row per entry, the verdict on top. */
static void junit_and_markdown(void **state)
{
    (void)state;
    char err[1024], junit[64], md[64], cmd[256];
    int code;
    snprintf(junit, sizeof junit, "%s/j.xml", dir);
    snprintf(md, sizeof md, "%s/g.md", dir);
    cJSON *base = report(1000), *rep = report(1000);
    add_run(base, "a<&>\"b", "glibc", 200, "ok");
    add_run(base, "c", "jemalloc", 200, "ok");
    add_run(base, "d", "glibc", 200, "ok");
    add_run(rep, "a<&>\"b", "glibc", 300, "ok");
    add_run(rep, "c", "jemalloc", 200, "ok");
    cJSON *res = compare(rep, base, opts(), &code, err);
    assert_int_equal(hw_gate_write_junit(res, junit, err, sizeof err), 0);
    const char *x = tu_text("%s", junit);
    assert_non_null(strstr(x, "<testsuite name=\"highwater gate\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\">"));
    assert_non_null(strstr(x, "name=\"a&lt;&amp;&gt;&quot;b\""));
    assert_non_null(strstr(x, "<failure type=\"regression\""));
    assert_non_null(strstr(x, "<failure type=\"missing\""));
    /* scripts/install-deps.sh installs xmllint (libxml2-utils). */
    {
        snprintf(cmd, sizeof cmd, "xmllint --noout %s", junit);
        assert_int_equal(system(cmd), 0);
        snprintf(cmd, sizeof cmd, "test \"$(xmllint --xpath 'count(//testcase)' %s)\" = 3", junit);
        assert_int_equal(system(cmd), 0);
        snprintf(cmd, sizeof cmd, "test \"$(xmllint --xpath 'count(//testcase/failure)' %s)\" = 2", junit);
        assert_int_equal(system(cmd), 0);
    }
    assert_int_equal(hw_gate_write_markdown(res, md, err, sizeof err), 0);
    const char *m = tu_text("%s", md);
    assert_int_equal(strncmp(m, "### highwater gate: FAIL\n", 25), 0);
    assert_non_null(strstr(m, "| c | jemalloc | 200.0 MiB | 200.0 MiB | +0.0% | 214.0 MiB | pass: +0.0%, within the limit |"));
    cJSON_Delete(res);
    cJSON_Delete(base);
    cJSON_Delete(rep);
}

static void set_host(cJSON *r, const char *kernel, const char *cpu, const char *thp, double mem)
{
    cJSON *h = cJSON_AddObjectToObject(r, "host");
    cJSON_AddStringToObject(h, "kernel", kernel);
    cJSON_AddStringToObject(h, "cpu", cpu);
    cJSON_AddStringToObject(h, "libc", "2.36");
    cJSON_AddStringToObject(h, "thp", thp);
    cJSON_AddNumberToObject(h, "mem_total_bytes", mem);
}

/* Three host fields differ: the note names all three with both values, in one line; the
 * same hosts give no note. */
static void host_note_lists_every_field(void **state)
{
    (void)state;
    char err[1024];
    int code;
    cJSON *base = report(1000), *rep = report(1000);
    add_run(base, "a", "glibc", 200, "ok");
    add_run(rep, "a", "glibc", 200, "ok");
    set_host(base, "6.1.0-13-amd64", "AMD EPYC 7B13", "madvise", 25e9);
    set_host(rep, "6.1.0-18-amd64", "Intel Xeon", "always", 25e9);
    cJSON *res = compare(rep, base, opts(), &code, err);
    assert_non_null(res);
    assert_int_equal(code, 0);
    assert_string_equal(cJSON_GetObjectItem(res, "host_change")->valuestring,
                        "host.kernel \"6.1.0-18-amd64\" here, \"6.1.0-13-amd64\" in the baseline; "
                        "host.cpu \"Intel Xeon\" here, \"AMD EPYC 7B13\" in the baseline; "
                        "host.thp \"always\" here, \"madvise\" in the baseline: peaks may move for "
                        "reasons outside the code; keep one baseline per machine");
    cJSON_Delete(res);
    cJSON_DeleteItemFromObject(rep, "host");
    set_host(rep, "6.1.0-13-amd64", "AMD EPYC 7B13", "madvise", 25e9);
    res = compare(rep, base, opts(), &code, err);
    assert_non_null(res);
    assert_null(cJSON_GetObjectItem(res, "host_change"));
    cJSON_Delete(res);
    cJSON_Delete(base);
    cJSON_Delete(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(limit_is_tolerance_plus_slack),
        cmocka_unit_test(medians_over_repeats),
        cmocka_unit_test(failures_besides_regressions),
        cmocka_unit_test(known_deviation_holds),
        cmocka_unit_test(refuses_other_shapes),
        cmocka_unit_test(missing_fields_are_named),
        cmocka_unit_test(junit_and_markdown),
        cmocka_unit_test(host_note_lists_every_field),
    };
    /* The views' files live in a directory the group removes, whatever the tests did. */
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, tu_scratch_setup, tu_scratch_teardown);
}
