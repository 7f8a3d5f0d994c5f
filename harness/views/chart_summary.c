/* The summary chart (chart.h, and plot.h's hw_plot_summary_svg for it alone): peak as a
 * multiple of the output per strategy label, one bar per allocator, its min-max over repeats,
 * the expect and budget as ticks on each group, wall time in a second panel. Rows come from
 * summary[], or from runs[] when an older report has none. */
#include "chart.h"
#include "schema_fields.h"
#include "summary.h"
#include "plot.h"
#include "svg.h"
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct srow {
    const char *label;
    int series;
    bool ok;
    double pmed, pmin, pmax, wall, expect, budget;
    const char *status, *reason;
};

struct srows {
    struct srow *r;
    int n;
    char **series;          /* "glibc", "jemalloc+dirty_decay_ms:0" */
    int nseries;
};

static void srows_free(struct srows *s)
{
    for (int i = 0; i < s->nseries; i++)
        free(s->series[i]);
    free(s->series);
    free(s->r);
    memset(s, 0, sizeof *s);
}

/* The index of the allocator (+conf) series, added when new; -1 on allocation failure. */
static int series_of(struct srows *s, const cJSON *o)
{
    const char *a = hw_jstr(o, HW_F_ALLOCATOR), *c = hw_jstr(o, HW_F_ALLOCATOR_CONF);
    size_t len = strlen(a) + strlen(c) + 2;
    char *key = malloc(len);
    if (!key)
        return -1;
    snprintf(key, len, "%s%s%s", *a ? a : "?", *c ? "+" : "", c);
    for (int i = 0; i < s->nseries; i++)
        if (strcmp(s->series[i], key) == 0) {
            free(key);
            return i;
        }
    char **grown = realloc(s->series, (size_t)(s->nseries + 1) * sizeof *grown);
    if (!grown) {
        free(key);
        return -1;
    }
    s->series = grown;
    s->series[s->nseries] = key;
    return s->nseries++;
}

/* Rows from summary[], or from runs[] when an older report has no summary. */
static int srows_build(const cJSON *report, struct srows *s)
{
    const cJSON *src = hw_varr(report, HW_F_SUMMARY), *e;
    bool from_summary = cJSON_GetArraySize(src) > 0;
    if (!from_summary)
        src = hw_varr(report, HW_F_RUNS);
    int cap = cJSON_GetArraySize(src);
    memset(s, 0, sizeof *s);
    if (cap == 0)
        return 0;
    s->r = calloc((size_t)cap, sizeof *s->r);
    if (!s->r)
        return -1;
    cJSON_ArrayForEach(e, src) {
        if (!cJSON_IsObject(e))
            continue;
        struct srow *r = &s->r[s->n];
        struct hw_summary_view v;
        hw_summary_decode_chart(e, &v);
        r->label = *v.label ? v.label : *v.strategy ? v.strategy : "?";
        if ((r->series = series_of(s, e)) < 0)
            return -1;
        r->status = *v.status ? v.status : "unknown";
        r->reason = v.reason;
        r->pmed = hw_nonneg(v.ratio_median);
        r->pmin = hw_nonneg(v.ratio_min);
        r->pmax = hw_nonneg(v.ratio_max);
        r->wall = hw_nonneg(v.wall_median);
        r->expect = hw_nonneg(v.expect_ratio);
        r->budget = hw_nonneg(v.budget_ratio);
        if (!isfinite(r->pmin))
            r->pmin = r->pmed;
        if (!isfinite(r->pmax))
            r->pmax = r->pmed;
        r->ok = isfinite(r->pmed) &&
                (strcmp(r->status, "ok") == 0 || (from_summary && isfinite(v.ok) && v.ok > 0));
        s->n++;
    }
    return 0;
}

/* Labels in order of first appearance; order[] holds row indices grouped by label, and
 * group_start[g] .. group_start[g+1] the rows of group g. */
static int group_rows(const struct srows *s, int *order, int *group_start)
{
    int k = 0, g = 0;
    char *done = calloc((size_t)s->n + 1, 1);
    if (!done)
        return -1;
    for (int i = 0; i < s->n; i++) {
        if (done[i])
            continue;
        group_start[g++] = k;
        for (int j = i; j < s->n; j++)
            if (!done[j] && strcmp(s->r[j].label, s->r[i].label) == 0) {
                done[j] = 1;
                order[k++] = j;
            }
    }
    group_start[g] = k;
    free(done);
    return g;
}

