/* The report schema module: `run` and `exec` write their runs[] records through one builder
 * (report/schema.h), and the readers take summary[] through one view (report/summary.h). The
 * key names here are literals on purpose: they are the file format. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gate.h"
#include "json.h"
#include "report.h"
#include "schema.h"
#include "summary.h"
#include "testutil.h"

/* A run record as `run` builds it (parent/run_record.c): planned, then measured. */
static cJSON *run_record(void)
{
    static struct rusage ru;
    cJSON *r = cJSON_CreateObject(), *params = cJSON_CreateObject();
    cJSON_AddStringToObject(params, "chunk_rows", "50k");
    struct hw_run_job j = {.strategy = "rechunk", .label = "rechunk chunk_rows=50k", .params = params,
                           .allocator = "glibc", .allocator_conf = "", .repeat = 1, .output_dtype = "f32",
                           .output_order = "C", .output_bytes = 1000, .planned = true,
                           .predicted_peak_bytes = 3000, .phase_reset = true, .expect_ratio = 2,
                           .budget_ratio = NAN};
    hw_schema_run_job(r, &j);
    cJSON_Delete(params);
    struct hw_run_result res = {
        .status = "ok", .reason = "", .measured = true, .phases = cJSON_CreateArray(),
        .allocator_version = "glibc 2.36", .wall_seconds = 1, .cpu_seconds = 1, .has_worker_wall = true,
        .worker_wall_seconds = 1.5, .peak_rss_bytes = 2500, .peak_ratio = 2.5, .budget_bytes = NAN,
        .peak_method = "clear_refs", .has_peak_phase = true, .peak_phase = "to_numpy",
        .sampler_peak_bytes = 2400, .expect_verdict = "wrong", .expect_error = 0.25,
        .rusage = {&ru, "whole run", true}, .largest_process_rss_bytes = NAN,
        .output = cJSON_CreateObject(), .timeline = NULL, .throughput = cJSON_CreateObject(),
    };
    hw_schema_run_result(r, &res);
    return r;
}

/* A run record as `exec` builds it (parent/exec.c): nothing planned, a process tree. */
static cJSON *exec_record(void)
{
    static struct rusage ru;
    cJSON *r = cJSON_CreateObject();
    struct hw_run_job j = {.strategy = "sh", .label = "sh -c true", .allocator = "native",
                           .allocator_conf = "", .repeat = 1, .output_dtype = "none",
                           .output_order = "none", .output_bytes = 0};
    hw_schema_run_job(r, &j);
    struct hw_run_result res = {
        .status = "ok", .reason = "", .measured = true, .has_exit_code = true, .exit_code = 0,
        .phases = cJSON_CreateArray(), .phases_last = true, .wall_seconds = 1, .cpu_seconds = 1,
        .peak_rss_bytes = 5000, .peak_ratio = NAN, .budget_bytes = 1 << 20,
        .peak_method = "sampler (process tree, summed)", .tree_method = "cgroup v2",
        .sampler_peak_bytes = NAN, .rusage = {&ru, "the command's own process, whole run", false},
        .largest_process_rss_bytes = 3000, .warnings = cJSON_CreateArray(),
        .output = cJSON_CreateObject(), .timeline = cJSON_CreateObject(),
    };
    hw_schema_run_result(r, &res);
    return r;
}

static int index_of(const cJSON *o, const char *k)
{
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, o) {
        if (strcmp(it->string, k) == 0)
            return i;
        i++;
    }
    return -1;
}

/* The keys of a in order, those also in b, one line: "strategy label ...". */
static void shared_keys(const cJSON *a, const cJSON *b, const char *const *except, char *out, size_t len)
{
    const cJSON *it;
    size_t used = 0;
    out[0] = '\0';
    cJSON_ArrayForEach(it, a) {
        bool skip = index_of(b, it->string) < 0;
        for (int i = 0; except[i]; i++)
            skip |= strcmp(it->string, except[i]) == 0;
        if (!skip && used < len)
            used += (size_t)snprintf(out + used, len - used, "%s%s", used ? " " : "", it->string);
    }
}

/* One builder, one order: every key both commands write comes in the same order in both,
 * but for the two slots today's files place differently (kept: the files must not change)
 * and pinned here, so a third difference cannot creep in. */
