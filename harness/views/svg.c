/* The views' toolkit (svg.h): text, escaping, SVG primitives, formats, axes, labels, legends,
 * styles. Every byte a chart writes goes through these, so the page stays well-formed XML
 * whatever a report's strings hold. */
#include "svg.h"
#include "plot.h"
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SVG_NS "http://www.w3.org/2000/svg"

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
size_t hw_text_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
        size_t l = utf8_len(p);
        p += l ? l : 1;
    }
    return n;
}

double hw_text_width(const char *s, double font)
{
    return (double)hw_text_chars(s) * font * HW_CHAR_EM;
}

/* s escaped for HTML text, attributes and XML alike; at most max characters (0: all), an
 * ellipsis when cut. Bytes XML cannot hold (controls, invalid UTF-8) become '?'. The first
 * letter of "http" and "src=" in a label is written as a character reference, so the page
 * holds no such string but the SVG namespace, whatever the report says. */
void hw_html_escape_n(FILE *f, const char *s, size_t max)
{
    size_t n = 0;
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
        if (max && n + 1 == max && hw_text_chars((const char *)p) > 1) {
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

void hw_html_escape(FILE *f, const char *s)
{
    hw_html_escape_n(f, s, 0);
}

/* A coordinate rounded to 0.1, without a trailing ".0". */
void hw_svg_num(FILE *f, double v)
{
    if (!isfinite(v))
        v = 0;
    long long t = llround(fmax(fmin(v, 1e9), -1e9) * 10);
    if (t % 10 == 0)
        fprintf(f, "%lld", t / 10);
    else
        fprintf(f, "%s%lld.%lld", t < 0 ? "-" : "", llabs(t) / 10, llabs(t) % 10);
}

void hw_svg_xy(FILE *f, double x, double y)
{
    hw_svg_num(f, x);
    fputc(',', f);
    hw_svg_num(f, y);
}

/* <text x y class anchor>escaped</text> */
void hw_svg_text(FILE *f, double x, double y, const char *cls, const char *anchor, const char *s)
{
    fputs("<text x=\"", f);
    hw_svg_num(f, x);
    fputs("\" y=\"", f);
    hw_svg_num(f, y);
    fputc('"', f);
    if (cls && *cls)
        fprintf(f, " class=\"%s\"", cls);
    if (anchor && strcmp(anchor, "start") != 0)
        fprintf(f, " text-anchor=\"%s\"", anchor);
    fputc('>', f);
    hw_html_escape(f, s);
    fputs("</text>\n", f);
}

void hw_svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *cls)
{
    fputs("<path d=\"M", f);
    hw_svg_xy(f, x1, y1);
    fputc('L', f);
    hw_svg_xy(f, x2, y2);
    fprintf(f, "\" class=\"%s\"/>\n", cls);
}

void hw_svg_rect(FILE *f, double x, double y, double w, double h, const char *cls)
{
    fputs("<rect x=\"", f);
    hw_svg_num(f, x);
    fputs("\" y=\"", f);
    hw_svg_num(f, y);
    fputs("\" width=\"", f);
    hw_svg_num(f, w < 0 ? 0 : w);
    fputs("\" height=\"", f);
    hw_svg_num(f, h < 0 ? 0 : h);
    fprintf(f, "\" class=\"%s\"/>\n", cls);
}

/* "1,000,000" */
const char *hw_fmt_grouped(double v, char *buf, size_t len)
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

const char *hw_fmt_ratio(double v, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, "%.2fx", v);
    else
        snprintf(buf, len, "-");
    return buf;
}

const char *hw_fmt_secs(double v, char *buf, size_t len)
{
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, v < 0.1 ? "%.3f s" : v < 100 ? "%.2f s" : "%.0f s", v);
    return buf;
}

/* ---------------------------------------------------------------- axes */

