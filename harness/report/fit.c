#include "fit.h"
#include <math.h>
#include <stdio.h>

/* Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom; beyond, the normal. */
static const double t975[] = {
    0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
    2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
    2.056, 2.052, 2.048, 2.045, 2.042,
};

int hw_fit_line(const double *x, const double *y, size_t n, struct hw_fit *f, char *err, size_t errlen)
{
    double sx = 0, sy = 0;
    *f = (struct hw_fit){.n = n, .s = NAN};
    if (n < 2) {
        snprintf(err, errlen, "a line needs at least 2 scales, got %zu; add fit scales (--fit)", n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            snprintf(err, errlen, "point %zu is not a finite number", i);
            return -1;
        }
        sx += x[i];
        sy += y[i];
    }
    double xbar = sx / (double)n, ybar = sy / (double)n, sxx = 0, sxy = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - xbar) * (x[i] - xbar);
        sxy += (x[i] - xbar) * (y[i] - ybar);
        syy += (y[i] - ybar) * (y[i] - ybar);
    }
    if (sxx == 0) {
        snprintf(err, errlen, "all %zu points are at one scale; a line needs two different ones", n);
        return -1;
    }
    f->b = sxy / sxx;
    f->a = ybar - f->b * xbar;
    f->xbar = xbar;
    f->sxx = sxx;
    double ssres = 0;
    for (size_t i = 0; i < n; i++) {
        double r = y[i] - (f->a + f->b * x[i]);
        ssres += r * r;
    }
    f->r2 = syy > 0 ? 1.0 - ssres / syy : 1.0;
    if (n > 2)
        f->s = sqrt(ssres / (double)(n - 2));
    return 0;
}

double hw_fit_predict(const struct hw_fit *f, double x) { return f->a + f->b * x; }

double hw_fit_interval(const struct hw_fit *f, double x)
{
    if (f->n < 3 || isnan(f->s))
        return NAN;
    size_t df = f->n - 2;
    double t = df < sizeof t975 / sizeof t975[0] ? t975[df] : 1.960;
    return t * f->s * sqrt(1.0 + 1.0 / (double)f->n + (x - f->xbar) * (x - f->xbar) / f->sxx);
}

double hw_fit_holdout(const double *x, const double *y, size_t n)
{
    double xs[64], ys[64];
    size_t top = 0, m = 0;
    char err[128];
    struct hw_fit f;
    if (n < 3 || n > 64)
        return NAN;
    for (size_t i = 1; i < n; i++)
        if (x[i] > x[top])
            top = i;
    for (size_t i = 0; i < n; i++)
        if (i != top) {
            xs[m] = x[i];
            ys[m++] = y[i];
        }
    if (hw_fit_line(xs, ys, m, &f, err, sizeof err) != 0 || y[top] == 0)
        return NAN;
    return (hw_fit_predict(&f, x[top]) - y[top]) / y[top];
}
