#include "summary.h"
#include "json.h"
#include "run_key.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *hw_expect_verdict(double peak_ratio, double expect_ratio, double tolerance)
{
    /* Inclusive, and blind to rounding noise: 2.2 against 2.0 +- 10% holds. */
    return fabs(peak_ratio / expect_ratio - 1.0) <= tolerance + 1e-9 ? "held" : "wrong";
}

const char *hw_budget_verdict(double peak_ratio, double budget_ratio)
{
    return peak_ratio > budget_ratio + 1e-9 ? "exceeded" : "within";
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Stats over the ok repeats of one group: median, min, max. */
static void add_stats(cJSON *o, const char *name, double *v, int n)
{
    cJSON *s = cJSON_AddObjectToObject(o, name);
    if (n == 0)
        return;
    cJSON_AddNumberToObject(s, "median", median_of(v, n));
    cJSON_AddNumberToObject(s, "min", v[0]);
    cJSON_AddNumberToObject(s, "max", v[n - 1]);
}

static cJSON *summarize_group(const cJSON *runs, const cJSON *first, double tolerance)
{
    int n = cJSON_GetArraySize(runs), ok = 0, total = 0, mismatches = 0, checked = 0;
    double *peak = calloc((size_t)n + 1, sizeof *peak), *wall = calloc((size_t)n + 1, sizeof *wall);
    double *ratio = calloc((size_t)n + 1, sizeof *ratio);
    cJSON *o = cJSON_CreateObject(), *r;
    cJSON_AddStringToObject(o, "strategy", hw_jstr(first, "strategy"));
    cJSON_AddStringToObject(o, "label", hw_jstr(first, "label"));
    cJSON_AddStringToObject(o, "allocator", hw_jstr(first, "allocator"));
    cJSON_AddStringToObject(o, "allocator_conf", hw_jstr(first, "allocator_conf"));
    const char *status = NULL, *reason = NULL, *peak_phase = NULL;
    double differing = 0, max_abs = 0, top = -1;
    cJSON_ArrayForEach(r, runs) {
        if (!hw_run_key_equal(r, first))
            continue;
        total++;
        if (strcmp(hw_jstr(r, "status"), "ok") != 0) {
            if (!status) {
                status = hw_jstr(r, "status");
                reason = hw_jstr(r, "reason");
            }
            continue;
        }
        peak[ok] = hw_jnum(r, "peak_rss_bytes");
        ratio[ok] = hw_jnum(r, "peak_ratio");
        wall[ok++] = hw_jnum(r, "wall_seconds");
        const cJSON *out = cJSON_GetObjectItemCaseSensitive(r, "output");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(out, "matches_reference");
        if (cJSON_IsBool(m)) {
            checked++;
            mismatches += cJSON_IsFalse(m);
            differing = fmax(differing, hw_jnum(out, "cells_differing"));
            max_abs = fmax(max_abs, hw_jnum(out, "max_abs_diff"));
        }
        if (hw_jnum(r, "peak_rss_bytes") > top) {
            top = hw_jnum(r, "peak_rss_bytes");
            peak_phase = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "peak_phase"));
        }
    }
    if (peak && wall && ratio) {
        cJSON_AddNumberToObject(o, "runs", total);
        cJSON_AddNumberToObject(o, "ok", ok);
        cJSON_AddStringToObject(o, "status", ok == total ? "ok" : ok ? "partial" : status);
        if (reason && ok < total)
            cJSON_AddStringToObject(o, "reason", reason);
        add_stats(o, "peak_rss_bytes", peak, ok);
        add_stats(o, "peak_ratio", ratio, ok);
        add_stats(o, "wall_seconds", wall, ok);
        cJSON_AddStringToObject(o, "output_check", checked == 0 ? "unchecked"
                                : mismatches ? "mismatch" : "matches");
        if (mismatches) {
            cJSON_AddNumberToObject(o, "cells_differing", differing);
            cJSON_AddNumberToObject(o, "max_abs_diff", max_abs);
        }
        if (peak_phase)
            cJSON_AddStringToObject(o, "peak_phase", peak_phase);
        double budget = hw_jnum(first, "budget_ratio");
        if (!isnan(budget) && ok > 0) {
            double med = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(o, "peak_ratio"), "median")->valuedouble;
            cJSON_AddNumberToObject(o, "budget_ratio", budget);
            cJSON_AddStringToObject(o, "budget_verdict", hw_budget_verdict(med, budget));
        }
        double expect = hw_jnum(first, "expect_ratio");
        if (!isnan(expect) && ok > 0) {
            double med = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(o, "peak_ratio"), "median")->valuedouble;
            cJSON_AddNumberToObject(o, "expect_ratio", expect);
            cJSON_AddStringToObject(o, "expect_verdict", hw_expect_verdict(med, expect, tolerance));
            cJSON_AddNumberToObject(o, "expect_error", med / expect - 1.0);
            cJSON_AddNumberToObject(o, "expect_factor", med / expect);
        }
    }
    free(peak);
    free(wall);
    free(ratio);
    return o;
}

/* The config's tolerance for the expect verdicts (10% in a report without one). */
static double tolerance_of(const cJSON *report)
{
    double tol = hw_jnum(cJSON_GetObjectItemCaseSensitive(report, "config"), "expect_tolerance");
    return isnan(tol) ? 0.10 : tol;
}

