/* The report drawn: one HTML page of inline SVG, or the summary chart as an SVG file.
 *
 * Layout rules that keep it readable whatever the report holds:
 *  - the summary chart's height grows with its rows (one bar per label x allocator, a gap
 *    between labels), and its label column is as wide as the longest label;
 *  - text widths are estimated on the generous side (0.62 em a character), and every
 *    label that could collide with another is placed against the boxes already taken:
 *    phase names go in rows above the plot, a name that does not fit its band becomes its
 *    number (listed under the chart), and a new row opens when a row has no room;
 *  - timelines are reduced to the pixel grid (min and max per pixel column, then
 *    Douglas-Peucker at a quarter pixel), coordinates rounded to 0.1, so a page's size
 *    depends on the chart width, not on the number of samples. */
#include "plot.h"
#include "atomic.h"
#include <unistd.h>
#include <errno.h>
#include "size.h"
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SVG_NS "http://www.w3.org/2000/svg"
#define CHAR_EM 0.62            /* estimated glyph width, in font sizes */

/* ---------------------------------------------------------------- report access */

static const cJSON *item(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *it = item(o, key);
    return cJSON_IsNumber(it) && isfinite(it->valuedouble) ? it->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(item(o, key));
    return s ? s : "";
}

static const cJSON *obj(const cJSON *o, const char *key)
{
    const cJSON *it = item(o, key);
    return cJSON_IsObject(it) ? it : NULL;
}

static const cJSON *arr(const cJSON *o, const char *key)
{
    const cJSON *it = item(o, key);
    return cJSON_IsArray(it) ? it : NULL;
}

/* A number nested one level down: summary's peak_ratio.median; a bare number is taken too. */
static double num2(const cJSON *o, const char *key, const char *sub)
{
    const cJSON *it = item(o, key);
    if (cJSON_IsNumber(it))
        return isfinite(it->valuedouble) ? it->valuedouble : NAN;
    return num(it, sub);
}

/* Ratios, sizes and times below zero are nonsense: drop them like missing ones. */
static double nonneg(double v)
{
    return v >= 0 ? v : NAN;
}

/* ---------------------------------------------------------------- text */

/* Length of the valid UTF-8 sequence at p that XML accepts, or 0. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned c = p[0], cp;
    size_t n;
    if (c < 0x80)
        return (c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n' || c == '\r' ? 1 : 0;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
        return 0;
    return n;
}

/* Characters (code points) of s, invalid bytes counting one each. */
static size_t text_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
        size_t l = utf8_len(p);
        p += l ? l : 1;
    }
    return n;
}

static double text_w(const char *s, double font)
{
    return (double)text_chars(s) * font * CHAR_EM;
}

/* s escaped for HTML text, attributes and XML alike; at most max characters (0: all), an
 * ellipsis when cut. Bytes XML cannot hold (controls, invalid UTF-8) become '?'. The first
 * letter of "http" and "src=" in a label is written as a character reference, so the page
 * holds no such string but the SVG namespace, whatever the report says. */
static void esc_n(FILE *f, const char *s, size_t max)
{
    size_t n = 0;
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
        if (max && n + 1 == max && text_chars((const char *)p) > 1) {
            fputs("&#8230;", f);
            return;
        }
        size_t l = utf8_len(p);
        if (strncasecmp((const char *)p, "http", 4) == 0 || strncasecmp((const char *)p, "src=", 4) == 0) {
            fprintf(f, "&#%d;", *p);
            p++;
            continue;
        }
        switch (l ? *p : 0) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        case 0: fputc('?', f); break;
        default: fwrite(p, 1, l, f); break;
        }
        p += l ? l : 1;
    }
}

static void esc(FILE *f, const char *s)
{
    esc_n(f, s, 0);
}

void hw_html_escape(FILE *f, const char *s)
{
    esc(f, s);
}

/* A coordinate rounded to 0.1, without a trailing ".0". */
static void co(FILE *f, double v)
{
    if (!isfinite(v))
        v = 0;
    long long t = llround(fmax(fmin(v, 1e9), -1e9) * 10);
    if (t % 10 == 0)
        fprintf(f, "%lld", t / 10);
    else
        fprintf(f, "%s%lld.%lld", t < 0 ? "-" : "", llabs(t) / 10, llabs(t) % 10);
}

static void xy(FILE *f, double x, double y)
{
    co(f, x);
    fputc(',', f);
    co(f, y);
}

/* <text x y class anchor>escaped</text> */
static void text_at(FILE *f, double x, double y, const char *cls, const char *anchor, const char *s)
{
    fputs("<text x=\"", f);
    co(f, x);
    fputs("\" y=\"", f);
    co(f, y);
    fputc('"', f);
    if (cls && *cls)
        fprintf(f, " class=\"%s\"", cls);
    if (anchor && strcmp(anchor, "start") != 0)
        fprintf(f, " text-anchor=\"%s\"", anchor);
    fputc('>', f);
    esc(f, s);
    fputs("</text>\n", f);
}

static void line_at(FILE *f, double x1, double y1, double x2, double y2, const char *cls)
{
    fputs("<path d=\"M", f);
    xy(f, x1, y1);
    fputc('L', f);
    xy(f, x2, y2);
    fprintf(f, "\" class=\"%s\"/>\n", cls);
}

static void rect_at(FILE *f, double x, double y, double w, double h, const char *cls)
{
    fputs("<rect x=\"", f);
    co(f, x);
    fputs("\" y=\"", f);
    co(f, y);
    fputs("\" width=\"", f);
    co(f, w < 0 ? 0 : w);
    fputs("\" height=\"", f);
    co(f, h < 0 ? 0 : h);
    fprintf(f, "\" class=\"%s\"/>\n", cls);
}

/* "1,000,000" */
static const char *fmt_grouped(double v, char *buf, size_t len)
{
    char raw[64];
    if (!isfinite(v) || fabs(v) >= 1e18) {
        snprintf(buf, len, "%g", v);
        return buf;
    }
    int n = snprintf(raw, sizeof raw, "%.0f", fabs(v));
    size_t o = 0;
    if (v < 0 && o + 1 < len)
        buf[o++] = '-';
    for (int i = 0; i < n && o + 1 < len; i++) {
        buf[o++] = raw[i];
        if ((n - 1 - i) % 3 == 0 && i + 1 < n && o + 1 < len)
            buf[o++] = ',';
    }
    buf[o] = 0;
    return buf;
}

static const char *fmt_ratio(double v, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, "%.2fx", v);
    else
        snprintf(buf, len, "-");
    return buf;
}

static const char *fmt_secs(double v, char *buf, size_t len)
{
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, v < 0.1 ? "%.3f s" : v < 100 ? "%.2f s" : "%.0f s", v);
    return buf;
}

/* ---------------------------------------------------------------- axes */