/* 1, 2 or 5 times a power of ten, the nearest to range/ticks. */
double hw_nice_step(double range, int ticks)
{
    if (!(range > 0) || !isfinite(range))
        return 1;
    double raw = range / ticks, mag = pow(10, floor(log10(raw))), norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

/* A tick value with as many decimals as its step needs. */
const char *hw_fmt_tick(double v, double step, char *buf, size_t len)
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
int hw_tick_count(double top, double step)
{
    double k = floor(top / step + 1e-6);
    return isfinite(k) && k >= 0 ? (int)fmin(k, 60) : 0;
}

double hw_scale_at(const struct hw_scale *s, double v)
{
    double span = s->hi - s->lo;
    return s->p0 + (span > 0 ? (v - s->lo) / span : 0) * (s->p1 - s->p0);
}

/* ---------------------------------------------------------------- label placement */

static bool overlaps(const struct hw_box *a, const struct hw_box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

/* The box of a text at baseline y. */
struct hw_box hw_text_box(double x, double y, const char *anchor, const char *s, double font)
{
    double w = hw_text_width(s, font);
    double x0 = strcmp(anchor, "end") == 0 ? x - w : strcmp(anchor, "middle") == 0 ? x - w / 2 : x;
    return (struct hw_box){x0 - 1, y - font * 0.85, x0 + w + 1, y + font * 0.3};
}

bool hw_box_free(const struct hw_taken *t, const struct hw_box *b)
{
    for (int i = 0; i < t->n; i++)
        if (overlaps(&t->b[i], b))
            return false;
    return true;
}

void hw_take(struct hw_taken *t, struct hw_box b)
{
    if (t->n < HW_MAX_BOXES)
        t->b[t->n++] = b;
}

/* ---------------------------------------------------------------- legend */

/* Lines the items need between x0 and x1 (they wrap). */
int hw_legend_lines(const struct hw_legend_item *it, int n, double x0, double x1)
{
    int lines = n ? 1 : 0;
    double x = x0;
    for (int i = 0; i < n; i++) {
        double w = 16 + hw_text_width(it[i].text, 11) + 14;
        if (x > x0 && x + w > x1) {
            lines++;
            x = x0;
        }
        x += w;
    }
    return lines;
}

void hw_legend_draw(FILE *f, const struct hw_legend_item *it, int n, double x0, double x1, double y)
{
    double x = x0;
    for (int i = 0; i < n; i++) {
        double w = 16 + hw_text_width(it[i].text, 11) + 14;
        if (x > x0 && x + w > x1) {
            x = x0;
            y += HW_LEG_ROW;
        }
        switch (it[i].kind) {
        case HW_LEG_SWATCH: hw_svg_rect(f, x, y - 9, 12, 10, it[i].cls); break;
        case HW_LEG_LINE: hw_svg_line(f, x, y - 4, x + 12, y - 4, it[i].cls); break;
        case HW_LEG_TICK: hw_svg_line(f, x + 6, y - 10, x + 6, y + 1, it[i].cls); break;
        case HW_LEG_DOT:
            fputs("<circle cx=\"", f);
            hw_svg_num(f, x + 6);
            fputs("\" cy=\"", f);
            hw_svg_num(f, y - 4);
            fprintf(f, "\" r=\"3.5\" class=\"%s\"/>\n", it[i].cls);
            break;
        case HW_LEG_SQUARE: hw_svg_rect(f, x + 2.5, y - 7.5, 7, 7, it[i].cls); break;
        }
        hw_svg_text(f, x + 16, y, NULL, "start", it[i].text);
        x += w;
    }
}

/* ---------------------------------------------------------------- styles */

/* One style sheet for inline and standalone SVG; no '<', '>' or '&', so it needs no CDATA. */
const char hw_svg_css[] =
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
    ".cg{fill:none;stroke:#d94801;stroke-width:1.2;stroke-dasharray:5 2}\n"
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

const char hw_page_css[] =
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

void hw_svg_open(FILE *f, double w, double h, bool standalone, const char *cls)
{
    if (standalone)
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f, "<svg xmlns=\"" SVG_NS "\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" class=\"%s\">\n",
            ceil(w), ceil(h), ceil(w), ceil(h), cls);
    if (standalone)
        fprintf(f, "<style>\n%s</style>\n<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
                hw_svg_css);
}
