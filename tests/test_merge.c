/* highwater merge through the built binary, on shards cut by hand from a real report
 * (results/baselines/ci.json: 102 runs of configs/ci.yaml, 3 repeats each) as run --shard K/N
 * writes them: a good merge puts the runs back in job order, each with its shard's host, and
 * recomputes exactly the unsharded summary; each refusal is exit 2 with one exact line, and no
 * -o file (nor a temp file of it) is left; --allow-partial says which shards are missing; and
 * gate, compare and plot take the merged report like any other. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "atomic.h"
#include "json.h"
#include "lessons.h"
#include "report.h"
#include "testutil.h"

static char bin[PATH_MAX], base[PATH_MAX], home[PATH_MAX];
static char dir[] = "/tmp/hw-test-merge-XXXXXX";
static cJSON *full;     /* the unsharded report */
static int njobs;

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Shard k of n of full: the runs at job indices k-1, k-1+n, ..., each with its job_index, the
 * shard block of the contract, and a host of its own (node-k). */
static cJSON *shard(int k, int n)
{
    cJSON *s = cJSON_Duplicate(full, 1), *keep = cJSON_CreateArray(), *jobs = cJSON_CreateArray(), *r;
    cJSON *runs = cJSON_GetObjectItem(s, "runs");
    for (int i = 0; (r = cJSON_DetachItemFromArray(runs, 0)) != NULL; i++) {
        if (i % n != k - 1) {
            cJSON_Delete(r);
            continue;
        }
        /* A report of this highwater has job_index already (a baseline from before it, none). */
        cJSON_DeleteItemFromObject(r, "job_index");
        cJSON_AddNumberToObject(r, "job_index", i);
        cJSON_AddItemToArray(keep, r);
        cJSON_AddItemToArray(jobs, cJSON_CreateNumber(i));
    }
    cJSON_ReplaceItemInObject(s, "runs", keep);
    cJSON *sh = cJSON_AddObjectToObject(s, "shard");
    cJSON_AddNumberToObject(sh, "index", k);
    cJSON_AddNumberToObject(sh, "count", n);
    cJSON_AddNumberToObject(sh, "jobs_total", njobs);
    cJSON_AddItemToObject(sh, "jobs", jobs);
    cJSON_AddStringToObject(sh, "job_list_sha256", SHA);
    char host[32];
    snprintf(host, sizeof host, "node-%d", k);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(s, "host"), "hostname", cJSON_CreateString(host));
    return s;
}

/* Writes r (then frees it) as name in the scratch directory, the tests' working directory. */
static void put(const char *name, cJSON *r)
{
    char *text = cJSON_Print(r);
    assert_non_null(text);
    tu_put_file(name, text);
    free(text);
    cJSON_Delete(r);
}

static int hw(const char *args)
{
    return tu_sh("%s %s > out 2> err", bin, args);
}

/* No all.json, and no temp file of it (all.json.XXXXXX), in the directory. */
static void nothing_written(void)
{
    DIR *d = opendir(".");
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "all.json", 8) == 0)
            fail_msg("merge left %s behind", e->d_name);
    closedir(d);
}

/* `merge ARGS -o all.json` refused: exit 2, exactly want on stderr, nothing written. */
static void refused(const char *args, const char *want)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "merge %s -o all.json", args);
    int rc = hw(cmd);
    char *err = tu_read_or_fail("err");
    if (strcmp(err, want) != 0)
        fail_msg("merge %s:\n got: %s\nwant: %s", args, err, want);
    assert_int_equal(rc, 2);
    assert_string_equal(tu_read_or_fail("out"), "");
    nothing_written();
}

