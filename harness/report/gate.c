#include "gate.h"
#include "schema_fields.h"
#include "json.h"
#include "run_key.h"
#include "report.h"
#include "summary.h"
#include "size.h"
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HW_GATE_SCHEMA "highwater.gate/1"

/* ---- input checks: a malformed report is an error naming the file and the field ---- */

static int need(const cJSON *o, const char *k, int type, const char *path, const char *where,
                char *err, size_t len)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    bool ok = it && (type == cJSON_Number ? cJSON_IsNumber(it)
                     : type == cJSON_String ? cJSON_IsString(it)
                     : type == cJSON_Array ? cJSON_IsArray(it)
                     : cJSON_IsObject(it));
    if (ok)
        return 0;
    static const char *const what[] = {[cJSON_Number] = "a number", [cJSON_String] = "a string",
                                       [cJSON_Array] = "a list", [cJSON_Object] = "an object"};
    snprintf(err, len, "%s: field '%s%s%s' is %s, expected %s; regenerate the report with "
             "'highwater run'", path, where, where[0] ? "." : "", k, it ? "of the wrong type" : "missing",
             what[type]);
    return -1;
}

static int validate(const cJSON *r, const char *path, char *err, size_t len)
{
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(r, HW_F_DATASET), *run;
    if (need(r, HW_F_DATASET, cJSON_Object, path, "", err, len) ||
        need(ds, "rows", cJSON_Number, path, HW_F_DATASET, err, len) ||
        need(ds, "cols", cJSON_Number, path, HW_F_DATASET, err, len) ||
        need(ds, "dtypes", cJSON_Array, path, HW_F_DATASET, err, len) ||
        need(r, HW_F_RUNS, cJSON_Array, path, "", err, len))
        return -1;
    int i = 0;
    cJSON_ArrayForEach(run, cJSON_GetObjectItemCaseSensitive(r, HW_F_RUNS)) {
        char where[32];
        snprintf(where, sizeof where, "runs[%d]", i++);
        if (need(run, HW_F_LABEL, cJSON_String, path, where, err, len) ||
            need(run, HW_F_ALLOCATOR, cJSON_String, path, where, err, len) ||
            need(run, HW_F_ALLOCATOR_CONF, cJSON_String, path, where, err, len) ||
            need(run, HW_F_STATUS, cJSON_String, path, where, err, len) ||
            need(run, HW_F_OUTPUT_DTYPE, cJSON_String, path, where, err, len) ||
            need(run, HW_F_OUTPUT_ORDER, cJSON_String, path, where, err, len) ||
            need(run, HW_F_OUTPUT_BYTES, cJSON_Number, path, where, err, len))
            return -1;
        if (strcmp(hw_jstr(run, HW_F_STATUS), "ok") == 0 &&
            (need(run, HW_F_PEAK_RSS_BYTES, cJSON_Number, path, where, err, len) ||
             need(run, HW_F_OUTPUT, cJSON_Object, path, where, err, len)))
            return -1;
    }
    return 0;
}

/* Apples to apples: the same table shape and dtype mix. "" when they agree. */
static void shape_difference(const cJSON *a, const cJSON *b, char *why, size_t len)
{
    const cJSON *da = cJSON_GetObjectItemCaseSensitive(a, HW_F_DATASET);
    const cJSON *db = cJSON_GetObjectItemCaseSensitive(b, HW_F_DATASET);
    why[0] = '\0';
    if (hw_jnum(da, "rows") != hw_jnum(db, "rows"))
        snprintf(why, len, "dataset.rows (%.0f vs %.0f)", hw_jnum(da, "rows"), hw_jnum(db, "rows"));
    else if (hw_jnum(da, "cols") != hw_jnum(db, "cols"))
        snprintf(why, len, "dataset.cols (%.0f vs %.0f)", hw_jnum(da, "cols"), hw_jnum(db, "cols"));
    else if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(da, "dtypes"),
                            cJSON_GetObjectItemCaseSensitive(db, "dtypes"), true))
        snprintf(why, len, "dataset.dtypes (the dtype mix or its rates)");
    else if (hw_jnum(da, "all_null_columns") != hw_jnum(db, "all_null_columns") &&
             !(isnan(hw_jnum(da, "all_null_columns")) && isnan(hw_jnum(db, "all_null_columns"))))
        snprintf(why, len, "dataset.all_null_columns (%.0f vs %.0f)", hw_jnum(da, "all_null_columns"),
                 hw_jnum(db, "all_null_columns"));
}

