/* Integration: real reports of configs/ci.yaml (whole-copy and memmap, two repeats, at 50k and
 * 100k rows) cut in two shards each, as run --shard 1/2 and 2/2 write them, and merged back:
 * the gate treats the merged report exactly as the unsharded one (both ways round, 0 failed),
 * compare shows no change, plot draws it, and plan --from the merged sweep of two scales
 * predicts what it predicts from the unsharded reports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "json.h"
#include "testutil.h"

static char bin[PATH_MAX], root[PATH_MAX], work[] = "/tmp/hw-test-integration-merge-XXXXXX";
static int nsummary;   /* summary entries of the 50k report */

static int hw(const char *fmt, const char *a, const char *b)
{
    char args[2 * PATH_MAX + 256];
    snprintf(args, sizeof args, fmt, a, b);
    return tu_sh("cd %s && %s %s > out 2> err", work, bin, args);
}

/* Shard k of 2 of the report at full: its runs at job indices k-1, k+1, ..., with the contract's
 * job_index and shard block, written to shard. */
static int cut(const char *full, int k, const char *shard)
{
    cJSON *r = tu_report("%s/%s", work, full), *runs, *keep = cJSON_CreateArray(), *jobs = cJSON_CreateArray(), *run;
    if (!r)
        return -1;
    runs = cJSON_GetObjectItem(r, "runs");
    int n = cJSON_GetArraySize(runs);
    for (int i = 0; (run = cJSON_DetachItemFromArray(runs, 0)) != NULL; i++) {
        if (i % 2 != k - 1) {
            cJSON_Delete(run);
            continue;
        }
        cJSON_DeleteItemFromObject(run, "job_index");
        cJSON_AddNumberToObject(run, "job_index", i);
        cJSON_AddItemToArray(keep, run);
        cJSON_AddItemToArray(jobs, cJSON_CreateNumber(i));
    }
    cJSON_ReplaceItemInObject(r, "runs", keep);
    cJSON_DeleteItemFromObject(r, "shard");
    cJSON *sh = cJSON_AddObjectToObject(r, "shard");
    cJSON_AddNumberToObject(sh, "index", k);
    cJSON_AddNumberToObject(sh, "count", 2);
    cJSON_AddNumberToObject(sh, "jobs_total", n);
    cJSON_AddItemToObject(sh, "jobs", jobs);
    cJSON_AddStringToObject(sh, "job_list_sha256", "5e1f0000000000000000000000000000000000000000000000000000000000aa");
    char path[600], *text = cJSON_Print(r);
    snprintf(path, sizeof path, "%s/%s", work, shard);
    tu_put_file(path, text);
    free(text);
    cJSON_Delete(r);
    return 0;
}

static int sweep(const char *rows)
{
    char full[64], s1[64], s2[64], merged[64], both[160];
    snprintf(full, sizeof full, "full%s.json", rows);
    snprintf(s1, sizeof s1, "s%s-1.json", rows);
    snprintf(s2, sizeof s2, "s%s-2.json", rows);
    snprintf(merged, sizeof merged, "m%s.json", rows);
    if (tu_sh("TMPDIR=%s %s run configs/ci.yaml --rows %s --strategies whole-copy,memmap --repeat 2 "
              "--no-timeline -o %s/%s > %s/run.out 2>&1", work, bin, rows, work, full, work) != 0 ||
        cut(full, 1, s1) != 0 || cut(full, 2, s2) != 0)
        return -1;
    snprintf(both, sizeof both, "%s %s", s2, s1);
    return hw("merge %s -o %s", both, merged);
}

