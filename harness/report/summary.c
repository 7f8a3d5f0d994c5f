/* summary[] (summary.h): built from runs[] once, read through one view. */
#include "summary.h"
#include "schema_fields.h"
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
    /* Exceeded only past the budget by more than rounding noise. */
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
    cJSON_AddNumberToObject(s, HW_F_MEDIAN, median_of(v, n));
    cJSON_AddNumberToObject(s, HW_F_MIN, v[0]);
    cJSON_AddNumberToObject(s, HW_F_MAX, v[n - 1]);
}

static cJSON *summarize_group(const cJSON *runs, const cJSON *first, double tolerance)
{
    int n = cJSON_GetArraySize(runs), ok = 0, total = 0, mismatches = 0, checked = 0;
    double *peak = calloc((size_t)n + 1, sizeof *peak), *wall = calloc((size_t)n + 1, sizeof *wall);
    double *ratio = calloc((size_t)n + 1, sizeof *ratio), *cg = calloc((size_t)n + 1, sizeof *cg);
    int ncg = 0;
    cJSON *o = cJSON_CreateObject(), *r;
    cJSON_AddStringToObject(o, HW_F_STRATEGY, hw_jstr(first, HW_F_STRATEGY));
    cJSON_AddStringToObject(o, HW_F_LABEL, hw_jstr(first, HW_F_LABEL));
    cJSON_AddStringToObject(o, HW_F_ALLOCATOR, hw_jstr(first, HW_F_ALLOCATOR));
    cJSON_AddStringToObject(o, HW_F_ALLOCATOR_CONF, hw_jstr(first, HW_F_ALLOCATOR_CONF));
    const char *status = NULL, *reason = NULL, *peak_phase = NULL;
    double differing = 0, max_abs = 0, top = -1, smallest = NAN, slower = NAN;
    bool contended = false;    /* a wall in it was taken beside another worker (run -j N) */
    cJSON_ArrayForEach(r, runs) {
        if (!hw_run_key_equal(r, first))
            continue;
        total++;
        if (strcmp(hw_jstr(r, HW_F_STATUS), "ok") != 0) {
            if (!status) {
                status = hw_jstr(r, HW_F_STATUS);
                reason = hw_jstr(r, HW_F_REASON);
            }
            continue;
        }
        peak[ok] = hw_jnum(r, HW_F_PEAK_RSS_BYTES);
        ratio[ok] = hw_jnum(r, HW_F_PEAK_RATIO);
        wall[ok++] = hw_jnum(r, HW_F_WALL_SECONDS);
        contended |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, HW_F_CONTENDED));
        /* --find-limit searched the first repeat: its answer is the entry's. */
        if (isnan(smallest)) {
            const cJSON *ls = cJSON_GetObjectItemCaseSensitive(r, HW_F_LIMIT_SEARCH);
            smallest = hw_jnum(ls, HW_F_SMALLEST_SURVIVING_BYTES);
            slower = hw_jnum(ls, HW_F_WALL_RATIO_AT_LIMIT);
        }
        double c = hw_jnum(cJSON_GetObjectItemCaseSensitive(r, HW_F_CONTAINER), HW_F_PEAK_BYTES);
        if (cg && !isnan(c))
            cg[ncg++] = c;
        const cJSON *out = cJSON_GetObjectItemCaseSensitive(r, HW_F_OUTPUT);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(out, HW_F_MATCHES_REFERENCE);
        if (cJSON_IsBool(m)) {
            checked++;
            mismatches += cJSON_IsFalse(m);
            differing = fmax(differing, hw_jnum(out, HW_F_CELLS_DIFFERING));
            max_abs = fmax(max_abs, hw_jnum(out, HW_F_MAX_ABS_DIFF));
        }
        if (hw_jnum(r, HW_F_PEAK_RSS_BYTES) > top) {
            top = hw_jnum(r, HW_F_PEAK_RSS_BYTES);
            peak_phase = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, HW_F_PEAK_PHASE));
        }
    }
    if (peak && wall && ratio && cg) {
        cJSON_AddNumberToObject(o, HW_F_RUNS, total);
        cJSON_AddNumberToObject(o, HW_F_OK, ok);
        cJSON_AddStringToObject(o, HW_F_STATUS, ok == total ? HW_F_OK : ok ? "partial" : status);
        if (reason && ok < total)
            cJSON_AddStringToObject(o, HW_F_REASON, reason);
        add_stats(o, HW_F_PEAK_RSS_BYTES, peak, ok);
        add_stats(o, HW_F_PEAK_RATIO, ratio, ok);
        add_stats(o, HW_F_WALL_SECONDS, wall, ok);
        if (contended)
            cJSON_AddTrueToObject(o, HW_F_WALL_CONTENDED);
        if (ncg)   /* absent for runs without a cgroup (an old report, none could be made) */
            add_stats(o, HW_F_CONTAINER_PEAK_BYTES, cg, ncg);
        if (!isnan(smallest))
            cJSON_AddNumberToObject(o, HW_F_SMALLEST_LIMIT_BYTES, smallest);
        if (!isnan(smallest) && !isnan(slower))
            cJSON_AddNumberToObject(o, HW_F_WALL_RATIO_AT_LIMIT, slower);
        cJSON_AddStringToObject(o, HW_F_OUTPUT_CHECK, checked == 0 ? "unchecked"
                                : mismatches ? "mismatch" : "matches");
        if (mismatches) {
            cJSON_AddNumberToObject(o, HW_F_CELLS_DIFFERING, differing);
            cJSON_AddNumberToObject(o, HW_F_MAX_ABS_DIFF, max_abs);
        }
        if (peak_phase)
            cJSON_AddStringToObject(o, HW_F_PEAK_PHASE, peak_phase);
        double budget = hw_jnum(first, HW_F_BUDGET_RATIO);
        if (!isnan(budget) && ok > 0) {
            double med = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(o, HW_F_PEAK_RATIO), HW_F_MEDIAN)->valuedouble;
            cJSON_AddNumberToObject(o, HW_F_BUDGET_RATIO, budget);
            cJSON_AddStringToObject(o, HW_F_BUDGET_VERDICT, hw_budget_verdict(med, budget));
        }
        double expect = hw_jnum(first, HW_F_EXPECT_RATIO);
        if (!isnan(expect) && ok > 0) {
            double med = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(o, HW_F_PEAK_RATIO), HW_F_MEDIAN)->valuedouble;
            cJSON_AddNumberToObject(o, HW_F_EXPECT_RATIO, expect);
            cJSON_AddStringToObject(o, HW_F_EXPECT_VERDICT, hw_expect_verdict(med, expect, tolerance));
            cJSON_AddNumberToObject(o, HW_F_EXPECT_ERROR, med / expect - 1.0);
            cJSON_AddNumberToObject(o, HW_F_EXPECT_FACTOR, med / expect);
        }
    }
    free(peak);
    free(wall);
    free(ratio);
    free(cg);
    return o;
}

