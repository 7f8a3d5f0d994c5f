/* One run's chart (chart.h): RSS over time as stacked anon + file areas with the RSS line,
 * the phases as shaded bands with their labels in rows above the plot, the peak, expect and
 * budget lines, and the allocator's allocated and resident bytes at each phase end. A run
 * without a timeline (--no-timeline) draws its phase peaks as steps. */
#include "chart.h"
#include "schema_fields.h"
#include "chart_run.h"
#include "allocator.h"
#include "svg.h"
#include "size.h"
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define RUN_W 880.0
#define RUN_PL 64.0
#define RUN_PR 44.0
#define RUN_PH 230.0
#define PH_ROW 14.0

/* Phase labels in rows above the plot. A phase whose band holds "N name" gets that; the
 * others get their number, and a run of neighbours too narrow for one number each shares one
 * label ("8-14"). A label goes in the first row where it clears the previous label by 4 px;
 * a new row opens when none has room. Returns the number of rows. */
static int place_phase_labels(struct hw_run_phase *ph, int n, const struct hw_scale *sx)
{
    double row_end[64];
    int rows = 0;
    for (int i = 0; i < n; i++) {
        ph[i].row = -1;
        if (!isfinite(ph[i].t0))
            continue;
        double x0 = hw_scale_at(sx, ph[i].t0), x1 = hw_scale_at(sx, ph[i].t1);
        char text[80];
        snprintf(text, sizeof text, "%d %.60s", i + 1, ph[i].name);
        double w = hw_text_width(text, 11);
        bool named = w + 4 <= x1 - x0;
        int last = i;
        if (!named) {
            /* Neighbours that cannot show their names either, centred within 16 px of the
             * previous one, share this label. */
            while (last + 1 < n && isfinite(ph[last + 1].t0)) {
                const struct hw_run_phase *q = &ph[last + 1], *p = &ph[last];
                double qx0 = hw_scale_at(sx, q->t0), qx1 = hw_scale_at(sx, q->t1);
                char qt[80];
                snprintf(qt, sizeof qt, "%d %.60s", last + 2, q->name);
                if (hw_text_width(qt, 11) + 4 <= qx1 - qx0 ||
                    (qx0 + qx1) / 2 - (hw_scale_at(sx, p->t0) + hw_scale_at(sx, p->t1)) / 2 > 16)
                    break;
                last++;
            }
            if (last > i)
                snprintf(text, sizeof text, "%d\xe2\x80\x93%d", i + 1, last + 1);   /* en dash */
            else
                snprintf(text, sizeof text, "%d", i + 1);
            x1 = hw_scale_at(sx, ph[last].t1);
            w = hw_text_width(text, 11);
        }
        double lx = fmax(RUN_PL - 20, fmin((x0 + x1) / 2 - w / 2, RUN_W - 4 - w));
        int r = 0;
        while (r < rows && row_end[r] + 4 > lx)
            r++;
        if (r < 64) {
            if (r == rows)
                rows++;
            row_end[r] = lx + w;
            ph[i].row = r;
            ph[i].lx = lx;
            ph[i].lw = w;
            ph[i].numbered = !named;
            snprintf(ph[i].text, sizeof ph[i].text, "%s", text);
        }
        i = last;           /* the phases sharing this label have none of their own */
    }
    return rows;
}