#define SUM_ROW 15.0        /* one bar per row */
#define SUM_BAR 11.0
#define SUM_GAP 11.0        /* between label groups */
#define SUM_LABEL_MAX 56    /* characters; longer labels are cut with an ellipsis */

/* Where everything goes: columns label | allocator | peak bars + values | wall bars + values. */
struct layout {
    double pad, x_lab, x_al, x_peak, peak_w, x_wall, wall_w, wall_txt, width;
    double pstep, wstep, y_rows, y_axis, height;
    struct hw_scale px, wx;
};

/* Columns as wide as the longest label and allocator (both capped), scales to the largest
 * peak, expect or budget and to the longest wall time. */
static void lay_out(const struct srows *s, struct layout *L, bool *any_exp, bool *any_bud, bool *any_range)
{
    size_t lchars = 8, achars = 4;
    for (int i = 0; i < s->n; i++) {
        size_t l = hw_text_chars(s->r[i].label);
        lchars = l > lchars ? l : lchars;
    }
    for (int i = 0; i < s->nseries; i++) {
        size_t l = hw_text_chars(s->series[i]);
        achars = l > achars ? l : achars;
    }
    if (lchars > SUM_LABEL_MAX)
        lchars = SUM_LABEL_MAX;
    if (achars > 28)
        achars = 28;
    const double pad = 12, lab_w = (double)lchars * 12 * HW_CHAR_EM, al_w = (double)achars * 10 * HW_CHAR_EM;
    const double peak_txt = 62, gap = 24;
    L->pad = pad;
    L->x_lab = pad + lab_w;
    L->x_al = L->x_lab + 8;
    L->x_peak = L->x_al + al_w + 8;
    L->peak_w = 400;
    L->wall_w = 160;
    L->wall_txt = 56;
    L->x_wall = L->x_peak + L->peak_w + peak_txt + gap;
    L->width = L->x_wall + L->wall_w + L->wall_txt + pad;

    double pmax = 0, wmax = 0;
    *any_exp = *any_bud = *any_range = false;
    for (int i = 0; i < s->n; i++) {
        const struct srow *r = &s->r[i];
        if (r->ok) {
            pmax = fmax(pmax, fmax(r->pmed, r->pmax));
            if (isfinite(r->wall))
                wmax = fmax(wmax, r->wall);
            if (r->pmax > r->pmin * (1 + 1e-9))
                *any_range = true;
        }
        if (isfinite(r->expect)) {
            pmax = fmax(pmax, r->expect);
            *any_exp = true;
        }
        if (isfinite(r->budget)) {
            pmax = fmax(pmax, r->budget);
            *any_bud = true;
        }
    }
    L->pstep = hw_nice_step(pmax > 0 ? pmax : 1, 6);
    L->wstep = hw_nice_step(wmax > 0 ? wmax : 1, 4);
    L->px = (struct hw_scale){0, ceil((pmax > 0 ? pmax : 1) / L->pstep - 1e-9) * L->pstep, L->x_peak,
                              L->x_peak + L->peak_w};
    L->wx = (struct hw_scale){0, ceil((wmax > 0 ? wmax : 1) / L->wstep - 1e-9) * L->wstep, L->x_wall,
                              L->x_wall + L->wall_w};
}