static void run_and_exec_share_one_key_order(void **state)
{
    (void)state;
    cJSON *run = run_record(), *exec = exec_record();
    static const char *const slots[] = {"phases", "expect_ratio", "budget_ratio", NULL};
    char a[1024], b[1024];
    shared_keys(run, exec, slots, a, sizeof a);
    shared_keys(exec, run, slots, b, sizeof b);
    assert_string_equal(a, b);
    assert_string_equal(a, "strategy label allocator allocator_conf repeat output_dtype output_order "
                           "output_bytes status reason wall_seconds cpu_seconds peak_rss_bytes peak_ratio "
                           "peak_method rusage output timeline");
    /* The two slots: `run` states its beliefs with the job and lists phases after the reason;
     * exec, which plans nothing, says its (null) beliefs after the peak and lists its phases
     * after rusage. */
    assert_int_equal(index_of(run, "expect_ratio"), index_of(run, "phase_reset") + 1);
    assert_int_equal(index_of(run, "phases"), index_of(run, "reason") + 1);
    assert_int_equal(index_of(exec, "expect_ratio"), index_of(exec, "peak_ratio") + 1);
    assert_int_equal(index_of(exec, "budget_ratio"), index_of(exec, "expect_ratio") + 1);
    assert_int_equal(index_of(exec, "phases"), index_of(exec, "rusage") + 1);
    /* Each command's own keys, where they are today. */
    assert_int_equal(index_of(run, "params"), 2);
    assert_int_equal(index_of(run, "allocator_version"), index_of(run, "phases") + 1);
    assert_int_equal(index_of(exec, "exit_code"), index_of(exec, "reason") + 1);
    assert_int_equal(index_of(exec, "tree_method"), index_of(exec, "peak_method") + 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(exec, "peak_ratio")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(run, "budget_ratio")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(run, "timeline")));
    /* rusage: `run`'s worker gives its cpu times and context switches there; exec does not. */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(run, "rusage")), 8);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(exec, "rusage")), 4);
    cJSON_Delete(run);
    cJSON_Delete(exec);
}

/* A run that never started is its job and a status: `run`'s skipped runs. */
static void an_unmeasured_run_is_its_job_and_status(void **state)
{
    (void)state;
    cJSON *r = cJSON_CreateObject();
    struct hw_run_job j = {.strategy = "s", .label = "s", .allocator = "glibc", .allocator_conf = "",
                           .output_dtype = "f32", .output_order = "C", .planned = true,
                           .expect_ratio = NAN, .budget_ratio = 1.5};
    hw_schema_run_job(r, &j);
    struct hw_run_result res = {.status = "skipped", .reason = "predicted over the limit"};
    hw_schema_run_result(r, &res);
    char *text = cJSON_PrintUnformatted(r);
    assert_string_equal(text, "{\"strategy\":\"s\",\"label\":\"s\",\"allocator\":\"glibc\",\"allocator_conf\":\"\","
                              "\"repeat\":0,\"output_dtype\":\"f32\",\"output_order\":\"C\",\"output_bytes\":0,"
                              "\"predicted_peak_bytes\":0,\"phase_reset\":false,\"expect_ratio\":null,"
                              "\"budget_ratio\":1.5,\"status\":\"skipped\",\"reason\":\"predicted over the limit\"}");
    free(text);
    cJSON_Delete(r);
}

static cJSON *add_run(cJSON *report, const char *label, double peak, const char *status)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "strategy", label);
    cJSON_AddStringToObject(r, "label", label);
    cJSON_AddStringToObject(r, "allocator", "glibc");
    cJSON_AddStringToObject(r, "allocator_conf", "");
    cJSON_AddStringToObject(r, "status", status);
    cJSON_AddStringToObject(r, "reason", strcmp(status, "ok") ? "killed by signal 9" : "");
    cJSON_AddStringToObject(r, "output_dtype", "f32");
    cJSON_AddStringToObject(r, "output_order", "C");
    cJSON_AddNumberToObject(r, "output_bytes", 100);
    cJSON_AddNumberToObject(r, "budget_ratio", 2.0);
    if (strcmp(status, "ok") == 0) {
        cJSON_AddNumberToObject(r, "peak_rss_bytes", peak);
        cJSON_AddNumberToObject(r, "peak_ratio", peak / 100);
        cJSON_AddNumberToObject(r, "wall_seconds", 1);
        cJSON_AddBoolToObject(cJSON_AddObjectToObject(r, "output"), "matches_reference", 1);
    }
    cJSON_AddItemToArray(cJSON_GetObjectItem(report, "runs"), r);
    return r;
}

static cJSON *report(void)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "schema", "highwater.report/1");
    cJSON *ds = cJSON_AddObjectToObject(r, "dataset");
    cJSON_AddNumberToObject(ds, "rows", 10);
    cJSON_AddNumberToObject(ds, "cols", 1);
    cJSON_AddArrayToObject(ds, "dtypes");
    cJSON_AddArrayToObject(r, "runs");
    cJSON_AddArrayToObject(r, "summary");
    return r;
}