static void merge_puts_runs_back_in_job_order(void **state)
{
    (void)state;
    put("s1.json", shard(1, 3));
    put("s2.json", shard(2, 3));
    put("s3.json", shard(3, 3));
    assert_int_equal(hw("merge s3.json s1.json s2.json -o all.json"), 0);
    assert_string_equal(tu_read_or_fail("err"), "");
    assert_non_null(strstr(tu_read_or_fail("out"), "\nmerged 3 of 3 shards, 102 of 102 jobs\nreport: all.json\n"));
    cJSON *m = tu_report("all.json"), *r;
    assert_non_null(m);
    /* The root is the first given's, and says which shards it holds. */
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "host"), "hostname")->valuestring, "node-3");
    assert_null(cJSON_GetObjectItem(m, "shard"));
    const cJSON *mb = cJSON_GetObjectItem(m, "merged");
    assert_int_equal((int)hw_jnum(mb, "jobs_total"), 102);
    assert_int_equal((int)hw_jnum(mb, "jobs_present"), 102);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(mb, "missing_shards")), 0);
    const cJSON *shards = cJSON_GetObjectItem(mb, "shards");
    assert_int_equal(cJSON_GetArraySize(shards), 3);
    for (int k = 0; k < 3; k++) {
        const cJSON *e = cJSON_GetArrayItem(shards, k);
        char want[32];
        assert_int_equal((int)hw_jnum(e, "index"), k + 1);
        assert_int_equal((int)hw_jnum(e, "count"), 3);
        assert_int_equal((int)hw_jnum(e, "runs"), 34);
        snprintf(want, sizeof want, "s%d.json", k + 1);
        assert_string_equal(hw_jstr(e, "path"), want);
        snprintf(want, sizeof want, "node-%d", k + 1);
        assert_string_equal(hw_jstr(cJSON_GetObjectItem(e, "host"), "hostname"), want);
    }
    /* Every run in job order, the same run as the unsharded report's, on its shard's host. */
    int j = 0;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(m, "runs")) {
        const cJSON *u = cJSON_GetArrayItem(cJSON_GetObjectItem(full, "runs"), j);
        char want[32];
        assert_int_equal((int)hw_jnum(r, "job_index"), j);
        assert_string_equal(hw_jstr(r, "label"), hw_jstr(u, "label"));
        assert_string_equal(hw_jstr(r, "allocator"), hw_jstr(u, "allocator"));
        assert_true(hw_jnum(r, "repeat") == hw_jnum(u, "repeat"));
        assert_true(hw_jnum(r, "peak_rss_bytes") == hw_jnum(u, "peak_rss_bytes"));
        snprintf(want, sizeof want, "node-%d", j % 3 + 1);
        assert_string_equal(hw_jstr(cJSON_GetObjectItem(r, "host"), "hostname"), want);
        j++;
    }
    assert_int_equal(j, njobs);
    /* summary[] is the unsharded report's, entry by entry, medians exactly. */
    const cJSON *a = cJSON_GetObjectItem(full, "summary"), *b = cJSON_GetObjectItem(m, "summary");
    assert_int_equal(cJSON_GetArraySize(b), cJSON_GetArraySize(a));
    assert_int_equal(cJSON_GetArraySize(a), 34);
    for (int i = 0; i < cJSON_GetArraySize(a); i++) {
        struct hw_summary_view x, y;
        hw_summary_decode(cJSON_GetArrayItem(a, i), &x);
        hw_summary_decode(cJSON_GetArrayItem(b, i), &y);
        assert_string_equal(x.label, y.label);
        assert_string_equal(x.allocator, y.allocator);
        assert_string_equal(x.allocator_conf, y.allocator_conf);
        assert_true(x.runs == y.runs && x.ok == y.ok);
        assert_true(x.peak_median == y.peak_median);
        assert_true(x.peak_min == y.peak_min && x.peak_max == y.peak_max);
        assert_true(x.wall_median == y.wall_median);
        assert_string_equal(x.expect_verdict, y.expect_verdict);
        assert_string_equal(x.output_check, y.output_check);
    }
    /* lessons[] are the ones the unsharded runs give. */
    cJSON *u = cJSON_Duplicate(full, 1);
    hw_report_summarize(u);
    cJSON *want = hw_lessons_build(u);
    const cJSON *got = cJSON_GetObjectItem(m, "lessons");
    assert_int_equal(cJSON_GetArraySize(got), cJSON_GetArraySize(want));
    assert_true(cJSON_GetArraySize(want) > 0);
    for (int i = 0; i < cJSON_GetArraySize(want); i++)
        assert_string_equal(hw_jstr(cJSON_GetArrayItem(got, i), "text"), hw_jstr(cJSON_GetArrayItem(want, i), "text"));
    cJSON_Delete(want);
    cJSON_Delete(u);
    cJSON_Delete(m);
}