void hw_report_summarize(cJSON *report)
{
    cJSON *runs = cJSON_GetObjectItemCaseSensitive(report, "runs"), *r, *s;
    double tol = tolerance_of(report);
    cJSON *summary = cJSON_CreateArray();
    cJSON_ArrayForEach(r, runs) {
        bool seen = false;
        cJSON_ArrayForEach(s, summary)
            if (hw_run_key_equal(s, r))
                seen = true;
        if (!seen)
            cJSON_AddItemToArray(summary, summarize_group(runs, r, tol));
    }
    cJSON_ReplaceItemInObjectCaseSensitive(report, "summary", summary);
}


const cJSON *hw_report_summary_of(const cJSON *report, const cJSON *key)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(report, "summary"))
        if (hw_run_key_equal(s, key))
            return s;
    return NULL;
}

/* The two ways to read a number: as json.h does (absent or not a number: NaN), or as a chart
 * does (also NaN for inf, which no axis holds; a bare number taken for a stat, as a run
 * record's peak_ratio is, so a chart draws an old report's runs[] by the same code). */
static double num_of(const cJSON *s, const char *k, bool chart)
{
    double v = hw_jnum(s, k);
    return chart && !isfinite(v) ? NAN : v;
}

static double stat_of(const cJSON *s, const char *k, const char *stat, bool chart)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(s, k);
    if (chart && cJSON_IsNumber(it))
        return isfinite(it->valuedouble) ? it->valuedouble : NAN;
    return num_of(it, stat, chart);
}

static void decode(const cJSON *s, struct hw_summary_view *v, bool chart)
{
    *v = (struct hw_summary_view){.entry = s};
    v->strategy = hw_jstr(s, "strategy");
    v->label = hw_jstr(s, "label");
    v->allocator = hw_jstr(s, "allocator");
    v->allocator_conf = hw_jstr(s, "allocator_conf");
    v->runs = num_of(s, "runs", chart);
    v->ok = num_of(s, "ok", chart);
    v->status = hw_jstr(s, "status");
    v->reason = hw_jstr(s, "reason");
    v->peak_median = stat_of(s, "peak_rss_bytes", "median", chart);
    v->peak_min = stat_of(s, "peak_rss_bytes", "min", chart);
    v->peak_max = stat_of(s, "peak_rss_bytes", "max", chart);
    v->ratio_median = stat_of(s, "peak_ratio", "median", chart);
    v->ratio_min = stat_of(s, "peak_ratio", "min", chart);
    v->ratio_max = stat_of(s, "peak_ratio", "max", chart);
    v->wall_median = stat_of(s, "wall_seconds", "median", chart);
    v->wall_min = stat_of(s, "wall_seconds", "min", chart);
    v->wall_max = stat_of(s, "wall_seconds", "max", chart);
    v->output_check = hw_jstr(s, "output_check");
    v->cells_differing = num_of(s, "cells_differing", chart);
    v->max_abs_diff = num_of(s, "max_abs_diff", chart);
    v->peak_phase = hw_jstr(s, "peak_phase");
    v->budget_ratio = num_of(s, "budget_ratio", chart);
    v->over_budget = strcmp(hw_jstr(s, "budget_verdict"), "exceeded") == 0;
    v->expect_ratio = num_of(s, "expect_ratio", chart);
    v->expect_error = num_of(s, "expect_error", chart);
    v->expect_factor = num_of(s, "expect_factor", chart);
    v->expect_verdict = hw_jstr(s, "expect_verdict");
}

void hw_summary_decode(const cJSON *s, struct hw_summary_view *v) { decode(s, v, false); }
void hw_summary_decode_chart(const cJSON *s, struct hw_summary_view *v) { decode(s, v, true); }

/* What a reader of an entry relies on: the counts (of the runs[] it summarises: a report
 * trimmed by hand keeps a stale summary), a status, and with an ok repeat its median peak and
 * the output check. hw_json_check has already refused bad numbers. */
static bool well_formed(const struct hw_summary_view *v, const cJSON *report, const cJSON *key)
{
    const cJSON *r;
    double n = 0;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "runs"))
        n += hw_run_key_equal(r, key);
    if (v->runs != n || isnan(v->ok) || !v->status[0] || v->ok > v->runs)
        return false;
    return v->ok == 0 || (!isnan(v->peak_median) && v->output_check[0]);
}

bool hw_summary_find(const cJSON *report, const cJSON *key, struct hw_summary_view *v)
{
    const cJSON *s = hw_report_summary_of(report, key);
    hw_summary_decode(s, v);
    if (s && well_formed(v, report, key))
        return true;
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(report, "runs");
    const cJSON *first = hw_runs_first(report, key);
    if (!first) {
        hw_summary_decode(NULL, v);
        return false;
    }
    cJSON *own = summarize_group(runs, first, tolerance_of(report));
    hw_summary_decode(own, v);
    v->owned = own;
    return true;
}

void hw_summary_release(struct hw_summary_view *v)
{
    cJSON_Delete(v->owned);
    v->owned = NULL;
}

const cJSON *hw_runs_first(const cJSON *report, const cJSON *key)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "runs"))
        if (hw_run_key_equal(r, key))
            return r;
    return NULL;
}

const cJSON *hw_runs_first_failed(const cJSON *report, const cJSON *key)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "runs"))
        if (hw_run_key_equal(r, key) && strcmp(hw_jstr(r, "status"), "ok") != 0)
            return r;
    return NULL;
}
