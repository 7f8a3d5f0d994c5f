/* merge --sacct's two halves: sacct --parsable2 text read by column name (sizes, times, the
 * refusals with file and line), and the bounds highwater's figures put on each task's MaxRSS
 * (the most a worker held for two sampling intervals, the step's peak) with the verdicts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "accounting.h"
#include "json.h"
#include "sacct.h"

/* What sacct -P --noconvert printed for a 2-task array here (Slurm 22.05), columns reordered. */
static const char real[] =
    "JobIDRaw|JobID|State|MaxRSS|Elapsed|NodeList\n"
    "2|1_1|COMPLETED||00:00:03|vm\n"
    "2.batch|1_1.batch|COMPLETED|67538944|00:00:03|vm\n"
    "1|1_2|COMPLETED||00:00:03|vm\n"
    "1.batch|1_2.batch|COMPLETED|66000K|1-02:03:04|vm\n";

static void reads_real_sacct_output(void **state)
{
    (void)state;
    struct hw_sacct s;
    char err[512];
    assert_int_equal(hw_sacct_parse(real, "sacct.txt", &s, err, sizeof err), 0);
    assert_int_equal(s.n, 4);
    const struct hw_sacct_row *a = hw_sacct_batch(&s, "2"), *b = hw_sacct_batch(&s, "1");
    assert_non_null(a);
    assert_non_null(b);
    assert_null(hw_sacct_batch(&s, "3"));
    assert_string_equal(a->job_id, "1_1.batch");
    assert_string_equal(a->state, "COMPLETED");
    assert_string_equal(a->node, "vm");
    assert_true(a->have_rss && a->max_rss_bytes == 67538944.0);
    assert_true(b->have_rss && b->max_rss_bytes == 66000.0 * 1024);
    assert_true(a->have_elapsed && a->elapsed_seconds == 3.0);
    assert_true(b->elapsed_seconds == 93784.0);
    assert_false(s.rows[0].have_rss);      /* the job line has no MaxRSS, only its steps */
    hw_sacct_free(&s);
    /* By column name: MaxRSS first, no JobIDRaw (JobID matches then), CRLF line ends. */
    assert_int_equal(hw_sacct_parse("MaxRSS|JobID\r\n1.5M|7.batch\r\n", "x", &s, err, sizeof err), 0);
    assert_non_null(hw_sacct_batch(&s, "7"));
    assert_true(hw_sacct_batch(&s, "7")->max_rss_bytes == 1.5 * 1048576);
    hw_sacct_free(&s);
}

static void sizes_and_times(void **state)
{
    (void)state;
    double v;
    assert_true(hw_sacct_bytes("0", &v) && v == 0);
    assert_true(hw_sacct_bytes("65956K", &v) && v == 67538944.0);
    assert_true(hw_sacct_bytes("2G", &v) && v == 2147483648.0);
    assert_true(hw_sacct_bytes("1.25T", &v) && v == 1.25 * 1099511627776.0);
    assert_false(hw_sacct_bytes("", &v));
    assert_false(hw_sacct_bytes("12X", &v));
    assert_false(hw_sacct_bytes("12KK", &v));
    assert_false(hw_sacct_bytes("-1", &v));
    assert_false(hw_sacct_bytes("K", &v));
    assert_true(hw_sacct_elapsed("00:00:03", &v) && v == 3);
    assert_true(hw_sacct_elapsed("05:07.5", &v) && v == 307.5);
    assert_true(hw_sacct_elapsed("2-00:00:01", &v) && v == 172801);
    assert_false(hw_sacct_elapsed("2-05:07", &v));
    assert_false(hw_sacct_elapsed("1:2:3:4", &v));
    assert_false(hw_sacct_elapsed("1.5:00", &v));
    assert_false(hw_sacct_elapsed("soon", &v));
    assert_false(hw_sacct_elapsed("", &v));
}

static void refused(const char *text, const char *want)
{
    struct hw_sacct s;
    char err[512];
    assert_int_equal(hw_sacct_parse(text, "acct.txt", &s, err, sizeof err), 2);
    if (strcmp(err, want) != 0)
        fail_msg(" got: %s\nwant: %s", err, want);
    assert_null(s.rows);
}

#define FIX "; write it with: sacct -P --noconvert -j JOB --format=JobIDRaw,JobID,State,MaxRSS,Elapsed,NodeList"

