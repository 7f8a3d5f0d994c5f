/* highwater fidelity's comparison: increments over the first strategy phase's start (the
 * model's load_source is not compared), phases matched by name, twin-only phases shown, the
 * run row as the largest increment on each side, and the block a run report gains. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fidelity_report.h"
#include "json.h"
#include "strategy.h"

#define MiB 1048576.0

/* D = 100 MiB. The model loads 200 MiB, then a phase a to +150 MiB, phase b to +100 MiB. */
static const char *model_json =
    "{\"label\":\"x\",\"allocator\":\"glibc\",\"output_bytes\":104857600,\"phases\":["
    "{\"name\":\"load_source\",\"rss_start_bytes\":1048576,\"peak_rss_bytes\":210763776},"
    "{\"name\":\"a\",\"rss_start_bytes\":210763776,\"peak_rss_bytes\":368050176},"
    "{\"name\":\"b\",\"rss_start_bytes\":315621376,\"peak_rss_bytes\":315621376}]}";
/* The twin starts from 80 MiB (an interpreter), a to +145 MiB, an extra phase, no b. */
static const char *twin_json =
    "{\"phases\":[{\"name\":\"a\",\"depth\":0,\"command_rss_start_bytes\":83886080,"
    "\"command_peak_rss_bytes\":235929600},"
    "{\"name\":\"inner\",\"depth\":1,\"peak_rss_bytes\":1},"
    "{\"name\":\"gc\",\"depth\":0,\"command_rss_start_bytes\":1,\"command_peak_rss_bytes\":104857600}]}";

static const cJSON *row(const cJSON *cmp, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cmp, "phases"), i);
}

static void increments_are_over_the_first_strategy_phase(void **state)
{
    (void)state;
    char err[256];
    cJSON *m = cJSON_Parse(model_json), *t = cJSON_Parse(twin_json);
    cJSON *cmp = hw_fidelity_compare(m, t, 0.10, err, sizeof err);
    assert_non_null(cmp);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cmp, "phases")), 3);
    /* a: model +150 MiB = 1.5 D, real +145 MiB = 1.45 D: within 0.10. */
    assert_string_equal(hw_jstr(row(cmp, 0), "name"), "a");
    assert_true(fabs(hw_jnum(row(cmp, 0), "model_d") - 1.5) < 1e-12);
    assert_true(fabs(hw_jnum(row(cmp, 0), "real_d") - 1.45) < 1e-12);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(row(cmp, 0), "within")));
    /* b: the twin has none: not within, real null. */
    assert_string_equal(hw_jstr(row(cmp, 1), "name"), "b");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(row(cmp, 1), "real_d")));
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(row(cmp, 1), "within")));
    /* gc: only the twin has it (its depth-1 phase is not a row); from the same base, +20 MiB. */
    assert_string_equal(hw_jstr(row(cmp, 2), "name"), "gc");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(row(cmp, 2), "model_d")));
    assert_true(fabs(hw_jnum(row(cmp, 2), "real_d") - 0.2) < 1e-12);
    /* The run: the largest increment on each side. */
    const cJSON *run = cJSON_GetObjectItemCaseSensitive(cmp, "run");
    assert_true(fabs(hw_jnum(run, "model_d") - 1.5) < 1e-12);
    assert_true(fabs(hw_jnum(run, "real_d") - 1.45) < 1e-12);
    cJSON_Delete(cmp);
    cJSON_Delete(m);
    cJSON_Delete(t);
}

static void a_side_without_a_start_is_an_error(void **state)
{
    (void)state;
    char err[256];
    cJSON *m = cJSON_Parse(model_json);
    cJSON *t = cJSON_Parse("{\"phases\":[{\"name\":\"a\",\"depth\":0,\"command_peak_rss_bytes\":5}]}");
    assert_null(hw_fidelity_compare(m, t, 0.1, err, sizeof err));
    assert_string_equal(err, "the twin (no marked phase read in time) has no phase start to measure from");
    cJSON *only_load = cJSON_Parse("{\"output_bytes\":10,\"phases\":[{\"name\":\"load_source\",\"rss_start_bytes\":1}]}");
    assert_null(hw_fidelity_compare(only_load, t, 0.1, err, sizeof err));
    assert_string_equal(err, "the model run has no phase start to measure from");
    cJSON_Delete(only_load);
    cJSON_Delete(m);
    cJSON_Delete(t);
}

/* A twin's warm-up (its body once on a few rows, to page in the library): never a row, never
 * the base; what it left resident is reported apart. */
static void a_warmup_is_set_apart(void **state)
{
    (void)state;
    char err[256];
    cJSON *m = cJSON_Parse(model_json);
    cJSON *t = cJSON_Parse(
        "{\"phases\":[{\"name\":\"warmup\",\"depth\":0,\"command_rss_start_bytes\":52428800,"
        "\"command_peak_rss_bytes\":104857600,\"command_rss_end_bytes\":83886080},"
        "{\"name\":\"a\",\"depth\":0,\"command_rss_start_bytes\":188743680,\"command_peak_rss_bytes\":340787200}]}");
    cJSON *cmp = hw_fidelity_compare(m, t, 0.10, err, sizeof err);
    assert_non_null(cmp);
    /* a and b only: from a's start (180 MiB), not the warm-up's (50 MiB). */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cmp, "phases")), 2);
    assert_string_equal(hw_jstr(row(cmp, 0), "name"), "a");
    assert_true(fabs(hw_jnum(row(cmp, 0), "real_d") - 1.45) < 1e-12);
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(cmp, "twin_warmup");
    assert_non_null(w);
    assert_true(fabs(hw_jnum(w, "kept_bytes") - 30 * MiB) < 1e-6);
    assert_true(fabs(hw_jnum(w, "kept_d") - 0.30) < 1e-12);
    assert_true(fabs(hw_jnum(w, "peak_increment_bytes") - 50 * MiB) < 1e-6);
    cJSON_Delete(cmp);
    cJSON_Delete(m);
    cJSON_Delete(t);
}

