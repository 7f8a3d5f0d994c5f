/* The parent's RSS timeline of one worker: samples of /proc/PID/status kept in at most
 * HW_TIMELINE_BUCKETS buckets. When full, neighbouring buckets merge (each covers twice the
 * time), and every bucket keeps its lowest and highest sample, so no local maximum is lost
 * and the report holds at most 2 points per bucket. */
#ifndef HW_SAMPLER_H
#define HW_SAMPLER_H
#include "procfs.h"
#include <cjson/cJSON.h>
#include <stdint.h>

#define HW_TIMELINE_BUCKETS 1000

struct hw_sample {
    double t;                 /* seconds since the worker started */
    uint64_t rss, anon, file;
};

struct hw_bucket {
    struct hw_sample lo, hi;  /* lowest and highest RSS sample in the bucket */
    uint32_t n;
};

struct hw_timeline {
    struct hw_bucket b[HW_TIMELINE_BUCKETS];
    uint32_t nbuckets;
    uint32_t per_bucket;      /* raw samples a bucket takes before the next one opens */
    uint64_t samples;
    struct hw_sample max;     /* the highest sample seen */
};

void hw_timeline_init(struct hw_timeline *tl);
void hw_timeline_add(struct hw_timeline *tl, const struct hw_sample *s);
/* Highest kept sample within [t0, t1]; if none falls inside (a window narrower than a
 * merged bucket), the highest sample of the bucket covering it. */
uint64_t hw_timeline_max_between(const struct hw_timeline *tl, double t0, double t1);
/* {interval_ms, samples, t[], rss[], anon[], file[]} in time order. */
cJSON *hw_timeline_json(const struct hw_timeline *tl, double interval_ms);

#endif