/* 1, 2 or 5 times a power of ten, the nearest to range/ticks. */
static double nice_step(double range, int ticks)
{
    if (!(range > 0) || !isfinite(range))
        return 1;
    double raw = range / ticks, mag = pow(10, floor(log10(raw))), norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

/* A tick value with as many decimals as its step needs. */
static const char *fmt_tick(double v, double step, char *buf, size_t len)
{
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (dec > 6)
        dec = 6;
    if (fabs(v) < step * 1e-6)
        v = 0;
    snprintf(buf, len, "%.*f", dec, v);
    return buf;
}

/* Ticks 0, step, ... up to top: how many after 0, bounded for absurd inputs. */
static int tick_count(double top, double step)
{
    double k = floor(top / step + 1e-6);
    return isfinite(k) && k >= 0 ? (int)fmin(k, 60) : 0;
}

/* data -> pixel on one axis */
struct scale {
    double lo, hi, p0, p1;
};

static double sc(const struct scale *s, double v)
{
    double span = s->hi - s->lo;
    return s->p0 + (span > 0 ? (v - s->lo) / span : 0) * (s->p1 - s->p0);
}

/* ---------------------------------------------------------------- label placement */

struct box {
    double x0, y0, x1, y1;
};

static bool overlaps(const struct box *a, const struct box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

/* The box of a text at baseline y. */
static struct box text_box(double x, double y, const char *anchor, const char *s, double font)
{
    double w = text_w(s, font);
    double x0 = strcmp(anchor, "end") == 0 ? x - w : strcmp(anchor, "middle") == 0 ? x - w / 2 : x;
    return (struct box){x0 - 1, y - font * 0.85, x0 + w + 1, y + font * 0.3};
}

#define MAX_BOXES 16
struct taken {
    struct box b[MAX_BOXES];
    int n;
};

static bool box_free(const struct taken *t, const struct box *b)
{
    for (int i = 0; i < t->n; i++)
        if (overlaps(&t->b[i], b))
            return false;
    return true;
}

static void take(struct taken *t, struct box b)
{
    if (t->n < MAX_BOXES)
        t->b[t->n++] = b;
}

/* ---------------------------------------------------------------- legend */

enum legend_kind { LEG_SWATCH, LEG_LINE, LEG_DOT, LEG_SQUARE, LEG_TICK };

struct legend_item {
    enum legend_kind kind;
    const char *cls;
    char text[96];
};

#define LEG_ROW 16.0

/* Lines the items need between x0 and x1 (they wrap). */
static int legend_lines(const struct legend_item *it, int n, double x0, double x1)
{
    int lines = n ? 1 : 0;
    double x = x0;
    for (int i = 0; i < n; i++) {
        double w = 16 + text_w(it[i].text, 11) + 14;
        if (x > x0 && x + w > x1) {
            lines++;
            x = x0;
        }
        x += w;
    }
    return lines;
}

static void legend_draw(FILE *f, const struct legend_item *it, int n, double x0, double x1, double y)
{
    double x = x0;
    for (int i = 0; i < n; i++) {
        double w = 16 + text_w(it[i].text, 11) + 14;
        if (x > x0 && x + w > x1) {
            x = x0;
            y += LEG_ROW;
        }
        switch (it[i].kind) {
        case LEG_SWATCH: rect_at(f, x, y - 9, 12, 10, it[i].cls); break;
        case LEG_LINE: line_at(f, x, y - 4, x + 12, y - 4, it[i].cls); break;
        case LEG_TICK: line_at(f, x + 6, y - 10, x + 6, y + 1, it[i].cls); break;
        case LEG_DOT:
            fputs("<circle cx=\"", f);
            co(f, x + 6);
            fputs("\" cy=\"", f);
            co(f, y - 4);
            fprintf(f, "\" r=\"3.5\" class=\"%s\"/>\n", it[i].cls);
            break;
        case LEG_SQUARE: rect_at(f, x + 2.5, y - 7.5, 7, 7, it[i].cls); break;
        }
        text_at(f, x + 16, y, NULL, "start", it[i].text);
        x += w;
    }
}

/* ---------------------------------------------------------------- styles */

/* One style sheet for inline and standalone SVG; no '<', '>' or '&', so it needs no CDATA. */
static const char svg_css[] =
    "svg{font-family:Helvetica,Arial,sans-serif;font-size:11px}\n"
    "svg text{fill:#222}\n"
    ".ttl{font-size:12px;font-weight:bold}\n"
    ".lab{font-size:12px}\n"
    ".sm{font-size:10px;fill:#555}\n"
    ".na{fill:#777;font-style:italic}\n"
    ".halo{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}\n"
    ".ax{stroke:#555;fill:none}\n"
    ".grid{stroke:#e3e3e3}\n"
    ".b0{fill:#ebebeb}\n"
    ".b1{fill:#f7f7f7}\n"
    ".anon{fill:#9ecae1}\n"
    ".file{fill:#fdae6b}\n"
    ".rss{fill:none;stroke:#08306b;stroke-width:1.2}\n"
    ".step{fill:none;stroke:#08306b;stroke-width:1.6}\n"
    ".exp{stroke:#238b45;stroke-width:1.3;stroke-dasharray:6 3}\n"
    ".bud{stroke:#cb181d;stroke-width:1.3;stroke-dasharray:2 3}\n"
    ".pk{fill:#cb181d;stroke:#fff;stroke-width:1}\n"
    ".ma{fill:#6a51a3}\n"
    ".mr{fill:none;stroke:#6a51a3;stroke-width:1.4}\n"
    ".mga{fill:#8c510a}\n"
    ".mgr{fill:none;stroke:#8c510a;stroke-width:1.4}\n"
    ".wh{stroke:#222;stroke-width:1}\n"
    ".exm{stroke:#111;stroke-width:2.5}\n"
    ".bum{stroke:#cb181d;stroke-width:2.5;stroke-dasharray:3 2}\n"
    ".s0{fill:#4e79a7}\n.s1{fill:#f28e2b}\n.s2{fill:#59a14f}\n.s3{fill:#e15759}\n"
    ".s4{fill:#76b7b2}\n.s5{fill:#edc948}\n.s6{fill:#b07aa1}\n.s7{fill:#9c755f}\n";
#define N_SERIES_CLS 8

static const char page_css[] =
    "body{font-family:Helvetica,Arial,sans-serif;color:#222;max-width:1000px;margin:1.5em auto;"
    "padding:0 1em;line-height:1.4}\n"
    "h1{font-size:1.5em;margin-bottom:.3em}\n"
    "h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}\n"
    "h3{font-size:1.05em;margin:1.6em 0 .2em}\n"
    ".meta{margin:.15em 0;color:#444}\n"
    "ul.lessons{padding-left:1.2em}\n"
    "ul.lessons li{margin:.35em 0}\n"
    ".kind{display:inline-block;min-width:6.5em;text-align:center;font-size:.8em;color:#fff;"
    "background:#777;border-radius:3px;padding:0 .4em;margin-right:.5em}\n"
    ".k-correctness{background:#a50f15}\n.k-belief{background:#d94801}\n"
    ".k-allocator{background:#6a51a3}\n.k-held{background:#238b45}\n"
    "table{border-collapse:collapse;font-size:.88em;margin:.8em 0}\n"
    "th,td{padding:.15em .55em;border-bottom:1px solid #e3e3e3;text-align:right}\n"
    "th.l,td.l{text-align:left}\n"
    ".bad{color:#a50f15}\n"
    ".wrong{color:#a50f15;font-weight:bold}\n"
    ".note{color:#666;font-size:.9em}\n"
    ".ph{font-size:.85em;color:#444;margin:.2em 0}\n"
    "svg{display:block;max-width:100%;height:auto;margin:.4em 0}\n";

/* ---------------------------------------------------------------- summary chart */

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
    const char *a = str(o, "allocator"), *c = str(o, "allocator_conf");
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
    const cJSON *src = arr(report, "summary"), *e;
    bool from_summary = cJSON_GetArraySize(src) > 0;
    if (!from_summary)
        src = arr(report, "runs");
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
        r->label = *str(e, "label") ? str(e, "label") : *str(e, "strategy") ? str(e, "strategy") : "?";
        if ((r->series = series_of(s, e)) < 0)
            return -1;
        r->status = *str(e, "status") ? str(e, "status") : "unknown";
        r->reason = str(e, "reason");
        r->pmed = nonneg(num2(e, "peak_ratio", "median"));
        r->pmin = nonneg(num2(e, "peak_ratio", "min"));
        r->pmax = nonneg(num2(e, "peak_ratio", "max"));
        r->wall = nonneg(num2(e, "wall_seconds", "median"));
        r->expect = nonneg(num(e, "expect_ratio"));
        r->budget = nonneg(num(e, "budget_ratio"));
        if (!isfinite(r->pmin))
            r->pmin = r->pmed;
        if (!isfinite(r->pmax))
            r->pmax = r->pmed;
        double okn = num(e, "ok");
        r->ok = isfinite(r->pmed) &&
                (strcmp(r->status, "ok") == 0 || (from_summary && isfinite(okn) && okn > 0));
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

static void svg_open(FILE *f, double w, double h, bool standalone, const char *cls)
{
    if (standalone)
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f, "<svg xmlns=\"" SVG_NS "\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" class=\"%s\">\n",
            ceil(w), ceil(h), ceil(w), ceil(h), cls);
    if (standalone)
        fprintf(f, "<style>\n%s</style>\n<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
                svg_css);
}

static int summary_svg(const cJSON *report, FILE *f, bool standalone, char *err, size_t errlen)
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

    /* Columns: label | allocator | peak bars + values | wall bars + values */
    size_t lchars = 8, achars = 4;
    for (int i = 0; i < s.n; i++) {
        size_t l = text_chars(s.r[i].label);
        lchars = l > lchars ? l : lchars;
    }
    for (int i = 0; i < s.nseries; i++) {
        size_t l = text_chars(s.series[i]);
        achars = l > achars ? l : achars;
    }
    if (lchars > SUM_LABEL_MAX)
        lchars = SUM_LABEL_MAX;
    if (achars > 28)
        achars = 28;
    const double pad = 12, lab_w = (double)lchars * 12 * CHAR_EM, al_w = (double)achars * 10 * CHAR_EM;
    const double x_lab = pad + lab_w, x_al = x_lab + 8, x_peak = x_al + al_w + 8;
    const double peak_w = 400, peak_txt = 62, gap = 24, wall_w = 160, wall_txt = 56;
    const double x_wall = x_peak + peak_w + peak_txt + gap;
    const double width = x_wall + wall_w + wall_txt + pad;

    /* Scales */
    double pmax = 0, wmax = 0;
    bool any_exp = false, any_bud = false, any_range = false;
    for (int i = 0; i < s.n; i++) {
        const struct srow *r = &s.r[i];
        if (r->ok) {
            pmax = fmax(pmax, fmax(r->pmed, r->pmax));
            if (isfinite(r->wall))
                wmax = fmax(wmax, r->wall);
            if (r->pmax > r->pmin * (1 + 1e-9))
                any_range = true;
        }
        if (isfinite(r->expect)) {
            pmax = fmax(pmax, r->expect);
            any_exp = true;
        }
        if (isfinite(r->budget)) {
            pmax = fmax(pmax, r->budget);
            any_bud = true;
        }
    }
    double pstep = nice_step(pmax > 0 ? pmax : 1, 6), wstep = nice_step(wmax > 0 ? wmax : 1, 4);
    struct scale px = {0, ceil((pmax > 0 ? pmax : 1) / pstep - 1e-9) * pstep, x_peak, x_peak + peak_w};
    struct scale wx = {0, ceil((wmax > 0 ? wmax : 1) / wstep - 1e-9) * wstep, x_wall, x_wall + wall_w};

    /* Legend */
    struct legend_item leg[N_SERIES_CLS + 4];
    int nl = 0;
    for (int i = 0; i < s.nseries && nl < N_SERIES_CLS; i++) {
        leg[nl] = (struct legend_item){LEG_SWATCH, NULL, ""};
        static const char *const cls[N_SERIES_CLS] = {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"};
        leg[nl].cls = cls[i % N_SERIES_CLS];
        snprintf(leg[nl].text, sizeof leg[nl].text, "%.60s", s.series[i]);
        nl++;
    }
    if (any_exp) {
        leg[nl] = (struct legend_item){LEG_TICK, "exm", "expect (what the team believed)"};
        nl++;
    }
    if (any_bud) {
        leg[nl] = (struct legend_item){LEG_TICK, "bum", "budget"};
        nl++;
    }
    if (any_range) {
        leg[nl] = (struct legend_item){LEG_LINE, "wh", "min-max over repeats (bar: median)"};
        nl++;
    }
    const double y_title = 18, y_leg = 38;
    int leg_lines = legend_lines(leg, nl, pad, width - pad);
    const double y_rows = y_leg + leg_lines * LEG_ROW + 10;
    double rows_h = s.n * SUM_ROW + (ng > 1 ? (ng - 1) * SUM_GAP : 0);
    if (s.n == 0)
        rows_h = SUM_ROW;
    const double y_axis = y_rows + rows_h + 4, height = y_axis + 42;

    svg_open(f, width, height, standalone, "summary");
    text_at(f, pad, y_title, "ttl", "start", "Peak RSS per strategy and allocator, and wall time");
    legend_draw(f, leg, nl, pad, width - pad, y_leg);

    /* Grid and axes */
    char b[64];
    for (int k = 0, nt = tick_count(px.hi, pstep); k <= nt; k++) {
        double v = k * pstep;
        line_at(f, sc(&px, v), y_rows - 4, sc(&px, v), y_axis, "grid");
        text_at(f, sc(&px, v), y_axis + 13, NULL, "middle", fmt_tick(v, pstep, b, sizeof b));
    }
    for (int k = 0, nt = tick_count(wx.hi, wstep); k <= nt; k++) {
        double v = k * wstep;
        line_at(f, sc(&wx, v), y_rows - 4, sc(&wx, v), y_axis, "grid");
        text_at(f, sc(&wx, v), y_axis + 13, NULL, "middle", fmt_tick(v, wstep, b, sizeof b));
    }
    line_at(f, x_peak, y_axis, x_peak + peak_w, y_axis, "ax");
    line_at(f, x_peak, y_rows - 4, x_peak, y_axis, "ax");
    line_at(f, x_wall, y_axis, x_wall + wall_w, y_axis, "ax");
    line_at(f, x_wall, y_rows - 4, x_wall, y_axis, "ax");
    text_at(f, x_peak + peak_w / 2, y_axis + 30, "ttl", "middle", "peak, x output");
    text_at(f, x_wall + wall_w / 2, y_axis + 30, "ttl", "middle", "wall, s");
    if (s.n == 0)
        text_at(f, x_peak + 4, y_rows + 11, "na", "start", "no runs in this report");

    /* Groups */
    double y = y_rows;
    for (int g = 0; g < ng; g++) {
        int first = gstart[g], last = gstart[g + 1];
        double gy0 = y, gy1 = y + (last - first) * SUM_ROW;
        const struct srow *r0 = &s.r[order[first]];
        fputs("<text x=\"", f);
        co(f, x_lab);
        fputs("\" y=\"", f);
        co(f, (gy0 + gy1) / 2 + 4);
        fputs("\" class=\"lab\" text-anchor=\"end\">", f);
        esc_n(f, r0->label, SUM_LABEL_MAX);
        fputs("</text>\n", f);
        double expect = NAN, budget = NAN;     /* one belief per label: the first given */
        for (int k = first; k < last; k++) {
            if (!isfinite(expect))
                expect = s.r[order[k]].expect;
            if (!isfinite(budget))
                budget = s.r[order[k]].budget;
        }
        for (int k = first; k < last; k++) {
            const struct srow *r = &s.r[order[k]];
            double ry = y + (k - first) * SUM_ROW, cy = ry + SUM_ROW / 2;
            char cls[8];
            snprintf(cls, sizeof cls, "s%d", r->series % N_SERIES_CLS);
            fputs("<text x=\"", f);
            co(f, x_al);
            fputs("\" y=\"", f);
            co(f, cy + 3.5);
            fputs("\" class=\"sm\">", f);
            esc_n(f, s.series[r->series], 28);
            fputs("</text>\n", f);
            if (!r->ok) {
                char msg[512];
                snprintf(msg, sizeof msg, "%s%s%s", r->status, *r->reason ? ": " : "", r->reason);
                size_t room = (size_t)((x_wall + wall_w + wall_txt - x_peak - 8) / (11 * CHAR_EM));
                fputs("<text x=\"", f);
                co(f, x_peak + 6);
                fputs("\" y=\"", f);
                co(f, cy + 4);
                fputs("\" class=\"na\">", f);
                esc_n(f, msg, room);
                fputs("</text>\n", f);
                continue;
            }
            rect_at(f, x_peak, cy - SUM_BAR / 2, sc(&px, r->pmed) - x_peak, SUM_BAR, cls);
            double vend = sc(&px, r->pmed);
            if (r->pmax > r->pmin * (1 + 1e-9)) {
                line_at(f, sc(&px, r->pmin), cy, sc(&px, r->pmax), cy, "wh");
                line_at(f, sc(&px, r->pmin), cy - 3, sc(&px, r->pmin), cy + 3, "wh");
                line_at(f, sc(&px, r->pmax), cy - 3, sc(&px, r->pmax), cy + 3, "wh");
                vend = fmax(vend, sc(&px, r->pmax));
            }
            /* The value right of the bar, or right of the expect tick when that would cross it. */
            fmt_ratio(r->pmed, b, sizeof b);
            double ex = isfinite(expect) ? sc(&px, expect) : NAN;
            if (isfinite(ex) && ex >= vend - 2 && ex <= vend + 6 + text_w(b, 11))
                vend = ex;
            text_at(f, vend + 4, cy + 4, "halo", "start", b);
            if (isfinite(r->wall)) {
                rect_at(f, x_wall, cy - SUM_BAR / 2, sc(&wx, r->wall) - x_wall, SUM_BAR, cls);
                text_at(f, sc(&wx, r->wall) + 4, cy + 4, "halo", "start", fmt_secs(r->wall, b, sizeof b));
            }
        }
        if (isfinite(expect))
            line_at(f, sc(&px, expect), gy0 - 2, sc(&px, expect), gy1 + 2, "exm");
        if (isfinite(budget))
            line_at(f, sc(&px, budget), gy0 - 2, sc(&px, budget), gy1 + 2, "bum");
        y = gy1 + SUM_GAP;
    }
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

/* ---------------------------------------------------------------- timelines */

struct pt {
    double x, y;
};

struct pts {
    struct pt *p;
    size_t n, cap;
};

static int pts_add(struct pts *v, double x, double y)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        struct pt *p = realloc(v->p, cap * sizeof *p);
        if (!p)
            return -1;
        v->p = p;
        v->cap = cap;
    }
    v->p[v->n++] = (struct pt){x, y};
    return 0;
}

