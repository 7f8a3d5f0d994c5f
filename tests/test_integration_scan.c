/* Integration: streaming with source: ipc (a Polars IPC scan) on configs/ci.yaml's dtype mix
 * at 250k rows, asserting the shapes its mechanism implies, in sizes taken from the report
 * (S source, D output), as increments over the RSS at the start of the median phase:
 * - median: the whole file is decoded and read through its mapping at once: >= 2 S (less a
 *   page-rounding slack), and no more than that plus two median copies and the decode
 *   threads' retained memory (bounded by S);
 * - a one-batch file, read a quarter at a time: the last step decodes the whole source and
 *   reads all of the file's pages, with 3/4 of the output written: >= 3/4 D + 2 S;
 * - the same steps on a file of quarter-size batches decode a quarter each: their peak
 *   stays at least S below the one-batch file's (the prefix decode is the whole difference);
 * - both outputs match the reference bit for bit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "testutil.h"

static cJSON *report;

static const char *const config =
    "name: scan\n"
    TU_CI_DATASET
    "run:\n"
    "  allocators: [glibc]\n"
    "  repeat: 1\n"
    "strategies:\n"
    "  - name: streaming\n"
    "    label: one-batch\n"
    "    params: {source: ipc, batch_rows: 250k, read_rows: 62500}\n"
    "  - name: streaming\n"
    "    label: quarter-batches\n"
    "    params: {source: ipc, batch_rows: 62500, read_rows: 62500}\n";

static int setup(void **state)
{
    char bin[512], path[1024], err[1024];
    if (tu_scratch_setup(state) != 0)
        return -1;
    tu_bin(bin, sizeof bin);
    snprintf(path, sizeof path, "%s/scan.yaml", tu_scratch);
    tu_put_file(path, config);
    if (tu_sh("TMPDIR=%s %s run %s/scan.yaml -o %s/scan.json >%s/out 2>%s/err", tu_scratch, bin,
              tu_scratch, tu_scratch, tu_scratch, tu_scratch) != 0) {
        fprintf(stderr, "run failed: %s\n", tu_text("%s/err", tu_scratch));
        return -1;
    }
    snprintf(path, sizeof path, "%s/scan.json", tu_scratch);
    if (hw_report_load(path, &report, err, sizeof err) != 0)
        return fprintf(stderr, "%s\n", err), -1;
    return 0;
}

static int teardown(void **state)
{
    cJSON_Delete(report);
    return tu_scratch_teardown(state);
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const cJSON *run_labelled(const char *label)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(report, "runs")) {
        const cJSON *l = cJSON_GetObjectItem(r, "label");
        if (cJSON_IsString(l) && strstr(l->valuestring, label))
            return r;
    }
    fail_msg("no run labelled %s", label);
    return NULL;
}

/* A phase's peak over the RSS at the start of the median phase. */
static double increment(const cJSON *run, const char *phase)
{
    const cJSON *p;
    double base = -1, peak = -1;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(run, "phases")) {
        const char *name = cJSON_GetObjectItem(p, "name")->valuestring;
        if (strcmp(name, "median") == 0)
            base = num(p, "rss_start_bytes");
        if (strcmp(name, phase) == 0)
            peak = num(p, "peak_rss_bytes");
    }
    assert_true(base > 0 && peak > 0);
    return peak - base;
}

static double S, D;

static void sizes(void)
{
    S = num(cJSON_GetObjectItem(report, "dataset"), "source_bytes");
    const cJSON *r = run_labelled("one-batch");
    D = num(r, "output_bytes");
    assert_true(S > 0 && D > 0);
}

static void outputs_match_and_phases(void **state)
{
    (void)state;
    const char *labels[] = {"one-batch", "quarter-batches"};
    for (int i = 0; i < 2; i++) {
        const cJSON *r = run_labelled(labels[i]);
        assert_string_equal(cJSON_GetObjectItem(r, "status")->valuestring, "ok");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "output"), "matches_reference")));
        assert_true(increment(r, "alloc_output") >= 0);
    }
}

static void median_reads_the_whole_file(void **state)
{
    (void)state;
    sizes();
    const char *labels[] = {"one-batch", "quarter-batches"};
    for (int i = 0; i < 2; i++) {
        double m = increment(run_labelled(labels[i]), "median");
        /* decoded + mapped; 1% slack for the bitmaps and padding the file has and S lacks */
        assert_true(m >= 1.98 * S);
        assert_true(m <= 3.0 * S + 0.1 * D);
    }
}

static void one_batch_decodes_the_prefix(void **state)
{
    (void)state;
    sizes();
    double one = increment(run_labelled("one-batch"), "convert");
    double quarter = increment(run_labelled("quarter-batches"), "convert");
    assert_true(one >= 0.75 * D + 1.98 * S);
    assert_true(quarter >= 0.75 * D + 2 * 0.24 * S);    /* the last quarter, decoded and mapped */
    assert_true(quarter <= one - S);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outputs_match_and_phases),
        cmocka_unit_test(median_reads_the_whole_file),
        cmocka_unit_test(one_batch_decodes_the_prefix),
    };
    tu_scratch = strdup("/tmp/hw-test-scan-XXXXXX");
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    free(tu_scratch);
    return rc;
}
