/* Integration: `highwater gate` on real reports. A strategy made to hold 5% more (the
 * test-only param extra_bytes of fused-single-pass, under a fixed label so the entry stays
 * the same) is caught with the default tolerance; 5% less passes and is reported; the JUnit
 * file parses with xmllint; bad inputs end with exit 2 and a message naming the file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "report.h"
#include "testutil.h"

static char bin[512], work[] = "/tmp/hw-test-integration-gate-XXXXXX";
static double base_peak;   /* the baseline's fused-single-pass peak, bytes */

#define EXTRA_BASE (12.0 * 1024 * 1024)

/* ci.yaml's dataset, one allocator, a steady strategy and the one under test. */
static int run_with_extra(const char *name, double extra, const char *rows)
{
    char cfg[700];
    snprintf(cfg, sizeof cfg, "%s/%s.yaml", work, name);
    FILE *in = fopen("configs/ci.yaml", "r"), *out = fopen(cfg, "w");
    char line[512];
    if (!in || !out)
        return -1;
    while (fgets(line, sizeof line, in) && strncmp(line, "strategies:", 11) != 0) {
        if (strncmp(line, "  allocators:", 13) == 0)
            snprintf(line, sizeof line, "  allocators: [glibc]\n");
        fputs(line, out);
    }
    fprintf(out, "strategies:\n  - streaming\n"
                 "  - {name: fused-single-pass, label: fused, params: {extra_bytes: %.0f}}\n", extra);
    fclose(in);
    fclose(out);
    return tu_sh("TMPDIR=%s %s run %s %s%s -o %s/%s.json >%s/%s.out 2>&1", work, bin, cfg,
                 rows ? "--rows " : "", rows ? rows : "", work, name, work, name);
}

static int gate(const char *report, const char *extra)
{
    return tu_sh("%s gate %s/%s.json --baseline %s/base.json %s >%s/gate.out 2>%s/gate.err", bin, work,
                 report, work, extra, work, work);
}

static int setup(void **state)
{
    tu_bin(bin, sizeof bin);
    if (tu_scratch_setup(state) != 0 || run_with_extra("base", EXTRA_BASE, NULL) != 0)
        return -1;
    cJSON *r = tu_report("%s/base.json", work), *run;
    if (!r)
        return -1;
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(r, "runs"))
        if (strcmp(cJSON_GetObjectItem(run, "label")->valuestring, "fused") == 0)
            base_peak = cJSON_GetObjectItem(run, "peak_rss_bytes")->valuedouble;
    cJSON_Delete(r);
    return base_peak > 0 ? 0 : -1;
}

static void unchanged_passes(void **state)
{
    (void)state;
    assert_int_equal(run_with_extra("same", EXTRA_BASE, NULL), 0);
    assert_int_equal(gate("same", ""), 0);
    assert_non_null(strstr(tu_scratch_read("gate.out"), "gate: PASS (2 compared, 0 failed"));
}

/* 5% more than the baseline's whole peak: past 1% + 2 MiB at ~234 MiB. */
static void five_percent_more_is_caught(void **state)
{
    (void)state;
    char extra[1200];
    assert_int_equal(run_with_extra("worse", EXTRA_BASE + 0.05 * base_peak, NULL), 0);
    snprintf(extra, sizeof extra, "--junit %s/gate.xml --markdown %s/gate.md", work, work);
    assert_int_equal(gate("worse", extra), 1);
    const char *out = tu_scratch_read("gate.out");
    char *line = strstr(out, "fused ");
    assert_non_null(line);
    assert_non_null(strstr(line, "FAIL regression: peak"));
    assert_non_null(strstr(out, "gate: FAIL (2 compared, 1 failed"));
    assert_int_equal(tu_sh("xmllint --noout %s/gate.xml", work), 0);
    assert_int_equal(tu_sh("test \"$(xmllint --xpath 'count(//testcase)' %s/gate.xml)\" = 2", work), 0);
    assert_int_equal(tu_sh("test \"$(xmllint --xpath 'string(//testcase[failure]/@name)' %s/gate.xml)\" = fused", work), 0);
    assert_non_null(strstr(tu_scratch_read("gate.md"), "### highwater gate: FAIL"));
}

