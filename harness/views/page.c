/* The report as one HTML page (plot.h): a header (experiment, dataset size, host, tool
 * version and commit), the lessons, the summary chart and table, and one section per run in
 * report order: a line of facts, its chart and its phase list, or the reason it has none. */
#include "chart.h"
#include "schema_fields.h"
#include "summary.h"
#include "run_key.h"
#include "plot.h"
#include "svg.h"
#include "size.h"
#include <math.h>
#include <stdbool.h>
#include <string.h>

static void header(FILE *f, const cJSON *report, const char *title)
{
    const cJSON *ds = hw_vobj(report, HW_F_DATASET), *host = hw_vobj(report, HW_F_HOST), *tool = hw_vobj(report, HW_F_TOOL);
    char b[64], b2[64];
    fputs("<h1>", f);
    hw_html_escape(f, title);
    fputs("</h1>\n<p class=\"meta\">", f);
    const char *name = hw_jstr(hw_vobj(report, HW_F_CONFIG), HW_F_NAME);
    fputs("experiment <b>", f);
    hw_html_escape(f, *name ? name : "(unnamed)");
    fputs("</b>", f);
    if (isfinite(hw_vnum(ds, "rows")) || isfinite(hw_vnum(ds, "cols")))
        fprintf(f, " &#183; %s rows &#215; %s columns", hw_fmt_grouped(hw_vnum(ds, "rows"), b, sizeof b),
                hw_fmt_grouped(hw_vnum(ds, "cols"), b2, sizeof b2));
    if (isfinite(hw_vnum(ds, "source_bytes")))
        fprintf(f, " &#183; source %s", hw_fmt_bytes(hw_vnum(ds, "source_bytes"), b, sizeof b));
    if (isfinite(hw_vnum(ds, HW_F_OUTPUT_BYTES)))
        fprintf(f, " &#183; output %s", hw_fmt_bytes(hw_vnum(ds, HW_F_OUTPUT_BYTES), b, sizeof b));
    const char *src = hw_jstr(hw_vobj(report, HW_F_CONFIG), "source");
    if (*src) {
        fputs(" &#183; source kind ", f);
        hw_html_escape(f, src);
    }
    fputs("</p>\n", f);

    if (host) {
        fputs("<p class=\"meta\">host", f);
        const char *sep = ": ";
        static const char *const keys[] = {HW_F_HOSTNAME, HW_F_KERNEL, HW_F_ARCH, HW_F_CPU, HW_F_LIBC};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (*hw_jstr(host, keys[i])) {
                fputs(sep, f);
                hw_html_escape(f, hw_jstr(host, keys[i]));
                sep = ", ";
            }
        if (isfinite(hw_vnum(host, HW_F_CPUS))) {
            fprintf(f, "%s%.0f CPUs", sep, hw_vnum(host, HW_F_CPUS));
            sep = ", ";
        }
        if (isfinite(hw_vnum(host, HW_F_MEM_TOTAL_BYTES))) {
            fprintf(f, "%s%s memory", sep, hw_fmt_bytes(hw_vnum(host, HW_F_MEM_TOTAL_BYTES), b, sizeof b));
            sep = ", ";
        }
        if (*hw_jstr(host, HW_F_THP)) {
            fprintf(f, "%sTHP ", sep);
            hw_html_escape(f, hw_jstr(host, HW_F_THP));
            sep = ", ";
        }
        if (isfinite(hw_vnum(host, HW_F_PAGE_SIZE_BYTES)))
            fprintf(f, "%spage %.0f B", sep, hw_vnum(host, HW_F_PAGE_SIZE_BYTES));
        const cJSON *av = hw_varr(host, HW_F_ALLOCATOR_VERSIONS), *e;
        sep = "; allocators: ";
        cJSON_ArrayForEach(e, av) {
            if (!cJSON_IsString(e))
                continue;
            fputs(sep, f);
            hw_html_escape_n(f, e->valuestring, 80);
            sep = ", ";
        }
        fputs("</p>\n", f);
    }
    if (tool) {
        fputs("<p class=\"meta\">", f);
        hw_html_escape(f, *hw_jstr(tool, HW_F_NAME) ? hw_jstr(tool, HW_F_NAME) : "highwater");
        if (*hw_jstr(tool, HW_F_VERSION)) {
            fputc(' ', f);
            hw_html_escape(f, hw_jstr(tool, HW_F_VERSION));
        }
        if (*hw_jstr(tool, HW_F_GIT_COMMIT)) {
            fputs(", commit ", f);
            hw_html_escape(f, hw_jstr(tool, HW_F_GIT_COMMIT));
        }
        if (*hw_jstr(tool, HW_F_COMPILER)) {
            fputs(", built with ", f);
            hw_html_escape(f, hw_jstr(tool, HW_F_COMPILER));
            fputc(' ', f);
            hw_html_escape(f, hw_jstr(tool, HW_F_CFLAGS));
        }
        fputs("</p>\n", f);
    }
}

