#include "pool.h"
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct pool;
struct worker_arg {
    struct pool *p;
    unsigned id;
};

struct pool {
    hw_pool_fn fn;
    void *ctx;
    uint32_t n;
    uint32_t next;          /* next item to hand out (atomic) */
    int failed;             /* atomic: set once, stops the handing out */
    uint32_t failed_item;
    const char *why;
};

static void *worker(void *arg)
{
    struct pool *p = ((struct worker_arg *)arg)->p;
    unsigned id = ((struct worker_arg *)arg)->id;
    for (;;) {
        if (__atomic_load_n(&p->failed, __ATOMIC_ACQUIRE))
            break;
        uint32_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
        if (i >= p->n)
            break;
        const char *why = "failed";
        if (p->fn(p->ctx, id, i, &why) != 0) {
            int expect = 0;
            if (__atomic_compare_exchange_n(&p->failed, &expect, 1, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE)) {
                p->failed_item = i;
                p->why = why;
            }
        }
    }
    return NULL;
}

unsigned hw_pool_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

int hw_pool_for(struct hw_run *run, unsigned threads, uint32_t n, hw_pool_fn fn, void *ctx)
{
    if (threads == 0)
        threads = hw_pool_default_threads();
    struct pool p = {.fn = fn, .ctx = ctx, .n = n};
    pthread_t *t = calloc(threads, sizeof *t);
    struct worker_arg *a = calloc(threads, sizeof *a);
    if (!t || !a) {
        free(t);
        free(a);
        return hw_run_fail(run, "out of memory for %u worker threads", threads);
    }
    unsigned started = 0;
    int rc = 0;
    for (; started < threads; started++) {
        a[started] = (struct worker_arg){.p = &p, .id = started};
        if (pthread_create(&t[started], NULL, worker, &a[started]) != 0) {
            /* Stop the ones running, so the failure is the run's, not a half-done select. */
            __atomic_store_n(&p.failed, 1, __ATOMIC_RELEASE);
            rc = hw_run_fail(run, "cannot start worker thread %u of %u", started + 1, threads);
            break;
        }
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    free(a);
    if (rc == 0 && p.failed)
        rc = hw_run_fail(run, "item %u on a worker thread: %s", p.failed_item, p.why);
    return rc;
}
