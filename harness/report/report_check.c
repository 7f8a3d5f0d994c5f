#include "report_check.h"
#include "schema_fields.h"
#include "json.h"
#include "size.h"
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum {
    REQ = 1,        /* must be there */
    REQ_OK = 2,     /* must be there when the object's status is "ok" */
    POS = 4,        /* > 0 (else >= 0) */
    ANY = 8,        /* any finite number: fit coefficients, errors, deltas */
    WHOLE = 16,     /* a count: a whole number */
};

struct rule { const char *path; int flags; };

/* "a[].b.c": every element of a, its b's c. Optional fields may be absent or null (a fit
 * without an interval writes null). */
static const struct rule dataset_rules[] = {
    {"dataset.rows", WHOLE}, {"dataset.cols", WHOLE}, {"dataset.seed", WHOLE},
    {"dataset.all_null_columns", WHOLE}, {"dataset.dtypes[].count", WHOLE},
    {"dataset.dtypes[].null_rate", 0}, {"dataset.dtypes[].inf_rate", 0},
    {"dataset.dtypes[].nan_rate", 0}, {"dataset.source_bytes", 0}, {"dataset.output_bytes", 0},
    {"host.mem_total_bytes", 0},
    {NULL, 0},
};

static const struct rule report_rules[] = {
    {"limit_bytes", 0},
    {"runs[].peak_rss_bytes", REQ_OK | POS}, {"runs[].peak_ratio", 0},
    {"runs[].wall_seconds", 0}, {"runs[].output_bytes", 0}, {"runs[].predicted_peak_bytes", 0},
    {"runs[].sampler_peak_bytes", 0}, {"runs[].expect_ratio", POS}, {"runs[].budget_ratio", POS},
    {"runs[].expect_error", ANY}, {"runs[].repeat", WHOLE},
    {"runs[].job_index", WHOLE}, {"shard.index", POS | WHOLE}, {"shard.count", POS | WHOLE},
    {"shard.jobs_total", WHOLE},
    {"runs[].output.cells_differing", WHOLE}, {"runs[].output.max_abs_diff", 0},
    {"runs[].output.blocks.largest_bytes", 0},
    {"runs[].phases[].peak_rss_bytes", 0}, {"runs[].phases[].wall_seconds", 0},
    {"runs[].phases[].start_seconds", 0},
    {"summary[].runs", WHOLE}, {"summary[].ok", WHOLE},
    {"summary[].peak_rss_bytes.median", 0}, {"summary[].peak_rss_bytes.min", 0},
    {"summary[].peak_rss_bytes.max", 0}, {"summary[].peak_ratio.median", 0},
    {"summary[].peak_ratio.min", 0}, {"summary[].peak_ratio.max", 0},
    {"summary[].wall_seconds.median", 0}, {"summary[].wall_seconds.min", 0},
    {"summary[].wall_seconds.max", 0}, {"summary[].expect_ratio", POS},
    {"summary[].budget_ratio", POS}, {"summary[].expect_error", ANY},
    {"summary[].expect_factor", 0}, {"summary[].cells_differing", WHOLE},
    {NULL, 0},
};

static const struct rule plan_rules[] = {
    {"target_rows", REQ | POS | WHOLE}, {"headroom", 0},
    {"entries[].scales[].rows", REQ | POS | WHOLE}, {"entries[].scales[].peak_rss_bytes", REQ | POS},
    {"entries[].scales[].wall_seconds", 0}, {"entries[].scales[].column_bytes", 0},
    {"entries[].scales[].largest_block_bytes", 0},
    {"entries[].target.rows", POS | WHOLE}, {"entries[].target.column_bytes", 0},
    {"entries[].target.largest_block_bytes", 0},
    {"entries[].peak.a", ANY}, {"entries[].peak.b", ANY}, {"entries[].peak.r2", ANY},
    {"entries[].peak.predicted", ANY}, {"entries[].peak.interval_95", 0},
    {"entries[].peak.holdout_error", ANY},
    {"entries[].wall.a", ANY}, {"entries[].wall.b", ANY}, {"entries[].wall.r2", ANY},
    {"entries[].wall.predicted", ANY}, {"entries[].wall.interval_95", 0},
    {"entries[].wall.holdout_error", ANY},
    {"entries[].output_bytes", 0}, {"entries[].predicted_ratio", ANY},
    {"entries[].machines[].bytes", POS},
    {NULL, 0},
};

struct walk {
    const char *file;
    char *err;
    size_t len;
};