/* The config's tolerance for the expect verdicts (10% in a report without one). */
static double tolerance_of(const cJSON *report)
{
    double tol = hw_jnum(cJSON_GetObjectItemCaseSensitive(report, HW_F_CONFIG), "expect_tolerance");
    return isnan(tol) ? 0.10 : tol;
}

void hw_report_summarize(cJSON *report)
{
    cJSON *runs = cJSON_GetObjectItemCaseSensitive(report, HW_F_RUNS), *r, *s;
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
    cJSON_ReplaceItemInObjectCaseSensitive(report, HW_F_SUMMARY, summary);
}


const cJSON *hw_report_summary_of(const cJSON *report, const cJSON *key)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(report, HW_F_SUMMARY))
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
    v->strategy = hw_jstr(s, HW_F_STRATEGY);
    v->label = hw_jstr(s, HW_F_LABEL);
    v->allocator = hw_jstr(s, HW_F_ALLOCATOR);
    v->allocator_conf = hw_jstr(s, HW_F_ALLOCATOR_CONF);
    v->runs = num_of(s, HW_F_RUNS, chart);
    v->ok = num_of(s, HW_F_OK, chart);
    v->status = hw_jstr(s, HW_F_STATUS);
    v->reason = hw_jstr(s, HW_F_REASON);
    v->peak_median = stat_of(s, HW_F_PEAK_RSS_BYTES, HW_F_MEDIAN, chart);
    v->peak_min = stat_of(s, HW_F_PEAK_RSS_BYTES, HW_F_MIN, chart);
    v->peak_max = stat_of(s, HW_F_PEAK_RSS_BYTES, HW_F_MAX, chart);
    v->ratio_median = stat_of(s, HW_F_PEAK_RATIO, HW_F_MEDIAN, chart);
    v->ratio_min = stat_of(s, HW_F_PEAK_RATIO, HW_F_MIN, chart);
    v->ratio_max = stat_of(s, HW_F_PEAK_RATIO, HW_F_MAX, chart);
    v->wall_median = stat_of(s, HW_F_WALL_SECONDS, HW_F_MEDIAN, chart);
    v->wall_min = stat_of(s, HW_F_WALL_SECONDS, HW_F_MIN, chart);
    v->wall_max = stat_of(s, HW_F_WALL_SECONDS, HW_F_MAX, chart);
    v->container_peak_median = stat_of(s, HW_F_CONTAINER_PEAK_BYTES, HW_F_MEDIAN, chart);
    v->smallest_limit = num_of(s, HW_F_SMALLEST_LIMIT_BYTES, chart);
    v->wall_ratio_at_limit = num_of(s, HW_F_WALL_RATIO_AT_LIMIT, chart);
    v->wall_contended = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, HW_F_WALL_CONTENDED));
    v->output_check = hw_jstr(s, HW_F_OUTPUT_CHECK);
    v->cells_differing = num_of(s, HW_F_CELLS_DIFFERING, chart);
    v->max_abs_diff = num_of(s, HW_F_MAX_ABS_DIFF, chart);
    v->peak_phase = hw_jstr(s, HW_F_PEAK_PHASE);
    v->budget_ratio = num_of(s, HW_F_BUDGET_RATIO, chart);
    v->over_budget = strcmp(hw_jstr(s, HW_F_BUDGET_VERDICT), "exceeded") == 0;
    v->expect_ratio = num_of(s, HW_F_EXPECT_RATIO, chart);
    v->expect_error = num_of(s, HW_F_EXPECT_ERROR, chart);
    v->expect_factor = num_of(s, HW_F_EXPECT_FACTOR, chart);
    v->expect_verdict = hw_jstr(s, HW_F_EXPECT_VERDICT);
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
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, HW_F_RUNS))
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
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(report, HW_F_RUNS);
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
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, HW_F_RUNS))
        if (hw_run_key_equal(r, key))
            return r;
    return NULL;
}

const cJSON *hw_runs_first_failed(const cJSON *report, const cJSON *key)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, HW_F_RUNS))
        if (hw_run_key_equal(r, key) && strcmp(hw_jstr(r, HW_F_STATUS), "ok") != 0)
            return r;
    return NULL;
}
