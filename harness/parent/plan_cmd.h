/* `highwater plan` (the model: report/plan.h): the fit scales measured with the same runner
 * as `highwater run` (or reports given with --from), then the plan from their reports. In
 * parent/ because it runs experiments; the model never includes the runner. */
#ifndef HW_PLAN_CMD_H
#define HW_PLAN_CMD_H
#include "plan.h"

/* Exit code: 0, 2 bad input (too few scales, zero rows, reports of different shapes), 3, or
 * a fit scale's run's own failure. */
int hw_plan(const struct hw_plan_opts *o);

#endif