static void run_legend(const struct hw_run_phase *ph, int n, bool timeline, bool has_file, bool cgroup,
                       double expect_b, double budget_b, const char *allocator, struct hw_legend_item *leg, int *nl)
{
    bool a = false, r = false, ga = false, gr = false;
    for (int i = 0; i < n; i++) {
        a |= isfinite(ph[i].al_a);
        r |= isfinite(ph[i].al_r);
        ga |= isfinite(ph[i].gl_a);
        gr |= isfinite(ph[i].gl_r);
    }
    /* The registry names what a phase's "allocator" stats describe (mixed's: jemalloc's). */
    const struct hw_allocator_ops *ops = hw_allocator_find(allocator);
    const char *an = ops ? ops->stats_name : *allocator ? allocator : "allocator";
    *nl = 0;
    if (timeline) {
        leg[(*nl)++] = (struct hw_legend_item){HW_LEG_SWATCH, "anon", "anon RSS"};
        if (has_file)
            leg[(*nl)++] = (struct hw_legend_item){HW_LEG_SWATCH, "file", "file RSS"};
        leg[(*nl)++] = (struct hw_legend_item){HW_LEG_LINE, "rss", "RSS total (anon + file + shmem)"};
        if (cgroup)
            leg[(*nl)++] = (struct hw_legend_item){HW_LEG_LINE, "cg", "memory cgroup (page cache and kernel too)"};
    } else {
        leg[(*nl)++] = (struct hw_legend_item){HW_LEG_LINE, "step", "phase peaks (no timeline)"};
    }
    leg[(*nl)++] = (struct hw_legend_item){HW_LEG_DOT, "pk", "peak"};
    if (isfinite(expect_b))
        leg[(*nl)++] = (struct hw_legend_item){HW_LEG_LINE, "exp", "expect"};
    if (isfinite(budget_b))
        leg[(*nl)++] = (struct hw_legend_item){HW_LEG_LINE, "bud", "budget"};
    if (a) {
        leg[*nl] = (struct hw_legend_item){HW_LEG_DOT, "ma", ""};
        snprintf(leg[*nl].text, sizeof leg[*nl].text, "%.40s allocated at phase end", an);
        (*nl)++;
    }
    if (r) {
        leg[*nl] = (struct hw_legend_item){HW_LEG_SQUARE, "mr", ""};
        snprintf(leg[*nl].text, sizeof leg[*nl].text, "%.40s resident", an);
        (*nl)++;
    }
    if (ga)
        leg[(*nl)++] = (struct hw_legend_item){HW_LEG_DOT, "mga", "glibc allocated (numpy side)"};
    if (gr)
        leg[(*nl)++] = (struct hw_legend_item){HW_LEG_SQUARE, "mgr", "glibc resident (upper bound)"};
}

static void marker(FILE *f, double x, double y, bool square, const char *cls)
{
    if (square) {
        hw_svg_rect(f, x - 3.5, y - 3.5, 7, 7, cls);
        return;
    }
    fputs("<circle cx=\"", f);
    hw_svg_num(f, x);
    fputs("\" cy=\"", f);
    hw_svg_num(f, y);
    fprintf(f, "\" r=\"3\" class=\"%s\"/>\n", cls);
}

/* A horizontal reference line's label: the first of four places (left/right, above/below)
 * that touches no label already placed and stays in the plot. */
static void ref_label(FILE *f, struct hw_taken *t, double y, const char *s, double left, double right,
                      double top, double bottom)
{
    const struct {
        double x, dy;
        const char *anchor;
    } cand[4] = {{left + 4, -4, "start"}, {right - 4, -4, "end"}, {left + 4, 12, "start"}, {right - 4, 12, "end"}};
    int pick = 0;
    for (int c = 0; c < 4; c++) {
        struct hw_box b = hw_text_box(cand[c].x, y + cand[c].dy, cand[c].anchor, s, 11);
        if (b.y0 >= top && b.y1 <= bottom && hw_box_free(t, &b)) {
            pick = c;
            break;
        }
    }
    double ty = fmin(fmax(y + cand[pick].dy, top + 10), bottom - 3);
    hw_take(t, hw_text_box(cand[pick].x, ty, cand[pick].anchor, s, 11));
    hw_svg_text(f, cand[pick].x, ty, "halo", cand[pick].anchor, s);
}

/* Phase bands, grid, ticks and axis titles. */
static void draw_axes(FILE *f, const struct hw_run_chart *c)
{
    const double pl = c->pl, pr = c->pr, pb = c->pb;
    /* Phase bands reach up through the label rows, tying each label to its band. */
    for (int i = 0; i < c->np; i++) {
        double x0 = hw_scale_at(&c->sx, c->ph[i].t0), x1 = hw_scale_at(&c->sx, c->ph[i].t1);
        hw_svg_rect(f, x0, c->y_lab, fmax(x1 - x0, 0.5), pb - c->y_lab, i % 2 ? "b1" : "b0");
    }
    char b[64];
    for (int k = 0, nt = hw_tick_count(c->ytop, c->ystep); k <= nt; k++) {
        double v = k * c->ystep;
        double yy = hw_scale_at(&c->sy, v * c->unit);
        hw_svg_line(f, pl, yy, pr, yy, "grid");
        hw_svg_text(f, pl - 5, yy + 4, NULL, "end", hw_fmt_tick(v, c->ystep, b, sizeof b));
    }
    for (int k = 0, nt = hw_tick_count(c->xmax, c->xstep); k <= nt; k++) {
        double v = k * c->xstep;
        double xx = hw_scale_at(&c->sx, v);
        hw_svg_line(f, xx, pb, xx, pb + 4, "ax");
        hw_svg_text(f, xx, pb + 15, NULL, "middle", hw_fmt_tick(v, c->xstep, b, sizeof b));
    }
    hw_svg_text(f, (pl + pr) / 2, pb + 32, "ttl", "middle", "time, s");
    fputs("<text x=\"0\" y=\"0\" class=\"ttl\" text-anchor=\"middle\" transform=\"translate(16,", f);
    hw_svg_num(f, (c->pt + pb) / 2);
    fprintf(f, ") rotate(-90)\">RSS, %s</text>\n", c->in_gib ? "GiB" : "MiB");
}