/* One swatch per allocator series, then the marks the chart uses. Returns the item count. */
static int legend_items(const struct srows *s, bool any_exp, bool any_bud, bool any_range,
                        struct hw_legend_item *leg)
{
    static const char *const cls[HW_N_SERIES_CLS] = {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"};
    int nl = 0;
    for (int i = 0; i < s->nseries && nl < HW_N_SERIES_CLS; i++) {
        leg[nl] = (struct hw_legend_item){HW_LEG_SWATCH, NULL, ""};
        leg[nl].cls = cls[i % HW_N_SERIES_CLS];
        snprintf(leg[nl].text, sizeof leg[nl].text, "%.60s", s->series[i]);
        nl++;
    }
    if (any_exp)
        leg[nl++] = (struct hw_legend_item){HW_LEG_TICK, "exm", "expect (what the team believed)"};
    if (any_bud)
        leg[nl++] = (struct hw_legend_item){HW_LEG_TICK, "bum", "budget"};
    if (any_range)
        leg[nl++] = (struct hw_legend_item){HW_LEG_LINE, "wh", "min-max over repeats (bar: median)"};
    return nl;
}

static void draw_grid(FILE *f, const struct layout *L, bool empty)
{
    char b[64];
    for (int k = 0, nt = hw_tick_count(L->px.hi, L->pstep); k <= nt; k++) {
        double v = k * L->pstep;
        hw_svg_line(f, hw_scale_at(&L->px, v), L->y_rows - 4, hw_scale_at(&L->px, v), L->y_axis, "grid");
        hw_svg_text(f, hw_scale_at(&L->px, v), L->y_axis + 13, NULL, "middle", hw_fmt_tick(v, L->pstep, b, sizeof b));
    }
    for (int k = 0, nt = hw_tick_count(L->wx.hi, L->wstep); k <= nt; k++) {
        double v = k * L->wstep;
        hw_svg_line(f, hw_scale_at(&L->wx, v), L->y_rows - 4, hw_scale_at(&L->wx, v), L->y_axis, "grid");
        hw_svg_text(f, hw_scale_at(&L->wx, v), L->y_axis + 13, NULL, "middle", hw_fmt_tick(v, L->wstep, b, sizeof b));
    }
    hw_svg_line(f, L->x_peak, L->y_axis, L->x_peak + L->peak_w, L->y_axis, "ax");
    hw_svg_line(f, L->x_peak, L->y_rows - 4, L->x_peak, L->y_axis, "ax");
    hw_svg_line(f, L->x_wall, L->y_axis, L->x_wall + L->wall_w, L->y_axis, "ax");
    hw_svg_line(f, L->x_wall, L->y_rows - 4, L->x_wall, L->y_axis, "ax");
    hw_svg_text(f, L->x_peak + L->peak_w / 2, L->y_axis + 30, "ttl", "middle", "peak, x output");
    hw_svg_text(f, L->x_wall + L->wall_w / 2, L->y_axis + 30, "ttl", "middle", "wall, s");
    if (empty)
        hw_svg_text(f, L->x_peak + 4, L->y_rows + 11, "na", "start", "no runs in this report");
}

/* One row: its allocator, then its bars and values, or why it has none. The group's expect
 * moves the value right of its tick when the tick would cross it. */
static void draw_row(FILE *f, const struct srows *s, const struct srow *r, double cy, double expect,
                     const struct layout *L)
{
    char cls[8], b[64];
    snprintf(cls, sizeof cls, "s%d", r->series % HW_N_SERIES_CLS);
    fputs("<text x=\"", f);
    hw_svg_num(f, L->x_al);
    fputs("\" y=\"", f);
    hw_svg_num(f, cy + 3.5);
    fputs("\" class=\"sm\">", f);
    hw_html_escape_n(f, s->series[r->series], 28);
    fputs("</text>\n", f);
    if (!r->ok) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s%s%s", r->status, *r->reason ? ": " : "", r->reason);
        size_t room = (size_t)((L->x_wall + L->wall_w + L->wall_txt - L->x_peak - 8) / (11 * HW_CHAR_EM));
        fputs("<text x=\"", f);
        hw_svg_num(f, L->x_peak + 6);
        fputs("\" y=\"", f);
        hw_svg_num(f, cy + 4);
        fputs("\" class=\"na\">", f);
        hw_html_escape_n(f, msg, room);
        fputs("</text>\n", f);
        return;
    }
    const struct hw_scale *px = &L->px, *wx = &L->wx;
    hw_svg_rect(f, L->x_peak, cy - SUM_BAR / 2, hw_scale_at(px, r->pmed) - L->x_peak, SUM_BAR, cls);
    double vend = hw_scale_at(px, r->pmed);
    if (r->pmax > r->pmin * (1 + 1e-9)) {
        hw_svg_line(f, hw_scale_at(px, r->pmin), cy, hw_scale_at(px, r->pmax), cy, "wh");
        hw_svg_line(f, hw_scale_at(px, r->pmin), cy - 3, hw_scale_at(px, r->pmin), cy + 3, "wh");
        hw_svg_line(f, hw_scale_at(px, r->pmax), cy - 3, hw_scale_at(px, r->pmax), cy + 3, "wh");
        vend = fmax(vend, hw_scale_at(px, r->pmax));
    }
    hw_fmt_ratio(r->pmed, b, sizeof b);
    double ex = isfinite(expect) ? hw_scale_at(px, expect) : NAN;
    if (isfinite(ex) && ex >= vend - 2 && ex <= vend + 6 + hw_text_width(b, 11))
        vend = ex;
    hw_svg_text(f, vend + 4, cy + 4, "halo", "start", b);
    if (isfinite(r->wall)) {
        hw_svg_rect(f, L->x_wall, cy - SUM_BAR / 2, hw_scale_at(wx, r->wall) - L->x_wall, SUM_BAR, cls);
        hw_svg_text(f, hw_scale_at(wx, r->wall) + 4, cy + 4, "halo", "start", hw_fmt_secs(r->wall, b, sizeof b));
    }
}