/* A report without a shard block is shard 1/1: every run, numbered by position. */
static void unsharded_report_is_one_of_one(void **state)
{
    (void)state;
    put("whole.json", cJSON_Duplicate(full, 1));
    assert_int_equal(hw("merge whole.json -o all.json"), 0);
    cJSON *m = tu_report("all.json");
    assert_non_null(m);
    const cJSON *mb = cJSON_GetObjectItem(m, "merged");
    assert_int_equal((int)hw_jnum(mb, "jobs_total"), njobs);
    assert_int_equal((int)hw_jnum(mb, "jobs_present"), njobs);
    assert_int_equal((int)hw_jnum(cJSON_GetArrayItem(cJSON_GetObjectItem(mb, "shards"), 0), "count"), 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(m, "runs")), njobs);
    assert_true(hw_jnum(cJSON_GetArrayItem(cJSON_GetObjectItem(m, "runs"), 5), "peak_rss_bytes") ==
                hw_jnum(cJSON_GetArrayItem(cJSON_GetObjectItem(full, "runs"), 5), "peak_rss_bytes"));
    cJSON_Delete(m);
    unlink("all.json");
}

static void allow_partial_names_the_missing(void **state)
{
    (void)state;
    put("s1.json", shard(1, 3));
    put("s3.json", shard(3, 3));
    refused("s1.json s3.json", "highwater merge: shard 2 of 3 is missing (2 reports given); run it and merge them "
            "all, or pass --allow-partial\n");
    refused("s3.json", "highwater merge: shards 1, 2 of 3 are missing (1 report given); run them and merge them "
            "all, or pass --allow-partial\n");
    assert_int_equal(hw("merge s3.json s1.json -o all.json --allow-partial"), 0);
    assert_non_null(strstr(tu_read_or_fail("out"), "\nmerged 2 of 3 shards, 68 of 102 jobs; missing shards: 2\n"));
    cJSON *m = tu_report("all.json"), *r, *s;
    assert_non_null(m);
    const cJSON *mb = cJSON_GetObjectItem(m, "merged");
    assert_int_equal((int)hw_jnum(mb, "jobs_total"), 102);
    assert_int_equal((int)hw_jnum(mb, "jobs_present"), 68);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(mb, "missing_shards")), 1);
    assert_int_equal((int)cJSON_GetArrayItem(cJSON_GetObjectItem(mb, "missing_shards"), 0)->valuedouble, 2);
    double last = -1;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(m, "runs")) {
        double j = hw_jnum(r, "job_index");
        assert_true(j > last && (int)j % 3 != 1);
        last = j;
    }
    /* The summary is of the runs present: 2 of each key's 3 repeats. */
    double runs = 0;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(m, "summary"))
        runs += hw_jnum(s, "runs");
    assert_true(runs == 68);
    cJSON_Delete(m);
    unlink("all.json");
}

/* s2.json, edited by f, beside a good s1.json: refused with want. */
static void refused_edit(void (*f)(cJSON *), const char *want)
{
    cJSON *s2 = shard(2, 2);
    f(s2);
    put("s1.json", shard(1, 2));
    put("s2.json", s2);
    refused("s1.json s2.json", want);
}