/* ---- one side's figures per (label, allocator, conf): its summary entry ---- */

struct group {
    const cJSON *first;          /* its first run: the output's dtype and order */
    int runs, ok;
    double peak, ratio;          /* the median peak, and it over the output's bytes */
    const char *bad_status, *bad_reason;   /* the first run not ok */
    bool matches, mismatch;      /* the output check over the ok repeats */
    double cells_differing;
    double budget_ratio;
    struct hw_summary_view v;    /* what the strings point into (group_release) */
};

/* summary[]'s entry for key (or, in a report without one, the same computed from runs[]). */
static bool group_of(const cJSON *report, const cJSON *key, struct group *g)
{
    memset(g, 0, sizeof *g);
    g->budget_ratio = NAN;
    struct hw_summary_view *v = &g->v;
    if (!hw_summary_find(report, key, v))
        return false;
    g->first = hw_runs_first(report, key);
    g->runs = (int)v->runs;
    g->ok = (int)v->ok;
    if (g->ok < g->runs) {
        g->bad_status = g->ok ? hw_jstr(hw_runs_first_failed(report, key), HW_F_STATUS) : v->status;
        g->bad_reason = v->reason;
    }
    g->matches = strcmp(v->output_check, "matches") == 0;
    g->mismatch = strcmp(v->output_check, "mismatch") == 0;
    g->cells_differing = g->mismatch ? v->cells_differing : 0;
    if (g->ok) {
        g->budget_ratio = v->budget_ratio;
        g->peak = v->peak_median;
        g->ratio = g->peak / hw_jnum(g->first, HW_F_OUTPUT_BYTES);
    }
    return true;
}

static void group_release(struct group *g) { hw_summary_release(&g->v); }

/* The budget verdict on the gate's own ratio (the median peak over the output). */
static bool over_budget(const struct group *g)
{
    return g->ok && !isnan(g->budget_ratio) && strcmp(hw_budget_verdict(g->ratio, g->budget_ratio), "exceeded") == 0;
}

/* ---- the comparison ---- */

static cJSON *entry(const cJSON *key, const char *verdict, bool failed)
{
    cJSON *e = cJSON_CreateObject();
    hw_run_key_copy(e, key);
    cJSON_AddStringToObject(e, "verdict", verdict);
    cJSON_AddBoolToObject(e, "failed", failed);
    return e;
}

