/* --shard K/N: the K-th of N slices of a run's full job list (jobs.h), so a scheduler's array
 * (Slurm, a CI matrix, a Kubernetes Indexed Job) can run one slice per task and `merge` put
 * the reports back together. The slices are balanced by the pre-flight's predicted peak and
 * depend on nothing but the job list and those predictions, so every machine given the same
 * config, overrides and K/N runs the same jobs. */
#ifndef HW_SHARD_H
#define HW_SHARD_H
#include "jobs.h"
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define HW_SHARD_MAX 4096

struct hw_shard {
    uint32_t index;            /* K, 1-based */
    uint32_t count;            /* N; 0 = not sharded */
};

/* "K/N" into *s. 0, or -1 with err one line naming the value and a correct one, e.g.
 * "--shard 5/4: K must be from 1 to N; e.g. --shard 1/4". */
int hw_shard_parse(const char *text, struct hw_shard *s, char *err, size_t len);

/* Greedy longest-processing-time: jobs by cost descending (ties: the lower index first), each
 * to the shard with the least total so far (ties: the lowest shard). owner[i] = the 0-based
 * shard of job i. A cost that is not a positive number counts as 0. 0, or -1 out of memory. */
int hw_shard_assign(const double *cost, uint32_t njobs, uint32_t nshards, uint32_t *owner);

/* A job's cost for the assignment: its predicted peak (no wall estimate exists to weigh it). */
double hw_shard_cost(const struct hw_job *j);

/* The sha256 of the full list's keys, one line per job: "label\tallocator\tconf\trepeat\n". */
void hw_shard_list_sha256(const struct hw_job *jobs, uint32_t njobs, char hex[65]);

/* Keeps only shard s's jobs of jobs[0..*njobs), in job index order (each keeps its index).
 * 0, or -1 out of memory (the list unchanged). */
int hw_shard_select(struct hw_job *jobs, uint32_t *njobs, const struct hw_shard *s);

/* The report's "shard" block: index, count, jobs_total, jobs (the indices of the selected
 * jobs[0..njobs)), job_list_sha256. */
cJSON *hw_shard_json(const struct hw_shard *s, uint32_t jobs_total, const char *sha256,
                     const struct hw_job *jobs, uint32_t njobs);

#endif