static void other_config(cJSON *r)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "config"), "sha256", cJSON_CreateString(SHA));
}
static void other_rows(cJSON *r) { cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "dataset"), "rows", cJSON_CreateNumber(500000)); }
static void other_seed(cJSON *r) { cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "dataset"), "seed", cJSON_CreateNumber(7)); }
static void other_dtypes(cJSON *r)
{
    cJSON *d = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "dataset"), "dtypes"), 0);
    cJSON_ReplaceItemInObject(d, "null_rate", cJSON_CreateNumber(0.5));
}
static void other_output(cJSON *r)
{
    cJSON *o = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "config"), "output");
    cJSON_ReplaceItemInObject(o, "dtype", cJSON_CreateString("f64"));
}
static void other_jobs(cJSON *r)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "shard"), "job_list_sha256",
                              cJSON_CreateString("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"));
}
static void other_split(cJSON *r) { cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "shard"), "count", cJSON_CreateNumber(3)); }
/* Job 0, shard 1's, in shard 2 too (listed in its jobs, as a second run of it would be). */
static void steal_job0(cJSON *r)
{
    cJSON *run = cJSON_Duplicate(cJSON_GetArrayItem(cJSON_GetObjectItem(full, "runs"), 0), 1);
    cJSON_DeleteItemFromObject(run, "job_index");
    cJSON_AddNumberToObject(run, "job_index", 0);
    cJSON_AddItemToArray(cJSON_GetObjectItem(r, "runs"), run);
    cJSON_AddItemToArray(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "shard"), "jobs"), cJSON_CreateNumber(0));
}
static void twice_job1(cJSON *r)
{
    cJSON *runs = cJSON_GetObjectItem(r, "runs");
    cJSON_AddItemToArray(runs, cJSON_Duplicate(cJSON_GetArrayItem(runs, 0), 1));
}
static void unlisted(cJSON *r) { cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "shard"), "jobs", cJSON_CreateArray()); }
static void no_job_index(cJSON *r) { cJSON_DeleteItemFromObject(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 2), "job_index"); }
static void lost_run(cJSON *r) { cJSON_DeleteItemFromArray(cJSON_GetObjectItem(r, "runs"), 3); }
static void bad_index(cJSON *r) { cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "shard"), "index", cJSON_CreateNumber(3)); }

static void other_experiments_are_refused(void **state)
{
    (void)state;
    char want[1024];
    snprintf(want, sizeof want, "highwater merge: s2.json: config.sha256 is \"%s\", s1.json's is \"%s\": a report of "
             "another config; merge only the shards of one sweep\n", SHA,
             hw_jstr(cJSON_GetObjectItem(full, "config"), "sha256"));
    refused_edit(other_config, want);
    refused_edit(other_rows, "highwater merge: s2.json: dataset.rows is 500000, s1.json's is 250000: a report of "
                 "another dataset; merge only the shards of one sweep\n");
    refused_edit(other_seed, "highwater merge: s2.json: dataset.seed is 7, s1.json's is 20261124: a report of "
                 "another dataset; merge only the shards of one sweep\n");
    refused_edit(other_dtypes, "highwater merge: s2.json: dataset.dtypes differs from s1.json's: a report of another "
                 "dataset; merge only the shards of one sweep\n");
    refused_edit(other_output, "highwater merge: s2.json: config.output differs from s1.json's: a report of another "
                 "output; merge only the shards of one sweep\n");
    refused_edit(other_jobs, "highwater merge: s2.json: shard.job_list_sha256 differs from s1.json's: another job "
                 "list (other --strategies, --allocators, --rows or --repeat); merge the shards of one command line\n");
}

