#include "plan_cmd.h"
#include "atomic.h"
#include "runner.h"
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

/* Runs of the config at each fit scale, through the same runner as `highwater run`. */
static int run_scales(const struct hw_plan_opts *o, char paths[][PATH_MAX], int *n, char *err, size_t len)
{
    double scales[HW_PLAN_MAX_FROM];
    int ns = hw_plan_fit_scales(o, scales, err, len);
    if (ns < 0)
        return 2;
    char stamp[32];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
    mkdir("results", 0755);
    mkdir("results/runs", 0755);
    for (int i = 0; i < ns; i++) {
        /* One worker at a time: the plan fits wall times too, which must not be shared ones. */
        struct hw_run_opts ro = {.rows = (uint64_t)scales[i], .no_timeline = true, .find_limit = o->find_limit,
                                 .jobs = 1};
        snprintf(ro.config, sizeof ro.config, "%s", o->config);
        snprintf(ro.strategies, sizeof ro.strategies, "%s", o->strategies);
        snprintf(ro.allocators, sizeof ro.allocators, "%s", o->allocators);
        snprintf(paths[i], PATH_MAX, "results/runs/plan-%s-%.0f.json", stamp, scales[i]);
        snprintf(ro.report, sizeof ro.report, "%.4000s", paths[i]);
        fprintf(stderr, "plan: fit scale %d/%d, %.0f rows\n", i + 1, ns, scales[i]);
        int rc = hw_runner(&ro);
        if (rc != 0 && rc != 1) {   /* 1: a budget failed; the report is still whole */
            snprintf(err, len, "the run at %.0f rows failed (exit %d); see %.4000s", scales[i], rc, paths[i]);
            return rc;
        }
    }
    *n = ns;
    return 0;
}

int hw_plan(const struct hw_plan_opts *o)
{
    int rc, n = 0;
    char err[PATH_MAX * 2 + 512];
    static char paths[HW_PLAN_MAX_FROM][PATH_MAX];
    const char *names[HW_PLAN_MAX_FROM];
    /* A bad -o is found before the fit scales are measured, not after. */
    if (o->out[0] && hw_path_check("-o", o->out, err, sizeof err) != 0) {
        fprintf(stderr, "highwater plan: %s\n", err);
        return 2;
    }
    if (o->from) {
        for (n = 0; n < o->nfrom; n++)
            snprintf(paths[n], PATH_MAX, "%s", o->reports[n]);
    } else if ((rc = run_scales(o, paths, &n, err, sizeof err)) != 0) {
        fprintf(stderr, "highwater plan: %s\n", err);
        return rc;
    }
    for (int i = 0; i < n; i++)
        names[i] = paths[i];
    return hw_plan_from_reports(o, names, n);
}
