/* The run's two helper workers, each a worker in its own mode through the same supervisor:
 * the reference (every column's exact median and the reference output's checksum, once per
 * output dtype, which every run's output is checked against) and the calibration (this
 * machine's memcpy and first-touch rates, for the report's host block). Both are kept in the
 * helper cache (helper_cache.h) and taken from it when its key matches. */
#ifndef HW_HELPERS_H
#define HW_HELPERS_H
#include "child.h"
#include "config.h"
#include "spec.h"
#include <cjson/cJSON.h>
#include <limits.h>

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
    bool recalibrate;             /* measure even when the cache has this host's calibration */
    char cache_dir[PATH_MAX];     /* hw_helpers_cache_open's; "" = no cache */
    char build[1024];             /* this binary's identity for reference keys; "" = none */
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

/* h's cache directory and build identity, "" (after one line on stderr) when there is none:
 * then everything is measured and computed as if the cache were empty, and nothing is kept. */
void hw_helpers_cache_open(struct hw_helpers *h);
/* The report's host.calibration: this host and boot's cached one unless h->recalibrate, else
 * measured now and cached; with its origin ("cached" or "measured"), measured_at and
 * cache_file. host is the report's host block (the facts of the key). NULL as above. */
cJSON *hw_calibration_get(const struct hw_helpers *h, const cJSON *host);
/* dtype's reference, from the cache or computed (and cached); when one was needed, its record
 * {output_dtype, origin ("cached", "computed" or "failed"), wall_seconds, computed_at,
 * cache_file} is added to records. */
void hw_reference_get(struct hw_references *refs, enum hw_dtype dtype, const struct hw_helpers *h, cJSON *records);

#endif