static void bad_sacct_text_is_refused_with_its_line(void **state)
{
    (void)state;
    refused("", "acct.txt: empty: no sacct header or rows" FIX);
    refused("1.batch|1000K\n", "acct.txt:1: the header names no JobIDRaw (or JobID) and MaxRSS column: not sacct "
                               "--parsable2 output with its header" FIX);
    refused("JobID   MaxRSS\n1.batch 10K\n", "acct.txt:1: the header names no JobIDRaw (or JobID) and MaxRSS "
                                            "column: not sacct --parsable2 output with its header" FIX);
    refused("JobIDRaw|MaxRSS|State\n1.batch|10K|COMPLETED\n2.batch|12K\n",
            "acct.txt:3: 2 fields, the header has 3 or more: a truncated line" FIX);
    refused("JobIDRaw|MaxRSS\n1.batch|lots\n", "acct.txt:2: MaxRSS 'lots' is not a size (bytes, or a number with K, "
                                              "M, G, T or P)" FIX);
    refused("JobIDRaw|MaxRSS|Elapsed\n1.batch|1K|yesterday\n",
            "acct.txt:2: Elapsed 'yesterday' is not [D-][HH:]MM:SS" FIX);
}

/* {t[], rss[]} from two arrays. */
static cJSON *timeline(const double *t, const double *v, int n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "t", cJSON_CreateDoubleArray(t, n));
    cJSON_AddItemToObject(o, "rss", cJSON_CreateDoubleArray(v, n));
    return o;
}

static void held_is_the_largest_minimum_over_a_window(void **state)
{
    (void)state;
    /* 0.5 s points: 10 MB for 1 s, 50 MB for 2.5 s, a 90 MB spike of 0.5 s, back to 20 MB. */
    const double t[] = {0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5};
    const double v[] = {10, 10, 50, 50, 50, 50, 50, 50, 90, 20, 20, 20};
    cJSON *tl = timeline(t, v, 12);
    /* A 2 s window widened by the 0.5 s gap: [1.0, 3.5] sees only 50. */
    assert_true(hw_accounting_held(tl, 2.0) == 50);
    /* 4 s: every window reaches a 10 or a 20. */
    assert_true(hw_accounting_held(tl, 4.0) == 20);
    /* 0.1 s: widened by the gap, the spike's neighbours bound it; 50 is still held. */
    assert_true(hw_accounting_held(tl, 0.1) == 50);
    /* Longer than the run: no window fits. */
    assert_true(hw_accounting_held(tl, 6.0) == 0);
    cJSON_Delete(tl);
    const double back[] = {0, 2, 1};
    tl = timeline(back, v, 3);
    assert_true(hw_accounting_held(tl, 0.5) == -1);
    cJSON_Delete(tl);
    assert_true(hw_accounting_held(NULL, 1.0) == -1);
}

/* A merged report of three shards, each with its harness figures and two runs. */
static cJSON *merged_report(void)
{
    cJSON *r = cJSON_CreateObject(), *runs = cJSON_AddArrayToObject(r, "runs");
    cJSON *m = cJSON_AddObjectToObject(r, "merged"), *shards = cJSON_AddArrayToObject(m, "shards");
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(r, "host"), "page_size_bytes", 4096);
    cJSON_AddNumberToObject(m, "jobs_total", 6);
    const double t[] = {0, 1, 2, 3, 4};
    for (int k = 0; k < 3; k++) {
        cJSON *s = cJSON_CreateObject(), *h = cJSON_AddObjectToObject(s, "harness"), *j, *sc;
        cJSON_AddNumberToObject(s, "index", k + 1);
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(s, "host"), "cpus", 2);
        cJSON_AddNumberToObject(h, "parent_peak_rss_bytes", 6e6);
        cJSON_AddNumberToObject(h, "launcher_peak_rss_bytes", 1e6);
        cJSON_AddNumberToObject(h, "helper_peak_rss_bytes", 100e6);
        j = cJSON_AddArrayToObject(s, "jobs");
        if (k < 2) {
            sc = cJSON_AddObjectToObject(s, "scheduler");
            cJSON_AddStringToObject(sc, "engine", "slurm");
            cJSON_AddStringToObject(sc, "job_id", k == 0 ? "11" : "12");
        }
        for (int i = 0; i < 2; i++) {
            cJSON *run = cJSON_CreateObject();
            double peak = 200e6 + 10e6 * (2 * k + i);
            const double v[] = {1e6, 150e6, 150e6, 150e6, peak};
            cJSON_AddNumberToObject(run, "job_index", 2 * k + i);
            cJSON_AddNumberToObject(run, "peak_rss_bytes", peak);
            cJSON_AddItemToObject(run, "timeline", timeline(t, v, 5));
            cJSON_AddItemToArray(runs, run);
            cJSON_AddItemToArray(j, cJSON_CreateNumber(2 * k + i));
        }
        cJSON_AddItemToArray(shards, s);
    }
    return r;
}