/* One label's group of rows (order[first..last)) from y: its label, its rows, its expect and
 * budget ticks. Returns the group's bottom. */
static double draw_group(FILE *f, const struct srows *s, const int *order, int first, int last, double y,
                         const struct layout *L)
{
    double gy0 = y, gy1 = y + (last - first) * SUM_ROW;
    const struct srow *r0 = &s->r[order[first]];
    fputs("<text x=\"", f);
    hw_svg_num(f, L->x_lab);
    fputs("\" y=\"", f);
    hw_svg_num(f, (gy0 + gy1) / 2 + 4);
    fputs("\" class=\"lab\" text-anchor=\"end\">", f);
    hw_html_escape_n(f, r0->label, SUM_LABEL_MAX);
    fputs("</text>\n", f);
    double expect = NAN, budget = NAN;     /* one belief per label: the first given */
    for (int k = first; k < last; k++) {
        if (!isfinite(expect))
            expect = s->r[order[k]].expect;
        if (!isfinite(budget))
            budget = s->r[order[k]].budget;
    }
    for (int k = first; k < last; k++)
        draw_row(f, s, &s->r[order[k]], y + (k - first) * SUM_ROW + SUM_ROW / 2, expect, L);
    if (isfinite(expect))
        hw_svg_line(f, hw_scale_at(&L->px, expect), gy0 - 2, hw_scale_at(&L->px, expect), gy1 + 2, "exm");
    if (isfinite(budget))
        hw_svg_line(f, hw_scale_at(&L->px, budget), gy0 - 2, hw_scale_at(&L->px, budget), gy1 + 2, "bum");
    return gy1;
}

int hw_chart_summary(const cJSON *report, FILE *f, bool standalone, char *err, size_t errlen)
{
    struct srows s;
    int *order = NULL, *gstart = NULL, rc = -1;
    if (srows_build(report, &s) < 0)
        goto oom;
    order = calloc((size_t)s.n + 1, sizeof *order);
    gstart = calloc((size_t)s.n + 2, sizeof *gstart);
    if (!order || !gstart)
        goto oom;
    int ng = group_rows(&s, order, gstart);
    if (ng < 0)
        goto oom;

    struct layout L;
    bool any_exp, any_bud, any_range;
    lay_out(&s, &L, &any_exp, &any_bud, &any_range);
    struct hw_legend_item leg[HW_N_SERIES_CLS + 4];
    int nl = legend_items(&s, any_exp, any_bud, any_range, leg);
    const double y_title = 18, y_leg = 38;
    int leg_lines = hw_legend_lines(leg, nl, L.pad, L.width - L.pad);
    L.y_rows = y_leg + leg_lines * HW_LEG_ROW + 10;
    double rows_h = s.n * SUM_ROW + (ng > 1 ? (ng - 1) * SUM_GAP : 0);
    if (s.n == 0)
        rows_h = SUM_ROW;
    L.y_axis = L.y_rows + rows_h + 4;
    L.height = L.y_axis + 42;

    hw_svg_open(f, L.width, L.height, standalone, "summary");
    hw_svg_text(f, L.pad, y_title, "ttl", "start", "Peak RSS per strategy and allocator, and wall time");
    hw_legend_draw(f, leg, nl, L.pad, L.width - L.pad, y_leg);
    draw_grid(f, &L, s.n == 0);
    double y = L.y_rows;
    for (int g = 0; g < ng; g++)
        y = draw_group(f, &s, order, gstart[g], gstart[g + 1], y, &L) + SUM_GAP;
    fputs("</svg>\n", f);
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "plot: out of memory");
out:
    free(order);
    free(gstart);
    srows_free(&s);
    return rc;
}

int hw_plot_summary_svg(const cJSON *report, FILE *f, char *err, size_t errlen)
{
    if (!f || !cJSON_IsObject(report)) {
        snprintf(err, errlen, "plot: %s", f ? "not a report (expected a JSON object)" : "no output file");
        return -1;
    }
    return hw_plot_finish(f, hw_chart_summary(report, f, true, err, errlen), err, errlen);
}