static void set_message(cJSON *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_message(cJSON *e, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON_AddStringToObject(e, "message", msg);
}

static void figures(cJSON *e, const struct group *old, const struct group *new, double limit)
{
    if (old && old->ok) {
        cJSON_AddNumberToObject(e, "old_peak_bytes", old->peak);
        cJSON_AddNumberToObject(e, "old_peak_ratio", old->ratio);
    }
    if (new && new->ok) {
        cJSON_AddNumberToObject(e, "new_peak_bytes", new->peak);
        cJSON_AddNumberToObject(e, "new_peak_ratio", new->ratio);
    }
    if (old && new && old->ok && new->ok)
        cJSON_AddNumberToObject(e, "delta", new->peak / old->peak - 1.0);
    if (!isnan(limit))
        cJSON_AddNumberToObject(e, HW_F_LIMIT_BYTES, limit);
}

static cJSON *compare_one(const struct group *old, const struct group *new, const cJSON *key,
                          const struct hw_gate_opts *o)
{
    char b1[32], b2[32], b3[32], b4[32];
    double limit = old->ok ? old->peak * (1.0 + o->tolerance) + (double)o->slack : NAN;
    cJSON *e;
    if (new->ok < new->runs) {
        e = entry(key, "failed", true);
        set_message(e, "a run is %s: %s", new->bad_status, new->bad_reason);
    } else if (new->mismatch && old->matches) {
        e = entry(key, "output", true);
        set_message(e, "the output no longer matches the reference: %.0f cells differ",
                    new->cells_differing);
    } else if (new->mismatch && old->mismatch && new->cells_differing != old->cells_differing) {
        e = entry(key, "output", true);
        set_message(e, "a known deviation changed: %.0f cells differ, %.0f in the baseline",
                    new->cells_differing, old->cells_differing);
    } else if (over_budget(new)) {
        e = entry(key, "budget", true);
        set_message(e, "peak %.2fx passed its budget %.2fx (from the config)", new->ratio,
                    new->budget_ratio);
    } else if (!old->ok) {
        e = entry(key, "pass", false);
        set_message(e, "no ok run in the baseline (%s): nothing to compare; update the baseline",
                    old->bad_status ? old->bad_status : "none");
    } else if (new->peak > limit) {
        e = entry(key, "regression", true);
        set_message(e, "peak %s is %+.1f%% over the baseline's %s, past the limit %s "
                    "(+%.0f%% + %s)", hw_fmt_bytes(new->peak, b1, sizeof b1),
                    100 * (new->peak / old->peak - 1), hw_fmt_bytes(old->peak, b2, sizeof b2),
                    hw_fmt_bytes(limit, b3, sizeof b3), 100 * o->tolerance,
                    hw_fmt_bytes((double)o->slack, b4, sizeof b4));
    } else if (new->peak < old->peak * (1.0 - o->tolerance) - (double)o->slack) {
        e = entry(key, "improved", false);
        set_message(e, "%+.1f%%: update the baseline", 100 * (new->peak / old->peak - 1));
    } else {
        e = entry(key, "pass", false);
        set_message(e, "%+.1f%%, within the limit", 100 * (new->peak / old->peak - 1));
    }
    figures(e, old, new, limit);
    return e;
}

static void count(cJSON *res, const char *k)
{
    cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(res, "counts"), k);
    cJSON_SetNumberValue(c, c->valuedouble + 1);
}

/* Visit each key of a report once. */
static bool first_of_key(const cJSON *runs, const cJSON *r)
{
    const cJSON *q;
    cJSON_ArrayForEach(q, runs) {
        if (q == r)
            return true;
        if (hw_run_key_equal(q, r))
            return false;
    }
    return true;
}

/* Peaks depend on the kernel, the libc and the allocators too: say when they changed,
 * naming every field that did with both values, so one note tells the whole story. */
static void host_change(cJSON *res, const cJSON *report, const cJSON *base)
{
    static const char *const host_keys[] = {HW_F_KERNEL, HW_F_CPU, HW_F_LIBC, HW_F_THP, HW_F_MEM_TOTAL_BYTES};
    const cJSON *ha = cJSON_GetObjectItemCaseSensitive(report, HW_F_HOST);
    const cJSON *hb = cJSON_GetObjectItemCaseSensitive(base, HW_F_HOST);
    char note[2048] = "";
    size_t used = 0;
    for (size_t i = 0; ha && hb && i < sizeof host_keys / sizeof host_keys[0]; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(ha, host_keys[i]);
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(hb, host_keys[i]);
        if (!x || !y || cJSON_Compare(x, y, true))
            continue;
        char *vx = cJSON_PrintUnformatted(x), *vy = cJSON_PrintUnformatted(y);
        /* A cpu name is long: each value is cut at 100 bytes to keep the note one line. */
        int n = snprintf(note + used, sizeof note - used, "%shost.%s %.100s here, %.100s in the baseline",
                         used ? "; " : "", host_keys[i], vx ? vx : "?", vy ? vy : "?");
        free(vx);
        free(vy);
        if (n > 0)
            used = used + (size_t)n < sizeof note ? used + (size_t)n : sizeof note - 1;
    }
    if (used) {
        char msg[sizeof note + 128];
        snprintf(msg, sizeof msg, "%s: peaks may move for reasons outside the code; keep one "
                 "baseline per machine", note);
        cJSON_AddStringToObject(res, "host_change", msg);
    }
}

