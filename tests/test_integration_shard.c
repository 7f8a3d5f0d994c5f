/* Integration: --shard on the real binary. configs/ci.yaml at 50k rows with whole-copy and
 * memmap (3 entries x 2 allocators = 6 jobs): --shard 1/2 and 2/2 together run exactly the
 * jobs of the unsharded run (by job_index, label, allocator and repeat), each report says
 * which shard of which list it is, --dry-run lists the shard's jobs, --shard-memory prints
 * one integer (the shard's predicted step peak), spec --shard is the shard's first run, and a
 * bad K/N is exit 2 before anything. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static char bin[512], dir[] = "/tmp/hw-test-integration-shard-XXXXXX";
#define ARGS "run configs/ci.yaml --rows 50k --strategies whole-copy,memmap --no-timeline"

static int hw(const char *args, const char *tag)
{
    return tu_sh("TMPDIR=%s %s %s > %s/%s.out 2> %s/%s.err", dir, bin, args, dir, tag, dir, tag);
}

/* "job_index label allocator repeat" of a run, the key the shards must share with the whole. */
static void key(const cJSON *run, char *out, size_t len)
{
    snprintf(out, len, "%d %s %s %d", cJSON_GetObjectItem(run, "job_index")->valueint,
             cJSON_GetStringValue(cJSON_GetObjectItem(run, "label")),
             cJSON_GetStringValue(cJSON_GetObjectItem(run, "allocator")),
             cJSON_GetObjectItem(run, "repeat")->valueint);
}

static cJSON *run_report(const char *extra, const char *tag)
{
    char args[1024];
    snprintf(args, sizeof args, ARGS " %s -o %s/%s.json", extra, dir, tag);
    int rc = hw(args, tag);
    if (rc != 0)
        fail_msg("%s: exit %d\n%s", args, rc, tu_text("%s/%s.err", dir, tag));
    cJSON *r = tu_report("%s/%s.json", dir, tag);
    assert_non_null(r);
    return r;
}

static void two_shards_run_the_whole_list(void **state)
{
    (void)state;
    cJSON *all = run_report("", "all"), *sh[2];
    assert_null(cJSON_GetObjectItem(all, "shard"));
    const cJSON *runs = cJSON_GetObjectItem(all, "runs"), *r;
    assert_int_equal(cJSON_GetArraySize(runs), 6);
    char want[6][512], got[512];
    int seen[6] = {0}, i = 0;
    cJSON_ArrayForEach(r, runs) {
        assert_int_equal(cJSON_GetObjectItem(r, "job_index")->valueint, i);
        key(r, want[i++], sizeof want[0]);
    }
    const char *sha = NULL;
    for (int k = 0; k < 2; k++) {
        char extra[32], tag[16];
        snprintf(extra, sizeof extra, "--shard %d/2", k + 1);
        snprintf(tag, sizeof tag, "s%d", k + 1);
        sh[k] = run_report(extra, tag);
        const cJSON *b = cJSON_GetObjectItem(sh[k], "shard");
        assert_non_null(b);
        assert_int_equal(cJSON_GetObjectItem(b, "index")->valueint, k + 1);
        assert_int_equal(cJSON_GetObjectItem(b, "count")->valueint, 2);
        assert_int_equal(cJSON_GetObjectItem(b, "jobs_total")->valueint, 6);
        const char *h = cJSON_GetStringValue(cJSON_GetObjectItem(b, "job_list_sha256"));
        assert_non_null(h);
        assert_int_equal(strlen(h), 64);
        if (sha)
            assert_string_equal(h, sha);
        sha = h;
        /* The same experiment: the config's digest is the unsharded run's. */
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(sh[k], "config"), "sha256")),
                            cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(all, "config"), "sha256")));
        const cJSON *jobs = cJSON_GetObjectItem(b, "jobs");
        assert_int_equal(cJSON_GetArraySize(jobs), cJSON_GetArraySize(cJSON_GetObjectItem(sh[k], "runs")));
        int n = 0;
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(sh[k], "runs")) {
            int idx = cJSON_GetObjectItem(r, "job_index")->valueint;
            assert_true(idx >= 0 && idx < 6);
            assert_int_equal(cJSON_GetArrayItem(jobs, n++)->valueint, idx);
            key(r, got, sizeof got);
            assert_string_equal(got, want[idx]);
            seen[idx]++;
        }
    }
    for (i = 0; i < 6; i++)
        assert_int_equal(seen[i], 1);
    cJSON_Delete(sh[0]);
    cJSON_Delete(sh[1]);
    cJSON_Delete(all);
}

/* The dry run lists the shard's jobs with their indices and its totals; --shard-memory is one
 * integer: the shard's (the whole list's without --shard) largest predicted worker peak, a
 * run's or a helper's, plus the harness's own processes, which a full run's report measures. */
