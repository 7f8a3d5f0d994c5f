#include "compare.h"
#include "schema_fields.h"
#include "run_key.h"
#include "json.h"
#include "report.h"
#include "summary.h"
#include "size.h"
#include <math.h>
#include <string.h>

/* One side's figures: its summary entry, or "-" where the other report has none. */
static const char *bytes(const struct hw_summary_view *s, char *buf, size_t len)
{
    double v = s ? s->peak_median : NAN;
    if (isnan(v))
        snprintf(buf, len, "%s", s ? s->status : "-");
    else
        hw_fmt_bytes(v, buf, len);
    return buf;
}

static const char *delta(double a, double b, char *buf, size_t len)
{
    if (isnan(a) || isnan(b) || a == 0)
        snprintf(buf, len, "-");
    else {
        /* A change below the printed 0.1% is none: the same median recomputed from a report's
         * 15-digit numbers can differ from the one computed before writing in its last bit,
         * which would print as "-0.0%". */
        double d = 100 * (b / a - 1);
        snprintf(buf, len, "%+.1f%%", fabs(d) < 0.05 ? 0.0 : d);
    }
    return buf;
}

static const char *verdict(const struct hw_summary_view *s)
{
    if (!s)
        return "-";
    if (strcmp(s->output_check, "mismatch") == 0)
        return "WRONG";
    return s->expect_verdict[0] ? s->expect_verdict : "-";
}

static void row(const cJSON *ea, const cJSON *eb, const cJSON *key, FILE *f)
{
    char alloc[300], b1[32], b2[32], d1[32], w1[32], w2[32], d2[32];
    struct hw_summary_view va, vb, *a = ea ? &va : NULL, *b = eb ? &vb : NULL;
    hw_summary_decode(ea, &va);
    hw_summary_decode(eb, &vb);
    hw_run_key_allocator(key, alloc, sizeof alloc);
    double wa = a ? a->wall_median : NAN, wb = b ? b->wall_median : NAN;
    snprintf(w1, sizeof w1, isnan(wa) ? "-" : "%.2fs", wa);
    snprintf(w2, sizeof w2, isnan(wb) ? "-" : "%.2fs", wb);
    fprintf(f, "%-34s %-12s %10s %10s %8s %8s %8s %8s  %s -> %s\n", hw_jstr(key, HW_F_LABEL), alloc,
            bytes(a, b1, sizeof b1), bytes(b, b2, sizeof b2),
            delta(a ? a->peak_median : NAN, b ? b->peak_median : NAN, d1, sizeof d1),
            w1, w2, delta(wa, wb, d2, sizeof d2), verdict(a), verdict(b));
}

void hw_compare_print(const cJSON *a, const char *a_path, const cJSON *b, const char *b_path, FILE *f)
{
    const cJSON *s;
    const cJSON *da = cJSON_GetObjectItemCaseSensitive(a, HW_F_DATASET);
    const cJSON *db = cJSON_GetObjectItemCaseSensitive(b, HW_F_DATASET);
    fprintf(f, "A: %s (%.0f rows)\nB: %s (%.0f rows)\n", a_path, hw_jnum(da, "rows"), b_path, hw_jnum(db, "rows"));
    if (hw_jnum(da, "rows") != hw_jnum(db, "rows") || hw_jnum(da, "cols") != hw_jnum(db, "cols") ||
        !cJSON_Compare(cJSON_GetObjectItemCaseSensitive(da, "dtypes"),
                       cJSON_GetObjectItemCaseSensitive(db, "dtypes"), true))
        fprintf(f, "note: the datasets differ; compare the x-output ratios, not the bytes\n");
    fprintf(f, "%-34s %-12s %10s %10s %8s %8s %8s %8s  %s\n", "strategy", "allocator", "peak A",
            "peak B", "delta", "wall A", "wall B", "delta", "verdict A -> B");
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(a, HW_F_SUMMARY))
        row(s, hw_report_summary_of(b, s), s, f);
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(b, HW_F_SUMMARY))
        if (!hw_report_summary_of(a, s))
            row(NULL, s, s, f);
}

int hw_compare(const char *a_path, const char *b_path)
{
    char err[8192];
    cJSON *a = NULL, *b = NULL;
    int rc = 2;
    if (hw_report_load(a_path, &a, err, sizeof err) != 0 || hw_report_load(b_path, &b, err, sizeof err) != 0) {
        fprintf(stderr, "highwater compare: %s\n", err);
        goto out;
    }
    hw_compare_print(a, a_path, b, b_path, stdout);
    rc = 0;
out:
    cJSON_Delete(a);
    cJSON_Delete(b);
    return rc;
}
