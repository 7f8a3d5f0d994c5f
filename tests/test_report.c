/* The report: built from a config, summarized, written atomically, read back; bad report
 * files are errors that name the file and what is wrong. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gate_views.h"
#include "json.h"
#include "lessons.h"
#include <math.h>
#include "plan.h"
#include "report.h"
#include "testutil.h"

static char dir[] = "/tmp/hw-test-report-XXXXXX";

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
    assert_string_equal(err, "/nonexistent-hw/r.json: cannot write: No such file or "
                             "directory; choose a writable path");
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

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "test_report: a report read hung (a FIFO?)\n";
    if (write(2, msg, sizeof msg - 1) < 0) {
    }
    _exit(1);
}

/* A directory (ftell says LONG_MAX: an 8 EiB malloc), a device, a FIFO (open blocks for a
 * writer), an empty file, and a file past the size cap: each a one-line error, no hang. */
static void not_a_report_file(void **state)
{
    (void)state;
    char path[400], err[600], want[800];
    cJSON *r = NULL;
    signal(SIGALRM, on_alarm);
    alarm(10);
    assert_int_equal(hw_report_load(dir, &r, err, sizeof err), 2);
    snprintf(want, sizeof want, "%s: is a directory, not a file; give the path of a JSON file", dir);
    assert_string_equal(err, want);
    assert_int_equal(hw_json_load("/dev/zero", HW_PLAN_SCHEMA, &r, err, sizeof err), 2);
    assert_string_equal(err, "/dev/zero: is a device, not a file; give the path of a JSON file");
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(hw_report_load(path, &r, err, sizeof err), 2);
    snprintf(want, sizeof want, "%s: is a pipe, not a file; give the path of a JSON file", path);
    assert_string_equal(err, want);
    unlink(path);
    snprintf(path, sizeof path, "%s/empty.json", dir);
    tu_put_file(path, "");
    assert_int_equal(hw_report_load(path, &r, err, sizeof err), 2);
    snprintf(want, sizeof want, "%s: is empty; expected a highwater.report/1 file (JSON); regenerate it", path);
    assert_string_equal(err, want);
    /* Sparse: past the cap without using the disk. */
    snprintf(path, sizeof path, "%s/huge.json", dir);
    tu_put_file(path, "");
    assert_int_equal(truncate(path, (off_t)HW_JSON_MAX_BYTES + 1), 0);
    assert_int_equal(hw_report_load(path, &r, err, sizeof err), 2);
    snprintf(want, sizeof want, "%s: 256.0 MiB is over the 256.0 MiB a report may have; is it a report?", path);
    assert_string_equal(err, want);
    unlink(path);
    assert_null(r);
    alarm(0);
}

#define RUN_OK(extra) "{\"label\": \"x\", \"allocator\": \"glibc\", \"allocator_conf\": \"\", " \
                      "\"status\": \"ok\", \"peak_rss_bytes\": 100" extra "}"

/* Every number a reader uses is finite and in range, whatever reads it: one error naming
 * the file, the JSON path, the value and what was expected. */
