/* `highwater plot` and `run --html`: the report as pictures for people. Another view of the
 * one cJSON tree (like the table, the gate's JUnit and Markdown): nothing here measures, it
 * only draws what the report holds.
 *
 * The HTML page has a header (experiment, dataset size, host, tool version and commit), the
 * lessons, a summary chart (peak as a multiple of the output per strategy label, one bar per
 * allocator, the expect as a tick on each group, wall time in a second panel) and one section
 * per run in report order: RSS over time as stacked anon + file areas with the RSS line, the
 * phases as shaded bands, the peak, expect and budget lines, and the allocator's allocated and
 * resident bytes at each phase end. A run without a timeline (--no-timeline) draws its phase
 * peaks as steps; a run that is not ok shows its reason instead of a chart.
 *
 * Every field may be missing or null (older reports): what is missing is skipped, never a
 * crash. Labels are escaped; the SVG fragments are well-formed XML; the page has no script and
 * no external reference (the only "http" is the SVG namespace). Timelines are decimated to the
 * pixel grid, so the page stays small however many samples a run has. */
#ifndef HW_PLOT_H
#define HW_PLOT_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* s escaped for HTML text and attributes (the page's own rules: see svg.c), for other views. */
void hw_html_escape(FILE *f, const char *s);

/* One self-contained HTML page: inline SVG and CSS, no script, no external reference. 0, or -1 with err. */
/* title NULL or empty: "highwater: <config.name>". err: "not a report", a write error. */
int hw_plot_html(const cJSON *report, const char *title, FILE *f, char *err, size_t errlen);
/* The summary chart alone as a standalone SVG document (xmlns set). */
/* It carries its own <style>, so it reads the same opened alone. 0, or -1 with err. */
int hw_plot_summary_svg(const cJSON *report, FILE *f, char *err, size_t errlen);

/* A plan (highwater.plan/1) as a page: per strategy, the measured points, the fitted lines
 * and the prediction with its interval, on log axes. 0, or -1 with err. */
int hw_plot_plan_html(const cJSON *plan, FILE *f, char *err, size_t errlen);
/* Write to path (through hw_atomic_write): a plan's page for a plan, else the summary
 * SVG when path ends in ".svg", else the report's HTML page. 0, or 2 (bad path) / 3 (write
 * failed) with err naming the file. */
int hw_plot_write(const cJSON *report, const char *path, char *err, size_t errlen);

#endif