/* A gap excuses a row beyond the tolerance only in a phase it names and inside its band. */
static const struct hw_fidelity_gap test_gaps[] = {
    {"release run", -0.60, 0.05, "arena retention", "glibc"},
    {0},
};
static const struct hw_strategy gapped = {.name = "g", .fidelity_gaps = test_gaps};

static cJSON *entry_of(double a, double release, double run)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"allocator\":\"glibc\",\"phases\":[{\"name\":\"a\",\"diff_d\":%g,\"within\":%s},"
             "{\"name\":\"release\",\"diff_d\":%g,\"within\":%s}],"
             "\"run\":{\"diff_d\":%g,\"within\":%s}}",
             a, fabs(a) <= 0.1 ? "true" : "false", release, fabs(release) <= 0.1 ? "true" : "false", run,
             fabs(run) <= 0.1 ? "true" : "false");
    return cJSON_Parse(text);
}

static void a_gap_explains_only_its_phases_inside_its_band(void **state)
{
    (void)state;
    cJSON *e = entry_of(0.02, -0.40, -0.30);   /* release and run off, both inside the band */
    assert_int_equal(hw_fidelity_judge(&gapped, e), 0);
    assert_string_equal(hw_jstr(e, "verdict"), "off, gap explained");
    assert_string_equal(hw_jstr(e, "gap"), "arena retention");
    assert_string_equal(hw_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "phases"), 1), "gap"), "arena retention");
    assert_string_equal(hw_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "phases"), 0), "gap"), "");
    cJSON_Delete(e);
    e = entry_of(-0.30, -0.02, 0.0);           /* a phase the gap does not name */
    assert_int_equal(hw_fidelity_judge(&gapped, e), 1);
    assert_string_equal(hw_jstr(e, "verdict"), "OFF");
    assert_string_equal(hw_jstr(e, "gap"), "");
    cJSON_Delete(e);
    e = entry_of(0.0, -0.70, -0.70);           /* its phases, outside its band */
    assert_int_equal(hw_fidelity_judge(&gapped, e), 2);
    assert_string_equal(hw_jstr(e, "verdict"), "OFF");
    cJSON_Delete(e);
    e = entry_of(0.0, 0.0, 0.05);              /* nothing off: the gap is not used */
    assert_int_equal(hw_fidelity_judge(&gapped, e), 0);
    assert_string_equal(hw_jstr(e, "verdict"), "within");
    assert_string_equal(hw_jstr(e, "gap"), "");
    cJSON_Delete(e);
    /* A phase name is a whole word of the list. */
    assert_non_null(hw_strategy_gap(&gapped, "run", "glibc", -0.1));
    assert_null(hw_strategy_gap(&gapped, "ru", "glibc", -0.1));
    assert_null(hw_strategy_gap(&gapped, "release", "glibc", NAN));
    /* A gap measured under glibc does not excuse jemalloc. */
    assert_null(hw_strategy_gap(&gapped, "run", "jemalloc", -0.1));
}

static void a_run_gains_its_entrys_block(void **state)
{
    (void)state;
    cJSON *fid = cJSON_Parse(
        "{\"tolerance_d\":0.1,\"dataset\":{\"rows\":2000000},\"entries\":["
        "{\"label\":\"x\",\"allocator\":\"jemalloc\",\"status\":\"compared\",\"verdict\":\"OFF\"},"
        "{\"label\":\"x\",\"allocator\":\"glibc\",\"status\":\"compared\",\"library\":\"nodejs-polars\","
        "\"library_version\":\"0.26.1\",\"verdict\":\"within\",\"gap\":\"\","
        "\"phases\":[{\"diff_d\":0.03},{\"diff_d\":-0.07},{\"diff_d\":null}],\"run\":{\"diff_d\":0.02}}]}");
    cJSON *run = cJSON_Parse("{\"label\":\"x\",\"allocator\":\"glibc\"}");
    cJSON *other = cJSON_Parse("{\"label\":\"y\",\"allocator\":\"glibc\"}");
    hw_fidelity_attach(fid, run);
    hw_fidelity_attach(fid, other);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(run, "fidelity");
    assert_non_null(b);
    assert_null(cJSON_GetObjectItemCaseSensitive(other, "fidelity"));
    assert_string_equal(hw_jstr(b, "library_version"), "0.26.1");
    assert_true(fabs(hw_jnum(b, "max_phase_diff_d") + 0.07) < 1e-12);   /* the largest by size, signed */
    assert_true(fabs(hw_jnum(b, "rows") - 2e6) < 1e-6);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(b, "within")));
    cJSON_Delete(other);
    cJSON_Delete(run);
    cJSON_Delete(fid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(increments_are_over_the_first_strategy_phase),
        cmocka_unit_test(a_side_without_a_start_is_an_error),
        cmocka_unit_test(a_warmup_is_set_apart),
        cmocka_unit_test(a_gap_explains_only_its_phases_inside_its_band),
        cmocka_unit_test(a_run_gains_its_entrys_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
