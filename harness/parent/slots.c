#include "slots.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

struct pool {
    const struct hw_slots_opts *o;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint32_t next, running, nslots;
    double running_cost;
    bool stopping;
    bool *contended;           /* by job */
    int64_t *slot_job;         /* by slot: the job it runs, -1 when idle */
};

struct slot_arg {
    struct pool *p;
    uint32_t slot;
};

static double cost_of(const struct hw_slots_opts *o, uint32_t job)
{
    double c = o->cost ? o->cost[job] : 0;
    return isfinite(c) && c > 0 ? c : 0;
}

/* Under the lock: whether the head job may start now. */
static bool admissible(const struct pool *p)
{
    return p->running == 0 || p->running_cost + cost_of(p->o, p->next) <= p->o->budget;
}

static void *slot_main(void *v)
{
    struct slot_arg *a = v;
    struct pool *p = a->p;
    const struct hw_slots_opts *o = p->o;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (!p->stopping && o->stop && o->stop())
            p->stopping = true;
        while (!p->stopping && p->next < o->njobs && !admissible(p))
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stopping || p->next >= o->njobs)
            break;
        uint32_t job = p->next++;
        double cost = cost_of(o, job);
        p->running++;
        p->running_cost += cost;
        p->slot_job[a->slot] = job;
        if (p->running > 1)
            for (uint32_t s = 0; s < p->nslots; s++)
                if (p->slot_job[s] >= 0)
                    p->contended[p->slot_job[s]] = true;
        pthread_mutex_unlock(&p->mu);
        void *result = o->run(o->arg, a->slot, job);
        pthread_mutex_lock(&p->mu);
        p->running--;
        p->running_cost -= cost;
        if (p->running == 0)
            p->running_cost = 0;   /* no drift from float sums */
        p->slot_job[a->slot] = -1;
        if (o->done(o->arg, job, result, p->contended[job]))
            p->stopping = true;
        pthread_cond_broadcast(&p->cv);
    }
    /* A slot that leaves may be what another waits for: the budget it held is free now. */
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int hw_slots_run(const struct hw_slots_opts *o)
{
    uint32_t n = o->nslots < 1 ? 1 : o->nslots > HW_SLOTS_MAX ? HW_SLOTS_MAX : o->nslots;
    struct pool p = {.o = o, .nslots = n};
    struct slot_arg args[HW_SLOTS_MAX];
    pthread_t th[HW_SLOTS_MAX];
    uint32_t started = 1;
    p.contended = calloc(o->njobs ? o->njobs : 1, sizeof *p.contended);
    p.slot_job = malloc(n * sizeof *p.slot_job);
    if (!p.contended || !p.slot_job) {
        free(p.contended);
        free(p.slot_job);
        return -1;
    }
    for (uint32_t s = 0; s < n; s++)
        p.slot_job[s] = -1;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    for (uint32_t s = 1; s < n; s++) {
        args[s] = (struct slot_arg){&p, s};
        if (pthread_create(&th[s], NULL, slot_main, &args[s]) != 0)
            break;
        started++;
    }
    args[0] = (struct slot_arg){&p, 0};
    slot_main(&args[0]);
    for (uint32_t s = 1; s < started; s++)
        pthread_join(th[s], NULL);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    free(p.contended);
    free(p.slot_job);
    return (int)started;
}
