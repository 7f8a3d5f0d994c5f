#include "accounting.h"
#include "json.h"
#include "schema_fields.h"
#include "size.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The kernel keeps a process's RSS in per-CPU counters that may each be up to this many pages
 * behind (measured here: a sampled VmRSS ran up to 256 KiB past VmHWM on 2 CPUs). */
#define COUNTER_SKEW_PAGES 32

double hw_accounting_held(const cJSON *timeline, double window)
{
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(timeline, "t");
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(timeline, "rss");
    int n = cJSON_GetArraySize(ts);
    if (!cJSON_IsArray(ts) || !cJSON_IsArray(vs) || cJSON_GetArraySize(vs) != n)
        return -1;
    if (n < 2)
        return 0;
    double *t = hw_read_series(ts, (size_t)n), *v = hw_read_series(vs, (size_t)n), gap = 0, best = 0;
    int *dq = malloc((size_t)n * sizeof *dq), head = 0, tail = 0, right = 0;
    if (!t || !v || !dq)
        goto cleanup;
    for (int i = 0; i < n; i++) {
        /* A timeline out of order or with holes in it bounds nothing. */
        if (isnan(t[i]) || isnan(v[i]) || (i && t[i] < t[i - 1])) {
            best = -1;
            goto cleanup;
        }
        gap = i && t[i] - t[i - 1] > gap ? t[i] - t[i - 1] : gap;
    }
    /* Windows [t[l], t[l] + window] inside the run; the minimum is taken over the points in it
     * widened by gap on both sides, so a merged bucket's low point just outside still counts. */
    for (int l = 0, left = 0; l < n && t[l] + window <= t[n - 1]; l++) {
        while (right < n && t[right] <= t[l] + window + gap) {
            while (tail > head && v[dq[tail - 1]] >= v[right])
                tail--;
            dq[tail++] = right++;
        }
        while (t[left] < t[l] - gap)
            left++;
        while (dq[head] < left)
            head++;
        best = v[dq[head]] > best ? v[dq[head]] : best;
    }
cleanup:
    free(t);
    free(v);
    free(dq);
    return best;
}

/* A shard's own figures from its runs (by merged.shards[].jobs) and its harness block. */
struct bounds {
    double largest, held, step;    /* NaN: not known */
};

static int by_size_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

double hw_accounting_at_once(double *peaks, size_t len, size_t workers)
{
    double sum = 0;
    qsort(peaks, len, sizeof *peaks, by_size_desc);
    for (size_t i = 0; i < workers && i < len; i++)
        sum += peaks[i];
    return sum;
}

static void shard_bounds(const cJSON *report, const cJSON *shard, const cJSON **by_job, int njobs,
                         double window, struct bounds *b)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(shard, HW_F_HARNESS), *e;
    double cpus = hw_jnum(cJSON_GetObjectItemCaseSensitive(shard, HW_F_HOST), HW_F_CPUS);
    double page = hw_jnum(cJSON_GetObjectItemCaseSensitive(report, HW_F_HOST), HW_F_PAGE_SIZE_BYTES);
    /* run -j N: up to N workers at once, so the step holds up to the N largest run peaks
     * and N launchers; the helpers run alone, before the runs. */
    double workers = hw_jnum(cJSON_GetObjectItemCaseSensitive(shard, HW_F_PARALLEL), HW_F_WORKERS);
    size_t n = isfinite(workers) && workers >= 1 && workers <= 1024 ? (size_t)workers : 1, np = 0;
    const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(shard, HW_F_JOBS);
    double *peaks = calloc((size_t)cJSON_GetArraySize(jobs) + 1, sizeof *peaks);
    bool any_timeline = false;
    *b = (struct bounds){.largest = hw_jnum(h, HW_F_HELPER_PEAK_RSS_BYTES), .held = 0};
    if (!isfinite(b->largest))
        b->largest = 0;
    cJSON_ArrayForEach(e, jobs) {
        if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble >= njobs || !by_job[(int)e->valuedouble])
            continue;
        const cJSON *run = by_job[(int)e->valuedouble];
        double peak = hw_jnum(run, HW_F_PEAK_RSS_BYTES);
        if (isfinite(peak) && peak > 0 && peaks)
            peaks[np++] = peak;
        double held = hw_accounting_held(cJSON_GetObjectItemCaseSensitive(run, HW_F_TIMELINE), window);
        if (held >= 0) {
            any_timeline = true;
            b->held = held > b->held ? held : b->held;
        }
    }
    if (!any_timeline)
        b->held = NAN;
    if (!peaks) {              /* out of memory: no bound rather than a wrong one */
        b->largest = b->step = NAN;
        return;
    }
    double at_once = hw_accounting_at_once(peaks, np, n);
    free(peaks);
    b->largest = at_once > b->largest ? at_once : b->largest;
    /* The processes sacct adds up: the parent, and a launcher and a worker a slot. A figure
     * the reports do not hold leaves the step without a bound, never an assumed one. */
    double parent = hw_jnum(h, HW_F_PARENT_PEAK_RSS_BYTES), launcher = hw_jnum(h, HW_F_LAUNCHER_PEAK_RSS_BYTES);
    double processes = 1.0 + 2.0 * (double)n;
    b->step = isfinite(parent) && isfinite(launcher) && isfinite(cpus) && cpus >= 1 && isfinite(page) && page > 0 &&
                      b->largest > 0 && isfinite(b->largest)
                  ? b->largest + parent + (double)n * launcher + processes * COUNTER_SKEW_PAGES * cpus * page
                  : NAN;
}

