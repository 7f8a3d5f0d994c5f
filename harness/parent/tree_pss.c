#include "tree_pss.h"
#include "clock.h"
#include "procfs.h"
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PSS_MAX 4096

struct hw_pss_reader {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    bool running, stop, kick;   /* kick: a first set arrived, read it now */
    pid_t pids[PSS_MAX];   /* the set, under mu */
    pid_t local[PSS_MAX];  /* the thread's copy of it */
    int n;
    struct hw_tree_pss res;   /* under mu */
    double last;              /* hw_now() of the last reading's start, 0 before the first */
};

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Sleep until hw_now() reaches until, or the reader is stopped. Called with mu held. */
static void wait_until(struct hw_pss_reader *r, double until)
{
    while (!r->stop && !r->kick) {
        double left = until - hw_now();
        if (left <= 0)
            return;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        double s = (double)ts.tv_sec + ts.tv_nsec * 1e-9 + left;
        ts.tv_sec = (time_t)s;
        ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
    }
}

/* One reading of the whole set: the sums of Pss and Rss from the same files. */
static void read_once(struct hw_pss_reader *r, const pid_t *pids, int n, double start)
{
    uint64_t pss = 0, rss = 0;
    int got = 0;
    for (int i = 0; i < n; i++) {
        struct hw_rollup ro;
        /* A pid is read by number: one that ended between the listing and now fails (it is
         * skipped); reuse of its number by another process in that window would need the pid
         * space to wrap within it. */
        if (hw_rollup_read(pids[i], &ro) != 0)
            continue;
        pss += ro.pss;
        rss += ro.rss;
        got++;
    }
    pthread_mutex_lock(&r->mu);
    if (got > 0) {
        struct hw_tree_pss *s = &r->res;
        if (s->readings > 0 && start - r->last > s->max_gap)
            s->max_gap = start - r->last;
        r->last = start;
        s->readings++;
        if (pss > s->peak_pss) {
            s->peak_pss = pss;
            s->rss_at_peak = rss;
            s->peak_at = start;
            s->procs_at_peak = got;
        }
    }
    pthread_mutex_unlock(&r->mu);
}

static void *reader_main(void *arg)
{
    struct hw_pss_reader *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        int n = r->n;
        r->kick = false;
        memcpy(r->local, r->pids, (size_t)n * sizeof *r->local);
        pthread_mutex_unlock(&r->mu);
        double c0 = thread_cpu(), start = hw_now();
        if (n > 0)
            read_once(r, r->local, n, start);
        double c = thread_cpu() - c0;
        pthread_mutex_lock(&r->mu);
        r->res.cpu_seconds += c;
        /* From the reading's end: c of CPU, then c * (1 - share) / share of rest. */
        double gap = c * (1 - HW_PSS_SHARE) / HW_PSS_SHARE;
        wait_until(r, gap > HW_PSS_MIN_GAP ? hw_now() + gap : start + HW_PSS_MIN_GAP);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

struct hw_pss_reader *hw_pss_reader_start(char *why, size_t len)
{
    struct hw_pss_reader *r = calloc(1, sizeof *r);
    pthread_condattr_t ca;
    int e;
    if (!r) {
        snprintf(why, len, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    /* Every signal stays with the thread that polls: SIGCHLD and SIGINT must wake it. */
    sigset_t all, was;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &was);
    e = pthread_create(&r->th, NULL, reader_main, r);
    pthread_sigmask(SIG_SETMASK, &was, NULL);
    if (e != 0) {
        snprintf(why, len, "cannot start the Pss reader thread: %s", strerror(e));
        hw_pss_reader_free(r);
        return NULL;
    }
    r->running = true;
    return r;
}

void hw_pss_reader_set(struct hw_pss_reader *r, const pid_t *pids, int n)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->n = n < PSS_MAX ? n : PSS_MAX;
    memcpy(r->pids, pids, (size_t)r->n * sizeof *pids);
    /* The first set is read at once; later ones wait for the reader's turn. */
    if (r->res.readings == 0) {
        r->kick = true;
        pthread_cond_signal(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
}

void hw_pss_reader_get(struct hw_pss_reader *r, struct hw_tree_pss *out)
{
    pthread_mutex_lock(&r->mu);
    *out = r->res;
    pthread_mutex_unlock(&r->mu);
}

void hw_pss_reader_stop(struct hw_pss_reader *r)
{
    if (!r || !r->running)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->th, NULL);
    r->running = false;
}

void hw_pss_reader_free(struct hw_pss_reader *r)
{
    if (!r)
        return;
    hw_pss_reader_stop(r);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
