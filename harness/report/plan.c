#include "plan.h"
#include "schema_fields.h"
#include "allocator.h"
#include "config.h"
#include "fit.h"
#include "json.h"
#include "run_key.h"
#include "report.h"
#include "summary.h"
#include "atomic.h"
#include "size.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The source column most of the table is made of: the biggest group's dtype, rows of it. The
 * blocks strategies free are mostly these, so they decide the regime. */
static double column_bytes(const cJSON *dataset, double rows)
{
    const cJSON *g;
    double count = 0, size = 4;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(dataset, "dtypes")) {
        if (hw_jnum(g, "count") > count) {
            count = hw_jnum(g, "count");
            const char *dt = hw_jstr(g, "dtype");
            size = strcmp(dt, "f64") == 0 || strcmp(dt, "i64") == 0 ? 8
                   : strcmp(dt, "f32") == 0 || strcmp(dt, "i32") == 0 ? 4
                   : strcmp(dt, "i16") == 0 ? 2 : 1;
        }
    }
    return rows * size;
}

/* The threshold that matters for an allocator's freed blocks, from the registry (mixed's is
 * jemalloc's: its Polars side holds the source). A name the registry lacks (a report from
 * another build) is taken as jemalloc, the allocator the regimes were first measured on. */
static double threshold_of(const char *allocator, const char **name)
{
    const struct hw_allocator_ops *a = hw_allocator_find(allocator);
    if (!a)
        a = hw_allocator_at(HW_ALLOC_JEMALLOC);
    *name = a->threshold_name;
    return a->free_threshold;
}


/* The largest block a run of this key allocated, from its first ok run. */
static double largest_block(const cJSON *report, const cJSON *key)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, HW_F_RUNS))
        if (hw_run_key_equal(r, key) && strcmp(hw_jstr(r, HW_F_STATUS), "ok") == 0)
            return hw_jnum(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, HW_F_OUTPUT), HW_F_BLOCKS),
                           "largest_bytes");
    return NAN;
}

static int check_shapes(cJSON *const *reports, const char *const *paths, int n, char *err, size_t len)
{
    if (n < 2) {
        snprintf(err, len, "a plan needs reports at 2 or more scales, got %d; add fit scales (--fit) "
                 "or reports (--from)", n);
        return -1;
    }
    const cJSON *d0 = cJSON_GetObjectItemCaseSensitive(reports[0], HW_F_DATASET);
    for (int i = 0; i < n; i++) {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(reports[i], HW_F_DATASET);
        if (!(hw_jnum(d, "rows") > 0)) {
            snprintf(err, len, "%s: dataset.rows is %s; a scale needs rows > 0", paths[i],
                     isnan(hw_jnum(d, "rows")) ? "missing" : "0");
            return -1;
        }
        if (hw_jnum(d, "cols") != hw_jnum(d0, "cols") ||
            !cJSON_Compare(cJSON_GetObjectItemCaseSensitive(d, "dtypes"),
                           cJSON_GetObjectItemCaseSensitive(d0, "dtypes"), true)) {
            snprintf(err, len, "%s and %s are of different shapes (columns or dtype mix); a plan "
                     "fits one table at several row counts", paths[0], paths[i]);
            return -1;
        }
        for (int j = 0; j < i; j++)
            if (hw_jnum(cJSON_GetObjectItemCaseSensitive(reports[j], HW_F_DATASET), "rows") == hw_jnum(d, "rows")) {
                snprintf(err, len, "%s and %s are both at %.0f rows; give each scale once", paths[j],
                         paths[i], hw_jnum(d, "rows"));
                return -1;
            }
    }
    return 0;
}

static cJSON *fit_json(const double *x, const double *y, size_t n, double target)
{
    struct hw_fit f;
    char err[128];
    cJSON *o = cJSON_CreateObject();
    if (hw_fit_line(x, y, n, &f, err, sizeof err) != 0) {
        cJSON_AddStringToObject(o, "error", err);
        return o;
    }
    cJSON_AddNumberToObject(o, "a", f.a);
    cJSON_AddNumberToObject(o, "b", f.b);
    cJSON_AddNumberToObject(o, "r2", f.r2);
    cJSON_AddNumberToObject(o, "predicted", hw_fit_predict(&f, target));
    double pi = hw_fit_interval(&f, target), ho = hw_fit_holdout(x, y, n);
    if (isnan(pi))
        cJSON_AddNullToObject(o, "interval_95");
    else
        cJSON_AddNumberToObject(o, "interval_95", pi);
    if (isnan(ho))
        cJSON_AddNullToObject(o, "holdout_error");
    else
        cJSON_AddNumberToObject(o, "holdout_error", ho);
    return o;
}

