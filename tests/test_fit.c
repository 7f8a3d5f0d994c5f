/* The fit math against values computed by hand, and the degenerate inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "fit.h"

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

/* x = 1, 2, 3, 4; y = 2, 4, 5, 8.
 * xbar = 2.5, ybar = 4.75, Sxx = 5, Sxy = (-1.5)(-2.75) + (-0.5)(-0.75) + (0.5)(0.25) + (1.5)(3.25)
 *      = 4.125 + 0.375 + 0.125 + 4.875 = 9.5; b = 1.9, a = 4.75 - 4.75 = 0.
 * residuals: 2-1.9 = 0.1, 4-3.8 = 0.2, 5-5.7 = -0.7, 8-7.6 = 0.4; SSres = 0.01+0.04+0.49+0.16 = 0.7
 * Syy = 7.5625 + 0.5625 + 0.0625 + 10.5625 = 18.75; R² = 1 - 0.7/18.75 = 0.962667
 * s = sqrt(0.7 / 2) = 0.591608; at x = 10: t(2) = 4.303,
 * half-width = 4.303 * 0.591608 * sqrt(1 + 1/4 + 56.25/5) = 4.303 * 0.591608 * 3.535534 = 9.00036 */
static void hand_computed(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4}, y[] = {2, 4, 5, 8};
    struct hw_fit f;
    char err[128];
    assert_int_equal(hw_fit_line(x, y, 4, &f, err, sizeof err), 0);
    NEAR(f.b, 1.9, 1e-12);
    NEAR(f.a, 0.0, 1e-12);
    NEAR(f.r2, 1 - 0.7 / 18.75, 1e-12);
    NEAR(f.s, sqrt(0.35), 1e-12);
    NEAR(hw_fit_predict(&f, 10), 19.0, 1e-12);
    NEAR(hw_fit_interval(&f, 10), 4.303 * sqrt(0.35) * sqrt(1 + 0.25 + 56.25 / 5), 1e-9);
    /* Hold-out: fit (1,2), (2,4), (3,5): b = 1.5, a = 2/3 ... predict x=4: 2/3 + 6 = 6.6667;
     * actual 8: error = (6.6667 - 8) / 8 = -0.166667 */
    NEAR(hw_fit_holdout(x, y, 4), (2.0 / 3.0 + 6.0 - 8.0) / 8.0, 1e-12);
}

/* Exact lines come back exact, R² 1, zero interval width. */
static void exact_line(void **state)
{
    (void)state;
    const double x[] = {250e3, 500e3, 1e6, 2e6};
    double y[4];
    for (int i = 0; i < 4; i++)
        y[i] = 3e6 + 912.5 * x[i];
    struct hw_fit f;
    char err[128];
    assert_int_equal(hw_fit_line(x, y, 4, &f, err, sizeof err), 0);
    NEAR(f.b, 912.5, 1e-6);
    NEAR(f.a, 3e6, 1e-2);
    NEAR(f.r2, 1.0, 1e-12);
    NEAR(hw_fit_predict(&f, 70e6), 3e6 + 912.5 * 70e6, 1.0);
    NEAR(hw_fit_interval(&f, 70e6), 0.0, 1.0);
    NEAR(hw_fit_holdout(x, y, 4), 0.0, 1e-9);
}

static void degenerate_inputs(void **state)
{
    (void)state;
    struct hw_fit f;
    char err[128];
    const double one[] = {1e6}, same[] = {1e6, 1e6, 1e6}, y[] = {1, 2, 3}, bad[] = {1, NAN};
    assert_int_equal(hw_fit_line(one, y, 1, &f, err, sizeof err), -1);
    assert_string_equal(err, "a line needs at least 2 scales, got 1; add fit scales (--fit)");
    assert_int_equal(hw_fit_line(same, y, 3, &f, err, sizeof err), -1);
    assert_string_equal(err, "all 3 points are at one scale; a line needs two different ones");
    assert_int_equal(hw_fit_line(y, bad, 2, &f, err, sizeof err), -1);
    assert_string_equal(err, "point 1 is not a finite number");
    /* Two points: a line, but no interval and no hold-out. */
    const double x2[] = {1, 2}, y2[] = {3, 5};
    assert_int_equal(hw_fit_line(x2, y2, 2, &f, err, sizeof err), 0);
    assert_true(isnan(hw_fit_interval(&f, 10)));
    assert_true(isnan(hw_fit_holdout(x2, y2, 2)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_computed),
        cmocka_unit_test(exact_line),
        cmocka_unit_test(degenerate_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
