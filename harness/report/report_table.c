/* The human table of a report (stdout of `run`): one row per summary entry. */
#include "report.h"
#include "schema_fields.h"
#include "json.h"
#include "run_key.h"
#include "size.h"
#include "summary.h"
#include <math.h>
#include <string.h>

static const char *ratio_text(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2fx", v);
    return buf;
}

/* One entry's row, or its status and reason when no repeat was ok. */
static void print_row(const struct hw_summary_view *v, int lw, int aw, FILE *f)
{
    char alloc[300], b1[32], b2[32], b3[32], b4[32];
    hw_run_key_allocator(v->entry, alloc, sizeof alloc);
    if (v->ok == 0) {
        fprintf(f, "%-*s %-*s %s: %s\n", lw, v->label, aw, alloc, v->status, v->reason);
        return;
    }
    char verdict[32] = "-";
    if (cJSON_GetObjectItemCaseSensitive(v->entry, HW_F_EXPECT_VERDICT)) {
        if (strcmp(v->expect_verdict, "held") == 0)
            snprintf(verdict, sizeof verdict, "held");
        else
            snprintf(verdict, sizeof verdict, "wrong x%.2f (%+.0f%%)", v->expect_factor,
                     v->expect_error * 100);
    }
    char wall[32];
    snprintf(wall, sizeof wall, "%.2fs%s", v->wall_median, v->wall_contended ? "*" : "");
    char output[128];
    if (strcmp(v->output_check, "mismatch") == 0)   /* a correctness failure, not a footnote */
        snprintf(output, sizeof output, "WRONG: %.0f cells differ", v->cells_differing);
    else
        snprintf(output, sizeof output, "%s", strcmp(v->output_check, "matches") == 0 ? "ok" : v->output_check);
    if (v->over_budget) {
        size_t n = strlen(output);
        snprintf(output + n, sizeof output - n, "; OVER BUDGET %.2fx", v->budget_ratio);
    }
    if (isnan(v->container_peak_median))
        snprintf(b4, sizeof b4, "-");
    else
        hw_fmt_bytes(v->container_peak_median, b4, sizeof b4);
    fprintf(f, "%-*s %-*s %10s %10s %7s %7s %-20s %8s  %s%s\n", lw, v->label, aw, alloc,
            hw_fmt_bytes(v->peak_median, b1, sizeof b1), b4, ratio_text(v->ratio_median, b2, sizeof b2),
            ratio_text(v->expect_ratio, b3, sizeof b3), verdict, wall, output,
            v->ok < v->runs ? " (some repeats failed)" : "");
}

/* --find-limit's answers, when it ran: the limit to set beside the two peaks it differs from. */
static void print_limits(const cJSON *report, int lw, int aw, FILE *f)
{
    const cJSON *s, *summary = cJSON_GetObjectItemCaseSensitive(report, HW_F_SUMMARY);
    double out = hw_jnum(cJSON_GetObjectItemCaseSensitive(report, HW_F_DATASET), HW_F_OUTPUT_BYTES);
    bool any = false;
    cJSON_ArrayForEach(s, summary)
        any |= cJSON_HasObjectItem(s, HW_F_SMALLEST_LIMIT_BYTES);
    if (!any)
        return;
    fprintf(f, "\nsmallest container limit that still gives the reference's output (--find-limit):\n");
    fprintf(f, "%-*s %-*s %10s %10s %10s %7s %9s\n", lw, "strategy", aw, "allocator", "peak", "cgroup", "limit", "xout",
            "wall there");
    cJSON_ArrayForEach(s, summary) {
        struct hw_summary_view v;
        char alloc[300], b1[32], b2[32], b3[32], b4[32], b5[32];
        hw_summary_decode(s, &v);
        if (isnan(v.smallest_limit))
            continue;
        hw_run_key_allocator(v.entry, alloc, sizeof alloc);
        fprintf(f, "%-*s %-*s %10s %10s %10s %7s %9s\n", lw, v.label, aw, alloc,
                hw_fmt_bytes(v.peak_median, b1, sizeof b1),
                isnan(v.container_peak_median) ? "-" : hw_fmt_bytes(v.container_peak_median, b2, sizeof b2),
                hw_fmt_bytes(v.smallest_limit, b3, sizeof b3), ratio_text(v.smallest_limit / out, b4, sizeof b4),
                ratio_text(v.wall_ratio_at_limit, b5, sizeof b5));
    }
}

void hw_report_print_table(const cJSON *report, FILE *f)
{
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(report, HW_F_DATASET);
    const cJSON *summary = cJSON_GetObjectItemCaseSensitive(report, HW_F_SUMMARY), *s;
    char b1[32], b2[32], b3[32];
    bool contended = false;
    fprintf(f, "%s: %s rows x %.0f cols, source %s, output %s\n",
            hw_jstr(cJSON_GetObjectItemCaseSensitive(report, HW_F_CONFIG), HW_F_NAME),
            hw_fmt_count_read(hw_jnum(ds, "rows"), b1, sizeof b1), hw_jnum(ds, "cols"),
            hw_fmt_bytes(hw_jnum(ds, "source_bytes"), b2, sizeof b2),
            hw_fmt_bytes(hw_jnum(ds, HW_F_OUTPUT_BYTES), b3, sizeof b3));
    /* Column widths from the content: labels and allocator confs can be long. */
    int lw = 34, aw = 9;
    cJSON_ArrayForEach(s, summary) {
        int l = (int)strlen(hw_jstr(s, HW_F_LABEL));
        int a = (int)(strlen(hw_jstr(s, HW_F_ALLOCATOR)) + strlen(hw_jstr(s, HW_F_ALLOCATOR_CONF)) + 1);
        lw = l > lw ? l : lw;
        aw = a > aw ? a : aw;
    }
    fprintf(f, "%-*s %-*s %10s %10s %7s %7s %-20s %8s  %s\n", lw, "strategy", aw, "allocator", "peak",
            "cgroup", "xout", "expect", "verdict", "wall", "output");
    cJSON_ArrayForEach(s, summary) {
        struct hw_summary_view v;
        hw_summary_decode(s, &v);
        print_row(&v, lw, aw, f);
        contended |= v.wall_contended;
    }
    if (contended)
        fprintf(f, "* wall taken with another worker running beside it (run -j %.0f): compare walls of -j 1 runs\n",
                hw_jnum(cJSON_GetObjectItemCaseSensitive(report, HW_F_PARALLEL), HW_F_WORKERS));
    print_limits(report, lw, aw, f);
}