static void bad_numbers_are_refused(void **state)
{
    (void)state;
    static const struct { const char *schema, *body, *want; } cases[] = {
        {"highwater.report/1", "\"runs\": [" RUN_OK("") ", " RUN_OK("") "," RUN_OK("") ", "
                               "{\"status\": \"ok\", \"peak_rss_bytes\": 1e999}]",
         "runs[3].peak_rss_bytes is inf, expected a finite number > 0 in an ok run"},
        {"highwater.report/1", "\"runs\": [{\"status\": \"ok\", \"peak_rss_bytes\": -1e999}]",
         "runs[0].peak_rss_bytes is -inf, expected a finite number > 0 in an ok run"},
        {"highwater.report/1", "\"runs\": [{\"status\": \"ok\", \"peak_rss_bytes\": 0}]",
         "runs[0].peak_rss_bytes is 0, expected a finite number > 0 in an ok run"},
        {"highwater.report/1", "\"runs\": [{\"status\": \"ok\"}]",
         "runs[0].peak_rss_bytes is missing, expected a finite number > 0 in an ok run"},
        {"highwater.report/1", "\"runs\": [" RUN_OK(", \"wall_seconds\": -2") "]",
         "runs[0].wall_seconds is -2, expected a finite number >= 0"},
        {"highwater.report/1", "\"runs\": [" RUN_OK(", \"output_bytes\": \"12\"") "]",
         "runs[0].output_bytes is a string, expected a finite number >= 0"},
        {"highwater.report/1", "\"runs\": [" RUN_OK(", \"budget_ratio\": 0") "]",
         "runs[0].budget_ratio is 0, expected a finite number > 0"},
        {"highwater.report/1", "\"summary\": [{\"peak_rss_bytes\": {\"median\": 1e999}}]",
         "summary[0].peak_rss_bytes.median is inf, expected a finite number >= 0"},
        {"highwater.report/1", "\"summary\": [{\"ok\": 2.5}]",
         "summary[0].ok is 2.5, expected a whole number >= 0"},
        {"highwater.report/1", "\"dataset\": {\"rows\": -5}",
         "dataset.rows is -5, expected a whole number >= 0"},
        {"highwater.report/1", "\"runs\": {\"a\": 1}", "runs is an object, expected a list"},
        {"highwater.report/1", "\"runs\": [3]", "runs[0] is a number, expected an object"},
        {"highwater.plan/1", "\"entries\": []", "target_rows is missing, expected a whole number > 0"},
        {"highwater.plan/1", "\"target_rows\": 1e6, \"entries\": [{\"peak\": {\"a\": 1, \"b\": 1e999}}]",
         "entries[0].peak.b is inf, expected a finite number"},
        {"highwater.plan/1", "\"target_rows\": 1e6, \"entries\": [{\"scales\": [{\"rows\": 1000, "
                             "\"peak_rss_bytes\": -3}]}]",
         "entries[0].scales[0].peak_rss_bytes is -3, expected a finite number > 0"},
        {"highwater.plan/1", "\"target_rows\": 1e6, \"entries\": [{\"machines\": [{\"bytes\": 1e999}]}]",
         "entries[0].machines[0].bytes is inf, expected a finite number > 0"},
    };
    char path[400], text[2048], err[800], want[1200];
    snprintf(path, sizeof path, "%s/numbers.json", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *r = NULL;
        snprintf(text, sizeof text, "{\"schema\": \"%s\", %s}", cases[i].schema, cases[i].body);
        tu_put_file(path, text);
        if (hw_json_load(path, cases[i].schema, &r, err, sizeof err) != 2 || r)
            fail_msg("case %zu loaded: %s", i, text);
        snprintf(want, sizeof want, "%s: %s; regenerate the file", path, cases[i].want);
        if (strcmp(err, want) != 0)
            fail_msg("case %zu: got '%s', expected '%s'", i, err, want);
    }
    unlink(path);
    /* Every report and plan in results/ still loads. */
    static const char *const real[] = {"results/baselines/ci.json",
                                       "results/seed-70m-streaming.json"};
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        cJSON *r = NULL;
        if (hw_report_load(real[i], &r, err, sizeof err) != 0)
            fail_msg("%s", err);
        cJSON_Delete(r);
    }
    static const char *const plans[] = {"results/ci-plan-16M.json", "results/seed-70m-plan.json"};
    for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        cJSON *r = NULL;
        if (hw_json_load(plans[i], NULL, &r, err, sizeof err) != 0)
            fail_msg("%s", err);
        assert_string_equal(hw_jstr(r, "schema"), HW_PLAN_SCHEMA);
        cJSON_Delete(r);
    }
}

/* The tester's case: a baseline whose peaks are 1e999 (inf) against a report with every peak
 * doubled. Before, every run was "improved" and the gate passed; now it is exit 2. */
static void gate_refuses_an_infinite_baseline(void **state)
{
    (void)state;
    char err[800];
    cJSON *base = NULL;
    assert_int_equal(hw_report_load("results/baselines/ci.json", &base, err, sizeof err), 0);
    cJSON *doubled = cJSON_Duplicate(base, 1), *run;
    /* A marker value, then its text swapped for 1e999 (cJSON would print inf as null). */
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(base, "runs"))
        if (cJSON_GetObjectItem(run, "peak_rss_bytes"))
            cJSON_SetNumberValue(cJSON_GetObjectItem(run, "peak_rss_bytes"), 777777777777777.0);
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(doubled, "runs"))
        if (cJSON_GetObjectItem(run, "peak_rss_bytes"))
            cJSON_SetNumberValue(cJSON_GetObjectItem(run, "peak_rss_bytes"),
                                 2 * cJSON_GetObjectItem(run, "peak_rss_bytes")->valuedouble);
    char *text = cJSON_Print(base);
    for (char *p = text; (p = strstr(p, "777777777777777")); p += 15)
        memcpy(p, "          1e999", 15);
    char bpath[400], rpath[400];
    snprintf(bpath, sizeof bpath, "%s/inf-base.json", dir);
    snprintf(rpath, sizeof rpath, "%s/doubled.json", dir);
    tu_put_file(bpath, text);
    free(text);
    assert_int_equal(hw_report_write(doubled, rpath, err, sizeof err), 0);
    struct hw_gate_opts o = {.tolerance = 0.01, .slack = 2 << 20};
    snprintf(o.report, sizeof o.report, "%s", rpath);
    snprintf(o.baseline, sizeof o.baseline, "%s", bpath);
    fflush(stdout);
    assert_int_equal(hw_gate(&o), 2);
    cJSON *r = NULL;
    assert_int_equal(hw_report_load(bpath, &r, err, sizeof err), 2);
    char want[800];
    snprintf(want, sizeof want, "%s: runs[0].peak_rss_bytes is inf, expected a finite number > 0 in "
             "an ok run; regenerate the file", bpath);
    assert_string_equal(err, want);
    cJSON_Delete(base);
    cJSON_Delete(doubled);
    unlink(bpath);
    unlink(rpath);
}