static void duplicates_and_overlaps_are_refused(void **state)
{
    (void)state;
    refused_edit(steal_job0, "highwater merge: s1.json and s2.json both have job 0 (whole-copy glibc repeat 1): a "
                 "duplicate run; merge each shard once\n");
    refused_edit(twice_job1, "highwater merge: s2.json: job 1 (whole-copy glibc repeat 2) is in its runs[] twice: a "
                 "duplicate run; run the shard again\n");
    refused_edit(other_split, "highwater merge: s2.json is shard 2/3, s1.json is shard 1/2: shards of different "
                 "splits; merge the shards of one --shard K/N sweep\n");
    put("s1.json", shard(1, 2));
    put("s1-again.json", shard(1, 2));
    refused("s1.json s1-again.json", "highwater merge: s1.json and s1-again.json are both shard 1/2: overlapping "
            "shards; merge each shard once\n");
    refused("s1.json s1.json", "highwater merge: s1.json and s1.json are both shard 1/2: overlapping shards; merge "
            "each shard once\n");
    put("whole.json", cJSON_Duplicate(full, 1));
    refused("whole.json whole.json", "highwater merge: whole.json and whole.json are both unsharded (every job): "
            "overlapping shards; merge each shard once\n");
    refused("whole.json s1.json", "highwater merge: s1.json is shard 1/2, whole.json is unsharded (every job): shards "
            "of different splits; merge the shards of one --shard K/N sweep\n");
}

static void damaged_shards_are_refused(void **state)
{
    (void)state;
    refused_edit(unlisted, "highwater merge: s2.json: runs[0].job_index 1 (whole-copy glibc repeat 2) is not one of "
                 "its shard.jobs; run the shard again\n");
    refused_edit(no_job_index, "highwater merge: s2.json: runs[2] (whole-copy jemalloc repeat 3) has no job_index: a "
                 "shard's runs say which job they are; run the shard again with this highwater\n");
    refused_edit(lost_run, "highwater merge: s2.json: shard.jobs lists job 7 but its runs[] has no run of it: an "
                 "incomplete report; run the shard again\n");
    refused_edit(bad_index, "highwater merge: s2.json: its shard block: field 'index' is 3, expected a whole number "
                 "from 1 to 2; not a shard report highwater wrote, run the shard again\n");
}

/* The loader's own line, for a file it refuses (text NULL: no such file). */
static void refused_by_loader(const char *name, const char *text)
{
    char err[8192], want[8300];
    cJSON *r = NULL;
    if (text)
        tu_put_file(name, text);
    assert_int_equal(hw_report_load(name, &r, err, sizeof err), 2);
    assert_null(r);
    snprintf(want, sizeof want, "highwater merge: %s\n", err);
    char args[300];
    snprintf(args, sizeof args, "s1.json %s", name);
    refused(args, want);
}

static void unreadable_files_are_refused(void **state)
{
    (void)state;
    put("s1.json", shard(1, 2));
    char *text = tu_slurp("s1.json", NULL);
    text[strlen(text) / 2] = '\0';
    refused_by_loader("truncated.json", text);
    free(text);
    refused_by_loader("text.json", "these are not the runs you are looking for\n");
    refused_by_loader("plan.json", "{\"schema\": \"highwater.plan/1\", \"target_rows\": 1000}\n");
    refused_by_loader("missing.json", NULL);
}

/* Shard k of 2 as a Slurm task: its scheduler ids and the harness's own peaks. */
static cJSON *slurm_shard(int k)
{
    cJSON *s = shard(k, 2), *sc = cJSON_AddObjectToObject(s, "scheduler");
    cJSON *h = cJSON_GetObjectItem(s, "harness");
    char id[16];
    snprintf(id, sizeof id, "%d", 40 + k);
    cJSON_AddStringToObject(sc, "engine", "slurm");
    cJSON_AddStringToObject(sc, "job_id", id);
    if (!h)
        h = cJSON_AddObjectToObject(s, "harness");
    cJSON_DeleteItemFromObject(h, "helper_peak_rss_bytes");
    cJSON_AddNumberToObject(h, "helper_peak_rss_bytes", 0);
    return s;
}

/* merge --sacct: each shard's task found by its job id, MaxRSS beside its bounds, a task over
 * its step's peak named on stderr (the merge itself succeeds), and the table printed. */
