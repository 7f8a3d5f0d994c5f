/* One run's chart, internal to views/: its figures read from the run record
 * (chart_run_data.c), then laid out and drawn (chart_run.c). */
#ifndef HW_CHART_RUN_H
#define HW_CHART_RUN_H
#include "svg.h"
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct hw_run_phase {
    const char *name;
    double t0, t1, peak, al_a, al_r, gl_a, gl_r;
    /* label placement */
    char text[80];
    double lx, lw;
    int row;                /* -1: no label of its own (shared, or no time) */
    bool numbered;
};

/* One run's figures, read and laid out before anything is drawn. */
struct hw_run_chart {
    struct hw_run_phase *ph;
    int np;
    double *t, *rss, *anon, *total;     /* n samples; total: anon + file, the top of the stack */
    size_t n;
    double *cg_t, *cg;                  /* ncg samples of the run's memory cgroup charge */
    size_t ncg;
    bool has_rss, has_anon, has_file, timeline;
    double peak, ratio, expect_b, budget_b, xmax, ymax, peak_t, peak_y;
    int peak_i;                         /* the peak phase, or -1 */
    bool in_gib;                        /* y in GiB, else MiB */
    double unit, ystep, ytop, xstep, pl, pr, y_lab, pt, pb;
    struct hw_scale sx, sy;
};

/* The phases, the samples, the peak and where its dot goes, and the axes' ranges and ticks
 * of run (output_bytes when the run has none). 0, or -1 out of memory; free with
 * hw_run_chart_free either way. */
int hw_run_chart_read(const cJSON *run, double output_bytes, struct hw_run_chart *c);
void hw_run_chart_free(struct hw_run_chart *c);
/* The phase list under the chart: every phase, numbered as on the chart, its wall time and
 * peak, one a line. */
void hw_run_chart_list_phases(const struct hw_run_chart *c, char *phase_list, size_t plen);

#endif
