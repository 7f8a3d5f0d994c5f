/* Timelines drawn at the size of the picture, not of the data (svg.h, "paths"): a run sampled
 * every millisecond for minutes has hundreds of thousands of samples, and its chart is 880
 * pixels wide. Per pixel column the lowest and highest sample survive, then Douglas-Peucker at
 * a quarter pixel, then relative path steps in tenths. */
#include "svg.h"
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int hw_pts_add(struct hw_pts *v, double x, double y)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        struct hw_pt *p = realloc(v->p, cap * sizeof *p);
        if (!p)
            return -1;
        v->p = p;
        v->cap = cap;
    }
    v->p[v->n++] = (struct hw_pt){x, y};
    return 0;
}

/* Douglas-Peucker over p[a..b] (both kept), marking kept points; iterative. */
static int simplify(const struct hw_pt *p, size_t n, char *keep, double eps)
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
int hw_pts_reduce(const double *t, const double *v, size_t n, const struct hw_scale *sx,
                  const struct hw_scale *sy, bool top_only, struct hw_pts *out)
{
    out->n = 0;
    long col = LONG_MIN;
    size_t lo = 0, hi = 0;
    bool have = false;
    for (size_t i = 0; i <= n; i++) {
        bool valid = i < n && isfinite(t[i]) && isfinite(v[i]);
        long c = valid ? lround(fmax(fmin(floor(hw_scale_at(sx, t[i])), 1e9), -1e9)) : col;
        if (have && (i == n || (valid && c != col))) {
            size_t a = top_only ? hi : lo < hi ? lo : hi, b = lo < hi ? hi : lo;
            if (hw_pts_add(out, hw_scale_at(sx, t[a]), hw_scale_at(sy, v[a])) < 0)
                return -1;
            if (!top_only && b != a && hw_pts_add(out, hw_scale_at(sx, t[b]), hw_scale_at(sy, v[b])) < 0)
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
void hw_svg_path(FILE *f, const struct hw_pts *v, bool area, double base_y, const char *cls)
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