static void five_percent_less_passes_and_says_so(void **state)
{
    (void)state;
    assert_int_equal(run_with_extra("better", EXTRA_BASE - 0.05 * base_peak, NULL), 0);
    assert_int_equal(gate("better", ""), 0);
    const char *out = tu_scratch_read("gate.out");
    assert_non_null(strstr(strstr(out, "fused "), "improved: -"));
    assert_non_null(strstr(out, "update the baseline"));
}

static void other_shape_is_refused(void **state)
{
    (void)state;
    char want[2048];
    assert_int_equal(run_with_extra("small", EXTRA_BASE, "20k"), 0);
    assert_int_equal(gate("small", ""), 2);
    snprintf(want, sizeof want, "highwater gate: %s/small.json and %s/base.json differ in dataset.rows "
             "(20000 vs 250000): compare reports of the same shape, or pass --allow-shape-change\n", work, work);
    assert_string_equal(tu_scratch_read("gate.err"), want);
    assert_int_equal(gate("small", "--allow-shape-change"), 0);   /* smaller peaks: improvements */
}

/* plan --from on real reports: two scales give a line (no interval, no hold-out), one scale
 * is refused; a report of another shape is refused with both names. */
static void plan_from_reports(void **state)
{
    (void)state;
    assert_int_equal(tu_sh("%s plan --from %s/small.json %s/base.json --rows 1M -o %s/plan.json >%s/plan.out 2>%s/plan.err",
                           bin, work, work, work, work, work), 0);
    const char *out = tu_scratch_read("plan.out");
    assert_non_null(strstr(out, "plan for 1M rows (fit on 2 reports"));
    assert_non_null(strstr(out, "fused "));
    assert_int_equal(tu_sh("%s plan --from %s/base.json --rows 1M >/dev/null 2>%s/plan.err", bin, work, work), 2);
    assert_string_equal(tu_scratch_read("plan.err"), "highwater plan: a plan needs reports at 2 or more scales, got 1; add "
                        "fit scales (--fit) or reports (--from)\n");
    assert_int_equal(tu_sh("%s plot %s/plan.json -o %s/plan.html >/dev/null", bin, work, work), 0);
    assert_int_equal(tu_sh("xmllint --html --noout %s/plan.html 2>/dev/null", work), 0);
}

static void bad_inputs(void **state)
{
    (void)state;
    char want[2048];
    assert_int_equal(tu_sh("head -c 300 %s/base.json > %s/cut.json", work, work), 0);
    assert_int_equal(gate("cut", ""), 2);
    snprintf(want, sizeof want, "highwater gate: %s/cut.json: not valid JSON (truncated or malformed)", work);
    assert_memory_equal(tu_scratch_read("gate.err"), want, strlen(want));
    assert_int_equal(tu_sh("echo '{\"schema\": \"highwater.plan/1\"}' > %s/plan.json", work), 0);
    assert_int_equal(gate("plan", ""), 2);
    snprintf(want, sizeof want, "highwater gate: %s/plan.json: field 'schema' is 'highwater.plan/1', "
             "expected 'highwater.report/1'\n", work);
    assert_string_equal(tu_scratch_read("gate.err"), want);
    assert_int_equal(gate("nonexistent", ""), 2);
    snprintf(want, sizeof want, "highwater gate: %s/nonexistent.json: cannot read: No such file or directory\n", work);
    assert_string_equal(tu_scratch_read("gate.err"), want);
    assert_int_equal(tu_sh("%s gate %s/base.json >/dev/null 2>%s/gate.err", bin, work, work), 2);
    assert_non_null(strstr(tu_scratch_read("gate.err"), "needs a REPORT and --baseline BASE"));
    assert_int_equal(tu_sh("%s gate %s/base.json --baseline %s/base.json --tolerance lots 2>%s/gate.err", bin, work, work, work), 2);
    assert_string_equal(tu_scratch_read("gate.err"), "highwater gate: --tolerance: expected a percentage like 90%, "
                        "got 'lots'; see 'highwater gate --help'\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unchanged_passes),
        cmocka_unit_test(five_percent_more_is_caught),
        cmocka_unit_test(five_percent_less_passes_and_says_so),
        cmocka_unit_test(other_shape_is_refused),
        cmocka_unit_test(plan_from_reports),
        cmocka_unit_test(bad_inputs),
    };
    tu_scratch = work;
    return cmocka_run_group_tests(tests, setup, tu_scratch_teardown);
}