/* Douglas-Peucker over p[a..b] (both kept), marking kept points; iterative. */
static int simplify(const struct pt *p, size_t n, char *keep, double eps)
{
    if (n == 0)
        return 0;
    size_t *stack = malloc(2 * n * sizeof *stack), sp = 0;
    if (!stack)
        return -1;
    memset(keep, 0, n);
    keep[0] = keep[n - 1] = 1;
    stack[sp++] = 0;
    stack[sp++] = n - 1;
    while (sp) {
        size_t b = stack[--sp], a = stack[--sp];
        if (b <= a + 1)
            continue;
        double dx = p[b].x - p[a].x, dy = p[b].y - p[a].y, len = hypot(dx, dy), best = -1;
        size_t at = a;
        for (size_t i = a + 1; i < b; i++) {
            double d = len > 0 ? fabs(dy * (p[i].x - p[a].x) - dx * (p[i].y - p[a].y)) / len
                               : hypot(p[i].x - p[a].x, p[i].y - p[a].y);
            if (d > best) {
                best = d;
                at = i;
            }
        }
        if (best > eps) {
            keep[at] = 1;
            stack[sp++] = a;
            stack[sp++] = at;
            stack[sp++] = at;
            stack[sp++] = b;
        }
    }
    free(stack);
    return 0;
}