static void add_figure(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

/* The verdict and its one-line reason for a task with a row. */
static const char *judge(const struct hw_sacct_row *row, const struct bounds *b, char *why, size_t len)
{
    char m[32], x[32];
    if (!row->have_rss) {
        snprintf(why, len, "sacct has no MaxRSS for the batch step (accounting off, or the step never ran)");
        return "no_max_rss";
    }
    hw_fmt_bytes(row->max_rss_bytes, m, sizeof m);
    if (isfinite(b->step) && row->max_rss_bytes > b->step) {
        snprintf(why, len, "MaxRSS %s is above the step's peak %s: sacct counted memory outside highwater's "
                 "processes, or counts pages twice", m, hw_fmt_bytes(b->step, x, sizeof x));
        return "above_step_peak";
    }
    if (isfinite(b->held) && row->max_rss_bytes < b->held) {
        snprintf(why, len, "MaxRSS %s is below the %s a worker held for two sampling intervals: sacct did not "
                 "sample at that interval, or measures other than RSS (UsePss)", m, hw_fmt_bytes(b->held, x, sizeof x));
        return "below_held";
    }
    snprintf(why, len, "within [held, step peak]");
    return HW_F_CONSISTENT;
}

static cJSON *task(const cJSON *report, const cJSON *shard, const cJSON **by_job, int njobs,
                   const struct hw_sacct *s, double window, bool *ok)
{
    const cJSON *sched = cJSON_GetObjectItemCaseSensitive(shard, HW_F_SCHEDULER);
    const char *id = hw_jstr(sched, HW_F_JOB_ID);
    cJSON *o = cJSON_CreateObject();
    struct bounds b;
    char why[256];
    const char *verdict;
    shard_bounds(report, shard, by_job, njobs, window, &b);
    cJSON_AddNumberToObject(o, HW_F_INDEX, hw_jnum(shard, HW_F_INDEX));
    cJSON_AddStringToObject(o, HW_F_JOB_ID, id);
    const struct hw_sacct_row *row = NULL;
    if (strcmp(hw_jstr(sched, HW_F_ENGINE), "slurm") != 0 || !id[0]) {
        snprintf(why, sizeof why, "its report has no Slurm job id: it did not run as a Slurm task");
        verdict = "not_a_slurm_task";
    } else if (!(row = hw_sacct_batch(s, id))) {
        snprintf(why, sizeof why, "sacct has no line %s.batch: pass the accounting of the array this shard ran in", id);
        verdict = "no_record";
    } else {
        verdict = judge(row, &b, why, sizeof why);
    }
    if (row) {
        cJSON_AddStringToObject(o, HW_F_SACCT_JOB_ID, row->job_id);
        cJSON_AddStringToObject(o, HW_F_STATE, row->state);
        cJSON_AddStringToObject(o, HW_F_NODE, row->node);
        add_figure(o, HW_F_ELAPSED_SECONDS, row->have_elapsed ? row->elapsed_seconds : NAN);
        add_figure(o, HW_F_MAX_RSS_BYTES, row->have_rss ? row->max_rss_bytes : NAN);
    }
    add_figure(o, HW_F_LARGEST_PEAK_BYTES, b.largest > 0 ? b.largest : NAN);
    add_figure(o, HW_F_HELD_BYTES, b.held);
    add_figure(o, HW_F_STEP_PEAK_BYTES, b.step);
    cJSON_AddStringToObject(o, HW_F_VERDICT, verdict);
    cJSON_AddStringToObject(o, HW_F_REASON, why);
    *ok = strcmp(verdict, HW_F_CONSISTENT) == 0;
    return o;
}

int hw_accounting_attach(cJSON *report, const struct hw_sacct *s, double interval)
{
    cJSON *merged = cJSON_GetObjectItemCaseSensitive(report, HW_F_MERGED), *acc, *tasks;
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(report, HW_F_RUNS), *e;
    int njobs = (int)hw_jnum(merged, HW_F_JOBS_TOTAL), bad = 0;
    if (!merged || njobs < 0 || !isfinite(hw_jnum(merged, HW_F_JOBS_TOTAL)))
        return -1;
    const cJSON **by_job = calloc(njobs ? (size_t)njobs : 1, sizeof *by_job);
    if (!by_job)
        return -1;
    cJSON_ArrayForEach(e, runs) {
        double j = hw_jnum(e, HW_F_JOB_INDEX);
        if (isfinite(j) && j >= 0 && j < njobs)
            by_job[(int)j] = e;
    }
    acc = cJSON_AddObjectToObject(merged, HW_F_ACCOUNTING);
    cJSON_AddStringToObject(acc, HW_F_SOURCE, "sacct");
    cJSON_AddNumberToObject(acc, HW_F_INTERVAL_SECONDS, interval);
    cJSON_AddNumberToObject(acc, HW_F_WINDOW_SECONDS, 2 * interval);
    tasks = cJSON_AddArrayToObject(acc, HW_F_TASKS);
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(merged, HW_F_SHARDS)) {
        bool ok;
        cJSON_AddItemToArray(tasks, task(report, e, by_job, njobs, s, 2 * interval, &ok));
        bad += !ok;
    }
    free(by_job);
    return bad;
}