/* The samples as areas and a line, or the phase peaks as steps. 0, or -1 out of memory. */
static int draw_data(FILE *f, const struct hw_run_chart *c, struct hw_pts *pv)
{
    const struct hw_scale *sx = &c->sx, *sy = &c->sy;
    if (c->timeline) {
        if (c->has_file) {
            if (hw_pts_reduce(c->t, c->total, c->n, sx, sy, true, pv) < 0)
                return -1;
            hw_svg_path(f, pv, true, c->pb, "file");
        }
        if (c->has_anon) {
            if (hw_pts_reduce(c->t, c->anon, c->n, sx, sy, true, pv) < 0)
                return -1;
            hw_svg_path(f, pv, true, c->pb, "anon");
        }
        const double *line = c->has_rss ? c->rss : c->has_file ? c->total : c->anon;
        if (hw_pts_reduce(c->t, line, c->n, sx, sy, false, pv) < 0)
            return -1;
        hw_svg_path(f, pv, false, c->pb, "rss");
        if (c->ncg) {
            if (hw_pts_reduce(c->cg_t, c->cg, c->ncg, sx, sy, false, pv) < 0)
                return -1;
            hw_svg_path(f, pv, false, c->pb, "cg");
        }
        return 0;
    }
    pv->n = 0;
    for (int i = 0; i < c->np; i++)
        if (isfinite(c->ph[i].peak) &&
            (hw_pts_add(pv, hw_scale_at(sx, c->ph[i].t0), hw_scale_at(sy, c->ph[i].peak)) < 0 ||
             hw_pts_add(pv, hw_scale_at(sx, c->ph[i].t1), hw_scale_at(sy, c->ph[i].peak)) < 0))
            return -1;
    hw_svg_path(f, pv, false, c->pb, "step");
    if (pv->n == 0)
        hw_svg_text(f, c->pl + 8, c->pt + 16, "na", "start", "no timeline and no phase peaks in this run");
    return 0;
}

/* The frame, the expect and budget lines, the allocator markers at phase ends. */
static void draw_frame(FILE *f, const struct hw_run_chart *c)
{
    const double pl = c->pl, pr = c->pr;
    fputs("<path d=\"M", f);
    hw_svg_xy(f, pl, c->pt);
    fputs("V", f);
    hw_svg_num(f, c->pb);
    fputs("H", f);
    hw_svg_num(f, pr);
    fputs("\" class=\"ax\"/>\n", f);
    if (isfinite(c->expect_b))
        hw_svg_line(f, pl, hw_scale_at(&c->sy, c->expect_b), pr, hw_scale_at(&c->sy, c->expect_b), "exp");
    if (isfinite(c->budget_b))
        hw_svg_line(f, pl, hw_scale_at(&c->sy, c->budget_b), pr, hw_scale_at(&c->sy, c->budget_b), "bud");
    for (int i = 0; i < c->np; i++) {
        const struct hw_run_phase *p = &c->ph[i];
        double xx = hw_scale_at(&c->sx, p->t1);
        if (isfinite(p->al_r))
            marker(f, xx, hw_scale_at(&c->sy, p->al_r), true, "mr");
        if (isfinite(p->al_a))
            marker(f, xx, hw_scale_at(&c->sy, p->al_a), false, "ma");
        if (isfinite(p->gl_r))
            marker(f, xx, hw_scale_at(&c->sy, p->gl_r), true, "mgr");
        if (isfinite(p->gl_a))
            marker(f, xx, hw_scale_at(&c->sy, p->gl_a), false, "mga");
    }
}