static void sacct_is_set_beside_each_shard(void **state)
{
    (void)state;
    put("s1.json", slurm_shard(1));
    put("s2.json", slurm_shard(2));
    tu_put_file("sacct.txt", "JobIDRaw|JobID|State|MaxRSS|Elapsed|NodeList\n"
                             "41.batch|40_1.batch|COMPLETED|1K|00:01:02|node-1\n"
                             "42.batch|40_2.batch|COMPLETED|900G|00:01:03|node-2\n");
    assert_int_equal(hw("merge s1.json s2.json --sacct sacct.txt --sacct-interval 1 -o all.json"), 0);
    const char *err = tu_read_or_fail("err");
    assert_non_null(strstr(err, "highwater merge: shard 2 (job 42): above_step_peak: MaxRSS 900.0 GiB is above the "
                                "step's peak "));
    assert_int_equal(tu_lines(err), 1);
    const char *out = tu_read_or_fail("out");
    assert_non_null(strstr(out, "\nsacct beside highwater (sampled every 1 s; held = kept for 2 s by one worker):\n"));
    assert_non_null(strstr(out, "\n1      40_1.batch   COMPLETED    1.00 KiB "));
    cJSON *m = tu_report("all.json");
    assert_non_null(m);
    const cJSON *mb = cJSON_GetObjectItem(m, "merged");
    const cJSON *tasks = cJSON_GetObjectItem(cJSON_GetObjectItem(mb, "accounting"), "tasks");
    assert_int_equal(cJSON_GetArraySize(tasks), 2);
    const cJSON *a = cJSON_GetArrayItem(tasks, 0);
    assert_string_equal(hw_jstr(a, "verdict"), "consistent");
    assert_string_equal(hw_jstr(a, "node"), "node-1");
    assert_true(hw_jnum(a, "max_rss_bytes") == 1024 && hw_jnum(a, "elapsed_seconds") == 62);
    /* The baseline has no timelines: nothing is known to be held. */
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(a, "held_bytes")));
    /* The largest peak is of shard 1's own runs (job indices 0, 2, 4, ...). */
    double most = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(m, "runs"))
        if ((int)hw_jnum(r, "job_index") % 2 == 0 && hw_jnum(r, "peak_rss_bytes") > most)
            most = hw_jnum(r, "peak_rss_bytes");
    assert_true(hw_jnum(a, "largest_peak_bytes") == most);
    assert_string_equal(hw_jstr(cJSON_GetArrayItem(tasks, 1), "verdict"), "above_step_peak");
    /* Each shard's row of merged.shards says which task it was and which jobs it ran. */
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(mb, "shards"), 1);
    assert_string_equal(hw_jstr(cJSON_GetObjectItem(e, "scheduler"), "job_id"), "42");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(e, "jobs")), njobs / 2);
    assert_true(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "jobs"), 0)->valuedouble == 1);
    cJSON_Delete(m);
    unlink("all.json");
}

/* A bad --sacct file fails before any report is read: exit 2, one line, nothing written. */
static void bad_sacct_is_refused(void **state)
{
    (void)state;
    put("s1.json", slurm_shard(1));
    put("s2.json", slurm_shard(2));
    tu_put_file("cut.txt", "JobIDRaw|JobID|State|MaxRSS\n41.batch|40_1.batch|COMPLETED|12K\n42.batch|40_2.b");
    refused("s1.json s2.json --sacct cut.txt",
            "highwater merge: cut.txt:3: 2 fields, the header has 4 or more: a truncated line; write it with: sacct "
            "-P --noconvert -j JOB --format=JobIDRaw,JobID,State,MaxRSS,Elapsed,NodeList\n");
    refused("s1.json s2.json --sacct .", "highwater merge: .: is a directory, not a file; give the path of a JSON "
            "file\n");
    refused("s1.json s2.json --sacct nosuch.txt", "highwater merge: nosuch.txt: cannot read: No such file or "
            "directory\n");
    refused("s1.json s2.json --sacct cut.txt --sacct-interval 0", "highwater merge: --sacct-interval: must be between "
            "0.001 and 86400, got 0; see 'highwater merge --help'\n");
}

