/* run -j N's slots: never more jobs at once than slots, never more cost at once than the
 * budget (but a job alone always runs), no job overtakes one waiting for room, every admitted job done once,
 * the contended flag exactly for jobs that overlapped another, and stop() ends admission. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include "slots.h"

#define NJOBS 24

struct world {
    pthread_mutex_t mu;
    int running, most_running;
    double cost_now, most_cost;
    uint32_t started[NJOBS], nstarted;
    int done_count[NJOBS];
    bool contended[NJOBS];
    double cost[NJOBS];
    double t_start[NJOBS], t_end[NJOBS];
    uint32_t result_of[NJOBS];
    int stop_after;           /* done() asks to stop after this many; 0: never */
    int ndone;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg, uint32_t slot, uint32_t job)
{
    struct world *w = arg;
    (void)slot;
    pthread_mutex_lock(&w->mu);
    w->started[w->nstarted++] = job;
    w->running++;
    w->cost_now += w->cost[job];
    w->most_running = w->running > w->most_running ? w->running : w->most_running;
    w->most_cost = w->cost_now > w->most_cost ? w->cost_now : w->most_cost;
    w->t_start[job] = now();
    pthread_mutex_unlock(&w->mu);
    /* Uneven lengths, so jobs end out of order. */
    struct timespec ts = {0, (long)(2 + (job * 7) % 5) * 1000000L};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&w->mu);
    w->running--;
    w->cost_now -= w->cost[job];
    w->t_end[job] = now();
    pthread_mutex_unlock(&w->mu);
    return &w->result_of[job];
}

static int done(void *arg, uint32_t job, void *result, bool contended)
{
    struct world *w = arg;
    assert_ptr_equal(result, &w->result_of[job]);
    w->done_count[job]++;
    w->contended[job] = contended;
    w->ndone++;
    return w->stop_after && w->ndone >= w->stop_after;
}

static void setup_world(struct world *w)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    for (int i = 0; i < NJOBS; i++)
        w->cost[i] = 1 + i % 4;     /* 1, 2, 3, 4, 1, 2, ... */
}

static struct hw_slots_opts opts(struct world *w, uint32_t nslots, double budget)
{
    return (struct hw_slots_opts){.njobs = NJOBS, .nslots = nslots, .cost = w->cost, .budget = budget,
                                  .run = run, .done = done, .arg = w};
}

/* Two jobs overlapped when one started before the other ended (times from run(), which
 * brackets what the slots count as running). */
static bool overlapped_any(const struct world *w, int j)
{
    for (int k = 0; k < NJOBS; k++)
        if (k != j && w->t_start[k] < w->t_end[j] && w->t_start[j] < w->t_end[k])
            return true;
    return false;
}

static void within_slots_and_budget_in_job_order(void **state)
{
    (void)state;
    struct world w;
    setup_world(&w);
    struct hw_slots_opts o = opts(&w, 3, 6);
    assert_int_equal(hw_slots_run(&o), 3);
    assert_true(w.most_running <= 3 && w.most_running >= 2);
    assert_true(w.most_cost <= 6);
    assert_int_equal(w.nstarted, NJOBS);
    for (uint32_t i = 0; i < NJOBS; i++) {
        assert_int_equal(w.done_count[i], 1);
        /* Contended is never claimed for a job that ran alone; a job flagged alone may still
         * have touched another by the width of a lock (run()'s times are inside the slot's). */
        if (w.contended[i])
            assert_true(overlapped_any(&w, (int)i));
    }
}

static void one_slot_is_serial_and_never_contended(void **state)
{
    (void)state;
    struct world w;
    setup_world(&w);
    struct hw_slots_opts o = opts(&w, 1, 1e18);
    assert_int_equal(hw_slots_run(&o), 1);
    assert_int_equal(w.most_running, 1);
    for (int i = 0; i < NJOBS; i++)
        assert_false(w.contended[i]);
}

/* A budget below every pair: one job at a time however many slots, and a job costlier than
 * the budget still runs when alone (the pre-flight, not the slots, skips those). */
static void a_tight_budget_runs_one_at_a_time(void **state)
{
    (void)state;
    struct world w;
    setup_world(&w);
    w.cost[5] = 100;
    struct hw_slots_opts o = opts(&w, 4, 1.5);
    assert_int_equal(hw_slots_run(&o), 4);
    assert_int_equal(w.most_running, 1);
    assert_int_equal(w.done_count[5], 1);
    for (int i = 0; i < NJOBS; i++)
        assert_false(w.contended[i]);
}

/* Job 1 is too big to run beside job 0; job 2 would fit beside job 0 but must wait behind job
 * 1 (admission in job order), so it starts only after job 1 has ended. */
static void no_job_overtakes_the_head(void **state)
{
    (void)state;
    struct world w;
    setup_world(&w);
    for (int i = 0; i < NJOBS; i++)
        w.cost[i] = 1;
    w.cost[1] = 5;
    struct hw_slots_opts o = opts(&w, 3, 5);
    assert_int_equal(hw_slots_run(&o), 3);
    assert_true(w.t_start[1] >= w.t_end[0]);
    assert_true(w.t_start[2] >= w.t_end[1]);
    assert_true(w.most_cost <= 5);
}

static atomic_int stop_calls;
static bool stop_now(void)
{
    return atomic_fetch_add(&stop_calls, 1) >= 0;
}

static void stop_and_done_end_admission(void **state)
{
    (void)state;
    struct world w;
    setup_world(&w);
    w.stop_after = 5;
    struct hw_slots_opts o = opts(&w, 2, 1e18);
    hw_slots_run(&o);
    /* Once done() said stop, at most the one job in the other slot still ends. */
    assert_true(w.ndone >= 5 && w.ndone <= 6);
    assert_int_equal((int)w.nstarted, w.ndone);
    setup_world(&w);
    o = opts(&w, 2, 1e18);
    o.stop = stop_now;
    hw_slots_run(&o);
    assert_int_equal(w.nstarted, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(within_slots_and_budget_in_job_order),
        cmocka_unit_test(one_slot_is_serial_and_never_contended),
        cmocka_unit_test(a_tight_budget_runs_one_at_a_time),
        cmocka_unit_test(no_job_overtakes_the_head),
        cmocka_unit_test(stop_and_done_end_admission),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
