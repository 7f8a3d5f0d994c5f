/* `run --find-limit`: after a job's ordinary run, the smallest memory cgroup limit under which
 * it still completes with an output identical to the reference, bisected by running it again
 * under limits (report/limit_search.h). The answer is the number for a pod spec's
 * limits.memory or Slurm's --mem: for an anonymous output it sits at the peak, for a memmap
 * output far below what RSS says, because the kernel writes dirty file pages back and drops
 * them when the group reaches its limit. */
#ifndef HW_FIND_LIMIT_H
#define HW_FIND_LIMIT_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

/* Runs the job once more under limit (bytes) and returns its run record (owned by the
 * caller), or NULL when it could not be run at all. */
typedef cJSON *(*hw_limit_try_fn)(void *arg, uint64_t limit);

/* A try may take this many times the run's own wall (then it is killed: timed_out, and does
 * not survive): a pod that runs 300x slower at its limit has not survived it. */
#define HW_LIMIT_SLOWDOWN 10.0

struct hw_find_limit_opts {
    double output_bytes;
    double slowdown;               /* the try's time bound, recorded with the answer */
    int max_tries;                 /* tries after the ordinary run */
    hw_limit_try_fn try_run;
    void *arg;
    /* Optional: after each try, for the progress line. */
    void (*on_try)(void *arg, uint64_t limit, const char *status, int tryno);
};

/* The search for the ordinary run base (an ok run with a measured container): the object
 * {smallest_surviving_bytes, largest_failing_bytes, step_bytes, converged, tries[]}, or
 * {status: "not_searched", reason} when base cannot seed a search. */
cJSON *hw_find_limit(const cJSON *base, const struct hw_find_limit_opts *o);
/* Whether a try's run record survived: completed in time, its output identical to the
 * reference. */
bool hw_limit_try_survived(const cJSON *run);

#endif
