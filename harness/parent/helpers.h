/* The run's two helper workers, each a worker in its own mode through the same supervisor:
 * the reference (every column's exact median and the reference output's checksum, once per
 * output dtype, which every run's output is checked against) and the calibration (this
 * machine's memcpy and first-touch rates, for the report's host block). */
#ifndef HW_HELPERS_H
#define HW_HELPERS_H
#include "child.h"
#include "config.h"
#include "spec.h"
#include <cjson/cJSON.h>

struct hw_reference {
    bool have;                 /* false: it could not be computed; outputs stay unchecked */
    enum hw_dtype dtype;
    uint64_t checksum;
    double medians[HW_MAX_COLS];
};

struct hw_references {
    struct hw_reference r[3];  /* one per output dtype */
    uint32_t n;
};

struct hw_helpers {
    struct hw_child_opts child;   /* launcher, limit, interval, progress; alloc and label unused */
    const struct hw_config *cfg;
    const char *self;             /* the binary the workers exec, for the reasons */
    uint64_t *peak;               /* optional: raised to each helper's peak RSS (bytes) */
};

/* The larger of the two helpers' predicted peaks, from what each allocates by design: the
 * calibration's two memcpy buffers, the reference's copy of one column as doubles. Part of
 * what a scheduler step needs beside the runs (run --shard-memory). */
double hw_helpers_predicted_peak(const struct hw_config *cfg);

/* Whether dtype's reference is still to be computed (a failed one is not tried again). */
bool hw_reference_needed(const struct hw_references *refs, enum hw_dtype dtype);
/* Compute dtype's reference in a worker; a failure is said on stderr (unless interrupted). */
void hw_reference_compute(struct hw_references *refs, enum hw_dtype dtype, const struct hw_helpers *h);
/* Give the spec dtype's reference, when there is one. */
void hw_reference_apply(const struct hw_references *refs, struct hw_spec *spec);
/* The calibration object, or NULL after a message on stderr (unless interrupted). */
cJSON *hw_calibration_compute(const struct hw_helpers *h);

#endif
