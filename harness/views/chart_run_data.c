/* One run's chart's figures (chart_run.h): read from the run record, nothing drawn. */
#include "chart_run.h"
#include "schema_fields.h"
#include "size.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Phases; without start_seconds (older reports) they follow each other. */
static int read_phases(const cJSON *run, struct hw_run_chart *c)
{
    const cJSON *phases = hw_varr(run, HW_F_PHASES), *e;
    c->ph = calloc((size_t)cJSON_GetArraySize(phases) + 1, sizeof *c->ph);
    if (!c->ph)
        return -1;
    double clock = 0;
    cJSON_ArrayForEach(e, phases) {
        if (!cJSON_IsObject(e))
            continue;
        struct hw_run_phase *p = &c->ph[c->np++];
        p->name = *hw_jstr(e, HW_F_NAME) ? hw_jstr(e, HW_F_NAME) : "?";
        double st = hw_vnum(e, HW_F_START_SECONDS), w = hw_vnum(e, HW_F_WALL_SECONDS);
        p->t0 = isfinite(st) ? st : clock;
        p->t1 = p->t0 + (isfinite(w) && w > 0 ? w : 0);
        clock = p->t1;
        p->peak = hw_nonneg(hw_vnum(e, HW_F_PEAK_RSS_BYTES));
        const cJSON *al = hw_vobj(e, HW_F_ALLOCATOR), *gl = hw_vobj(e, HW_F_ALLOCATOR_GLIBC);
        p->al_a = hw_nonneg(hw_vnum(al, "allocated"));
        p->al_r = hw_nonneg(hw_vnum(al, "resident"));
        p->gl_a = hw_nonneg(hw_vnum(gl, "allocated"));
        p->gl_r = hw_nonneg(hw_vnum(gl, "resident"));
        p->row = -1;
    }
    return 0;
}

static int read_timeline(const cJSON *run, struct hw_run_chart *c)
{
    const cJSON *tl = hw_vobj(run, HW_F_TIMELINE), *ta = hw_varr(tl, "t");
    if (ta)
        c->n = (size_t)cJSON_GetArraySize(ta);
    c->has_rss = hw_varr(tl, "rss") != NULL;
    c->has_anon = hw_varr(tl, "anon") != NULL;
    c->has_file = c->has_anon && hw_varr(tl, "file") != NULL;
    c->timeline = c->n > 0 && (c->has_rss || c->has_anon);
    if (!c->timeline)
        return 0;
    const cJSON *cg = hw_vobj(tl, HW_F_CGROUP), *cga = hw_varr(cg, "t");
    if (cga && hw_varr(cg, HW_F_BYTES) && cJSON_GetArraySize(cga) == cJSON_GetArraySize(hw_varr(cg, HW_F_BYTES))) {
        c->ncg = (size_t)cJSON_GetArraySize(cga);
        c->cg_t = hw_read_series(cga, c->ncg);
        c->cg = hw_read_series(hw_varr(cg, HW_F_BYTES), c->ncg);
        if (c->ncg && (!c->cg_t || !c->cg))
            return -1;
    }
    c->t = hw_read_series(ta, c->n);
    c->rss = hw_read_series(hw_varr(tl, "rss"), c->n);
    c->anon = hw_read_series(hw_varr(tl, "anon"), c->n);
    c->total = hw_read_series(hw_varr(tl, "file"), c->n);
    if (!c->t || !c->rss || !c->anon || !c->total)
        return -1;
    for (size_t i = 0; i < c->n; i++)
        c->total[i] += c->anon[i];
    return 0;
}

/* The peak (the report's, else the samples', else the peak phase's), where its dot goes, and
 * the ranges of both axes. */