/* Found by tests/fuzz/fuzz_report.c: a schema with a newline in it was quoted back as is,
 * and the one-line error became two. */
static void load_error_is_one_line(void **state)
{
    (void)state;
    char path[400], err[600], want[600];
    cJSON *r = NULL;
    snprintf(path, sizeof path, "%s/nl.json", dir);
    tu_put_file(path, "{\"schema\": \"highwater\\nreport/1\\t\"}");
    assert_int_equal(hw_report_load(path, &r, err, sizeof err), 2);
    snprintf(want, sizeof want, "%s: field 'schema' is 'highwater report/1 ', expected "
             "'highwater.report/1'", path);
    assert_string_equal(err, want);
}

/* The container's view, in the lessons where it differs from RSS by its mechanism: a limit
 * far below the RSS peak that still works (a memmap output), a cgroup peak above the RSS peak
 * (page cache); nothing for an anonymous output, where the three agree. */
static void container_lessons(void **state)
{
    (void)state;
    const double mib = 1024.0 * 1024;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(r, "dataset"), "output_bytes", 100 * mib);
    cJSON *summary = cJSON_AddArrayToObject(r, "summary");
    const struct { const char *label; double peak, cg, limit, slower; } e[] = {
        {"memmap", 203, 206, 104, 2.5}, {"memmap evict=true", 105, 149, NAN, NAN}, {"whole-copy", 210, 210, 210, 1.0},
    };
    for (int i = 0; i < 3; i++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "label", e[i].label);
        cJSON_AddStringToObject(s, "allocator", "glibc");
        cJSON_AddStringToObject(s, "allocator_conf", "");
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(s, "peak_rss_bytes"), "median", e[i].peak * mib);
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(s, "container_peak_bytes"), "median", e[i].cg * mib);
        if (!isnan(e[i].limit)) {
            cJSON_AddNumberToObject(s, "smallest_limit_bytes", e[i].limit * mib);
            cJSON_AddNumberToObject(s, "wall_ratio_at_limit", e[i].slower);
        }
        cJSON_AddItemToArray(summary, s);
    }
    cJSON *l = hw_lessons_build(r), *x;
    int n = 0;
    cJSON_ArrayForEach(x, l)
        n += strcmp(hw_jstr(x, "kind"), "container") == 0;
    assert_int_equal(n, 2);
    assert_string_equal(hw_jstr(cJSON_GetArrayItem(l, 0), "text"),
                        "memmap (glibc): RSS peaks at 2.03x, yet it completes under a container limit of 1.04x (2.5x "
                        "slower there): at the limit the kernel writes its file pages back and drops them; size the "
                        "pod from this, not from RSS");
    assert_string_equal(hw_jstr(cJSON_GetArrayItem(l, 1), "text"),
                        "memmap evict=true (glibc): its memory cgroup peaks at 1.49x, above its RSS peak 1.05x: page "
                        "cache RSS does not count (written file pages until written back, files read) is charged to "
                        "the container; a limit at the RSS peak makes the kernel reclaim (--find-limit says how low it "
                        "can go)");
    cJSON_Delete(l);
    cJSON_Delete(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summary_over_repeats),
        cmocka_unit_test(verdict_edges),
        cmocka_unit_test(write_then_read_back),
        cmocka_unit_test(write_into_missing_directory),
        cmocka_unit_test(load_errors_name_the_file),
        cmocka_unit_test(not_a_report_file),
        cmocka_unit_test(bad_numbers_are_refused),
        cmocka_unit_test(gate_refuses_an_infinite_baseline),
        cmocka_unit_test(load_error_is_one_line),
        cmocka_unit_test(container_lessons),
    };
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, tu_scratch_setup, tu_scratch_teardown);
}