/* The series (t[i], v[i]) in pixels, one pixel column at a time: its highest sample alone
 * for the top of an area, its lowest and highest in time order for a line; then simplified.
 * At most two points a column whatever the sampling rate; NaN samples are skipped. */
static int reduce(const double *t, const double *v, size_t n, const struct scale *sx,
                  const struct scale *sy, bool top_only, struct pts *out)
{
    out->n = 0;
    long col = LONG_MIN;
    size_t lo = 0, hi = 0;
    bool have = false;
    for (size_t i = 0; i <= n; i++) {
        bool valid = i < n && isfinite(t[i]) && isfinite(v[i]);
        long c = valid ? lround(fmax(fmin(floor(sc(sx, t[i])), 1e9), -1e9)) : col;
        if (have && (i == n || (valid && c != col))) {
            size_t a = top_only ? hi : lo < hi ? lo : hi, b = lo < hi ? hi : lo;
            if (pts_add(out, sc(sx, t[a]), sc(sy, v[a])) < 0)
                return -1;
            if (!top_only && b != a && pts_add(out, sc(sx, t[b]), sc(sy, v[b])) < 0)
                return -1;
            have = false;
        }
        if (!valid)
            continue;
        if (!have) {
            col = c;
            lo = hi = i;
            have = true;
            continue;
        }
        if (v[i] < v[lo])
            lo = i;
        if (v[i] > v[hi])
            hi = i;
    }
    if (out->n < 3)
        return 0;
    char *keep = malloc(out->n);
    if (!keep || simplify(out->p, out->n, keep, 0.25) < 0) {
        free(keep);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < out->n; i++)
        if (keep[i])
            out->p[k++] = out->p[i];
    out->n = k;
    free(keep);
    return 0;
}

/* A path number in tenths: "12.3", ".5", "-4", separated by a space unless it starts with '-'. */
static void num10(FILE *f, long long v, bool sep)
{
    if (v < 0) {
        fputc('-', f);
        v = -v;
    } else if (sep) {
        fputc(' ', f);
    }
    long long whole = v / 10, frac = v % 10;
    if (whole || !frac)
        fprintf(f, "%lld", whole);
    if (frac)
        fprintf(f, ".%lld", frac);
}

static long long tenths(double v)
{
    return isfinite(v) ? llround(fmax(fmin(v, 1e9), -1e9) * 10) : 0;
}

/* A path through the points in relative steps rounded to 0.1 (rounded from the absolute
 * positions, so nothing drifts); closed down to base_y when area. */
static void path_pts(FILE *f, const struct pts *v, bool area, double base_y, const char *cls)
{
    if (v->n == 0)
        return;
    long long x = tenths(v->p[0].x), y = tenths(area ? base_y : v->p[0].y);
    bool sep = false;
    fputs("<path d=\"M", f);
    num10(f, x, false);
    num10(f, y, true);
    fputc('l', f);
    for (size_t i = area ? 0 : 1; i <= v->n; i++) {
        long long nx = i < v->n ? tenths(v->p[i].x) : x;
        long long ny = i < v->n ? tenths(v->p[i].y) : tenths(base_y);
        if (i == v->n && !area)
            break;
        if (nx == x && ny == y)
            continue;
        num10(f, nx - x, sep);
        num10(f, ny - y, true);
        sep = true;
        x = nx;
        y = ny;
    }
    if (!sep)
        fputs("0 0", f);
    fprintf(f, "%s\" class=\"%s\"/>\n", area ? "z" : "", cls);
}

/* A JSON array of numbers as doubles (NaN for anything else), at most n. */
static double *read_series(const cJSON *a, size_t n)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (i == n)
            break;
        v[i++] = cJSON_IsNumber(e) && isfinite(e->valuedouble) ? e->valuedouble : NAN;
    }
    while (i < n)
        v[i++] = NAN;
    return v;
}

/* ---------------------------------------------------------------- one run */

struct phase {
    const char *name;
    double t0, t1, peak, al_a, al_r, gl_a, gl_r;
    /* label placement */
    char text[80];
    double lx, lw;
    int row;                /* -1: no label of its own (shared, or no time) */
    bool numbered;
};

#define RUN_W 880.0
#define RUN_PL 64.0
#define RUN_PR 44.0
#define RUN_PH 230.0
#define PH_ROW 14.0

/* Phase labels in rows above the plot. A phase whose band holds "N name" gets that; the
 * others get their number, and a run of neighbours too narrow for one number each shares one
 * label ("8-14"). A label goes in the first row where it clears the previous label by 4 px;
 * a new row opens when none has room. Returns the number of rows. */
