/* One run of `highwater run` into the report: the record of a job (what was asked, what was
 * predicted) and what its worker left behind (status, phases, peaks, rusage, output check,
 * timeline, throughput against this machine's calibration). */
#ifndef HW_RUN_RECORD_H
#define HW_RUN_RECORD_H
#include "child.h"
#include "jobs.h"
#include <cjson/cJSON.h>

struct hw_record_opts {
    cJSON *report;             /* the allocator versions are noted in it; host.calibration */
    uint64_t limit;            /* for the reasons */
    const char *self;
    double expect_tolerance;
    bool phase_reset;
    bool timeline;             /* false: "timeline": null (--no-timeline) */
    double interval_ms;
};

/* The job's fields, before it runs (all a skipped run has, with status and reason). */
cJSON *hw_run_record_new(const struct hw_job *j, bool phase_reset);
/* A run that never started (skipped, or its spec could not be made): its status and reason. */
void hw_run_record_end(cJSON *r, const char *status, const char *reason);
/* What the job's worker left behind, into r. */
void hw_run_record_fill(cJSON *r, const struct hw_job *j, const struct hw_child *ch, const struct hw_record_opts *o);

#endif