cJSON *hw_gate_compare(const cJSON *report, const char *report_path, const cJSON *base,
                       const char *base_path, const struct hw_gate_opts *o, int *code, char *err,
                       size_t errlen)
{
    char why[256];
    *code = 2;
    if (validate(report, report_path, err, errlen) || validate(base, base_path, err, errlen))
        return NULL;
    shape_difference(report, base, why, sizeof why);
    if (why[0] && !o->allow_shape_change) {
        snprintf(err, errlen, "%s and %s differ in %s: compare reports of the same shape, or pass "
                 "--allow-shape-change", report_path, base_path, why);
        return NULL;
    }
    cJSON *res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, HW_F_SCHEMA, HW_GATE_SCHEMA);
    cJSON_AddStringToObject(res, "report", report_path);
    cJSON_AddStringToObject(res, "baseline", base_path);
    cJSON_AddNumberToObject(res, "tolerance", o->tolerance);
    cJSON_AddNumberToObject(res, "slack_bytes", (double)o->slack);
    if (why[0])
        cJSON_AddStringToObject(res, "shape_change", why);
    host_change(res, report, base);
    cJSON *counts = cJSON_AddObjectToObject(res, "counts");
    static const char *const kinds[] = {"compared", "failed", "improved", "missing", "new"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        cJSON_AddNumberToObject(counts, kinds[i], 0);
    cJSON *entries = cJSON_AddArrayToObject(res, "entries");
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(base, HW_F_RUNS), *r;
    cJSON_ArrayForEach(r, runs) {
        if (!first_of_key(runs, r))
            continue;
        struct group old, new;
        group_of(base, r, &old);
        cJSON *e;
        if (!group_of(report, r, &new)) {
            e = entry(r, o->allow_missing ? "skipped" : "missing", !o->allow_missing);
            set_message(e, "in the baseline but not in the report%s",
                        o->allow_missing ? " (--allow-missing)" : "; run it, or pass --allow-missing");
            figures(e, &old, NULL, NAN);
            count(res, "missing");
            group_release(&old);
        } else {
            /* Outputs must be of one kind to compare: a dtype/order change is a shape change. */
            const cJSON *nf = new.first;
            if ((strcmp(hw_jstr(nf, HW_F_OUTPUT_DTYPE), hw_jstr(r, HW_F_OUTPUT_DTYPE)) ||
                 strcmp(hw_jstr(nf, HW_F_OUTPUT_ORDER), hw_jstr(r, HW_F_OUTPUT_ORDER))) && !o->allow_shape_change) {
                snprintf(err, errlen, "%s and %s differ in the output of %s/%s (%s %s vs %s %s): "
                         "compare reports of the same shape, or pass --allow-shape-change",
                         report_path, base_path, hw_jstr(r, HW_F_LABEL), hw_jstr(r, HW_F_ALLOCATOR),
                         hw_jstr(nf, HW_F_OUTPUT_DTYPE), hw_jstr(nf, HW_F_OUTPUT_ORDER), hw_jstr(r, HW_F_OUTPUT_DTYPE),
                         hw_jstr(r, HW_F_OUTPUT_ORDER));
                group_release(&old);
                group_release(&new);
                cJSON_Delete(res);
                return NULL;
            }
            e = compare_one(&old, &new, r, o);
            group_release(&old);
            group_release(&new);
            count(res, "compared");
            if (strcmp(hw_jstr(e, "verdict"), "improved") == 0)
                count(res, "improved");
        }
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "failed")))
            count(res, "failed");
        cJSON_AddItemToArray(entries, e);
    }
    /* Runs only in the report are news, never failures (a budget still applies). */
    runs = cJSON_GetObjectItemCaseSensitive(report, HW_F_RUNS);
    cJSON_ArrayForEach(r, runs) {
        struct group old, new;
        if (!first_of_key(runs, r) || group_of(base, r, &old)) {
            group_release(&old);
            continue;
        }
        group_of(report, r, &new);
        bool over = over_budget(&new);
        cJSON *e = entry(r, over ? "budget" : "new", over);
        if (over)
            set_message(e, "peak %.2fx passed its budget %.2fx (from the config)", new.ratio, new.budget_ratio);
        else
            set_message(e, "not in the baseline; add it by updating the baseline");
        figures(e, NULL, &new, NAN);
        group_release(&new);
        count(res, "new");
        if (over)
            count(res, "failed");
        cJSON_AddItemToArray(entries, e);
    }
    double failed = hw_jnum(counts, "failed");
    cJSON_AddBoolToObject(res, "passed", failed == 0);
    *code = failed == 0 ? 0 : 1;
    return res;
}