/* Peak: dot and value, then the reference labels around it, then the phase labels. */
static void draw_labels(FILE *f, const cJSON *run, const struct hw_run_chart *c)
{
    const double pl = c->pl, pr = c->pr, pt = c->pt, pb = c->pb;
    char b[64], b2[64], lab[160];
    struct hw_taken taken = {.n = 0};
    if (isfinite(c->peak) && isfinite(c->peak_t)) {
        double dx = hw_scale_at(&c->sx, c->peak_t), dy = hw_scale_at(&c->sy, c->peak);
        fputs("<circle cx=\"", f);
        hw_svg_num(f, dx);
        fputs("\" cy=\"", f);
        hw_svg_num(f, dy);
        fputs("\" r=\"4\" class=\"pk\"/>\n", f);
        if (isfinite(c->ratio))
            snprintf(lab, sizeof lab, "%s, %s", hw_fmt_bytes(c->peak, b, sizeof b),
                     hw_fmt_ratio(c->ratio, b2, sizeof b2));
        else
            snprintf(lab, sizeof lab, "%s", hw_fmt_bytes(c->peak, b, sizeof b));
        bool right = dx < pl + (pr - pl) * 0.7;
        double lx = right ? dx + 7 : dx - 7, ly = fmax(dy - 7, pt + 11);
        hw_svg_text(f, lx, ly, "halo", right ? "start" : "end", lab);
        hw_take(&taken, hw_text_box(lx, ly, right ? "start" : "end", lab, 11));
    }
    if (isfinite(c->expect_b)) {
        snprintf(lab, sizeof lab, "expect %s = %s", hw_fmt_ratio(hw_vnum(run, HW_F_EXPECT_RATIO), b, sizeof b),
                 hw_fmt_bytes(c->expect_b, b2, sizeof b2));
        ref_label(f, &taken, hw_scale_at(&c->sy, c->expect_b), lab, pl, pr, pt, pb);
    }
    if (isfinite(c->budget_b)) {
        snprintf(lab, sizeof lab, "budget %s = %s", hw_fmt_ratio(hw_vnum(run, HW_F_BUDGET_RATIO), b, sizeof b),
                 hw_fmt_bytes(c->budget_b, b2, sizeof b2));
        ref_label(f, &taken, hw_scale_at(&c->sy, c->budget_b), lab, pl, pr, pt, pb);
    }
    for (int i = 0; i < c->np; i++)
        if (c->ph[i].row >= 0)
            hw_svg_text(f, c->ph[i].lx, c->y_lab + (c->ph[i].row + 1) * PH_ROW - 3, "phl", "start",
                        c->ph[i].text);
}

int hw_chart_run(FILE *f, const cJSON *run, double output_bytes, char *phase_list, size_t plen,
                 char *err, size_t errlen)
{
    struct hw_run_chart c = {0};
    struct hw_pts pv = {0};
    int rc = -1;
    if (hw_run_chart_read(run, output_bytes, &c) < 0)
        goto oom;

    /* Layout, top down: legend, phase label rows, plot, x axis */
    struct hw_legend_item leg[14];
    int nl;
    run_legend(c.ph, c.np, c.timeline, c.has_file, c.ncg > 0, c.expect_b, c.budget_b, hw_jstr(run, HW_F_ALLOCATOR),
               leg, &nl);
    c.pl = RUN_PL;
    c.pr = RUN_W - RUN_PR;
    c.sx = (struct hw_scale){0, c.xmax, c.pl, c.pr};
    int rows = place_phase_labels(c.ph, c.np, &c.sx);
    int leg_lines = hw_legend_lines(leg, nl, c.pl - 50, RUN_W - 8);
    double y_leg = 14;
    c.y_lab = y_leg + (leg_lines - 1) * HW_LEG_ROW + 10;
    c.pt = c.y_lab + rows * PH_ROW + 6;
    c.pb = c.pt + RUN_PH;
    c.sy = (struct hw_scale){0, c.ytop * c.unit, c.pb, c.pt};

    hw_svg_open(f, RUN_W, c.pb + 40, false, "run");
    hw_legend_draw(f, leg, nl, c.pl - 50, RUN_W - 8, y_leg);
    draw_axes(f, &c);
    if (draw_data(f, &c, &pv) < 0)
        goto oom;
    draw_frame(f, &c);
    draw_labels(f, run, &c);
    fputs("</svg>\n", f);
    hw_run_chart_list_phases(&c, phase_list, plen);
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "plot: out of memory");
out:
    hw_run_chart_free(&c);
    free(pv.p);
    return rc;
}
