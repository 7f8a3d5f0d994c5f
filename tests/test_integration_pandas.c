/* Integration: the pandas strategies (harness/pdframe) at a small scale, each phase's peak
 * over the loaded source in a band derived from pandas 1.5.3's mechanism, not from a twin's
 * figure. The source: 20 float64 columns with nulls, +-inf and NaN, 500k rows, f32 C output:
 * D = 40 MB, S = P = 2 D (S plus its bitmaps), a column 0.1 D, a bool mask of the block
 * 0.25 D (one byte a cell against the output's four).
 * glibc is part of the mechanism: a freed mmapped chunk of up to 32 MiB raises the mmap
 * threshold to its size, so later buffers of that size (a 10 MB mask, a 4 MB column) come
 * from the heap and stay resident once freed, where the same buffer at 70M rows would be
 * mmapped and returned; the bands name each such buffer. Every band is +-0.1 D: one block
 * (2 D), mask (0.25 D) or two columns more or less fall outside. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "report.h"
#include "testutil.h"

static char bin[512];
static cJSON *report;

static const char cfg_text[] =
    "name: pandas-shapes\n"
    "dataset:\n"
    "  rows: 500k\n"
    "  seed: 7\n"
    "  cols: 20\n"
    "  columns:\n"
    "    - {dtype: f64, count: 20, null_rate: 0.02, inf_rate: 0.005, nan_rate: 0.005}\n"
    "output: {dtype: f32, order: C}\n"
    "run:\n"
    "  allocators: [glibc]\n"
    "  repeat: 1\n"
    "strategies:\n"
    "  - name: whole-copy\n"
    "  - name: pandas-clean-chain\n";

static double num(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(it) ? it->valuedouble : NAN;
}

static const cJSON *find_run(const char *label)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "runs"))
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "label")), label) == 0)
            return r;
    fail_msg("no run %s in the report", label);
    return NULL;
}

/* Phase NAME's peak minus the RSS where the first phase after load_source started, in D. */
static double inc(const cJSON *run, const char *name)
{
    const cJSON *p, *first = NULL, *want = NULL;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(run, "phases")) {
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(p, "name"));
        if (!first && strcmp(n, "load_source") != 0)
            first = p;
        if (strcmp(n, name) == 0)
            want = p;
    }
    if (!first || !want)
        fail_msg("no phase %s", name);
    return (num(want, "peak_rss_bytes") - num(first, "rss_start_bytes")) / num(run, "output_bytes");
}

static void band(const cJSON *run, const char *phase, double mech)
{
    double v = inc(run, phase);
    if (!(fabs(v - mech) <= 0.1))
        fail_msg("%s %s: +%.3f D, the mechanism gives +%.2f D (+-0.1)",
                 cJSON_GetStringValue(cJSON_GetObjectItem(run, "label")), phase, v, mech);
}

/* At least the mechanism's floor (every copy it names alive at once), at most hi. */
static void at_least(const cJSON *run, const char *phase, double floor, double hi)
{
    double v = inc(run, phase);
    if (!(v >= floor - 0.1 && v <= hi))
        fail_msg("%s %s: +%.3f D, the mechanism gives at least +%.2f D, at most +%.2f D",
                 cJSON_GetStringValue(cJSON_GetObjectItem(run, "label")), phase, v, floor, hi);
}

static int setup(void **state)
{
    (void)state;
    if (tu_scratch_setup(state) != 0)
        return -1;
    tu_bin(bin, sizeof bin);
    char cfg[600], out[600];
    snprintf(cfg, sizeof cfg, "%s/pandas.yaml", tu_scratch);
    snprintf(out, sizeof out, "%s/pandas.json", tu_scratch);
    tu_put_file(cfg, cfg_text);
    if (tu_sh("TMPDIR=%s %s run %s -o %s --no-timeline >%s/out 2>&1", tu_scratch, bin, cfg, out,
              tu_scratch) != 0) {
        fprintf(stderr, "%s", tu_text("%s/out", tu_scratch));
        return -1;
    }
    char err[1024];
    if (hw_report_load(out, &report, err, sizeof err) != 0)
        return fprintf(stderr, "%s\n", err), -1;
    return 0;
}

static int teardown(void **state)
{
    cJSON_Delete(report);
    return tu_scratch_teardown(state);
}

/* whole-copy, all in place: P (2 D) at to_pandas over S; after the drop, replace holds three
 * bool masks of the block (0.75 D: np.zeros, `== inf`, the second pair's two while the first
 * is held); median one column buffer; to_numpy P + D - S = 1 D, plus fillna's last two
 * column buffers (Series.fillna's copy and the setitem's, 0.1 D each), freed into the heap
 * and kept there. */
static void whole_copy_phases(void **state)
{
    (void)state;
    const cJSON *r = find_run("whole-copy");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(r, "status")), "ok");
    band(r, "to_pandas", 2.0);
    band(r, "replace", 0.75);
    band(r, "median", 0.0);
    band(r, "to_numpy", 1.2);
}

/* pandas-clean-chain, a new frame each step, the source kept: replace holds P, two copies of
 * the block and two masks (6.5 D), plus the `== inf` temporary of the first mask, freed into
 * the heap (10 MB: under the 32 MiB bound of glibc's dynamic mmap threshold) and kept while the
 * second pair's is mmapped (6.75 D); median P (2 D); fillna P, the deep copy, np.delete's
 * block of the other 19 columns, the filled column and the setitem's copy of it
 * (2 + 2 + 1.9 + 0.1 + 0.1 = 6.1 D); to_numpy's consolidation of the 20
 * one-column blocks, np.vstack and the reorder (6 D), on top of which glibc's heap keeps what
 * fillna's np.delete freed once the blocks shrank under 32 MiB (8 columns): bounded by the
 * one-column blocks' worth, 2 D, and measured +0.7 D, so the band is [6, 8]: a copy fewer is
 * below it, a block more (2 D) beyond. */
static void clean_chain_phases(void **state)
{
    (void)state;
    const cJSON *r = find_run("pandas-clean-chain");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(r, "status")), "ok");
    band(r, "to_pandas", 2.0);
    band(r, "replace", 6.75);
    band(r, "median", 2.0);
    band(r, "fillna", 6.1);
    at_least(r, "to_numpy", 6.0, 8.0);
}

/* Both give the reference output, bit for bit. */
static void outputs_match(void **state)
{
    (void)state;
    const char *labels[] = {"whole-copy", "pandas-clean-chain"};
    for (int i = 0; i < 2; i++) {
        const cJSON *o = cJSON_GetObjectItem(find_run(labels[i]), "output");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "matches_reference")));
    }
}

int main(void)
{
    static char dir[] = "/tmp/hw-test-integration-pandas-XXXXXX";
    tu_scratch = dir;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_copy_phases),
        cmocka_unit_test(clean_chain_phases),
        cmocka_unit_test(outputs_match),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