/* The view reads what hw_report_summarize wrote: medians, counts, the verdicts. */
static void the_view_reads_a_summary_entry(void **state)
{
    (void)state;
    cJSON *r = report();
    cJSON *key = add_run(r, "a", 150, "ok");
    add_run(r, "a", 250, "ok");
    add_run(r, "a", 0, "failed");
    hw_report_summarize(r);
    struct hw_summary_view v;
    assert_true(hw_summary_find(r, key, &v));
    assert_ptr_equal(v.entry, cJSON_GetArrayItem(cJSON_GetObjectItem(r, "summary"), 0));
    assert_null(v.owned);
    assert_string_equal(v.label, "a");
    assert_true(v.runs == 3 && v.ok == 2);
    assert_string_equal(v.status, "partial");
    assert_string_equal(v.reason, "killed by signal 9");
    assert_true(v.peak_median == 200 && v.peak_min == 150 && v.peak_max == 250);
    assert_true(v.ratio_median == 2.0);
    assert_string_equal(v.output_check, "matches");
    assert_true(v.budget_ratio == 2.0);
    assert_false(v.over_budget);              /* 2.0x against 2.0x: within */
    assert_string_equal(hw_budget_verdict(2.0 + 2e-9, 2.0), "exceeded");
    assert_true(isnan(v.expect_ratio));
    assert_string_equal(v.expect_verdict, "");
    hw_summary_release(&v);
    assert_string_equal(hw_jstr(hw_runs_first_failed(r, key), "status"), "failed");
    cJSON_Delete(r);
}

/* A chart reads leniently: no inf on an axis, and a run record's bare peak_ratio stands for
 * the stats, so an old report's runs[] draw as rows by the same code. */
static void a_chart_reads_runs_and_entries_alike(void **state)
{
    (void)state;
    cJSON *e = cJSON_Parse("{\"label\":\"a\",\"peak_ratio\":2.5,\"wall_seconds\":{\"median\":1e999},"
                           "\"expect_ratio\":1e999}");
    struct hw_summary_view v;
    hw_summary_decode_chart(e, &v);
    assert_true(v.ratio_median == 2.5 && v.ratio_min == 2.5 && v.ratio_max == 2.5);
    assert_true(isnan(v.wall_median) && isnan(v.expect_ratio));
    hw_summary_decode(e, &v);
    assert_true(isnan(v.ratio_median));
    assert_true(isinf(v.expect_ratio));
    cJSON_Delete(e);
}

/* Without summary[] (an old or hand-made report), or with one that no longer matches runs[],
 * the view is the same entry computed from runs[] by the summary's own code. */
static void without_a_matching_summary_the_view_is_computed(void **state)
{
    (void)state;
    cJSON *r = report();
    cJSON *key = add_run(r, "a", 150, "ok");
    add_run(r, "a", 250, "ok");
    struct hw_summary_view v;
    assert_true(hw_summary_find(r, key, &v));
    assert_non_null(v.owned);
    assert_true(v.runs == 2 && v.peak_median == 200);
    hw_summary_release(&v);
    hw_report_summarize(r);
    add_run(r, "a", 1000, "ok");              /* summary[] now says 2 runs of 3 */
    assert_true(hw_summary_find(r, key, &v));
    assert_non_null(v.owned);
    assert_true(v.runs == 3 && v.peak_median == 250);
    hw_summary_release(&v);
    cJSON *other = cJSON_CreateObject();
    cJSON_AddStringToObject(other, "label", "b");
    assert_false(hw_summary_find(r, other, &v));
    assert_null(v.owned);
    cJSON_Delete(other);
    cJSON_Delete(r);
}

/* The gate compares summary[]'s medians: what the entry says is what the gate reports. */
static void the_gate_reads_the_summary(void **state)
{
    (void)state;
    cJSON *base = report(), *rep = report();
    add_run(base, "a", 100, "ok");
    add_run(rep, "a", 100, "ok");
    hw_report_summarize(base);
    hw_report_summarize(rep);
    /* The entry, not the run, decides: a median written as 150 is compared as 150. */
    cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(rep, "summary"), 0);
    cJSON_SetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "peak_rss_bytes"), "median"), 150);
    struct hw_gate_opts o = {.tolerance = 0.03, .slack = 0};
    int code;
    char err[512];
    cJSON *res = hw_gate_compare(rep, "new.json", base, "base.json", &o, &code, err, sizeof err);
    assert_non_null(res);
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(res, "entries"), 0);
    assert_string_equal(hw_jstr(e, "verdict"), "regression");
    assert_true(hw_jnum(e, "new_peak_bytes") == 150 && hw_jnum(e, "old_peak_bytes") == 100);
    assert_true(hw_jnum(e, "new_peak_ratio") == 1.5);
    assert_int_equal(code, 1);
    cJSON_Delete(res);
    cJSON_Delete(base);
    cJSON_Delete(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_and_exec_share_one_key_order),
        cmocka_unit_test(an_unmeasured_run_is_its_job_and_status),
        cmocka_unit_test(the_view_reads_a_summary_entry),
        cmocka_unit_test(a_chart_reads_runs_and_entries_alike),
        cmocka_unit_test(without_a_matching_summary_the_view_is_computed),
        cmocka_unit_test(the_gate_reads_the_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
