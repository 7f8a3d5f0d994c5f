/* The parent's side of the container view: one memory cgroup per run (a worker or exec's
 * command), made under the cgroup the parent runs in, limited when the config says so,
 * read when the run ends and removed on every path. Where no group can be made the run
 * still runs, and its report says why there is no container figure. */
#ifndef HW_PARENT_CONTAINER_H
#define HW_PARENT_CONTAINER_H
#include "cgroup.h"
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

/* Where runs' groups go: this process's memory cgroup, found once per command. */
struct hw_containers {
    struct hw_cgroup base;         /* kind HW_CG_NONE: no groups can be made (why says why) */
    unsigned seq;
    char why[256];                 /* why off */
};
/* Never fails: off with why. Removes groups a killed highwater left behind. */
void hw_containers_init(struct hw_containers *cs);

struct hw_run_group {
    bool on;
    struct hw_cgroup cg;
    uint64_t limit;                /* 0: none */
    bool budget;                   /* the limit is the strategy's budget.container */
    bool adopted;                  /* made by someone else, who removes it */
    char why[256];                 /* why off */
    /* At the end: */
    struct hw_cg_stat end;
    /* The group's high-water mark at the end: since the last reset a worker made (v1: the
     * last phase's, which a killed run's phase events never report) or since the group was
     * made (v2, whose memory.peak a fresh fd reads whole). */
    uint64_t end_peak;
    bool ended;
};
/* A fresh group hw-PID-SEQ, with limit (0: none). Never fails: off with why. */
void hw_run_group_make(struct hw_containers *cs, uint64_t limit, struct hw_run_group *g);
/* Take over a group made by someone else (exec's tree), with limit (0: none), for its
 * figures; hw_run_group_end reads it but leaves its removal to its maker. dir NULL: off,
 * with why. */
void hw_run_group_adopt(struct hw_run_group *g, const char *dir, uint64_t limit, const char *why);
/* End an adopted group with the figures its maker read before removing it. */
void hw_run_group_end_with(struct hw_run_group *g, const struct hw_cg_stat *st, uint64_t peak);
/* The group's directory for the launcher, or NULL when off. */
const char *hw_run_group_dir(const struct hw_run_group *g);
/* Read what the kernel recorded (OOM kills, limit events), then remove the group. Safe to
 * call twice and on an off group. */
void hw_run_group_end(struct hw_run_group *g);

/* What the kernel did to a run under a limit. */
enum hw_container_outcome {
    HW_CONTAINER_COMPLETED,        /* never near its limit (or no limit) */
    HW_CONTAINER_RECLAIMED,        /* completed, its charge held at the limit by reclaim */
    HW_CONTAINER_OOM_KILLED,       /* the group's OOM killer ended it */
    HW_CONTAINER_OTHER,            /* ended otherwise (a failure, a signal from elsewhere) */
};
/* From the group's counters at the end and its peak: a run whose peak reached the limit
 * (within the kernel's per-CPU charge batch) was held there by reclaim. */
enum hw_container_outcome hw_container_outcome(const struct hw_run_group *g, bool completed, uint64_t peak);
const char *hw_container_outcome_name(enum hw_container_outcome o);
/* The run's "container" object: {interface, limit_bytes, peak_bytes, outcome, oom_kills,
 * limit_hits, file_reclaimed_bytes} or {status: "unavailable", reason}. peak: the largest
 * phase peak (HW_CG_UNKNOWN: none). */
cJSON *hw_run_group_json(const struct hw_run_group *g, enum hw_container_outcome o, uint64_t peak);

#endif