static void find_ranges(const cJSON *run, double output_bytes, struct hw_run_chart *c)
{
    const struct hw_run_phase *ph = c->ph;
    const double *t = c->t, *rss = c->rss, *anon = c->anon, *total = c->total;
    c->peak = hw_nonneg(hw_vnum(run, HW_F_PEAK_RSS_BYTES));
    c->ratio = hw_nonneg(hw_vnum(run, HW_F_PEAK_RATIO));
    double out_b = hw_vnum(run, HW_F_OUTPUT_BYTES);
    if (!isfinite(out_b) || out_b <= 0)
        out_b = output_bytes;
    if (!isfinite(c->ratio) && isfinite(c->peak) && out_b > 0)
        c->ratio = c->peak / out_b;
    c->expect_b = hw_nonneg(hw_vnum(run, HW_F_EXPECT_RATIO) * out_b);
    c->budget_b = hw_nonneg(hw_vnum(run, HW_F_BUDGET_RATIO) * out_b);
    double xmax = 0, ymax = 0, peak_t = NAN, peak_y = NAN;
    for (size_t i = 0; c->timeline && i < c->n; i++) {
        if (!isfinite(t[i]))
            continue;
        xmax = fmax(xmax, t[i]);
        double v = isfinite(rss[i]) ? rss[i] : total[i];
        if (isfinite(v) && (!isfinite(peak_y) || v > peak_y)) {
            peak_y = v;
            peak_t = t[i];
        }
        if (isfinite(total[i]))
            ymax = fmax(ymax, total[i]);
        if (isfinite(anon[i]))
            ymax = fmax(ymax, anon[i]);
    }
    for (size_t i = 0; i < c->ncg; i++) {
        if (isfinite(c->cg_t[i]))
            xmax = fmax(xmax, c->cg_t[i]);
        if (isfinite(c->cg[i]))
            ymax = fmax(ymax, c->cg[i]);
    }
    const char *peak_phase = hw_jstr(run, HW_F_PEAK_PHASE);
    int peak_i = -1;
    for (int i = 0; i < c->np; i++) {
        const struct hw_run_phase *p = &ph[i];
        xmax = fmax(xmax, p->t1);
        double vals[5] = {p->peak, p->al_a, p->al_r, p->gl_a, p->gl_r};
        for (int k = 0; k < 5; k++)
            if (isfinite(vals[k]))
                ymax = fmax(ymax, vals[k]);
        if (isfinite(p->peak) && (peak_i < 0 || p->peak > ph[peak_i].peak))
            peak_i = i;
    }
    for (int i = 0; i < c->np; i++)
        if (*peak_phase && strcmp(ph[i].name, peak_phase) == 0)
            peak_i = i;
    if (!isfinite(c->peak)) {
        c->peak = isfinite(peak_y) ? peak_y : peak_i >= 0 ? ph[peak_i].peak : NAN;
        if (isfinite(c->peak) && out_b > 0 && !isfinite(c->ratio))
            c->ratio = c->peak / out_b;
    }
    /* The dot goes where the samples peak inside the peak phase, else where they peak at
     * all, else mid-phase. */
    if (c->timeline && peak_i >= 0) {
        double best = NAN;
        for (size_t i = 0; i < c->n; i++) {
            double v = isfinite(rss[i]) ? rss[i] : total[i];
            if (isfinite(t[i]) && t[i] >= ph[peak_i].t0 && t[i] <= ph[peak_i].t1 && isfinite(v) &&
                !(v <= best)) {
                best = v;
                peak_t = t[i];
            }
        }
    }
    if (!isfinite(peak_t) && peak_i >= 0)
        peak_t = (ph[peak_i].t0 + ph[peak_i].t1) / 2;
    double vals[4] = {peak_y, c->peak, c->expect_b, c->budget_b};
    for (int k = 0; k < 4; k++)
        if (isfinite(vals[k]))
            ymax = fmax(ymax, vals[k]);
    c->xmax = xmax > 0 ? xmax : 1;
    c->ymax = ymax;
    c->peak_t = peak_t;
    c->peak_y = peak_y;
    c->peak_i = peak_i;
}

/* Y in MiB or GiB by magnitude, nice ticks, room above the peak for its label. */
static void choose_ticks(struct hw_run_chart *c)
{
    const double gib = 1024.0 * 1024 * 1024, mib = 1024.0 * 1024;
    c->in_gib = c->ymax >= gib;
    c->unit = c->in_gib ? gib : mib;
    double yu = c->ymax > 0 ? c->ymax / c->unit : 1;
    c->ystep = hw_nice_step(yu * 1.1, 5);
    c->ytop = ceil(yu * 1.1 / c->ystep - 1e-9) * c->ystep;
    c->xstep = hw_nice_step(c->xmax, 8);
}

int hw_run_chart_read(const cJSON *run, double output_bytes, struct hw_run_chart *c)
{
    if (read_phases(run, c) < 0 || read_timeline(run, c) < 0)
        return -1;
    find_ranges(run, output_bytes, c);
    choose_ticks(c);
    return 0;
}

void hw_run_chart_free(struct hw_run_chart *c)
{
    free(c->ph);
    free(c->t);
    free(c->rss);
    free(c->anon);
    free(c->total);
    free(c->cg_t);
    free(c->cg);
}

void hw_run_chart_list_phases(const struct hw_run_chart *c, char *phase_list, size_t plen)
{
    char b[64], b2[64];
    size_t o = 0;
    phase_list[0] = 0;
    for (int i = 0; i < c->np && o + 1 < plen; i++) {
        const struct hw_run_phase *p = &c->ph[i];
        int k = snprintf(phase_list + o, plen - o, "%s%d %s %s%s%s", i ? "\n" : "", i + 1, p->name,
                         hw_fmt_secs(p->t1 - p->t0, b, sizeof b), isfinite(p->peak) ? ", peak " : "",
                         isfinite(p->peak) ? hw_fmt_bytes(p->peak, b2, sizeof b2) : "");
        if (k < 0)
            break;
        o += (size_t)k;
        if (o >= plen)
            o = plen - 1;
    }
}

