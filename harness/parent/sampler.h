/* The parent's sampler: a probe reads the RSS of one process (a worker's /proc/PID/status) or
 * of a whole process tree (an exec command's, tree.h, summed), and the timeline keeps what it
 * read. The supervisor (supervisor.h) takes one reading per interval.
 *
 * The RSS timeline of one worker: samples of /proc/PID/status kept in at most
 * HW_TIMELINE_BUCKETS buckets. When full, neighbouring buckets merge (each covers twice the
 * time), and every bucket keeps its lowest and highest sample, so no local maximum is lost
 * and the report holds at most 2 points per bucket. */
#ifndef HW_SAMPLER_H
#define HW_SAMPLER_H
#include "procfs.h"
#include "tree.h"
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

/* What a reading is taken of: the tree when there is one, else the process whose status
 * file is open at status_fd (-1: none). */
struct hw_probe {
    int status_fd;
    struct hw_tree *tree;
};
/* One reading into s (s->t is the caller's) and the largest single process's RSS in it.
 * 0, or -1 when there is nothing to read (the process is gone: a zombie has no VmRSS). */
int hw_probe_read(const struct hw_probe *p, struct hw_sample *s, uint64_t *largest);

void hw_timeline_init(struct hw_timeline *tl);
void hw_timeline_add(struct hw_timeline *tl, const struct hw_sample *s);
/* Highest kept sample within [t0, t1]; if none falls inside (a window narrower than a
 * merged bucket), the highest sample of the bucket covering it. */
uint64_t hw_timeline_max_between(const struct hw_timeline *tl, double t0, double t1);
/* {t[], bytes[]} in time order: a timeline of one figure (a cgroup's charge) kept as rss. */
cJSON *hw_timeline_series_json(const struct hw_timeline *tl);
/* {interval_ms, samples, t[], rss[], anon[], file[]} in time order. */
cJSON *hw_timeline_json(const struct hw_timeline *tl, double interval_ms);

#endif