static void usage_and_merged_inputs(void **state)
{
    (void)state;
    assert_int_equal(hw("merge -o all.json"), 2);
    assert_string_equal(tu_read_or_fail("err"), "highwater merge: needs the shard reports and -o, e.g. 'highwater "
                        "merge s1.json s2.json -o all.json'\n");
    nothing_written();
    put("s1.json", shard(1, 2));
    put("s2.json", shard(2, 2));
    assert_int_equal(hw("merge s1.json s2.json"), 2);
    assert_non_null(strstr(tu_read_or_fail("err"), "-o"));
    assert_int_equal(hw("merge s1.json s2.json -o both.json"), 0);
    refused("both.json", "highwater merge: both.json: already a merged report; merge the shard reports it was "
            "made from\n");
    unlink("both.json");
    /* A bad -o is found before any report is read. */
    char err[PATH_MAX + 256], want[PATH_MAX + 300];
    assert_int_equal(hw_path_check("-o", "no-dir/x.json", err, sizeof err), -1);
    snprintf(want, sizeof want, "highwater merge: %s\n", err);
    assert_int_equal(hw("merge s1.json nonesuch.json -o no-dir/x.json"), 2);
    assert_string_equal(tu_read_or_fail("err"), want);
}

/* The merge of the halves of a report against that report: the gate passes every run, compare
 * shows no change, plot draws it. */
static void readers_take_a_merged_report(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 100];
    put("s1.json", shard(1, 2));
    put("s2.json", shard(2, 2));
    assert_int_equal(hw("merge s2.json s1.json -o all.json"), 0);
    snprintf(cmd, sizeof cmd, "gate all.json --baseline %s --allow-missing", base);
    assert_int_equal(hw(cmd), 0);
    assert_non_null(strstr(tu_read_or_fail("out"), "gate: PASS (34 compared, 0 failed, 0 improved, 0 missing, 0 new;"));
    snprintf(cmd, sizeof cmd, "gate %s --baseline all.json", base);
    assert_int_equal(hw(cmd), 0);
    assert_non_null(strstr(tu_read_or_fail("out"), "gate: PASS (34 compared, 0 failed,"));
    snprintf(cmd, sizeof cmd, "compare %s all.json", base);
    assert_int_equal(hw(cmd), 0);
    const char *out = tu_read_or_fail("out");
    assert_null(strstr(out, "note:"));
    assert_non_null(strstr(out, "whole-copy                         glibc     "));
    assert_int_equal(hw("plot all.json -o all.html"), 0);
    assert_non_null(strstr(tu_read_or_fail("all.html"), "<svg"));
    unlink("all.html");
    unlink("all.json");
}

static int setup(void **state)
{
    if (!getcwd(home, sizeof home) || !realpath("results/baselines/ci.json", base))
        return -1;
    char rel[PATH_MAX];
    tu_bin(rel, sizeof rel);
    if (!realpath(rel, bin))
        return -1;
    full = tu_report("%s", base);
    if (!full)
        return -1;
    njobs = cJSON_GetArraySize(cJSON_GetObjectItem(full, "runs"));
    tu_scratch = dir;
    if (tu_scratch_setup(state) != 0)
        return -1;
    return chdir(dir);
}

static int teardown(void **state)
{
    cJSON_Delete(full);
    if (chdir(home) != 0)
        return -1;
    return tu_scratch_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(merge_puts_runs_back_in_job_order),
        cmocka_unit_test(unsharded_report_is_one_of_one),
        cmocka_unit_test(allow_partial_names_the_missing),
        cmocka_unit_test(other_experiments_are_refused),
        cmocka_unit_test(duplicates_and_overlaps_are_refused),
        cmocka_unit_test(damaged_shards_are_refused),
        cmocka_unit_test(unreadable_files_are_refused),
        cmocka_unit_test(usage_and_merged_inputs),
        cmocka_unit_test(readers_take_a_merged_report),
        cmocka_unit_test(sacct_is_set_beside_each_shard),
        cmocka_unit_test(bad_sacct_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
