/* run -j N: up to N jobs at once, each in a slot of its own (a thread of the parent that
 * follows one worker at a time; slot 0 is the caller's own thread, so -j 1 has no thread).
 * Jobs are admitted in job order, each only while the costs (predicted peaks) of the jobs
 * running plus its own fit the budget, or when nothing runs, so the pre-flight's promise holds
 * for the sum; the head job waits rather than being overtaken, so the order of starts is the
 * job order on any machine. Whether another job ran beside a job at any moment is kept: its
 * wall time was then taken on a shared machine. */
#ifndef HW_SLOTS_H
#define HW_SLOTS_H
#include <stdbool.h>
#include <stdint.h>

#define HW_SLOTS_MAX 64

struct hw_slots_opts {
    uint32_t njobs, nslots;    /* nslots from 1 to HW_SLOTS_MAX */
    const double *cost;        /* each job's cost; not a positive number counts as 0 */
    double budget;
    bool (*stop)(void);        /* optional: once true nothing more is admitted */
    /* In the slot's thread: run job. */
    void *(*run)(void *arg, uint32_t slot, uint32_t job);
    /* In completion order, one at a time (under the slots' lock): job's result, and whether
     * another job ran beside it at any moment. Nonzero: admit nothing more. */
    int (*done)(void *arg, uint32_t job, void *result, bool contended);
    void *arg;
};

/* Every job admitted until stop or done says so; returns once each admitted job is done.
 * The number of slots that ran (fewer than asked when a thread could not be started), or -1
 * out of memory (nothing ran). */
int hw_slots_run(const struct hw_slots_opts *o);

#endif
