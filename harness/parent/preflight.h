/* The pre-flight check of every job before anything runs: its predicted peak (the strategy's
 * model, or a plan's fit with --plan) against the memory limit, and the disk an output file
 * needs against what run.tmpdir has free. A job that cannot fit is skipped, with the reason. */
#ifndef HW_PREFLIGHT_H
#define HW_PREFLIGHT_H
#include "jobs.h"
#include <cjson/cJSON.h>

struct hw_preflight {
    uint64_t limit;
    const char *limit_text;      /* the limit as the reasons name it */
    const cJSON *plan;           /* --plan, or NULL: the strategies' models */
    const char *plan_path;
};

/* Sets j->predicted, and j->skip when it cannot run. */
void hw_preflight_job(struct hw_job *j, const struct hw_config *cfg, const struct hw_preflight *pf);

#endif
