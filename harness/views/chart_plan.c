/* A plan (highwater.plan/1) as a page (plot.h): per strategy label, the measured points, the
 * fitted lines out to the target and the prediction with its interval, on log axes. */
#include "plot.h"
#include "schema_fields.h"
#include "svg.h"
#include "size.h"
#include <math.h>
#include <stdbool.h>
#include <string.h>

static const char *const plan_colours[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759"};

/* One chart per strategy label: log rows (fit scales to the target) against log peak, each
 * allocator's measured points, its fitted line out to the target, and the prediction there
 * with its 95% interval. A log axis keeps 250k and 70M on one chart. */
static void plan_chart(FILE *f, const cJSON *plan, const char *label)
{
    const double W = 720, H = 300, L = 80, R = 200, T = 20, B = 40;
    double xmin = INFINITY, xmax = hw_vnum(plan, "target_rows"), ymin = INFINITY, ymax = 0;
    const cJSON *e, *p;
    cJSON_ArrayForEach(e, hw_varr(plan, "entries")) {
        if (strcmp(hw_jstr(e, HW_F_LABEL), label) != 0)
            continue;
        cJSON_ArrayForEach(p, hw_varr(e, "scales")) {
            xmin = fmin(xmin, hw_vnum(p, "rows"));
            ymin = fmin(ymin, hw_vnum(p, HW_F_PEAK_RSS_BYTES));
            ymax = fmax(ymax, hw_vnum(p, HW_F_PEAK_RSS_BYTES));
        }
        double pred = hw_vnum(hw_vobj(e, "peak"), "predicted"), pi = hw_vnum(hw_vobj(e, "peak"), "interval_95");
        if (pred > 0)
            ymax = fmax(ymax, pred + (isfinite(pi) ? pi : 0));
    }
    /* A prediction plus its interval can overflow to inf, and scales without a peak leave
     * ymin at inf: no log axis holds either. */
    if (!(xmin > 0) || !(xmax > xmin) || !(ymin > 0) || !isfinite(ymin) || !(ymax > 0) ||
        !isfinite(ymax))
        return;
    double lx0 = log10(xmin) - 0.05, lx1 = log10(xmax) + 0.05, ly0 = log10(ymin) - 0.1, ly1 = log10(ymax) + 0.1;
#define PX(v) (L + (log10(v) - lx0) / (lx1 - lx0) * (W - L - R))
#define PY(v) (H - B - (log10(v) - ly0) / (ly1 - ly0) * (H - T - B))
    hw_svg_open(f, W, H, false, "plan");
    hw_svg_line(f, L, H - B, W - R, H - B, "axis");
    hw_svg_line(f, L, T, L, H - B, "axis");
    char buf[64];
    /* Counted by exponent: near 1e308 the bound overflows to inf, and a double multiplied
     * up to it would never pass it. */
    for (int ex = (int)floor(lx0); ex <= (int)ceil(lx1); ex++)
        for (int k = 1; k < 10; k = k == 1 ? 2 : k == 2 ? 5 : 10) {   /* 1, 2, 5 per decade */
            double d = pow(10, ex);
            if (d * k >= pow(10, lx0) && d * k <= pow(10, lx1)) {
                hw_fmt_count_read(d * k, buf, sizeof buf);
                hw_svg_text(f, PX(d * k), H - B + 14, "tick", "middle", buf);
            }
        }
    for (int ex = (int)floor(ly0 / log10(2)); ex <= (int)ceil(ly1 / log10(2)); ex += 2) {
        double d = pow(2, ex);
        if (d >= pow(10, ly0) && d <= pow(10, ly1)) {
            hw_fmt_bytes(d, buf, sizeof buf);
            hw_svg_text(f, L - 4, PY(d) + 4, "tick", "end", buf);
            hw_svg_line(f, L, PY(d), W - R, PY(d), "grid");
        }
    }
    hw_svg_text(f, (L + W - R) / 2, H - 6, "axt", "middle", "rows (log)");
    hw_svg_text(f, 12, T - 6, "axt", "start", "peak RSS (log)");
    int k = 0;
    cJSON_ArrayForEach(e, hw_varr(plan, "entries")) {
        if (strcmp(hw_jstr(e, HW_F_LABEL), label) != 0)
            continue;
        const char *colour = plan_colours[k % 4];
        const cJSON *pk = hw_vobj(e, "peak");
        double a = hw_vnum(pk, "a"), b = hw_vnum(pk, "b"), pred = hw_vnum(pk, "predicted"), pi = hw_vnum(pk, "interval_95");
        if (isfinite(a) && isfinite(b)) {
            fputs("<path d=\"", f);
            bool first = true;
            for (int i = 0; i <= 40; i++) {
                double x = pow(10, log10(xmin) + (log10(xmax) - log10(xmin)) * i / 40.0), y = a + b * x;
                if (!(y > 0))
                    continue;
                fputc(first ? 'M' : 'L', f);
                hw_svg_xy(f, PX(x), PY(y));
                first = false;
            }
            fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s/>\n", colour,
                    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "reliable")) ? "" : " stroke-dasharray=\"5,3\"");
        }
        cJSON_ArrayForEach(p, hw_varr(e, "scales")) {
            fputs("<circle cx=\"", f);
            hw_svg_num(f, PX(hw_vnum(p, "rows")));
            fputs("\" cy=\"", f);
            hw_svg_num(f, PY(hw_vnum(p, HW_F_PEAK_RSS_BYTES)));
            fprintf(f, "\" r=\"3.5\" fill=\"%s\"/>\n", colour);
        }
        if (pred > 0 && isfinite(pi) && pred - pi > 0) {
            fputs("<path d=\"M", f);
            hw_svg_xy(f, PX(xmax), PY(pred - pi));
            fputc('L', f);
            hw_svg_xy(f, PX(xmax), PY(pred + pi));
            fprintf(f, "\" stroke=\"%s\" stroke-width=\"3\"/>\n", colour);
        }
        char text[160], b1[32], who[96];
        snprintf(who, sizeof who, "%s%s%s", hw_jstr(e, HW_F_ALLOCATOR), *hw_jstr(e, HW_F_ALLOCATOR_CONF) ? "+" : "",
                 hw_jstr(e, HW_F_ALLOCATOR_CONF));
        snprintf(text, sizeof text, "%.40s: %s%s", who, pred > 0 ? hw_fmt_bytes(pred, b1, sizeof b1) : "-",
                 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "reliable")) ? "" : " (unreliable)");
        fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", W - R + 12, T + 16.0 * k, colour);
        hw_svg_text(f, W - R + 26, T + 16.0 * k + 9, "lbl", "start", text);
        k++;
    }
