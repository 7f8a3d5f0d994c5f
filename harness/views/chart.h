/* The charts the pages put together (chart_summary.c, chart_run.c), internal to views/. */
#ifndef HW_CHART_H
#define HW_CHART_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The summary chart (peak as a multiple of the output per label, one bar per allocator, the
 * expect and budget as ticks, wall time beside); standalone: an SVG document of its own.
 * 0, or -1 with err. */
int hw_chart_summary(const cJSON *report, FILE *f, bool standalone, char *err, size_t errlen);
/* One run's chart: RSS over time (or phase peaks as steps), phases as bands, the peak, expect
 * and budget, allocator markers at phase ends. phase_list gets its phases, one a line,
 * numbered as on the chart. 0, or -1 with err. */
int hw_chart_run(FILE *f, const cJSON *run, double output_bytes, char *phase_list, size_t plen,
                 char *err, size_t errlen);
/* rc, or -1 with err "plot: write failed" when f has failed. */
int hw_plot_finish(FILE *f, int rc, char *err, size_t errlen);

#endif