static int place_phase_labels(struct phase *ph, int n, const struct scale *sx)
{
    double row_end[64];
    int rows = 0;
    for (int i = 0; i < n; i++) {
        ph[i].row = -1;
        if (!isfinite(ph[i].t0))
            continue;
        double x0 = sc(sx, ph[i].t0), x1 = sc(sx, ph[i].t1);
        char text[80];
        snprintf(text, sizeof text, "%d %.60s", i + 1, ph[i].name);
        double w = text_w(text, 11);
        bool named = w + 4 <= x1 - x0;
        int last = i;
        if (!named) {
            /* Neighbours that cannot show their names either, centred within 16 px of the
             * previous one, share this label. */
            while (last + 1 < n && isfinite(ph[last + 1].t0)) {
                const struct phase *q = &ph[last + 1], *p = &ph[last];
                double qx0 = sc(sx, q->t0), qx1 = sc(sx, q->t1);
                char qt[80];
                snprintf(qt, sizeof qt, "%d %.60s", last + 2, q->name);
                if (text_w(qt, 11) + 4 <= qx1 - qx0 ||
                    (qx0 + qx1) / 2 - (sc(sx, p->t0) + sc(sx, p->t1)) / 2 > 16)
                    break;
                last++;
            }
            if (last > i)
                snprintf(text, sizeof text, "%d\xe2\x80\x93%d", i + 1, last + 1);   /* en dash */
            else
                snprintf(text, sizeof text, "%d", i + 1);
            x1 = sc(sx, ph[last].t1);
            w = text_w(text, 11);
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

static void run_legend(const struct phase *ph, int n, bool timeline, bool has_file, double expect_b,
                       double budget_b, const char *allocator, struct legend_item *leg, int *nl)
{
    bool a = false, r = false, ga = false, gr = false;
    for (int i = 0; i < n; i++) {
        a |= isfinite(ph[i].al_a);
        r |= isfinite(ph[i].al_r);
        ga |= isfinite(ph[i].gl_a);
        gr |= isfinite(ph[i].gl_r);
    }
    bool mixed = strcmp(allocator, "mixed") == 0;
    const char *an = mixed ? "jemalloc" : *allocator ? allocator : "allocator";
    *nl = 0;
    if (timeline) {
        leg[(*nl)++] = (struct legend_item){LEG_SWATCH, "anon", "anon RSS"};
        if (has_file)
            leg[(*nl)++] = (struct legend_item){LEG_SWATCH, "file", "file RSS"};
        leg[(*nl)++] = (struct legend_item){LEG_LINE, "rss", "RSS total (anon + file + shmem)"};
    } else {
        leg[(*nl)++] = (struct legend_item){LEG_LINE, "step", "phase peaks (no timeline)"};
    }
    leg[(*nl)++] = (struct legend_item){LEG_DOT, "pk", "peak"};
    if (isfinite(expect_b))
        leg[(*nl)++] = (struct legend_item){LEG_LINE, "exp", "expect"};
    if (isfinite(budget_b))
        leg[(*nl)++] = (struct legend_item){LEG_LINE, "bud", "budget"};
    if (a) {
        leg[*nl] = (struct legend_item){LEG_DOT, "ma", ""};
        snprintf(leg[*nl].text, sizeof leg[*nl].text, "%.40s allocated at phase end", an);
        (*nl)++;
    }
    if (r) {
        leg[*nl] = (struct legend_item){LEG_SQUARE, "mr", ""};
        snprintf(leg[*nl].text, sizeof leg[*nl].text, "%.40s resident", an);
        (*nl)++;
    }
    if (ga)
        leg[(*nl)++] = (struct legend_item){LEG_DOT, "mga", "glibc allocated (numpy side)"};
    if (gr)
        leg[(*nl)++] = (struct legend_item){LEG_SQUARE, "mgr", "glibc resident (upper bound)"};
}

static void marker(FILE *f, double x, double y, bool square, const char *cls)
{
    if (square) {
        rect_at(f, x - 3.5, y - 3.5, 7, 7, cls);
        return;
    }
    fputs("<circle cx=\"", f);
    co(f, x);
    fputs("\" cy=\"", f);
    co(f, y);
    fprintf(f, "\" r=\"3\" class=\"%s\"/>\n", cls);
}

/* A horizontal reference line's label: the first of four places (left/right, above/below)
 * that touches no label already placed and stays in the plot. */
static void ref_label(FILE *f, struct taken *t, double y, const char *s, double left, double right,
                      double top, double bottom)
{
    const struct {
        double x, dy;
        const char *anchor;
    } cand[4] = {{left + 4, -4, "start"}, {right - 4, -4, "end"}, {left + 4, 12, "start"}, {right - 4, 12, "end"}};
    int pick = 0;
    for (int c = 0; c < 4; c++) {
        struct box b = text_box(cand[c].x, y + cand[c].dy, cand[c].anchor, s, 11);
        if (b.y0 >= top && b.y1 <= bottom && box_free(t, &b)) {
            pick = c;
            break;
        }
    }
    double ty = fmin(fmax(y + cand[pick].dy, top + 10), bottom - 3);
    take(t, text_box(cand[pick].x, ty, cand[pick].anchor, s, 11));
    text_at(f, cand[pick].x, ty, "halo", cand[pick].anchor, s);
}

static int run_svg(FILE *f, const cJSON *run, double output_bytes, char *phase_list, size_t plen,
                   char *err, size_t errlen)
{
    const cJSON *phases = arr(run, "phases"), *e;
    const cJSON *tl = obj(run, "timeline");
    int np = 0, rc = -1;
    struct phase *ph = calloc((size_t)cJSON_GetArraySize(phases) + 1, sizeof *ph);
    double *t = NULL, *rss = NULL, *anon = NULL, *total = NULL;
    struct pts pv = {0};
    if (!ph)
        goto oom;

    /* Phases; without start_seconds (older reports) they follow each other. */
    double clock = 0;
    cJSON_ArrayForEach(e, phases) {
        if (!cJSON_IsObject(e))
            continue;
        struct phase *p = &ph[np++];
        p->name = *str(e, "name") ? str(e, "name") : "?";
        double st = num(e, "start_seconds"), w = num(e, "wall_seconds");
        p->t0 = isfinite(st) ? st : clock;
        p->t1 = p->t0 + (isfinite(w) && w > 0 ? w : 0);
        clock = p->t1;
        p->peak = nonneg(num(e, "peak_rss_bytes"));
        const cJSON *al = obj(e, "allocator"), *gl = obj(e, "allocator_glibc");
        p->al_a = nonneg(num(al, "allocated"));
        p->al_r = nonneg(num(al, "resident"));
        p->gl_a = nonneg(num(gl, "allocated"));
        p->gl_r = nonneg(num(gl, "resident"));
        p->row = -1;
    }

    /* Timeline */
    size_t n = 0;
    const cJSON *ta = arr(tl, "t");
    if (ta)
        n = (size_t)cJSON_GetArraySize(ta);
    bool has_rss = arr(tl, "rss") != NULL, has_anon = arr(tl, "anon") != NULL;
    bool has_file = has_anon && arr(tl, "file") != NULL;
    bool timeline = n > 0 && (has_rss || has_anon);
    if (timeline) {
        t = read_series(ta, n);
        rss = read_series(arr(tl, "rss"), n);
        anon = read_series(arr(tl, "anon"), n);
        total = read_series(arr(tl, "file"), n);
        if (!t || !rss || !anon || !total)
            goto oom;
        for (size_t i = 0; i < n; i++)
            total[i] += anon[i];         /* anon + file: the top of the stack */
    }

    /* Ranges */
    double peak = nonneg(num(run, "peak_rss_bytes")), ratio = nonneg(num(run, "peak_ratio"));
    double out_b = num(run, "output_bytes");
    if (!isfinite(out_b) || out_b <= 0)
        out_b = output_bytes;
    if (!isfinite(ratio) && isfinite(peak) && out_b > 0)
        ratio = peak / out_b;
    double expect_b = nonneg(num(run, "expect_ratio") * out_b), budget_b = nonneg(num(run, "budget_ratio") * out_b);
    double xmax = 0, ymax = 0, peak_t = NAN, peak_y = NAN;
    for (size_t i = 0; timeline && i < n; i++) {
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
    const char *peak_phase = str(run, "peak_phase");
    int peak_i = -1;
    for (int i = 0; i < np; i++) {
        const struct phase *p = &ph[i];
        xmax = fmax(xmax, p->t1);
        double vals[5] = {p->peak, p->al_a, p->al_r, p->gl_a, p->gl_r};
        for (int k = 0; k < 5; k++)
            if (isfinite(vals[k]))
                ymax = fmax(ymax, vals[k]);
        if (isfinite(p->peak) && (peak_i < 0 || p->peak > ph[peak_i].peak))
            peak_i = i;
    }
    for (int i = 0; i < np; i++)
        if (*peak_phase && strcmp(ph[i].name, peak_phase) == 0)
            peak_i = i;
    if (!isfinite(peak)) {
        peak = isfinite(peak_y) ? peak_y : peak_i >= 0 ? ph[peak_i].peak : NAN;
        if (isfinite(peak) && out_b > 0 && !isfinite(ratio))
            ratio = peak / out_b;
    }
    /* The dot goes where the samples peak inside the peak phase, else where they peak at
     * all, else mid-phase. */
    if (timeline && peak_i >= 0) {
        double best = NAN;
        for (size_t i = 0; i < n; i++) {
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
    double vals[4] = {peak_y, peak, expect_b, budget_b};
    for (int k = 0; k < 4; k++)
        if (isfinite(vals[k]))
            ymax = fmax(ymax, vals[k]);
    if (!(xmax > 0))
        xmax = 1;

    /* Y in MiB or GiB by magnitude, nice ticks, room above the peak for its label */
    const double gib = 1024.0 * 1024 * 1024, mib = 1024.0 * 1024;
    bool in_gib = ymax >= gib;
    double unit = in_gib ? gib : mib;
    double yu = ymax > 0 ? ymax / unit : 1;
    double ystep = nice_step(yu * 1.1, 5);
    double ytop = ceil(yu * 1.1 / ystep - 1e-9) * ystep;
    double xstep = nice_step(xmax, 8);

    /* Layout, top down: legend, phase label rows, plot, x axis */
    struct legend_item leg[12];
    int nl;
    run_legend(ph, np, timeline, has_file, expect_b, budget_b, str(run, "allocator"), leg, &nl);
    const double pl = RUN_PL, pr = RUN_W - RUN_PR;
    struct scale sx = {0, xmax, pl, pr};
    int rows = place_phase_labels(ph, np, &sx);
    int leg_lines = legend_lines(leg, nl, pl - 50, RUN_W - 8);
    double y_leg = 14, y_lab = y_leg + (leg_lines - 1) * LEG_ROW + 10;
    double pt = y_lab + rows * PH_ROW + 6, pb = pt + RUN_PH, height = pb + 40;
    struct scale sy = {0, ytop * unit, pb, pt};

    svg_open(f, RUN_W, height, false, "run");
    legend_draw(f, leg, nl, pl - 50, RUN_W - 8, y_leg);

    /* Phase bands reach up through the label rows, tying each label to its band. */
    for (int i = 0; i < np; i++) {
        double x0 = sc(&sx, ph[i].t0), x1 = sc(&sx, ph[i].t1);
        rect_at(f, x0, y_lab, fmax(x1 - x0, 0.5), pb - y_lab, i % 2 ? "b1" : "b0");
    }
    /* Grid, ticks */
    char b[64], b2[64], lab[160];
    for (int k = 0, nt = tick_count(ytop, ystep); k <= nt; k++) {
        double v = k * ystep;
        double yy = sc(&sy, v * unit);
        line_at(f, pl, yy, pr, yy, "grid");
        text_at(f, pl - 5, yy + 4, NULL, "end", fmt_tick(v, ystep, b, sizeof b));
    }
    for (int k = 0, nt = tick_count(xmax, xstep); k <= nt; k++) {
        double v = k * xstep;
        double xx = sc(&sx, v);
        line_at(f, xx, pb, xx, pb + 4, "ax");
        text_at(f, xx, pb + 15, NULL, "middle", fmt_tick(v, xstep, b, sizeof b));
    }
    text_at(f, (pl + pr) / 2, pb + 32, "ttl", "middle", "time, s");
    fputs("<text x=\"0\" y=\"0\" class=\"ttl\" text-anchor=\"middle\" transform=\"translate(16,", f);
    co(f, (pt + pb) / 2);
    fprintf(f, ") rotate(-90)\">RSS, %s</text>\n", in_gib ? "GiB" : "MiB");

    /* Data */
    if (timeline) {
        if (has_file) {
            if (reduce(t, total, n, &sx, &sy, true, &pv) < 0)
                goto oom;
            path_pts(f, &pv, true, pb, "file");
        }
        if (has_anon) {
            if (reduce(t, anon, n, &sx, &sy, true, &pv) < 0)
                goto oom;
            path_pts(f, &pv, true, pb, "anon");
        }
        if (reduce(t, has_rss ? rss : has_file ? total : anon, n, &sx, &sy, false, &pv) < 0)
            goto oom;
        path_pts(f, &pv, false, pb, "rss");
    } else {
        pv.n = 0;
        for (int i = 0; i < np; i++)
            if (isfinite(ph[i].peak) &&
                (pts_add(&pv, sc(&sx, ph[i].t0), sc(&sy, ph[i].peak)) < 0 ||
                 pts_add(&pv, sc(&sx, ph[i].t1), sc(&sy, ph[i].peak)) < 0))
                goto oom;
        path_pts(f, &pv, false, pb, "step");
        if (pv.n == 0)
            text_at(f, pl + 8, pt + 16, "na", "start", "no timeline and no phase peaks in this run");
    }
    /* Frame */
    fputs("<path d=\"M", f);
    xy(f, pl, pt);
    fputs("V", f);
    co(f, pb);
    fputs("H", f);
    co(f, pr);
    fputs("\" class=\"ax\"/>\n", f);

    /* Reference lines */
    if (isfinite(expect_b))
        line_at(f, pl, sc(&sy, expect_b), pr, sc(&sy, expect_b), "exp");
    if (isfinite(budget_b))
        line_at(f, pl, sc(&sy, budget_b), pr, sc(&sy, budget_b), "bud");

    /* Allocator markers at phase ends */
    for (int i = 0; i < np; i++) {
        double xx = sc(&sx, ph[i].t1);
        if (isfinite(ph[i].al_r))
            marker(f, xx, sc(&sy, ph[i].al_r), true, "mr");
        if (isfinite(ph[i].al_a))
            marker(f, xx, sc(&sy, ph[i].al_a), false, "ma");
        if (isfinite(ph[i].gl_r))
            marker(f, xx, sc(&sy, ph[i].gl_r), true, "mgr");
        if (isfinite(ph[i].gl_a))
            marker(f, xx, sc(&sy, ph[i].gl_a), false, "mga");
    }

    /* Peak: dot and value, then the reference labels around it */
    struct taken taken = {.n = 0};
    if (isfinite(peak) && isfinite(peak_t)) {
        double dx = sc(&sx, peak_t), dy = sc(&sy, peak);
        fputs("<circle cx=\"", f);
        co(f, dx);
        fputs("\" cy=\"", f);
        co(f, dy);
        fputs("\" r=\"4\" class=\"pk\"/>\n", f);
        if (isfinite(ratio))
            snprintf(lab, sizeof lab, "%s, %s", hw_fmt_bytes(peak, b, sizeof b), fmt_ratio(ratio, b2, sizeof b2));
        else
            snprintf(lab, sizeof lab, "%s", hw_fmt_bytes(peak, b, sizeof b));
        bool right = dx < pl + (pr - pl) * 0.7;
        double lx = right ? dx + 7 : dx - 7, ly = fmax(dy - 7, pt + 11);
        text_at(f, lx, ly, "halo", right ? "start" : "end", lab);
        take(&taken, text_box(lx, ly, right ? "start" : "end", lab, 11));
    }
    if (isfinite(expect_b)) {
        snprintf(lab, sizeof lab, "expect %s = %s", fmt_ratio(num(run, "expect_ratio"), b, sizeof b),
                 hw_fmt_bytes(expect_b, b2, sizeof b2));
        ref_label(f, &taken, sc(&sy, expect_b), lab, pl, pr, pt, pb);
    }
    if (isfinite(budget_b)) {
        snprintf(lab, sizeof lab, "budget %s = %s", fmt_ratio(num(run, "budget_ratio"), b, sizeof b),
                 hw_fmt_bytes(budget_b, b2, sizeof b2));
        ref_label(f, &taken, sc(&sy, budget_b), lab, pl, pr, pt, pb);
    }

    /* Phase labels */
    for (int i = 0; i < np; i++)
        if (ph[i].row >= 0)
            text_at(f, ph[i].lx, y_lab + (ph[i].row + 1) * PH_ROW - 3, "phl", "start", ph[i].text);
    fputs("</svg>\n", f);

    /* The phase list under the chart: every phase, numbered as on the chart, its wall time
     * and peak. */
    size_t o = 0;
    phase_list[0] = 0;
    for (int i = 0; i < np && o + 1 < plen; i++) {
        int k = snprintf(phase_list + o, plen - o, "%s%d %s %s%s%s", i ? "\n" : "", i + 1, ph[i].name,
                         fmt_secs(ph[i].t1 - ph[i].t0, b, sizeof b), isfinite(ph[i].peak) ? ", peak " : "",
                         isfinite(ph[i].peak) ? hw_fmt_bytes(ph[i].peak, b2, sizeof b2) : "");
        if (k < 0)
            break;
        o += (size_t)k;
        if (o >= plen)
            o = plen - 1;
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "plot: out of memory");
out:
    free(ph);
    free(t);
    free(rss);
    free(anon);
    free(total);
    free(pv.p);
    return rc;
}

/* ---------------------------------------------------------------- page */

static void header(FILE *f, const cJSON *report, const char *title)
{
    const cJSON *ds = obj(report, "dataset"), *host = obj(report, "host"), *tool = obj(report, "tool");
    char b[64], b2[64];
    fputs("<h1>", f);
    esc(f, title);
    fputs("</h1>\n<p class=\"meta\">", f);
    const char *name = str(obj(report, "config"), "name");
    fputs("experiment <b>", f);
    esc(f, *name ? name : "(unnamed)");
    fputs("</b>", f);
    if (isfinite(num(ds, "rows")) || isfinite(num(ds, "cols")))
        fprintf(f, " &#183; %s rows &#215; %s columns", fmt_grouped(num(ds, "rows"), b, sizeof b),
                fmt_grouped(num(ds, "cols"), b2, sizeof b2));
    if (isfinite(num(ds, "source_bytes")))
        fprintf(f, " &#183; source %s", hw_fmt_bytes(num(ds, "source_bytes"), b, sizeof b));
    if (isfinite(num(ds, "output_bytes")))
        fprintf(f, " &#183; output %s", hw_fmt_bytes(num(ds, "output_bytes"), b, sizeof b));
    const char *src = str(obj(report, "config"), "source");
    if (*src) {
        fputs(" &#183; source kind ", f);
        esc(f, src);
    }
    fputs("</p>\n", f);

    if (host) {
        fputs("<p class=\"meta\">host", f);
        const char *sep = ": ";
        static const char *const keys[] = {"hostname", "kernel", "arch", "cpu", "libc"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (*str(host, keys[i])) {
                fputs(sep, f);
                esc(f, str(host, keys[i]));
                sep = ", ";
            }
        if (isfinite(num(host, "cpus"))) {
            fprintf(f, "%s%.0f CPUs", sep, num(host, "cpus"));
            sep = ", ";
        }
        if (isfinite(num(host, "mem_total_bytes"))) {
            fprintf(f, "%s%s memory", sep, hw_fmt_bytes(num(host, "mem_total_bytes"), b, sizeof b));
            sep = ", ";
        }
        if (*str(host, "thp")) {
            fprintf(f, "%sTHP ", sep);
            esc(f, str(host, "thp"));
            sep = ", ";
        }
        if (isfinite(num(host, "page_size_bytes")))
            fprintf(f, "%spage %.0f B", sep, num(host, "page_size_bytes"));
        const cJSON *av = arr(host, "allocator_versions"), *e;
        sep = "; allocators: ";
        cJSON_ArrayForEach(e, av) {
            if (!cJSON_IsString(e))
                continue;
            fputs(sep, f);
            esc_n(f, e->valuestring, 80);
            sep = ", ";
        }
        fputs("</p>\n", f);
    }
    if (tool) {
        fputs("<p class=\"meta\">", f);
        esc(f, *str(tool, "name") ? str(tool, "name") : "highwater");
        if (*str(tool, "version")) {
            fputc(' ', f);
            esc(f, str(tool, "version"));
        }
        if (*str(tool, "git_commit")) {
            fputs(", commit ", f);
            esc(f, str(tool, "git_commit"));
        }
        if (*str(tool, "compiler")) {
            fputs(", built with ", f);
            esc(f, str(tool, "compiler"));
            fputc(' ', f);
            esc(f, str(tool, "cflags"));
        }
        fputs("</p>\n", f);
    }
}

static void lessons(FILE *f, const cJSON *report)
{
    const cJSON *ls = arr(report, "lessons"), *l;
    int n = 0;
    cJSON_ArrayForEach(l, ls)
        n += *str(l, "text") != 0;
    fputs("<h2>Lessons</h2>\n", f);
    if (n == 0) {
        fputs("<p class=\"note\">No lessons in this report.</p>\n", f);
        return;
    }
    fputs("<ul class=\"lessons\">\n", f);
    cJSON_ArrayForEach(l, ls) {
        if (!*str(l, "text"))
            continue;
        const char *kind = str(l, "kind");
        static const char *const known[] = {"correctness", "belief", "allocator", "held"};
        const char *cls = "";
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (strcmp(kind, known[i]) == 0)
                cls = known[i];
        fputs("<li>", f);
        if (*kind) {
            fprintf(f, "<span class=\"kind%s%s\">", *cls ? " k-" : "", cls);
            esc_n(f, kind, 20);
            fputs("</span>", f);
        }
        esc(f, str(l, "text"));
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
        if (strcmp(str(r, "label"), str(s, "label")) == 0 &&
            strcmp(str(r, "allocator"), str(s, "allocator")) == 0 &&
            strcmp(str(r, "allocator_conf"), str(s, "allocator_conf")) == 0)
            return i;
    }
    return 0;
}

static void summary_table(FILE *f, const cJSON *report)
{
    const cJSON *sum = arr(report, "summary"), *s, *runs = arr(report, "runs");
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
        int k = first_run(runs, s);
        fputs("<tr><td class=\"l\">", f);
        if (k)
            fprintf(f, "<a href=\"#run-%d\">", k);
        esc(f, *str(s, "label") ? str(s, "label") : str(s, "strategy"));
        fputs(k ? "</a></td><td class=\"l\">" : "</td><td class=\"l\">", f);
        esc(f, str(s, "allocator"));
        if (*str(s, "allocator_conf")) {
            fputc('+', f);
            esc(f, str(s, "allocator_conf"));
        }
        fputs("</td>", f);
        double pmed = num2(s, "peak_ratio", "median");
        if (!isfinite(pmed)) {
            fputs("<td colspan=\"7\" class=\"l bad\">", f);
            esc(f, *str(s, "status") ? str(s, "status") : "no peak");
            if (*str(s, "reason")) {
                fputs(": ", f);
                esc(f, str(s, "reason"));
            }
            fputs("</td></tr>\n", f);
            continue;
        }
        fprintf(f, "<td>%s</td><td>%s</td>", hw_fmt_bytes(num2(s, "peak_rss_bytes", "median"), b, sizeof b),
                fmt_ratio(pmed, b2, sizeof b2));
        fmt_ratio(num2(s, "peak_ratio", "min"), b, sizeof b);
        fmt_ratio(num2(s, "peak_ratio", "max"), b2, sizeof b2);
        if (strcmp(b, b2) == 0)
            fputs("<td></td>", f);
        else
            fprintf(f, "<td>%s-%s</td>", b, b2);
        fprintf(f, "<td>%s</td>", fmt_ratio(num(s, "expect_ratio"), b3, sizeof b3));
        const char *v = str(s, "expect_verdict");
        fprintf(f, "<td class=\"l%s\">", strcmp(v, "wrong") == 0 ? " wrong" : "");
        esc(f, v);
        if (strcmp(v, "wrong") == 0 && isfinite(num(s, "expect_factor")))
            fprintf(f, ", %.2fx the belief", num(s, "expect_factor"));
        fprintf(f, "</td><td>%s</td>", fmt_secs(num2(s, "wall_seconds", "median"), b, sizeof b));
        const char *check = str(s, "output_check");
        if (strcmp(check, "mismatch") == 0)
            fprintf(f, "<td class=\"l wrong\">WRONG: %s cells differ</td>",
                    fmt_grouped(num(s, "cells_differing"), b, sizeof b));
        else {
            fputs("<td class=\"l\">", f);
            esc(f, strcmp(check, "matches") == 0 ? "matches the reference" : check);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static int run_section(FILE *f, const cJSON *run, int idx, double output_bytes, char *err, size_t errlen)
{
    char b[64], b2[64];
    const char *status = *str(run, "status") ? str(run, "status") : "unknown";
    bool ok = strcmp(status, "ok") == 0;
    fprintf(f, "<div class=\"run\" id=\"run-%d\">\n<h3>%d. ", idx, idx);
    esc(f, *str(run, "label") ? str(run, "label") : *str(run, "strategy") ? str(run, "strategy") : "?");
    fputs(" &#183; ", f);
    esc(f, *str(run, "allocator") ? str(run, "allocator") : "?");
    if (*str(run, "allocator_conf")) {
        fputc('+', f);
        esc(f, str(run, "allocator_conf"));
    }
    if (isfinite(num(run, "repeat")))
        fprintf(f, " &#183; repeat %.0f", num(run, "repeat"));
    fputs("</h3>\n", f);

    if (!ok) {
        fputs("<p class=\"bad\"><b>", f);
        esc(f, status);
        fputs("</b>", f);
        if (*str(run, "reason")) {
            fputs(": ", f);
            esc(f, str(run, "reason"));
        }
        fputs(" (no peak, no chart)</p>\n</div>\n", f);
        return 0;
    }

    /* One line of facts */
    fputs("<p class=\"meta\">", f);
    double peak = num(run, "peak_rss_bytes"), ratio = num(run, "peak_ratio");
    if (isfinite(peak)) {
        fprintf(f, "peak <b>%s</b>", hw_fmt_bytes(peak, b, sizeof b));
        if (isfinite(ratio))
            fprintf(f, " (%s output)", fmt_ratio(ratio, b, sizeof b));
        if (*str(run, "peak_phase")) {
            fputs(" in <b>", f);
            esc(f, str(run, "peak_phase"));
            fputs("</b>", f);
        }
    } else {
        fputs("no peak recorded", f);
    }
    if (isfinite(num(run, "expect_ratio"))) {
        fprintf(f, " &#183; expect %s", fmt_ratio(num(run, "expect_ratio"), b, sizeof b));
        const char *v = str(run, "expect_verdict");
        if (*v) {
            fprintf(f, " <span class=\"%s\">", strcmp(v, "wrong") == 0 ? "wrong" : "note");
            esc(f, v);
            fputs("</span>", f);
        }
    }
    if (isfinite(num(run, "budget_ratio")))
        fprintf(f, " &#183; budget %s", fmt_ratio(num(run, "budget_ratio"), b, sizeof b));
    if (isfinite(num(run, "wall_seconds")))
        fprintf(f, " &#183; wall %s", fmt_secs(num(run, "wall_seconds"), b, sizeof b));
    const cJSON *out = obj(run, "output"), *m = item(out, "matches_reference");
    if (cJSON_IsTrue(m))
        fputs(" &#183; output matches the reference", f);
    else if (cJSON_IsFalse(m))
        fprintf(f, " &#183; <span class=\"wrong\">output WRONG: %s cells differ</span>",
                fmt_grouped(num(out, "cells_differing"), b2, sizeof b2));
    const cJSON *tl = obj(run, "timeline");
    if (cJSON_GetArraySize(arr(tl, "t")) == 0 || (!arr(tl, "rss") && !arr(tl, "anon")))
        fputs(" &#183; <span class=\"note\">no timeline: phase peaks drawn as steps</span>", f);
    fputs("</p>\n", f);

    char list[4096];
    if (run_svg(f, run, output_bytes, list, sizeof list, err, errlen) < 0)
        return -1;
    if (list[0]) {
        fputs("<p class=\"ph\">phases: ", f);
        for (char *p = list, *nl; p && *p; p = nl ? nl + 1 : NULL) {
            nl = strchr(p, '\n');
            if (nl)
                *nl = 0;
            if (p != list)
                fputs(" &#183; ", f);
            esc(f, p);
        }
        fputs("</p>\n", f);
    }
    fputs("</div>\n", f);
    return 0;
}

static int finish(FILE *f, int rc, char *err, size_t errlen)
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
        const char *name = str(obj(report, "config"), "name");
        snprintf(deftitle, sizeof deftitle, "highwater: %.200s", *name ? name : "report");
        title = deftitle;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    esc(f, title);
    fprintf(f, "</title>\n<style>\n%s%s</style>\n</head>\n<body>\n", page_css, svg_css);
    header(f, report, title);
    lessons(f, report);

    fputs("<h2>Summary</h2>\n", f);
    if (summary_svg(report, f, false, err, errlen) < 0)
        return -1;
    summary_table(f, report);

    const cJSON *runs = arr(report, "runs"), *r;
    double output_bytes = num(obj(report, "dataset"), "output_bytes");
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
    return finish(f, 0, err, errlen);
}

int hw_plot_summary_svg(const cJSON *report, FILE *f, char *err, size_t errlen)
{
    if (!f || !cJSON_IsObject(report)) {
        snprintf(err, errlen, "plot: %s", f ? "not a report (expected a JSON object)" : "no output file");
        return -1;
    }
    return finish(f, summary_svg(report, f, true, err, errlen), err, errlen);
}

/* ---- a plan: measured points and fitted lines ---- */

static const char *const plan_colours[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759"};

/* One chart per strategy label: log rows (fit scales to the target) against log peak, each
 * allocator's measured points, its fitted line out to the target, and the prediction there
 * with its 95% interval. A log axis keeps 250k and 70M on one chart. */
static void plan_chart(FILE *f, const cJSON *plan, const char *label)
{
    const double W = 720, H = 300, L = 80, R = 200, T = 20, B = 40;
    double xmin = INFINITY, xmax = num(plan, "target_rows"), ymin = INFINITY, ymax = 0;
    const cJSON *e, *p;
    cJSON_ArrayForEach(e, arr(plan, "entries")) {
        if (strcmp(str(e, "label"), label) != 0)
            continue;
        cJSON_ArrayForEach(p, arr(e, "scales")) {
            xmin = fmin(xmin, num(p, "rows"));
            ymin = fmin(ymin, num(p, "peak_rss_bytes"));
            ymax = fmax(ymax, num(p, "peak_rss_bytes"));
        }
        double pred = num(obj(e, "peak"), "predicted"), pi = num(obj(e, "peak"), "interval_95");
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
    svg_open(f, W, H, false, "plan");
    line_at(f, L, H - B, W - R, H - B, "axis");
    line_at(f, L, T, L, H - B, "axis");
    char buf[64];
    /* Counted by exponent: near 1e308 the bound overflows to inf, and a double multiplied
     * up to it would never pass it. */
    for (int ex = (int)floor(lx0); ex <= (int)ceil(lx1); ex++)
        for (int k = 1; k < 10; k = k == 1 ? 2 : k == 2 ? 5 : 10) {   /* 1, 2, 5 per decade */
            double d = pow(10, ex);
            if (d * k >= pow(10, lx0) && d * k <= pow(10, lx1)) {
                hw_fmt_count_read(d * k, buf, sizeof buf);
                text_at(f, PX(d * k), H - B + 14, "tick", "middle", buf);
            }
        }
    for (int ex = (int)floor(ly0 / log10(2)); ex <= (int)ceil(ly1 / log10(2)); ex += 2) {
        double d = pow(2, ex);
        if (d >= pow(10, ly0) && d <= pow(10, ly1)) {
            hw_fmt_bytes(d, buf, sizeof buf);
            text_at(f, L - 4, PY(d) + 4, "tick", "end", buf);
            line_at(f, L, PY(d), W - R, PY(d), "grid");
        }
    }
    text_at(f, (L + W - R) / 2, H - 6, "axt", "middle", "rows (log)");
    text_at(f, 12, T - 6, "axt", "start", "peak RSS (log)");
    int k = 0;
    cJSON_ArrayForEach(e, arr(plan, "entries")) {
        if (strcmp(str(e, "label"), label) != 0)
            continue;
        const char *colour = plan_colours[k % 4];
        const cJSON *pk = obj(e, "peak");
        double a = num(pk, "a"), b = num(pk, "b"), pred = num(pk, "predicted"), pi = num(pk, "interval_95");
        if (isfinite(a) && isfinite(b)) {
            fputs("<path d=\"", f);
            bool first = true;
            for (int i = 0; i <= 40; i++) {
                double x = pow(10, log10(xmin) + (log10(xmax) - log10(xmin)) * i / 40.0), y = a + b * x;
                if (!(y > 0))
                    continue;
                fputc(first ? 'M' : 'L', f);
                xy(f, PX(x), PY(y));
                first = false;
            }
            fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s/>\n", colour,
                    cJSON_IsTrue(item(e, "reliable")) ? "" : " stroke-dasharray=\"5,3\"");
        }
        cJSON_ArrayForEach(p, arr(e, "scales")) {
            fputs("<circle cx=\"", f);
            co(f, PX(num(p, "rows")));
            fputs("\" cy=\"", f);
            co(f, PY(num(p, "peak_rss_bytes")));
            fprintf(f, "\" r=\"3.5\" fill=\"%s\"/>\n", colour);
        }
        if (pred > 0 && isfinite(pi) && pred - pi > 0) {
            fputs("<path d=\"M", f);
            xy(f, PX(xmax), PY(pred - pi));
            fputc('L', f);
            xy(f, PX(xmax), PY(pred + pi));
            fprintf(f, "\" stroke=\"%s\" stroke-width=\"3\"/>\n", colour);
        }
        char text[160], b1[32], who[96];
        snprintf(who, sizeof who, "%s%s%s", str(e, "allocator"), *str(e, "allocator_conf") ? "+" : "",
                 str(e, "allocator_conf"));
        snprintf(text, sizeof text, "%.40s: %s%s", who, pred > 0 ? hw_fmt_bytes(pred, b1, sizeof b1) : "-",
                 cJSON_IsTrue(item(e, "reliable")) ? "" : " (unreliable)");
        fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", W - R + 12, T + 16.0 * k, colour);
        text_at(f, W - R + 26, T + 16.0 * k + 9, "lbl", "start", text);
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
    fprintf(f, "<style>\n%s%s</style>\n</head>\n<body>\n", page_css, svg_css);
    fprintf(f, "<h1>highwater plan: %s rows</h1>\n", hw_fmt_count_read(num(plan, "target_rows"), b1, sizeof b1));
    fputs("<p class=\"note\">Each chart: measured peaks at the fit scales (dots), the fitted line out to the "
          "target (dashed when the fit crosses an allocator threshold and is unreliable), and the "
          "prediction's 95% interval at the target (bar).</p>\n", f);
    cJSON_ArrayForEach(e, arr(plan, "entries")) {
        bool seen = false;
        cJSON_ArrayForEach(d, arr(plan, "entries")) {
            if (d == e)
                break;
            seen |= strcmp(str(d, "label"), str(e, "label")) == 0;
        }
        if (seen)
            continue;
        fputs("<h2>", f);
        esc(f, str(e, "label"));
        fputs("</h2>\n", f);
        plan_chart(f, plan, str(e, "label"));
    }
    fputs("</body>\n</html>\n", f);
    return ferror(f) ? (snprintf(err, errlen, "plot: write failed"), -1) : 0;
}

struct plot_job { const cJSON *report; bool svg; };

static int plot_body(FILE *f, const void *ctx, char *err, size_t errlen)
{
    const struct plot_job *j = ctx;
    bool is_plan = strcmp(str(j->report, "schema"), "highwater.plan/1") == 0;
    return is_plan  ? hw_plot_plan_html(j->report, f, err, errlen)
           : j->svg ? hw_plot_summary_svg(j->report, f, err, errlen)
                    : hw_plot_html(j->report, NULL, f, err, errlen);
}

int hw_plot_write(const cJSON *report, const char *path, char *err, size_t errlen)
{
    size_t n = strlen(path);
    struct plot_job j = {report, n >= 4 && strcmp(path + n - 4, ".svg") == 0};
    if (hw_path_check("-o", path, err, errlen) != 0)
        return 2;
    return hw_atomic_write(path, plot_body, &j, err, errlen) == 0 ? 0 : 3;
}