static bool all_known(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(v[i]))
            return false;
    return n > 0;
}

static cJSON *plan_one(cJSON *const *reports, int n, const cJSON *key, const struct hw_plan_opts *o,
                       const double *machines, int nmachines)
{
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(reports[0], HW_F_DATASET);
    double target = (double)o->rows, col_target = column_bytes(ds, target);
    const char *tname;
    double thr = threshold_of(hw_jstr(key, HW_F_ALLOCATOR), &tname);
    bool target_above = col_target >= thr;
    double x[HW_PLAN_MAX_FROM], y[HW_PLAN_MAX_FROM], w[HW_PLAN_MAX_FROM];
    double cg[HW_PLAN_MAX_FROM], lim[HW_PLAN_MAX_FROM];
    size_t m = 0, same = 0;
    cJSON *e = cJSON_CreateObject(), *scales = cJSON_CreateArray();
    hw_run_key_copy(e, key);
    cJSON_AddStringToObject(e, "threshold", tname);
    /* Every ok scale, and which side of the threshold its source columns sit. */
    for (int i = 0; i < n; i++) {
        struct hw_summary_view v;
        const cJSON *s = hw_report_summary_of(reports[i], key);
        hw_summary_decode(s, &v);
        double rows = hw_jnum(cJSON_GetObjectItemCaseSensitive(reports[i], HW_F_DATASET), "rows");
        double peak = v.peak_median, wall = v.wall_median;
        if (!s || isnan(peak))
            continue;
        double col = column_bytes(ds, rows);
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "rows", rows);
        cJSON_AddNumberToObject(p, HW_F_PEAK_RSS_BYTES, peak);
        cJSON_AddNumberToObject(p, HW_F_WALL_SECONDS, wall);
        if (!isnan(v.container_peak_median))
            cJSON_AddNumberToObject(p, HW_F_CONTAINER_PEAK_BYTES, v.container_peak_median);
        if (!isnan(v.smallest_limit))
            cJSON_AddNumberToObject(p, HW_F_SMALLEST_LIMIT_BYTES, v.smallest_limit);
        cJSON_AddNumberToObject(p, "column_bytes", col);
        cJSON_AddNumberToObject(p, "largest_block_bytes", largest_block(reports[i], key));
        cJSON_AddStringToObject(p, "side", col >= thr ? "above" : "below");
        cJSON_AddItemToArray(scales, p);
        x[m] = rows;
        y[m] = peak;
        cg[m] = v.container_peak_median;
        lim[m] = v.smallest_limit;
        w[m++] = wall;
        same += (col >= thr) == target_above;
    }
    cJSON_AddItemToObject(e, "scales", scales);
    cJSON *t = cJSON_AddObjectToObject(e, "target");
    cJSON_AddNumberToObject(t, "rows", target);
    cJSON_AddNumberToObject(t, "column_bytes", col_target);
    /* The largest block at the target, scaled from the largest fit scale's: the big blocks
     * (the output, a frame column) grow with rows; a fixed-size one is overstated, never missed. */
    double top_rows = 0, top_block = NAN;
    const cJSON *sc;
    cJSON_ArrayForEach(sc, scales)
        if (hw_jnum(sc, "rows") > top_rows && !isnan(hw_jnum(sc, "largest_block_bytes"))) {
            top_rows = hw_jnum(sc, "rows");
            top_block = hw_jnum(sc, "largest_block_bytes");
        }
    if (isnan(top_block))
        cJSON_AddNullToObject(t, "largest_block_bytes");
    else
        cJSON_AddNumberToObject(t, "largest_block_bytes", top_block * target / top_rows);
    cJSON_AddStringToObject(t, "side", target_above ? "above" : "below");
    /* Fit on the target's side of the threshold when two scales are there; else say so. */
    bool reliable = true;
    char note[512] = "";
    if (same < m) {
        char b1[32], b2[32];
        if (same >= 2) {
            size_t k = 0;
            for (size_t i = 0; i < m; i++)
                if ((column_bytes(ds, x[i]) >= thr) == target_above) {
                    x[k] = x[i];
                    y[k] = y[i];
                    cg[k] = cg[i];
                    lim[k] = lim[i];
                    w[k++] = w[i];
                }
            snprintf(note, sizeof note, "fit on the %zu scales whose %s columns sit %s the %s like the "
                     "target's (%s); %zu other scale(s) left out", same,
                     hw_fmt_bytes(column_bytes(ds, x[0]), b1, sizeof b1), target_above ? "above" : "below",
                     tname, hw_fmt_bytes(col_target, b2, sizeof b2), m - same);
            m = same;
        } else {
            reliable = false;
            snprintf(note, sizeof note, "UNRELIABLE: the target's columns (%s) sit %s the %s, and "
                     "fewer than 2 fit scales do; add fit scales on that side", hw_fmt_bytes(col_target, b1, sizeof b1),
                     target_above ? "above" : "below", tname);
        }
    }
    cJSON_AddBoolToObject(e, "reliable", reliable);
    cJSON_AddStringToObject(e, "regime_note", note);
    cJSON *pf = fit_json(x, y, m, target), *wf = fit_json(x, w, m, target);
    cJSON_AddItemToObject(e, "peak", pf);
    cJSON_AddItemToObject(e, "wall", wf);
    /* The container's figures, fitted like the peak where every scale has them: the cgroup
     * peak, and --find-limit's smallest surviving limit, the number a pod spec needs. */
    cJSON *lf = NULL;
    if (all_known(cg, m))
        cJSON_AddItemToObject(e, HW_F_CONTAINER_PEAK_BYTES, fit_json(x, cg, m, target));
    if (all_known(lim, m))
        cJSON_AddItemToObject(e, HW_F_SMALLEST_LIMIT_BYTES, lf = fit_json(x, lim, m, target));
    double pred = hw_jnum(pf, "predicted"), pred_lim = lf ? hw_jnum(lf, "predicted") : NAN;
    double output_bytes = hw_jnum(ds, HW_F_OUTPUT_BYTES) / hw_jnum(ds, "rows") * target;
    cJSON_AddNumberToObject(e, HW_F_OUTPUT_BYTES, output_bytes);
    cJSON_AddNumberToObject(e, "predicted_ratio", pred / output_bytes);
    cJSON *fits = cJSON_AddArrayToObject(e, "machines");
    for (int i = 0; i < nmachines; i++) {
        cJSON *mj = cJSON_CreateObject();
        cJSON_AddNumberToObject(mj, HW_F_BYTES, machines[i]);
        cJSON_AddBoolToObject(mj, "fits", reliable && !isnan(pred) && pred * (1 + o->headroom) <= machines[i]);
        /* As a pod's limit: the job survives a limit of this size (the smallest limit fits). */
        if (lf)
            cJSON_AddBoolToObject(mj, "fits_as_limit", reliable && !isnan(pred_lim) &&
                                                       pred_lim * (1 + o->headroom) <= machines[i]);
        cJSON_AddItemToArray(fits, mj);
    }
    return e;
}

