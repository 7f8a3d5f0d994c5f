#include "pool.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 256

struct hw_pool {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned nthreads;
    pthread_t th[MAX_THREADS];
    /* the job: every generation, each of the first `active` threads runs its share */
    uint64_t generation;
    unsigned active, pending;
    bool stop;
    hw_pool_fn fn;
    void *ctx;
    uint32_t n;
    int only;                    /* >= 0: hw_pool_on, that worker alone runs item 0 */
    int failed;                  /* set once, under mu */
    uint32_t failed_item;
    const char *why;
};

struct thread_arg {
    struct hw_pool *p;
    unsigned id;
};

static void run_share(struct hw_pool *p, unsigned id)
{
    uint32_t lo, hi;
    if (p->only >= 0) {
        lo = 0;
        hi = (unsigned)p->only == id ? 1 : 0;
    } else {
        lo = (uint32_t)((uint64_t)p->n * id / p->active);
        hi = (uint32_t)((uint64_t)p->n * (id + 1) / p->active);
    }
    for (uint32_t i = lo; i < hi; i++) {
        const char *why = "failed";
        if (__atomic_load_n(&p->failed, __ATOMIC_ACQUIRE))
            return;
        if (p->fn(p->ctx, id, i, &why) != 0) {
            pthread_mutex_lock(&p->mu);
            if (!p->failed) {
                p->failed_item = i;
                p->why = why;
                __atomic_store_n(&p->failed, 1, __ATOMIC_RELEASE);
            }
            pthread_mutex_unlock(&p->mu);
            return;
        }
    }
}

static void *thread_main(void *arg)
{
    struct hw_pool *p = ((struct thread_arg *)arg)->p;
    unsigned id = ((struct thread_arg *)arg)->id;
    free(arg);
    uint64_t seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == seen)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->stop)
            break;
        seen = p->generation;
        bool mine = id < p->active;
        pthread_mutex_unlock(&p->mu);
        if (mine)
            run_share(p, id);
        pthread_mutex_lock(&p->mu);
        if (mine && --p->pending == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

unsigned hw_pool_default_threads(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    return 1;
}

/* The run's pool with at least `want` threads (started on first use, grown when asked). */
static struct hw_pool *pool_of(struct hw_run *run, unsigned want)
{
    struct hw_pool *p = run->pool;
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p) {
            hw_run_fail(run, "out of memory for the thread pool");
            return NULL;
        }
        pthread_mutex_init(&p->mu, NULL);
        pthread_cond_init(&p->go, NULL);
        pthread_cond_init(&p->done, NULL);
        run->pool = p;
    }
    if (want > MAX_THREADS)
        want = MAX_THREADS;
    while (p->nthreads < want) {
        struct thread_arg *a = malloc(sizeof *a);
        if (!a || (*a = (struct thread_arg){p, p->nthreads},
                   pthread_create(&p->th[p->nthreads], NULL, thread_main, a) != 0)) {
            free(a);
            hw_run_fail(run, "cannot start worker thread %u of %u", p->nthreads + 1, want);
            return NULL;
        }
        p->nthreads++;
    }
    return p;
}

static int dispatch(struct hw_run *run, unsigned threads, uint32_t n, int only, hw_pool_fn fn, void *ctx)
{
    struct hw_pool *p = pool_of(run, threads);
    if (!p)
        return -1;
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    p->only = only;
    p->active = threads;
    p->pending = threads;
    p->failed = 0;
    p->generation++;
    pthread_cond_broadcast(&p->go);
    while (p->pending > 0)
        pthread_cond_wait(&p->done, &p->mu);
    int failed = p->failed;
    uint32_t item = p->failed_item;
    const char *why = p->why;
    pthread_mutex_unlock(&p->mu);
    if (failed)
        return only >= 0 ? hw_run_fail(run, "on a worker thread: %s", why)
                         : hw_run_fail(run, "item %u on a worker thread: %s", item, why);
    return 0;
}

int hw_pool_for(struct hw_run *run, unsigned threads, uint32_t n, hw_pool_fn fn, void *ctx)
{
    if (threads == 0)
        threads = hw_pool_default_threads();
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    return dispatch(run, threads, n, -1, fn, ctx);
}

int hw_pool_on(struct hw_run *run, unsigned worker, hw_pool_fn fn, void *ctx)
{
    if (worker >= MAX_THREADS)
        worker = MAX_THREADS - 1;
    unsigned size = run->pool ? run->pool->nthreads : 0;
    if (size <= worker)
        size = worker + 1;
    return dispatch(run, size, 1, (int)worker, fn, ctx);
}

void hw_pool_stop(struct hw_run *run)
{
    struct hw_pool *p = run->pool;
    /* What the library keeps for the process goes with its threads. */
    hw_free(run, HW_SIDE_POLARS, run->polars_kept);
    run->polars_kept = NULL;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->th[i], NULL);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p);
    run->pool = NULL;
}