#undef PX
#undef PY
    fputs("</svg>\n", f);
}

int hw_plot_plan_html(const cJSON *plan, FILE *f, char *err, size_t errlen)
{
    const cJSON *e, *d;
    char b1[32];
    if (!f || !cJSON_IsObject(plan)) {
        snprintf(err, errlen, "plot: not a plan (expected a JSON object)");
        return -1;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>highwater plan</title>\n", f);
    fprintf(f, "<style>\n%s%s</style>\n</head>\n<body>\n", hw_page_css, hw_svg_css);
    fprintf(f, "<h1>highwater plan: %s rows</h1>\n", hw_fmt_count_read(hw_vnum(plan, "target_rows"), b1, sizeof b1));
    fputs("<p class=\"note\">Each chart: measured peaks at the fit scales (dots), the fitted line out to the "
          "target (dashed when the fit crosses an allocator threshold and is unreliable), and the "
          "prediction's 95% interval at the target (bar).</p>\n", f);
    cJSON_ArrayForEach(e, hw_varr(plan, "entries")) {
        bool seen = false;
        cJSON_ArrayForEach(d, hw_varr(plan, "entries")) {
            if (d == e)
                break;
            seen |= strcmp(hw_jstr(d, HW_F_LABEL), hw_jstr(e, HW_F_LABEL)) == 0;
        }
        if (seen)
            continue;
        fputs("<h2>", f);
        hw_html_escape(f, hw_jstr(e, HW_F_LABEL));
        fputs("</h2>\n", f);
        plan_chart(f, plan, hw_jstr(e, HW_F_LABEL));
    }
    fputs("</body>\n</html>\n", f);
    return ferror(f) ? (snprintf(err, errlen, "plot: write failed"), -1) : 0;
}
