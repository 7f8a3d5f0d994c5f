#include "pool.h"
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* One thread's block counts for the step, merged into run->blocks by the caller's thread. */
struct hw_pool_thread {
    struct hw_pool *pool;
    unsigned index;
    pthread_t tid;
    uint64_t seen;                /* the last generation it ran */
    uint64_t count, largest, largest_freed, freed_small, freed_large;
    bool failed;
    size_t failed_bytes;
};

unsigned hw_pool_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? (unsigned)n : 1;
}

static void run_share(struct hw_pool_thread *t)
{
    struct hw_pool *p = t->pool;
    uint32_t lo = (uint32_t)((uint64_t)p->n * t->index / p->nthreads);
    uint32_t hi = (uint32_t)((uint64_t)p->n * (t->index + 1) / p->nthreads);
    for (uint32_t i = lo; i < hi && !t->failed; i++)
        p->fn(p->arg, i, t->index);
}

static void *thread_main(void *arg)
{
    struct hw_pool_thread *t = arg;
    struct hw_pool *p = t->pool;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == t->seen)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->stop)
            break;
        t->seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        run_share(t);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int hw_pool_start(struct hw_run *run, struct hw_pool *p, unsigned nthreads)
{
    memset(p, 0, sizeof *p);
    p->run = run;
    p->nthreads = nthreads ? nthreads : hw_pool_cpus();
    /* Bookkeeping, not modelled data: plain calloc. */
    p->th = calloc(p->nthreads, sizeof *p->th);
    if (!p->th)
        return hw_run_fail(run, "out of memory for a pool of %u threads", p->nthreads);
    if (pthread_mutex_init(&p->mu, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&p->go, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        goto fail;
    }
    if (pthread_cond_init(&p->done, NULL) != 0) {
        pthread_cond_destroy(&p->go);
        pthread_mutex_destroy(&p->mu);
        goto fail;
    }
    p->started_mu = true;
    for (unsigned i = 0; i < p->nthreads; i++) {
        p->th[i] = (struct hw_pool_thread){.pool = p, .index = i};
        if (pthread_create(&p->th[i].tid, NULL, thread_main, &p->th[i]) != 0) {
            hw_pool_stop(p);
            return hw_run_fail(run, "cannot start pool thread %u of %u", i + 1, nthreads);
        }
        p->running++;
    }
    return 0;
fail:
    free(p->th);
    p->th = NULL;
    return hw_run_fail(run, "cannot set up the pool's lock");
}

void hw_pool_for(struct hw_pool *p, uint32_t n, void (*fn)(void *arg, uint32_t i, unsigned thread),
                 void *arg)
{
    for (unsigned i = 0; i < p->nthreads; i++) {
        struct hw_pool_thread *t = &p->th[i];
        t->count = t->largest = t->largest_freed = t->freed_small = t->freed_large = 0;
        t->failed = false;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->arg = arg;
    p->n = n;
    p->pending = p->nthreads;
    p->generation++;
    pthread_cond_broadcast(&p->go);
    while (p->pending > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);

    struct hw_run *run = p->run;
    for (unsigned i = 0; i < p->nthreads; i++) {
        const struct hw_pool_thread *t = &p->th[i];
        run->blocks.count += t->count;
        if (t->largest > run->blocks.largest)
            run->blocks.largest = t->largest;
        if (t->largest_freed > run->blocks.largest_freed)
            run->blocks.largest_freed = t->largest_freed;
        run->blocks.freed_small += t->freed_small;
        run->blocks.freed_large += t->freed_large;
        if (t->failed)
            hw_run_fail(run, "out of memory for %zu bytes on pool thread %u", t->failed_bytes, i);
    }
}

bool hw_pool_failed(const struct hw_pool *p)
{
    for (unsigned i = 0; i < p->nthreads; i++)
        if (p->th[i].failed)
            return true;
    return false;
}

void *hw_pool_alloc(struct hw_pool *p, unsigned thread, enum hw_side side, size_t bytes)
{
    struct hw_pool_thread *t = &p->th[thread];
    void *ptr = hw_allocator_alloc(&p->run->alloc, side, bytes);
    if (!ptr) {
        t->failed = true;
        t->failed_bytes = bytes;
        return NULL;
    }
    t->count++;
    if (bytes > t->largest)
        t->largest = bytes;
    return ptr;
}

void hw_pool_free(struct hw_pool *p, unsigned thread, enum hw_side side, void *ptr)
{
    if (!ptr)
        return;
    struct hw_pool_thread *t = &p->th[thread];
    size_t n = hw_allocator_size(&p->run->alloc, side, ptr);
    if (n > t->largest_freed)
        t->largest_freed = n;
    if (n < HW_JEMALLOC_OVERSIZE)
        t->freed_small += n;
    else
        t->freed_large += n;
    hw_allocator_free(&p->run->alloc, side, ptr);
}

void hw_pool_stop(struct hw_pool *p)
{
    if (!p->th)
        return;
    if (p->kept)
        hw_free(p->run, HW_SIDE_POLARS, p->kept);
    p->kept = NULL;
    if (p->started_mu) {
        pthread_mutex_lock(&p->mu);
        p->stop = true;
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
        for (unsigned i = 0; i < p->running; i++)
            pthread_join(p->th[i].tid, NULL);
        pthread_cond_destroy(&p->done);
        pthread_cond_destroy(&p->go);
        pthread_mutex_destroy(&p->mu);
    }
    free(p->th);
    p->th = NULL;
    p->running = 0;
}
