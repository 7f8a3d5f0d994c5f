/* The fidelity report as a page: per strategy and allocator, the model's and the real
 * library's increment over the loaded source for every phase, as paired bars on one scale (D),
 * with the difference and the verdict. A view: it draws what the report holds. */
#include "atomic.h"
#include "schema_fields.h"
#include "fidelity_views.h"
#include "json.h"
#include "plot.h"
#include <math.h>
#include <stdbool.h>
#include <string.h>

#define BAR_W 360.0

static void bar(FILE *f, double v, double scale, const char *cls)
{
    double w = isfinite(v) && v > 0 ? v * scale : 0;
    fprintf(f, "<svg width=\"%.0f\" height=\"9\"><rect class=\"%s\" width=\"%.1f\" height=\"9\"/></svg>",
            BAR_W, cls, w);
}

static void cell_d(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "<td class=\"n\">%+.2f</td>", v);
    else
        fputs("<td class=\"n\">-</td>", f);
}

/* A row's difference: plain within the tolerance, marked beyond it, with the reason of the
 * gap that explains it as the cell's title (or OFF when none does). */
static void cell_diff(FILE *f, const cJSON *row)
{
    double v = hw_jnum(row, "diff_d");
    const char *gap = hw_jstr(row, "gap");
    if (cJSON_IsTrue(cJSON_GetObjectItem(row, "within")) || !isfinite(v)) {
        cell_d(f, v);
        return;
    }
    fprintf(f, "<td class=\"n%s\" title=\"", gap[0] ? "" : " off");
    hw_html_escape(f, gap[0] ? gap : "no stated gap explains this difference");
    fprintf(f, "\">%+.2f %s</td>", v, gap[0] ? "gap" : "OFF");
}

static int write_page(FILE *f, const void *ctx, char *err, size_t len)
{
    const cJSON *fid = ctx, *e, *p;
    (void)err;
    (void)len;
    double top = 0.5;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(fid, "entries"))
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(e, HW_F_PHASES)) {
            top = fmax(top, isfinite(hw_jnum(p, "model_d")) ? hw_jnum(p, "model_d") : 0);
            top = fmax(top, isfinite(hw_jnum(p, "real_d")) ? hw_jnum(p, "real_d") : 0);
        }
    double scale = BAR_W / top;
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(fid, HW_F_DATASET), *lib = cJSON_GetObjectItemCaseSensitive(fid, "libraries");
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>highwater fidelity: ", f);
    hw_html_escape(f, hw_jstr(cJSON_GetObjectItemCaseSensitive(fid, HW_F_CONFIG), HW_F_NAME));
    fputs("</title><style>body{font:14px sans-serif;margin:2em}td,th{padding:2px 8px;text-align:left}"
          ".n{text-align:right;font-variant-numeric:tabular-nums}.m{fill:#4477aa}.r{fill:#ee7733}"
          ".off{color:#b00;font-weight:bold}tr.run td{border-top:1px solid #999}</style></head><body>\n", f);
    fputs("<h1>Every model beside the real library</h1>\n<p>", f);
    hw_html_escape(f, hw_jstr(cJSON_GetObjectItemCaseSensitive(fid, HW_F_CONFIG), "path"));
    fprintf(f, ": %.0f rows &times; %.0f columns; nodejs-polars ", hw_jnum(ds, "rows"), hw_jnum(ds, "cols"));
    hw_html_escape(f, hw_jstr(lib, "nodejs-polars"));
    fputs(" (node ", f);
    hw_html_escape(f, hw_jstr(lib, "node"));
    fputs("), ", f);
    hw_html_escape(f, hw_jstr(lib, "pandas"));
    fprintf(f, ". Increments over the loaded source in output sizes (D); a model agrees within &plusmn;%.2f D. "
               "<svg width=\"10\" height=\"9\"><rect class=\"m\" width=\"10\" height=\"9\"/></svg> model "
               "<svg width=\"10\" height=\"9\"><rect class=\"r\" width=\"10\" height=\"9\"/></svg> real</p>\n",
            hw_jnum(fid, "tolerance_d"));
    fputs("<table><tr><th>strategy</th><th>allocator</th><th>phase</th><th>model</th><th>real</th><th>diff</th>"
          "<th></th></tr>\n", f);
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(fid, "entries")) {
        fputs("<tr><td>", f);
        hw_html_escape(f, hw_jstr(e, HW_F_LABEL));
        fputs("</td><td>", f);
        hw_html_escape(f, hw_jstr(e, HW_F_ALLOCATOR));
        fputs("</td>", f);
        if (strcmp(hw_jstr(e, HW_F_STATUS), "compared") != 0) {
            fputs("<td colspan=\"5\">", f);
            hw_html_escape(f, hw_jstr(e, HW_F_REASON));
            fputs("</td></tr>\n", f);
            continue;
        }
        bool first = true;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(e, HW_F_PHASES)) {
            if (!first)
                fputs("<tr><td></td><td></td>", f);
            first = false;
            fputs("<td>", f);
            hw_html_escape(f, hw_jstr(p, HW_F_NAME));
            fputs("</td>", f);
            cell_d(f, hw_jnum(p, "model_d"));
            cell_d(f, hw_jnum(p, "real_d"));
            cell_diff(f, p);
            fputs("<td>", f);
            bar(f, hw_jnum(p, "model_d"), scale, "m");
            fputs("<br>", f);
            bar(f, hw_jnum(p, "real_d"), scale, "r");
            fputs("</td></tr>\n", f);
        }
        const cJSON *run = cJSON_GetObjectItemCaseSensitive(e, "run");
        bool ok = strcmp(hw_jstr(e, "verdict"), "within") == 0;
        fputs("<tr class=\"run\"><td></td><td></td><td>run</td>", f);
        cell_d(f, hw_jnum(run, "model_d"));
        cell_d(f, hw_jnum(run, "real_d"));
        cell_d(f, hw_jnum(run, "diff_d"));
        fprintf(f, "<td class=\"%s\">", ok ? "" : "off");
        hw_html_escape(f, hw_jstr(e, "verdict"));
        if (hw_jstr(e, "gap")[0]) {
            fputs(": ", f);
            hw_html_escape(f, hw_jstr(e, "gap"));
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table></body></html>\n", f);
    return 0;
}

int hw_fidelity_html(const cJSON *fid, const char *path, char *err, size_t len)
{
    return hw_atomic_write(path, write_page, fid, err, len);
}