static void gate_treats_it_as_the_unsharded(void **state)
{
    (void)state;
    assert_int_equal(hw("gate %s --baseline %s", "m50k.json", "full50k.json"), 0);
    char want[128];
    snprintf(want, sizeof want, "gate: PASS (%d compared, 0 failed, 0 improved, 0 missing, 0 new;", nsummary);
    assert_non_null(strstr(tu_read_or_fail("%s/out", work), want));
    assert_int_equal(hw("gate %s --baseline %s", "full50k.json", "m50k.json"), 0);
    assert_non_null(strstr(tu_read_or_fail("%s/out", work), want));
}

static void compare_shows_no_change(void **state)
{
    (void)state;
    assert_int_equal(hw("compare %s %s", "full50k.json", "m50k.json"), 0);
    const char *out = tu_read_or_fail("%s/out", work), *p = out;
    int same = 0;
    assert_null(strstr(out, "note:"));
    while ((p = strstr(p, "  +0.0%")) != NULL) {
        same++;
        p++;
    }
    /* Peak and wall, each row. */
    assert_int_equal(same, 2 * nsummary);
    /* Against the checked-in baseline (250k rows): another shape, said in a note, not an error. */
    char base[PATH_MAX + 64];
    snprintf(base, sizeof base, "%s/results/baselines/ci.json", root);
    assert_int_equal(hw("compare %s %s", base, "m50k.json"), 0);
    assert_non_null(strstr(tu_read_or_fail("%s/out", work), "note: the datasets differ"));
}

static void plot_draws_it(void **state)
{
    (void)state;
    assert_int_equal(hw("plot %s -o %s", "m50k.json", "m50k.html"), 0);
    assert_non_null(strstr(tu_read_or_fail("%s/m50k.html", work), "<svg"));
}

static void plan_fits_the_merged_sweep(void **state)
{
    (void)state;
    assert_int_equal(hw("plan --from %s --rows 1M -o %s", "m50k.json m100k.json", "merged-plan.json"), 0);
    assert_int_equal(hw("plan --from %s --rows 1M -o %s", "full50k.json full100k.json", "plan.json"), 0);
    cJSON *a = cJSON_Parse(tu_read_or_fail("%s/plan.json", work));
    cJSON *b = cJSON_Parse(tu_read_or_fail("%s/merged-plan.json", work));
    assert_non_null(a);
    assert_non_null(b);
    const cJSON *ea = cJSON_GetObjectItem(a, "entries"), *eb = cJSON_GetObjectItem(b, "entries");
    assert_int_equal(cJSON_GetArraySize(ea), nsummary);
    assert_int_equal(cJSON_GetArraySize(eb), nsummary);
    for (int i = 0; i < nsummary; i++) {
        const cJSON *x = cJSON_GetArrayItem(ea, i), *y = cJSON_GetArrayItem(eb, i);
        assert_string_equal(hw_jstr(x, "label"), hw_jstr(y, "label"));
        assert_true(hw_jnum(cJSON_GetObjectItem(x, "peak"), "predicted") ==
                    hw_jnum(cJSON_GetObjectItem(y, "peak"), "predicted"));
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static int setup(void **state)
{
    char rel[PATH_MAX];
    tu_bin(rel, sizeof rel);
    tu_scratch = work;
    if (!realpath(rel, bin) || !getcwd(root, sizeof root) || tu_scratch_setup(state) != 0 || sweep("50k") != 0 || sweep("100k") != 0) {
        fprintf(stderr, "%s", tu_text("%s/run.out", work));
        fprintf(stderr, "%s", tu_text("%s/err", work));
        return -1;
    }
    cJSON *r = tu_report("%s/full50k.json", work);
    if (!r)
        return -1;
    nsummary = cJSON_GetArraySize(cJSON_GetObjectItem(r, "summary"));
    cJSON_Delete(r);
    return nsummary > 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gate_treats_it_as_the_unsharded),
        cmocka_unit_test(compare_shows_no_change),
        cmocka_unit_test(plot_draws_it),
        cmocka_unit_test(plan_fits_the_merged_sweep),
    };
    return cmocka_run_group_tests(tests, setup, tu_scratch_teardown);
}