static int parse_list(const char *list, double *out, int max, bool bytes, char *err, size_t len)
{
    char copy[256], why[256];
    int n = 0;
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (n == max) {
            snprintf(err, len, "at most %d values in '%s'", max, list);
            return -1;
        }
        int rc = bytes ? hw_parse_bytes(tok, &v, why, sizeof why) : hw_parse_count(tok, &v, why, sizeof why);
        if (rc != 0 || v == 0) {
            snprintf(err, len, "'%s' in '%s': %s", tok, list, rc != 0 ? why : "must be more than 0");
            return -1;
        }
        out[n++] = (double)v;
    }
    return n;
}

cJSON *hw_plan_build(cJSON *const *reports, const char *const *paths, int n, const struct hw_plan_opts *o,
                     char *err, size_t errlen)
{
    double machines[8];
    int nm = parse_list(o->machine[0] ? o->machine : "32GiB,64GiB,128GiB", machines, 8, true, err, errlen);
    if (nm < 0 || check_shapes(reports, paths, n, err, errlen) != 0)
        return NULL;
    if (o->rows == 0) {
        snprintf(err, errlen, "--rows: the target row count is required and must be more than 0, e.g. --rows 70M");
        return NULL;
    }
    cJSON *plan = cJSON_CreateObject(), *e;
    cJSON_AddStringToObject(plan, HW_F_SCHEMA, HW_PLAN_SCHEMA);
    cJSON_AddNumberToObject(plan, "target_rows", (double)o->rows);
    cJSON_AddNumberToObject(plan, "headroom", o->headroom);
    cJSON *from = cJSON_AddArrayToObject(plan, "reports");
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(from, cJSON_CreateString(paths[i]));
    cJSON_AddItemToObject(plan, HW_F_DATASET, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(reports[0], HW_F_DATASET), 1));
    cJSON_AddItemToObject(plan, HW_F_HOST, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(reports[n - 1], HW_F_HOST), 1));
    cJSON *entries = cJSON_AddArrayToObject(plan, "entries");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(reports[0], HW_F_SUMMARY))
        cJSON_AddItemToArray(entries, plan_one(reports, n, e, o, machines, nm));
    return plan;
}

