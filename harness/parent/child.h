/* One worker (a run's, the reference's, the calibration's) followed by the supervisor: its
 * events as JSON, the phase it is in, and how it ended in the report's words. */
#ifndef HW_CHILD_H
#define HW_CHILD_H
#include "container.h"
#include "supervisor.h"
#include <cjson/cJSON.h>

struct hw_child {
    struct hw_sup sup;
    cJSON *events;            /* every event line, in order */
    char phase[64];           /* the last phase begun, "" before the first */
    struct hw_run_group group; /* its memory cgroup, made and removed by hw_child_run */
};

struct hw_child_opts {
    struct hw_launcher *launcher;
    const struct hw_allocator_cfg *alloc;   /* NULL: plain glibc (the helper workers) */
    uint64_t limit;                         /* killed over it: over_budget */
    double timeout_seconds;                 /* killed when it runs longer: timed_out; 0 never */
    int interval_ms;
    /* Optional, after every sample: for the progress line, which names the child by label. */
    void (*progress)(void *arg, const char *label, const struct hw_child *ch, uint64_t rss);
    void *arg;
    const char *label;
    /* Where runs' cgroups go (NULL: the helper workers, which need none), and the limit the
     * run's group gets (0: none). */
    struct hw_containers *containers;
    uint64_t container_limit;
    bool container_budget;                  /* the limit is a budget: killed, the run fails */
};

/* Start the worker with spec and follow it to the end. -1 only if it could not be started
 * (ch says why); ch is to be released either way. */
int hw_child_run(struct hw_child *ch, const struct hw_child_opts *o, const cJSON *spec);
/* The first event of that kind ("done", "output", "reference", ...), or NULL. */
const cJSON *hw_child_event(const struct hw_child *ch, const char *kind);
/* "ok", "over_budget", "oom_killed" (its group's limit: the kernel killed it) or "failed"
 * (the supervisor's mapping, and a worker that reported an error or did not finish fails),
 * with the reason. self: the binary the workers exec. */
const char *hw_child_status(const struct hw_child *ch, uint64_t limit, const char *self, char *reason,
                            size_t len);
void hw_child_release(struct hw_child *ch);

#endif
