/* The report: built from a config, summarized, written atomically, read back; bad report
 * files are errors that name the file and what is wrong. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/hw-test-report-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *yaml =
    "name: t\n"
    "dataset:\n"
    "  rows: 1000\n"
    "  columns: [{dtype: f32, count: 3}]\n"
    "strategies:\n"
    "  - {name: whole-copy, expect: 2.0x}\n";

static cJSON *run_json(const char *alloc, double peak_ratio, double wall, const char *status)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "strategy", "whole-copy");
    cJSON_AddStringToObject(r, "label", "whole-copy");
    cJSON_AddStringToObject(r, "allocator", alloc);
    cJSON_AddStringToObject(r, "allocator_conf", "");
    cJSON_AddStringToObject(r, "status", status);
    cJSON_AddStringToObject(r, "reason", strcmp(status, "ok") ? "pre-flight: too big" : "");
    cJSON_AddNumberToObject(r, "peak_ratio", peak_ratio);
    cJSON_AddNumberToObject(r, "peak_rss_bytes", peak_ratio * 12000);
    cJSON_AddNumberToObject(r, "wall_seconds", wall);
    cJSON_AddNumberToObject(r, "expect_ratio", 2.0);
    cJSON *o = cJSON_AddObjectToObject(r, "output");
    cJSON_AddBoolToObject(o, "matches_reference", 1);
    return r;
}

static cJSON *new_report(void)
{
    struct hw_config *cfg = calloc(1, sizeof *cfg);
    char err[512];
    assert_int_equal(hw_config_parse("t.yaml", yaml, strlen(yaml), cfg, err, sizeof err), 0);
    cJSON *r = hw_report_new(cfg, yaml, strlen(yaml));
    free(cfg);
    assert_non_null(r);
    return r;
}

/* Three repeats: the summary takes the median, min and max, and judges the median. */
static void summary_over_repeats(void **state)
{
    (void)state;
    cJSON *r = new_report();
    cJSON *runs = cJSON_GetObjectItem(r, "runs");
    cJSON_AddItemToArray(runs, run_json("glibc", 2.30, 1.0, "ok"));
    cJSON_AddItemToArray(runs, run_json("glibc", 2.05, 3.0, "ok"));
    cJSON_AddItemToArray(runs, run_json("glibc", 2.10, 2.0, "ok"));
    cJSON_AddItemToArray(runs, run_json("jemalloc", 0, 0, "skipped"));
    hw_report_summarize(r);
    cJSON *sum = cJSON_GetObjectItem(r, "summary");
    assert_int_equal(cJSON_GetArraySize(sum), 2);
    cJSON *g = cJSON_GetArrayItem(sum, 0), *pr = cJSON_GetObjectItem(g, "peak_ratio");
    assert_true(cJSON_GetObjectItem(pr, "median")->valuedouble == 2.10);
    assert_true(cJSON_GetObjectItem(pr, "min")->valuedouble == 2.05);
    assert_true(cJSON_GetObjectItem(pr, "max")->valuedouble == 2.30);
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(g, "wall_seconds"), "median")->valuedouble == 2.0);
    assert_string_equal(cJSON_GetObjectItem(g, "expect_verdict")->valuestring, "held");   /* 2.10 vs 2.0: +5% */
    assert_string_equal(cJSON_GetObjectItem(g, "output_check")->valuestring, "matches");
    cJSON *j = cJSON_GetArrayItem(sum, 1);
    assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring, "skipped");
    assert_string_equal(cJSON_GetObjectItem(j, "reason")->valuestring, "pre-flight: too big");
    cJSON_Delete(r);
}

static void verdict_edges(void **state)
{
    (void)state;
    assert_string_equal(hw_expect_verdict(2.2, 2.0, 0.10), "held");
    assert_string_equal(hw_expect_verdict(2.21, 2.0, 0.10), "wrong");
    assert_string_equal(hw_expect_verdict(1.79, 2.0, 0.10), "wrong");
    assert_string_equal(hw_expect_verdict(3.02, 1.25, 0.10), "wrong");
}

static void write_then_read_back(void **state)
{
    (void)state;
    char path[400], err[600];
    cJSON *r = new_report(), *back = NULL;
    cJSON_AddItemToArray(cJSON_GetObjectItem(r, "runs"), run_json("glibc", 2.0, 1.0, "ok"));
    hw_report_summarize(r);
    snprintf(path, sizeof path, "%s/r.json", dir);
    assert_int_equal(hw_report_write(r, path, err, sizeof err), 0);
    char tmp[420];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), -1);   /* renamed into place, nothing left */
    assert_int_equal(hw_report_load(path, &back, err, sizeof err), 0);
    assert_true(cJSON_Compare(r, back, 1));
    const cJSON *cfg = cJSON_GetObjectItem(back, "config");
    assert_int_equal(strlen(cJSON_GetObjectItem(cfg, "sha256")->valuestring), 64);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(back, "dataset"), "output_bytes")->valuedouble, 12000);
    cJSON_Delete(r);
    cJSON_Delete(back);
}

static void write_into_missing_directory(void **state)
{
    (void)state;
    char err[600];
    cJSON *r = new_report();
    assert_int_equal(hw_report_write(r, "/nonexistent-hw/r.json", err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent-hw/r.json: cannot write the report: No such file or "
                             "directory; choose a writable path with -o");
    cJSON_Delete(r);
}

static void load_errors_name_the_file(void **state)
{
    (void)state;
    char path[400], err[600];
    cJSON *r = NULL;
    snprintf(path, sizeof path, "%s/bad.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"schema\": \"highwater.report/1\", \"runs\": [", f);   /* truncated */
    fclose(f);
    assert_int_equal(hw_report_load(path, &r, err, sizeof err), 2);
    assert_null(r);
    char want[600];
    /* cJSON points at the list that never closes: byte 41. */
    snprintf(want, sizeof want, "%s: not valid JSON (truncated or malformed) at byte 41; regenerate the report", path);
    assert_string_equal(err, want);

    f = fopen(path, "w");
    fputs("{\"schema\": \"other/2\"}", f);
    fclose(f);
    assert_int_equal(hw_report_load(path, &r, err, sizeof err), 2);
    snprintf(want, sizeof want, "%s: field 'schema' is 'other/2', expected 'highwater.report/1'", path);
    assert_string_equal(err, want);

    assert_int_equal(hw_report_load("/nonexistent-hw/r.json", &r, err, sizeof err), 2);
    assert_string_equal(err, "/nonexistent-hw/r.json: cannot read: No such file or directory");
}

/* Found by tests/fuzz/fuzz_report.c: a schema with a newline in it was quoted back as is,
 * and the one-line error became two. */
static void load_error_is_one_line(void **state)
{
    (void)state;
    char path[400], err[600], want[600];
    cJSON *r = NULL;
    snprintf(path, sizeof path, "%s/nl.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"schema\": \"highwater\\nreport/1\\t\"}", f);
    fclose(f);
    assert_int_equal(hw_report_load(path, &r, err, sizeof err), 2);
    snprintf(want, sizeof want, "%s: field 'schema' is 'highwater report/1 ', expected "
             "'highwater.report/1'", path);
    assert_string_equal(err, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summary_over_repeats),
        cmocka_unit_test(verdict_edges),
        cmocka_unit_test(write_then_read_back),
        cmocka_unit_test(write_into_missing_directory),
        cmocka_unit_test(load_errors_name_the_file),
        cmocka_unit_test(load_error_is_one_line),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
