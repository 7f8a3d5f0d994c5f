/* See pool.h: one job slot per thread, a mutex and a condition variable each. */
#include "pool.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct worker {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void (*fn)(void *);
    void *arg;
    bool busy, quit, started;
};

struct hw_pool {
    unsigned n;
    struct worker *w;
};

static void *loop(void *p)
{
    struct worker *w = p;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->busy && !w->quit)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->busy) {
            /* the job runs with the lock dropped: it may take long, and allocate */
            pthread_mutex_unlock(&w->mu);
            w->fn(w->arg);
            pthread_mutex_lock(&w->mu);
            w->busy = false;
            pthread_cond_broadcast(&w->cv);
            continue;
        }
        break;   /* quit, nothing left to run */
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

struct hw_pool *hw_pool_start(unsigned nthreads)
{
    struct hw_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->w = calloc(nthreads ? nthreads : 1, sizeof *p->w);
    if (!p->w) {
        free(p);
        return NULL;
    }
    p->n = nthreads ? nthreads : 1;
    for (unsigned i = 0; i < p->n; i++) {
        struct worker *w = &p->w[i];
        if (pthread_mutex_init(&w->mu, NULL) != 0)
            goto fail;
        if (pthread_cond_init(&w->cv, NULL) != 0) {
            pthread_mutex_destroy(&w->mu);
            goto fail;
        }
        if (pthread_create(&w->tid, NULL, loop, w) != 0) {
            pthread_cond_destroy(&w->cv);
            pthread_mutex_destroy(&w->mu);
            goto fail;
        }
        w->started = true;
    }
    return p;
fail:
    hw_pool_stop(p);
    return NULL;
}

unsigned hw_pool_size(const struct hw_pool *p)
{
    return p->n;
}

void hw_pool_run(struct hw_pool *p, unsigned i, void (*fn)(void *arg), void *arg)
{
    struct worker *w = &p->w[i % p->n];
    pthread_mutex_lock(&w->mu);
    w->fn = fn;
    w->arg = arg;
    w->busy = true;
    pthread_cond_broadcast(&w->cv);
    while (w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

void hw_pool_stop(struct hw_pool *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->n; i++) {
        struct worker *w = &p->w[i];
        if (!w->started)
            continue;
        pthread_mutex_lock(&w->mu);
        w->quit = true;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->tid, NULL);
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
    }
    free(p->w);
    free(p);
}
