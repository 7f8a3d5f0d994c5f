/* What every view under views/ draws with: the report's fields as the charts read them, text
 * escaped for HTML and XML, SVG primitives, number formats, axes, label placement, legends and
 * the style sheets. Internal to views/: the public API is plot.h.
 *
 * Layout rules that keep a chart readable whatever the report holds:
 *  - the summary chart's height grows with its rows (one bar per label x allocator, a gap
 *    between labels), and its label column is as wide as the longest label;
 *  - text widths are estimated on the generous side (0.62 em a character), and every
 *    label that could collide with another is placed against the boxes already taken:
 *    phase names go in rows above the plot, a name that does not fit its band becomes its
 *    number (listed under the chart), and a new row opens when a row has no room;
 *  - timelines are reduced to the pixel grid (min and max per pixel column, then
 *    Douglas-Peucker at a quarter pixel), coordinates rounded to 0.1, so a page's size
 *    depends on the chart width, not on the number of samples. */
#ifndef HW_SVG_H
#define HW_SVG_H
#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "json.h"

#define HW_CHAR_EM 0.62            /* estimated glyph width, in font sizes */

/* ---- report access: json.h's, stricter where a chart needs it */

/* o[k] as a finite number, else NaN: cJSON reads 1e999 as inf, and no axis holds inf. */
static inline double hw_vnum(const cJSON *o, const char *k)
{
    double v = hw_jnum(o, k);
    return isfinite(v) ? v : NAN;
}

/* o[k] when it is an object (hw_varr: an array), else NULL. */
static inline const cJSON *hw_vobj(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsObject(it) ? it : NULL;
}

static inline const cJSON *hw_varr(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsArray(it) ? it : NULL;
}

/* A number nested one level down: summary's peak_ratio.median; a bare number is taken too. */
static inline double hw_vnum2(const cJSON *o, const char *k, const char *sub)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsNumber(it))
        return isfinite(it->valuedouble) ? it->valuedouble : NAN;
    return hw_vnum(it, sub);
}

/* Ratios, sizes and times below zero are nonsense: drop them like missing ones. */
static inline double hw_nonneg(double v)
{
    return v >= 0 ? v : NAN;
}

/* ---- text */

/* Characters (code points) of s, invalid bytes counting one each. */
size_t hw_text_chars(const char *s);
/* Its estimated width at this font size. */
double hw_text_width(const char *s, double font);
/* hw_html_escape (plot.h) cut to at most max characters (0: all), an ellipsis when cut. */
void hw_html_escape_n(FILE *f, const char *s, size_t max);

/* ---- SVG primitives: coordinates rounded to 0.1 */

void hw_svg_num(FILE *f, double v);
void hw_svg_xy(FILE *f, double x, double y);
/* <text x y class anchor>escaped</text>; cls may be NULL, anchor "start" is left out. */
void hw_svg_text(FILE *f, double x, double y, const char *cls, const char *anchor, const char *s);
void hw_svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *cls);
void hw_svg_rect(FILE *f, double x, double y, double w, double h, const char *cls);
/* <svg> with its size; standalone: the XML declaration, the style sheet and a white ground. */
void hw_svg_open(FILE *f, double w, double h, bool standalone, const char *cls);

/* ---- number formats, into buf: "1,000,000", "2.00x", "0.123 s"; "-" when not finite */

const char *hw_fmt_grouped(double v, char *buf, size_t len);
const char *hw_fmt_ratio(double v, char *buf, size_t len);
const char *hw_fmt_secs(double v, char *buf, size_t len);

/* ---- axes */

/* 1, 2 or 5 times a power of ten, the nearest to range/ticks. */
double hw_nice_step(double range, int ticks);
/* A tick value with as many decimals as its step needs. */
const char *hw_fmt_tick(double v, double step, char *buf, size_t len);
/* Ticks 0, step, ... up to top: how many after 0, bounded for absurd inputs. */
int hw_tick_count(double top, double step);

/* data -> pixel on one axis */
struct hw_scale {
    double lo, hi, p0, p1;
};
double hw_scale_at(const struct hw_scale *s, double v);

/* ---- label placement */

struct hw_box {
    double x0, y0, x1, y1;
};

#define HW_MAX_BOXES 16
struct hw_taken {
    struct hw_box b[HW_MAX_BOXES];
    int n;
};

/* The box of a text at baseline y. */
struct hw_box hw_text_box(double x, double y, const char *anchor, const char *s, double font);
bool hw_box_free(const struct hw_taken *t, const struct hw_box *b);
void hw_take(struct hw_taken *t, struct hw_box b);

/* ---- legend */

enum hw_legend_kind { HW_LEG_SWATCH, HW_LEG_LINE, HW_LEG_DOT, HW_LEG_SQUARE, HW_LEG_TICK };

struct hw_legend_item {
    enum hw_legend_kind kind;
    const char *cls;
    char text[96];
};

#define HW_LEG_ROW 16.0

/* Lines the items need between x0 and x1 (they wrap). */
int hw_legend_lines(const struct hw_legend_item *it, int n, double x0, double x1);
void hw_legend_draw(FILE *f, const struct hw_legend_item *it, int n, double x0, double x1, double y);

/* ---- styles */

/* One style sheet for inline and standalone SVG (classes s0..s7: the series colours). */
extern const char hw_svg_css[];
#define HW_N_SERIES_CLS 8
/* The HTML pages' own (report and plan). */
extern const char hw_page_css[];

/* ---- paths: a series reduced to the pixel grid (timeline.c) */

struct hw_pt {
    double x, y;
};

struct hw_pts {
    struct hw_pt *p;
    size_t n, cap;
};

/* 0, or -1 out of memory. */
int hw_pts_add(struct hw_pts *v, double x, double y);
/* The series (t[i], v[i]) in pixels, at most two points a pixel column (top_only: one, the
 * highest, for the top of an area), then simplified; NaN samples are skipped. 0, or -1. */
int hw_pts_reduce(const double *t, const double *v, size_t n, const struct hw_scale *sx,
                  const struct hw_scale *sy, bool top_only, struct hw_pts *out);
/* <path> through the points in relative steps; closed down to base_y when area. */
void hw_svg_path(FILE *f, const struct hw_pts *v, bool area, double base_y, const char *cls);

#endif