static void lessons(FILE *f, const cJSON *report)
{
    const cJSON *ls = hw_varr(report, HW_F_LESSONS), *l;
    int n = 0;
    cJSON_ArrayForEach(l, ls)
        n += *hw_jstr(l, HW_F_TEXT) != 0;
    fputs("<h2>Lessons</h2>\n", f);
    if (n == 0) {
        fputs("<p class=\"note\">No lessons in this report.</p>\n", f);
        return;
    }
    fputs("<ul class=\"lessons\">\n", f);
    cJSON_ArrayForEach(l, ls) {
        if (!*hw_jstr(l, HW_F_TEXT))
            continue;
        const char *kind = hw_jstr(l, HW_F_KIND);
        static const char *const known[] = {"correctness", "belief", "allocator", "held"};
        const char *cls = "";
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (strcmp(kind, known[i]) == 0)
                cls = known[i];
        fputs("<li>", f);
        if (*kind) {
            fprintf(f, "<span class=\"kind%s%s\">", *cls ? " k-" : "", cls);
            hw_html_escape_n(f, kind, 20);
            fputs("</span>", f);
        }
        hw_html_escape(f, hw_jstr(l, HW_F_TEXT));
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

/* The index (1-based) of the first run with this label and allocator+conf, or 0. */
static int first_run(const cJSON *runs, const cJSON *s)
{
    const cJSON *r;
    int i = 0;
    cJSON_ArrayForEach(r, runs) {
        i++;
        if (hw_run_key_equal(r, s))
            return i;
    }
    return 0;
}

static void summary_table(FILE *f, const cJSON *report)
{
    const cJSON *sum = hw_varr(report, HW_F_SUMMARY), *s, *runs = hw_varr(report, HW_F_RUNS);
    if (cJSON_GetArraySize(sum) == 0)
        return;
    char b[64], b2[64], b3[64];
    fputs("<table>\n<tr><th class=\"l\">strategy</th><th class=\"l\">allocator</th><th>peak</th>"
          "<th>x output</th><th>min-max</th><th>expect</th><th class=\"l\">verdict</th><th>wall</th>"
          "<th class=\"l\">output</th></tr>\n",
          f);
    cJSON_ArrayForEach(s, sum) {
        if (!cJSON_IsObject(s))
            continue;
        struct hw_summary_view v;
        hw_summary_decode_chart(s, &v);
        int k = first_run(runs, s);
        fputs("<tr><td class=\"l\">", f);
        if (k)
            fprintf(f, "<a href=\"#run-%d\">", k);
        hw_html_escape(f, *v.label ? v.label : v.strategy);
        fputs(k ? "</a></td><td class=\"l\">" : "</td><td class=\"l\">", f);
        hw_html_escape(f, v.allocator);
        if (*v.allocator_conf) {
            fputc('+', f);
            hw_html_escape(f, v.allocator_conf);
        }
        fputs("</td>", f);
        double pmed = v.ratio_median;
        if (!isfinite(pmed)) {
            fputs("<td colspan=\"7\" class=\"l bad\">", f);
            hw_html_escape(f, *v.status ? v.status : "no peak");
            if (*v.reason) {
                fputs(": ", f);
                hw_html_escape(f, v.reason);
            }
            fputs("</td></tr>\n", f);
            continue;
        }
        fprintf(f, "<td>%s</td><td>%s</td>", hw_fmt_bytes(v.peak_median, b, sizeof b),
                hw_fmt_ratio(pmed, b2, sizeof b2));
        hw_fmt_ratio(v.ratio_min, b, sizeof b);
        hw_fmt_ratio(v.ratio_max, b2, sizeof b2);
        if (strcmp(b, b2) == 0)
            fputs("<td></td>", f);
        else
            fprintf(f, "<td>%s-%s</td>", b, b2);
        fprintf(f, "<td>%s</td>", hw_fmt_ratio(v.expect_ratio, b3, sizeof b3));
        fprintf(f, "<td class=\"l%s\">", strcmp(v.expect_verdict, "wrong") == 0 ? " wrong" : "");
        hw_html_escape(f, v.expect_verdict);
        if (strcmp(v.expect_verdict, "wrong") == 0 && isfinite(v.expect_factor))
            fprintf(f, ", %.2fx the belief", v.expect_factor);
        fprintf(f, "</td><td>%s</td>", hw_fmt_secs(v.wall_median, b, sizeof b));
        const char *check = v.output_check;
        if (strcmp(check, "mismatch") == 0)
            fprintf(f, "<td class=\"l wrong\">WRONG: %s cells differ</td>",
                    hw_fmt_grouped(v.cells_differing, b, sizeof b));
        else {
            fputs("<td class=\"l\">", f);
            hw_html_escape(f, strcmp(check, "matches") == 0 ? "matches the reference" : check);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static int run_section(FILE *f, const cJSON *run, int idx, double output_bytes, char *err, size_t errlen)
{
    char b[64], b2[64];
    const char *status = *hw_jstr(run, HW_F_STATUS) ? hw_jstr(run, HW_F_STATUS) : "unknown";
    bool ok = strcmp(status, "ok") == 0;
    fprintf(f, "<div class=\"run\" id=\"run-%d\">\n<h3>%d. ", idx, idx);
    hw_html_escape(f, *hw_jstr(run, HW_F_LABEL) ? hw_jstr(run, HW_F_LABEL) : *hw_jstr(run, HW_F_STRATEGY) ? hw_jstr(run, HW_F_STRATEGY) : "?");
    fputs(" &#183; ", f);
    hw_html_escape(f, *hw_jstr(run, HW_F_ALLOCATOR) ? hw_jstr(run, HW_F_ALLOCATOR) : "?");
    if (*hw_jstr(run, HW_F_ALLOCATOR_CONF)) {
        fputc('+', f);
        hw_html_escape(f, hw_jstr(run, HW_F_ALLOCATOR_CONF));
    }
    if (isfinite(hw_vnum(run, HW_F_REPEAT)))
        fprintf(f, " &#183; repeat %.0f", hw_vnum(run, HW_F_REPEAT));
    fputs("</h3>\n", f);

    if (!ok) {
        fputs("<p class=\"bad\"><b>", f);
        hw_html_escape(f, status);
        fputs("</b>", f);
        if (*hw_jstr(run, HW_F_REASON)) {
            fputs(": ", f);
            hw_html_escape(f, hw_jstr(run, HW_F_REASON));
        }
        fputs(" (no peak, no chart)</p>\n</div>\n", f);
        return 0;
    }

    /* One line of facts */
    fputs("<p class=\"meta\">", f);
    double peak = hw_vnum(run, HW_F_PEAK_RSS_BYTES), ratio = hw_vnum(run, HW_F_PEAK_RATIO);
    if (isfinite(peak)) {
        fprintf(f, "peak <b>%s</b>", hw_fmt_bytes(peak, b, sizeof b));
        if (isfinite(ratio))
            fprintf(f, " (%s output)", hw_fmt_ratio(ratio, b, sizeof b));
        if (*hw_jstr(run, HW_F_PEAK_PHASE)) {
            fputs(" in <b>", f);
            hw_html_escape(f, hw_jstr(run, HW_F_PEAK_PHASE));
            fputs("</b>", f);
        }
    } else {
        fputs("no peak recorded", f);
    }
    if (isfinite(hw_vnum(run, HW_F_EXPECT_RATIO))) {
        fprintf(f, " &#183; expect %s", hw_fmt_ratio(hw_vnum(run, HW_F_EXPECT_RATIO), b, sizeof b));
        const char *v = hw_jstr(run, HW_F_EXPECT_VERDICT);
        if (*v) {
            fprintf(f, " <span class=\"%s\">", strcmp(v, "wrong") == 0 ? "wrong" : "note");
            hw_html_escape(f, v);
            fputs("</span>", f);
        }
    }
    if (isfinite(hw_vnum(run, HW_F_BUDGET_RATIO)))
        fprintf(f, " &#183; budget %s", hw_fmt_ratio(hw_vnum(run, HW_F_BUDGET_RATIO), b, sizeof b));
    if (isfinite(hw_vnum(run, HW_F_WALL_SECONDS)))
        fprintf(f, " &#183; wall %s", hw_fmt_secs(hw_vnum(run, HW_F_WALL_SECONDS), b, sizeof b));
    const cJSON *out = hw_vobj(run, HW_F_OUTPUT), *m = cJSON_GetObjectItemCaseSensitive(out, HW_F_MATCHES_REFERENCE);
    if (cJSON_IsTrue(m))
        fputs(" &#183; output matches the reference", f);
    else if (cJSON_IsFalse(m))
        fprintf(f, " &#183; <span class=\"wrong\">output WRONG: %s cells differ</span>",
                hw_fmt_grouped(hw_vnum(out, HW_F_CELLS_DIFFERING), b2, sizeof b2));
    const cJSON *tl = hw_vobj(run, HW_F_TIMELINE);
    if (cJSON_GetArraySize(hw_varr(tl, "t")) == 0 || (!hw_varr(tl, "rss") && !hw_varr(tl, "anon")))
        fputs(" &#183; <span class=\"note\">no timeline: phase peaks drawn as steps</span>", f);
    fputs("</p>\n", f);

    char list[4096];
    if (hw_chart_run(f, run, output_bytes, list, sizeof list, err, errlen) < 0)
        return -1;
    if (list[0]) {
        fputs("<p class=\"ph\">phases: ", f);
        for (char *p = list, *nl; p && *p; p = nl ? nl + 1 : NULL) {
            nl = strchr(p, '\n');
            if (nl)
                *nl = 0;
            if (p != list)
                fputs(" &#183; ", f);
            hw_html_escape(f, p);
        }
        fputs("</p>\n", f);
    }
    fputs("</div>\n", f);
    return 0;
}

int hw_plot_finish(FILE *f, int rc, char *err, size_t errlen)
{
    if (rc == 0 && (fflush(f) != 0 || ferror(f))) {
        snprintf(err, errlen, "plot: write failed");
        return -1;
    }
    return rc;
}

int hw_plot_html(const cJSON *report, const char *title, FILE *f, char *err, size_t errlen)
{
    if (!f || !cJSON_IsObject(report)) {
        snprintf(err, errlen, "plot: %s", f ? "not a report (expected a JSON object)" : "no output file");
        return -1;
    }
    char deftitle[256];
    if (!title || !*title) {
        const char *name = hw_jstr(hw_vobj(report, HW_F_CONFIG), HW_F_NAME);
        snprintf(deftitle, sizeof deftitle, "highwater: %.200s", *name ? name : "report");
        title = deftitle;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    hw_html_escape(f, title);
    fprintf(f, "</title>\n<style>\n%s%s</style>\n</head>\n<body>\n", hw_page_css, hw_svg_css);
    header(f, report, title);
    lessons(f, report);

    fputs("<h2>Summary</h2>\n", f);
    if (hw_chart_summary(report, f, false, err, errlen) < 0)
        return -1;
    summary_table(f, report);

    const cJSON *runs = hw_varr(report, HW_F_RUNS), *r;
    double output_bytes = hw_vnum(hw_vobj(report, HW_F_DATASET), HW_F_OUTPUT_BYTES);
    fputs("<h2>Runs</h2>\n", f);
    if (cJSON_GetArraySize(runs) == 0)
        fputs("<p class=\"note\">No runs in this report.</p>\n", f);
    else
        fputs("<p class=\"note\">One section per run, in report order. Phases are the shaded bands, "
              "numbered as in the list under each chart; markers sit at phase ends.</p>\n",
              f);
    int idx = 0;
    cJSON_ArrayForEach(r, runs) {
        idx++;
        if (!cJSON_IsObject(r))
            continue;
        if (run_section(f, r, idx, output_bytes, err, errlen) < 0)
            return -1;
    }
    fputs("</body>\n</html>\n", f);
    return hw_plot_finish(f, 0, err, errlen);
}