double hw_plan_predict(const cJSON *plan, const char *label, const char *allocator, const char *conf,
                       double rows)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(plan, "entries")) {
        if (!hw_run_key_is(e, label, allocator, conf))
            continue;
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "peak");
        if (isnan(hw_jnum(p, "a")))
            return NAN;
        return hw_jnum(p, "a") + hw_jnum(p, "b") * rows;
    }
    return NAN;
}

/* The predicted smallest container limit and the sizes it fits, under the entry's row. */
static void print_limit(const cJSON *e, FILE *f)
{
    const cJSON *lf = cJSON_GetObjectItemCaseSensitive(e, HW_F_SMALLEST_LIMIT_BYTES), *m;
    char b1[32], b2[32], fits[128] = "";
    if (!lf || isnan(hw_jnum(lf, "predicted")))
        return;
    size_t used = 0;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(e, "machines"))
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "fits_as_limit")) && used < sizeof fits)
            used += (size_t)snprintf(fits + used, sizeof fits - used, "%s%s", used ? " " : "",
                                     hw_fmt_bytes(hw_jnum(m, HW_F_BYTES), b2, sizeof b2));
    fprintf(f, "%-34s %-9s   smallest container limit %s (%.2fx): survives a pod limit of %s\n", "", "",
            hw_fmt_bytes(hw_jnum(lf, "predicted"), b1, sizeof b1),
            hw_jnum(lf, "predicted") / hw_jnum(e, HW_F_OUTPUT_BYTES), fits[0] ? fits : "none of these");
}

void hw_plan_print(const cJSON *plan, FILE *f)
{
    const cJSON *e, *m;
    char b1[32], b2[32], b3[32];
    fprintf(f, "plan for %s rows (fit on %d reports; a machine fits when peak x %.0f%% <= its memory)\n",
            hw_fmt_count_read(hw_jnum(plan, "target_rows"), b1, sizeof b1),
            cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(plan, "reports")), 100 * (1 + hw_jnum(plan, "headroom")));
    fprintf(f, "%-34s %-9s %10s %7s %11s %7s %9s %9s  %s\n", "strategy", "allocator", "peak", "xout",
            "+-95%", "R2", "holdout", "wall", "fits on");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(plan, "entries")) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "peak");
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(e, "wall");
        char alloc[300], fits[128] = "", pi[32] = "-", ho[32] = "-";
        hw_run_key_allocator(e, alloc, sizeof alloc);
        if (cJSON_HasObjectItem(p, "error")) {
            fprintf(f, "%-34s %-9s %s\n", hw_jstr(e, HW_F_LABEL), alloc, hw_jstr(p, "error"));
            continue;
        }
        if (!isnan(hw_jnum(p, "interval_95")))
            hw_fmt_bytes(hw_jnum(p, "interval_95"), pi, sizeof pi);
        if (!isnan(hw_jnum(p, "holdout_error")))
            snprintf(ho, sizeof ho, "%+.1f%%", 100 * hw_jnum(p, "holdout_error"));
        size_t used = 0;
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(e, "machines"))
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "fits")) && used < sizeof fits)
                used += (size_t)snprintf(fits + used, sizeof fits - used, "%s%s", used ? " " : "",
                                         hw_fmt_bytes(hw_jnum(m, HW_F_BYTES), b3, sizeof b3));
        fprintf(f, "%-34s %-9s %10s %6.2fx %11s %7.4f %9s %8.0fs  %s\n", hw_jstr(e, HW_F_LABEL), alloc,
                hw_fmt_bytes(hw_jnum(p, "predicted"), b2, sizeof b2), hw_jnum(e, "predicted_ratio"), pi,
                hw_jnum(p, "r2"), ho, hw_jnum(w, "predicted"), fits[0] ? fits : "none");
        if (hw_jstr(e, "regime_note")[0])
            fprintf(f, "%-34s %-9s   %s\n", "", "", hw_jstr(e, "regime_note"));
        print_limit(e, f);
    }
}