static void each_task_is_judged_between_held_and_step_peak(void **state)
{
    (void)state;
    /* Shard 1 (job 11): peak 210 MB, step 210 + 6 + 1 MB + 3 x 32 pages x 2 CPUs = 217.786432 MB;
     * held 150 MB over a 2 s window. Shard 2's MaxRSS is one byte over its step peak. */
    const char *text = "JobIDRaw|MaxRSS|State|NodeList\n11.batch|160000000|COMPLETED|vm\n"
                       "12.batch|237786433|COMPLETED|vm\n";
    struct hw_sacct s;
    char err[256];
    assert_int_equal(hw_sacct_parse(text, "t", &s, err, sizeof err), 0);
    cJSON *r = merged_report();
    assert_int_equal(hw_accounting_attach(r, &s, 1.0), 2);
    const cJSON *acc = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "merged"), "accounting");
    assert_string_equal(hw_jstr(acc, "source"), "sacct");
    assert_true(hw_jnum(acc, "interval_seconds") == 1 && hw_jnum(acc, "window_seconds") == 2);
    const cJSON *tasks = cJSON_GetObjectItem(acc, "tasks");
    assert_int_equal(cJSON_GetArraySize(tasks), 3);
    const cJSON *a = cJSON_GetArrayItem(tasks, 0), *b = cJSON_GetArrayItem(tasks, 1), *c = cJSON_GetArrayItem(tasks, 2);
    assert_string_equal(hw_jstr(a, "verdict"), "consistent");
    assert_true(hw_jnum(a, "largest_peak_bytes") == 210e6);
    assert_true(hw_jnum(a, "held_bytes") == 150e6);
    assert_true(hw_jnum(a, "step_peak_bytes") == 217e6 + 3 * 32 * 2 * 4096);
    assert_true(hw_jnum(a, "max_rss_bytes") == 160e6);
    assert_string_equal(hw_jstr(a, "node"), "vm");
    assert_string_equal(hw_jstr(b, "verdict"), "above_step_peak");
    assert_true(hw_jnum(b, "step_peak_bytes") == 237e6 + 3 * 32 * 2 * 4096);
    assert_string_equal(hw_jstr(b, "reason"), "MaxRSS 226.8 MiB is above the step's peak 226.8 MiB: sacct counted "
                        "memory outside highwater's processes, or counts pages twice");
    assert_string_equal(hw_jstr(c, "verdict"), "not_a_slurm_task");
    cJSON_Delete(r);
    hw_sacct_free(&s);
    /* Below what a worker held for two intervals; a task sacct does not know. */
    assert_int_equal(hw_sacct_parse("JobIDRaw|MaxRSS\n11.batch|149999999\n", "t", &s, err, sizeof err), 0);
    r = merged_report();
    assert_int_equal(hw_accounting_attach(r, &s, 1.0), 3);
    tasks = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "merged"), "accounting"), "tasks");
    assert_string_equal(hw_jstr(cJSON_GetArrayItem(tasks, 0), "verdict"), "below_held");
    assert_string_equal(hw_jstr(cJSON_GetArrayItem(tasks, 1), "verdict"), "no_record");
    assert_string_equal(hw_jstr(cJSON_GetArrayItem(tasks, 1), "reason"),
                        "sacct has no line 12.batch: pass the accounting of the array this shard ran in");
    cJSON_Delete(r);
    hw_sacct_free(&s);
    /* Run with -j 2: two workers at once, so shard 1's step holds both its runs' peaks
     * (200 + 210 MB) and two launchers, each process with its counter skew. */
    assert_int_equal(hw_sacct_parse("JobIDRaw|MaxRSS\n11.batch|400000000\n", "t", &s, err, sizeof err), 0);
    r = merged_report();
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r,
        "merged"), "shards"), 0), "parallel"), "workers", 2);
    hw_accounting_attach(r, &s, 1.0);
    tasks = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "merged"), "accounting"), "tasks");
    assert_true(hw_jnum(cJSON_GetArrayItem(tasks, 0), "largest_peak_bytes") == 410e6);
    assert_true(hw_jnum(cJSON_GetArrayItem(tasks, 0), "step_peak_bytes") == 410e6 + 6e6 + 2e6 + 5 * 32 * 2 * 4096);
    assert_string_equal(hw_jstr(cJSON_GetArrayItem(tasks, 0), "verdict"), "consistent");
    cJSON_Delete(r);
    hw_sacct_free(&s);
    /* A 3 s interval: a 6 s window is longer than each 4 s run, so nothing is held for sure. */
    assert_int_equal(hw_sacct_parse("JobIDRaw|MaxRSS\n11.batch|7000000\n", "t", &s, err, sizeof err), 0);
    r = merged_report();
    hw_accounting_attach(r, &s, 3.0);
    tasks = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "merged"), "accounting"), "tasks");
    assert_true(hw_jnum(cJSON_GetArrayItem(tasks, 0), "held_bytes") == 0);
    assert_string_equal(hw_jstr(cJSON_GetArrayItem(tasks, 0), "verdict"), "consistent");
    cJSON_Delete(r);
    hw_sacct_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_real_sacct_output),
        cmocka_unit_test(sizes_and_times),
        cmocka_unit_test(bad_sacct_text_is_refused_with_its_line),
        cmocka_unit_test(held_is_the_largest_minimum_over_a_window),
        cmocka_unit_test(each_task_is_judged_between_held_and_step_peak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