static void dry_run_and_shard_memory(void **state)
{
    (void)state;
    assert_int_equal(hw(ARGS " --dry-run --shard 2/2", "dry"), 0);
    const char *out = tu_scratch_read("dry.out");
    assert_non_null(strstr(out, "ci: shard 2/2: 3 of 6 runs, limit "));
    assert_non_null(strstr(out, "\nshard 2/2: total predicted cost "));
    assert_non_null(strstr(out, ", largest predicted peak "));
    int listed = 0;
    for (const char *p = out; (p = strstr(p, "\n#")); p++)
        listed++;
    assert_int_equal(listed, 3);
    assert_int_equal(hw(ARGS " --dry-run", "dry"), 0);
    out = tu_scratch_read("dry.out");
    for (const char *p = out; (p = strstr(p, "\n#")); p++)
        listed++;
    assert_int_equal(listed, 3 + 6);
    uint64_t mem[3];
    /* -j 1: one worker at a time (with -j N the figure counts the N largest at once). */
    const char *extra[3] = {"-j 1 --shard-memory", "-j 1 --shard 1/2 --shard-memory", "-j 1 --shard 2/2 --shard-memory"};
    for (int k = 0; k < 3; k++) {
        char args[256];
        snprintf(args, sizeof args, ARGS " %s", extra[k]);
        assert_int_equal(hw(args, "mem"), 0);
        out = tu_scratch_read("mem.out");
        assert_int_equal(tu_lines(out), 1);
        for (const char *p = out; *p != '\n'; p++)
            assert_true(isdigit((unsigned char)*p));
        mem[k] = strtoull(out, NULL, 10);
        assert_true(mem[k] > 0);
    }
    /* The shards' harness is the same size as the whole list's, to within a few pages. */
    uint64_t larger = mem[1] > mem[2] ? mem[1] : mem[2];
    assert_true(larger + (1u << 20) > mem[0] && larger < mem[0] + (1u << 20));
    /* The largest worker the unsharded report (the first test's) predicts, or the calibration's
     * two 256 MiB buffers (at 50k rows the reference's column is 400 kB), plus at least the
     * launcher and at most the harness's peaks a full run measured. */
    cJSON *all = tu_report("%s/all.json", dir);
    assert_non_null(all);
    const cJSON *r, *h = cJSON_GetObjectItem(all, "harness");
    double most = 2.0 * (256 << 20);
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(all, "runs"))
        most = fmax(most, cJSON_GetObjectItem(r, "predicted_peak_bytes")->valuedouble);
    double own = cJSON_GetObjectItem(h, "parent_peak_rss_bytes")->valuedouble +
                 cJSON_GetObjectItem(h, "launcher_peak_rss_bytes")->valuedouble;
    assert_true((double)mem[0] > most + cJSON_GetObjectItem(h, "launcher_peak_rss_bytes")->valuedouble);
    assert_true((double)mem[0] <= ceil(most + own));
    cJSON_Delete(all);
}

/* spec --shard K/N is the spec of the shard's first run (as the first test's reports ran it). */
static void spec_takes_the_shards_first_run(void **state)
{
    (void)state;
    for (int k = 1; k <= 2; k++) {
        char args[256];
        snprintf(args, sizeof args, "spec configs/ci.yaml --rows 50k --strategies whole-copy,memmap --shard %d/2", k);
        assert_int_equal(hw(args, "spec"), 0);
        cJSON *spec = cJSON_Parse(tu_scratch_read("spec.out")), *rep = tu_report("%s/s%d.json", dir, k);
        assert_non_null(spec);
        assert_non_null(rep);
        const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(rep, "runs"), 0);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(spec, "strategy")),
                            cJSON_GetStringValue(cJSON_GetObjectItem(first, "strategy")));
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(spec, "allocator")),
                            cJSON_GetStringValue(cJSON_GetObjectItem(first, "allocator")));
        cJSON_Delete(spec);
        cJSON_Delete(rep);
    }
}

static void bad_shard_is_exit_2_in_one_line(void **state)
{
    (void)state;
    char args[1024];
    snprintf(args, sizeof args, ARGS " --shard 5/4 -o %s/bad.json", dir);
    assert_int_equal(hw(args, "bad"), 2);
    const char *err = tu_scratch_read("bad.err");
    assert_string_equal(err, "highwater: --shard 5/4: K must be from 1 to N; e.g. --shard 1/4\n");
    assert_null(tu_read("%s/bad.json", dir));
    assert_int_equal(hw(ARGS " --shard 2 --shard-memory", "bad"), 2);
    assert_string_equal(tu_scratch_read("bad.out"), "");
}

int main(void)
{
    tu_bin(bin, sizeof bin);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_shards_run_the_whole_list),
        cmocka_unit_test(dry_run_and_shard_memory),
        cmocka_unit_test(spec_takes_the_shards_first_run),
        cmocka_unit_test(bad_shard_is_exit_2_in_one_line),
    };
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, tu_scratch_setup, tu_scratch_teardown);
}