/* Without --fit: 250k-2M when the target's source columns sit below jemalloc's 8 MiB as the
 * fit's do; when the target's sit above (70M rows: 267 MiB columns), three scales just past the
 * crossing, so every allocator's fit is on the target's side. */
static void default_fit(const struct hw_plan_opts *o, char *fit, size_t len)
{
    struct hw_config *cfg = calloc(1, sizeof *cfg);
    char err[512];
    snprintf(fit, len, "250k,500k,1M,2M");
    if (!cfg || hw_config_load(o->config, cfg, err, sizeof err) != 0) {
        free(cfg);
        return;
    }
    uint32_t best = 0;
    for (uint32_t g = 1; g < cfg->ds.ngroups; g++)
        if (cfg->ds.groups[g].count > cfg->ds.groups[best].count)
            best = g;
    double size = (double)hw_dtype_size(cfg->ds.groups[best].dtype);
    double crossing = HW_JEMALLOC_OVERSIZE / size;
    if ((double)o->rows * size >= HW_JEMALLOC_OVERSIZE && (double)o->rows > 2.5 * crossing) {
        double step = 100e3;
        snprintf(fit, len, "%.0f,%.0f,%.0f", ceil(1.2 * crossing / step) * step,
                 ceil(1.7 * crossing / step) * step, ceil(2.4 * crossing / step) * step);
    }
    free(cfg);
}

int hw_plan_fit_scales(const struct hw_plan_opts *o, double *scales, char *err, size_t len)
{
    char fit[256];
    if (o->fit[0])
        snprintf(fit, sizeof fit, "%s", o->fit);
    else
        default_fit(o, fit, sizeof fit);
    fprintf(stderr, "plan: fit scales %s\n", fit);
    return parse_list(fit, scales, HW_PLAN_MAX_FROM, false, err, len);
}

int hw_plan_from_reports(const struct hw_plan_opts *o, const char *const *paths, int n)
{
    int rc = 2;
    char err[PATH_MAX * 2 + 512];
    cJSON *reports[HW_PLAN_MAX_FROM] = {0}, *plan = NULL;
    for (int i = 0; i < n; i++)
        if (hw_report_load(paths[i], &reports[i], err, sizeof err) != 0) {
            fprintf(stderr, "highwater plan: %s\n", err);
            goto out;
        }
    if (!(plan = hw_plan_build(reports, paths, n, o, err, sizeof err))) {
        fprintf(stderr, "highwater plan: %s\n", err);
        goto out;
    }
    hw_plan_print(plan, stdout);
    if (o->out[0]) {
        if (hw_report_write(plan, o->out, err, sizeof err) != 0) {
            fprintf(stderr, "highwater plan: %s\n", err);
            rc = 3;
            goto out;
        }
        printf("plan: %s\n", o->out);
    }
    rc = 0;
out:
    for (int i = 0; i < n; i++)
        cJSON_Delete(reports[i]);
    cJSON_Delete(plan);
    return rc;
}