static const char *fmt(const cJSON *o, const char *k, char *buf, size_t len)
{
    double v = hw_jnum(o, k);
    return isfinite(v) ? hw_fmt_bytes(v, buf, len) : "-";
}

void hw_accounting_print(const cJSON *acc, FILE *f)
{
    const cJSON *t;
    char a[32], b[32], c[32], d[32];
    fprintf(f, "\nsacct beside highwater (sampled every %.0f s; held = kept for %.0f s by one worker):\n",
            hw_jnum(acc, HW_F_INTERVAL_SECONDS), hw_jnum(acc, HW_F_WINDOW_SECONDS));
    fprintf(f, "%-6s %-12s %-10s %10s %10s %10s %10s  %s\n", "shard", "job", "state", "MaxRSS", "held", "peak",
            "step peak", "verdict");
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(acc, HW_F_TASKS)) {
        const char *job = hw_jstr(t, HW_F_SACCT_JOB_ID);
        fprintf(f, "%-6.0f %-12.12s %-10.10s %10s %10s %10s %10s  %s\n", hw_jnum(t, HW_F_INDEX),
                job[0] ? job : hw_jstr(t, HW_F_JOB_ID), hw_jstr(t, HW_F_STATE), fmt(t, HW_F_MAX_RSS_BYTES, a, sizeof a),
                fmt(t, HW_F_HELD_BYTES, b, sizeof b), fmt(t, HW_F_LARGEST_PEAK_BYTES, c, sizeof c),
                fmt(t, HW_F_STEP_PEAK_BYTES, d, sizeof d), hw_jstr(t, HW_F_VERDICT));
    }
}
