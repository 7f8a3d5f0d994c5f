/* `highwater plan`: predict the peak (and wall time) of every strategy x allocator at a
 * target row count from runs at smaller scales, with the error bars that say how far to
 * trust it. peak(rows) = a + b rows by least squares over the fit scales; R², a 95%
 * prediction interval and the hold-out error (fit without the largest scale, predict it).
 *
 * Allocators change behaviour at block-size thresholds (jemalloc purges freed extents of
 * 8 MiB or more at once and keeps smaller ones; glibc mmaps blocks of 128 KiB or more), and
 * the blocks a strategy frees are mostly source columns, which grow with rows. A line fitted
 * on one side of a threshold does not hold on the other: the plan records the column size at
 * every scale and at the target, drops fit scales on the other side of the target when two
 * remain, and otherwise marks the prediction unreliable. */
#ifndef HW_PLAN_H
#define HW_PLAN_H
#include "report_check.h"
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define HW_PLAN_MAX_FROM 16

struct hw_plan_opts {
    char config[PATH_MAX];
    uint64_t rows;                 /* the target, required */
    char fit[256];                 /* "250k,500k,1M,2M" */
    char machine[256];             /* "32GiB,64GiB,128GiB" */
    double headroom;               /* 0.10: a machine fits when peak x 1.1 <= its memory */
    char out[PATH_MAX];            /* -o PLAN.json */
    char strategies[256], allocators[256];
    bool from;                     /* the positionals are reports, not a config */
    bool find_limit;               /* the fit scales' runs also --find-limit */
    int nfrom;
    char reports[HW_PLAN_MAX_FROM][PATH_MAX];
};

/* The command, which measures the fit scales with the runner, is parent/plan_cmd.h; this is
 * the model: */
/* The fit scales (--fit, or chosen around the allocators' thresholds for the target), said on
 * stderr: how many, or -1 with err. scales holds HW_PLAN_MAX_FROM. */
int hw_plan_fit_scales(const struct hw_plan_opts *o, double *scales, char *err, size_t len);
/* The plan from the reports at paths: printed, and written to o->out if set. Exit code: 0,
 * 2 bad input (too few scales, zero rows, reports of different shapes), 3. */
int hw_plan_from_reports(const struct hw_plan_opts *o, const char *const *paths, int n);
/* The plan from loaded reports (for tests). NULL with err on bad input. */
cJSON *hw_plan_build(cJSON *const *reports, const char *const *paths, int n, const struct hw_plan_opts *o,
                     char *err, size_t errlen);
void hw_plan_print(const cJSON *plan, FILE *f);
/* The plan's predicted peak for (label, allocator, conf) at rows, or NAN if it has none. */
double hw_plan_predict(const cJSON *plan, const char *label, const char *allocator, const char *conf,
                       double rows);

#endif
