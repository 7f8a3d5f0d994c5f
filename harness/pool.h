/* Polars' thread pool as a model: a fixed set of threads that live as long as the run, each
 * taking a contiguous share of a per-column step (a select evaluates its expressions in
 * parallel with rayon, whose split of a column range among idle threads is a halving, so
 * with equal work every thread gets one contiguous share). Why threads at all: glibc gives
 * each thread its own arena, and memory a worker allocated and the main thread freed goes
 * back to that arena, trimmed only from the top of its heaps. What a real Polars process
 * keeps after a select depends on that, so the model allocates where Polars does.
 *
 * Workers allocate through hw_pool_alloc / hw_pool_free (hw_alloc's block counts are not
 * thread-safe); each thread's counts are added to the run's when the step is done. Buffers a
 * worker allocated may be freed later with hw_free on the main thread, as Python drops a
 * frame there. */
#ifndef HW_POOL_H
#define HW_POOL_H
#include "run.h"
#include <pthread.h>

struct hw_pool_thread;

struct hw_pool {
    struct hw_run *run;
    unsigned nthreads;
    struct hw_pool_thread *th;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    bool started_mu;
    unsigned running;          /* threads created */
    uint64_t generation;       /* one per step */
    unsigned pending;          /* threads not yet done with this step */
    bool stop;
    void (*fn)(void *arg, uint32_t i, unsigned thread);
    void *arg;
    uint32_t n;
    /* A block a library allocates on a worker thread once and keeps for the process (see
     * pframe.c); freed by hw_pool_stop. */
    void *kept;
};

/* Start nthreads threads (0: as many as this process may run on, which is what Polars'
 * POLARS_MAX_THREADS defaults to). 0, or -1 (hw_run_fail). */
int hw_pool_start(struct hw_run *run, struct hw_pool *p, unsigned nthreads);
/* fn(arg, i, thread) for every i in [0, n), thread t taking [t*n/T, (t+1)*n/T); returns
 * when every thread is done (the caller waits, as Python waits in Polars' install). */
void hw_pool_for(struct hw_pool *p, uint32_t n, void (*fn)(void *arg, uint32_t i, unsigned thread),
                 void *arg);
/* From inside fn, on its thread. NULL on failure (then hw_pool_failed is true). */
void *hw_pool_alloc(struct hw_pool *p, unsigned thread, enum hw_side side, size_t bytes);
void hw_pool_free(struct hw_pool *p, unsigned thread, enum hw_side side, void *ptr);
/* An allocation inside the last step failed; the run's error says which. */
bool hw_pool_failed(const struct hw_pool *p);
/* Join the threads; safe on a pool that never started. */
void hw_pool_stop(struct hw_pool *p);
/* Threads this process may run on (sched_getaffinity), at least 1. */
unsigned hw_pool_cpus(void);

#endif
