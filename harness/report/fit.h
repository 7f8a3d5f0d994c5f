/* Straight-line least squares, y = a + b x, with what a plan needs to be honest about it:
 * R², a 95% prediction interval at the target, and a hold-out check (fit without the largest
 * x, predict it). Pure arithmetic, no I/O. */
#ifndef HW_FIT_H
#define HW_FIT_H
#include <stdbool.h>
#include <stddef.h>

struct hw_fit {
    size_t n;
    double a, b;          /* intercept and slope */
    double r2;            /* 1 - SSres/SStot; 1 when every y is equal and fitted exactly */
    double s;             /* residual standard error, sqrt(SSres / (n - 2)); NaN when n < 3 */
    double xbar, sxx;     /* for prediction intervals */
};

/* 0, or -1 with err: fewer than 2 points, fewer than 2 distinct x, a non-finite value. */
int hw_fit_line(const double *x, const double *y, size_t n, struct hw_fit *f, char *err, size_t errlen);
double hw_fit_predict(const struct hw_fit *f, double x);
/* Half-width of the 95% prediction interval for a new observation at x (Student t with
 * n - 2 degrees of freedom); NaN when n < 3 (two points leave no residual to judge by). */
double hw_fit_interval(const struct hw_fit *f, double x);
/* Fit without the point of largest x, predict it: (predicted - actual) / actual. NaN when
 * fewer than 3 points (the rest could not make a line) or fewer than 2 distinct x remain. */
double hw_fit_holdout(const double *x, const double *y, size_t n);

#endif