static const char *kind_of(const cJSON *it)
{
    return cJSON_IsString(it) ? "a string" : cJSON_IsBool(it) ? "a boolean"
           : cJSON_IsArray(it) ? "a list" : cJSON_IsObject(it) ? "an object" : "not a number";
}

static int check_leaf(const struct walk *w, const cJSON *parent, const char *key, int flags,
                      const char *where)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(parent, key);
    bool run_ok = strcmp(hw_jstr(parent, HW_F_STATUS), "ok") == 0;
    bool required = (flags & REQ) || ((flags & REQ_OK) && run_ok);
    if ((flags & REQ_OK) && !run_ok)
        flags &= ~POS;   /* a skipped or failed run may record 0 */
    const char *expected = flags & ANY ? "a finite number"
                           : flags & WHOLE ? (flags & POS ? "a whole number > 0" : "a whole number >= 0")
                           : flags & POS ? "a finite number > 0" : "a finite number >= 0";
    if (!it || cJSON_IsNull(it)) {
        if (!required)
            return 0;
        snprintf(w->err, w->len, "%s: %s%s is missing, expected %s%s; regenerate the file", w->file,
                 where, key, expected, flags & REQ_OK ? " in an ok run" : "");
        return -1;
    }
    if (!cJSON_IsNumber(it)) {
        snprintf(w->err, w->len, "%s: %s%s is %s, expected %s; regenerate the file", w->file, where,
                 key, kind_of(it), expected);
        return -1;
    }
    double v = it->valuedouble;
    bool ok = isfinite(v) && ((flags & ANY) || (flags & POS ? v > 0 : v >= 0)) &&
              (!(flags & WHOLE) || (v == floor(v) && hw_fits_u64(v)));
    if (ok)
        return 0;
    snprintf(w->err, w->len, "%s: %s%s is %g, expected %s%s; regenerate the file", w->file, where,
             key, v, expected, (flags & POS) && (flags & REQ_OK) ? " in an ok run" : "");
    return -1;
}

/* Follow path from o; where is the JSON path so far ("runs[3]."). */
static int check_path(const struct walk *w, const cJSON *o, const char *path, int flags,
                      const char *where)
{
    const char *dot = strchr(path, '.');
    if (!dot)
        return check_leaf(w, o, path, flags, where);
    char seg[64], next[256];
    size_t n = (size_t)(dot - path);
    snprintf(seg, sizeof seg, "%.*s", (int)n, path);
    bool list = n > 2 && strcmp(seg + n - 2, "[]") == 0;
    if (list)
        seg[n - 2] = '\0';
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, seg);
    if (!it || cJSON_IsNull(it))
        return 0;   /* a missing object is the reader's to require (gate does) */
    if (list ? !cJSON_IsArray(it) : !cJSON_IsObject(it)) {
        snprintf(w->err, w->len, "%s: %s%s is %s, expected %s; regenerate the file", w->file, where,
                 seg, cJSON_IsNumber(it) ? "a number" : kind_of(it), list ? "a list" : "an object");
        return -1;
    }
    if (!list) {
        snprintf(next, sizeof next, "%s%s.", where, seg);
        return check_path(w, it, dot + 1, flags, next);
    }
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, it) {
        snprintf(next, sizeof next, "%s%s[%d].", where, seg, i++);
        if (!cJSON_IsObject(e)) {
            snprintf(w->err, w->len, "%s: %.*s is %s, expected an object; regenerate the file",
                     w->file, (int)strlen(next) - 1, next, cJSON_IsNumber(e) ? "a number" : kind_of(e));
            return -1;
        }
        if (check_path(w, e, dot + 1, flags, next) != 0)
            return -1;
    }
    return 0;
}

static int check_rules(const struct walk *w, const cJSON *root, const struct rule *rules)
{
    for (const struct rule *r = rules; r->path; r++)
        if (check_path(w, root, r->path, r->flags, "") != 0)
            return -1;
    return 0;
}

int hw_json_check(const cJSON *root, const char *file, char *err, size_t len)
{
    struct walk w = {file, err, len};
    const char *schema = hw_jstr(root, HW_F_SCHEMA);
    if (check_rules(&w, root, dataset_rules) != 0)
        return -1;
    if (strcmp(schema, HW_REPORT_SCHEMA) == 0)
        return check_rules(&w, root, report_rules);
    if (strcmp(schema, HW_PLAN_SCHEMA) == 0)
        return check_rules(&w, root, plan_rules);
    return 0;
}
