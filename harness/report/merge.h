/* `highwater merge`: the shard reports of one sweep (run --shard K/N on several machines) put
 * back into one report, as if one process had run every job: runs[] in job order, each with
 * the host it ran on, summary[] and lessons[] recomputed, and merged{} saying which shards it
 * holds. Reports of another config, dataset or job list, a job twice, a shard twice and (unless
 * allowed) a shard missing are refused, and then nothing is written. */
#ifndef HW_MERGE_H
#define HW_MERGE_H
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* Past these a shard block is refused as not ours (the job table is one pointer a job). */
#define HW_MERGE_MAX_JOBS 1000000
#define HW_MERGE_MAX_SHARDS 100000
/* Reports on one command line (the positional table is allocated to it). */
#define HW_MERGE_MAX_INPUTS 100000

struct hw_merge_opts {
    char out[PATH_MAX];
    bool allow_partial;
    char sacct[PATH_MAX];  /* "": none; else sacct -P output to set beside each shard (accounting.h) */
    double sacct_interval; /* the cluster's JobAcctGatherFrequency, seconds */
    int n;                 /* the reports, in the order given */
    const char *const *paths;
};

/* The command: load each report in turn, merge, write out atomically. 0; 2 with one line on
 * stderr naming the file(s) and the problem (nothing written); 3 when the write fails. */
int hw_merge(const struct hw_merge_opts *o);

/* The model, one loaded report at a time (so a sweep of many shards is never all in memory). */
struct hw_merge;
struct hw_merge *hw_merge_new(void);
/* Take report (always: freed or kept) read from path. The first fixes the experiment and the
 * split; each later one is checked against it. 0, or 2 with err "FILE: what; what to do". */
int hw_merge_add(struct hw_merge *m, cJSON *report, const char *path, char *err, size_t len);
/* The merged report (the caller's to free), or NULL with err when shards are missing and
 * allow_partial is false, or nothing was added. The merge is spent either way. */
cJSON *hw_merge_finish(struct hw_merge *m, bool allow_partial, char *err, size_t len);
void hw_merge_free(struct hw_merge *m);

#endif
