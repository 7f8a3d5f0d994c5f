#include "runner.h"
#include "child.h"
#include "clock.h"
#include "dataset.h"
#include "export.h"
#include "fidelity.h"
#include "find_limit.h"
#include "helpers.h"
#include "jobs.h"
#include "json.h"
#include "launcher.h"
#include "accounting.h"
#include "lessons.h"
#include "numpy_env.h"
#include "plan.h"
#include "plot.h"
#include "preflight.h"
#include "procfs.h"
#include "report.h"
#include "schema_fields.h"
#include "atomic.h"
#include "run_record.h"
#include "scheduler.h"
#include "shard.h"
#include "size.h"
#include "slots.h"
#include "supervisor.h"
#include "tmpdir.h"
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ctx {
    const struct hw_run_opts *o;
    struct hw_config *cfg;
    char self[PATH_MAX];
    struct hw_launcher launcher;
    cJSON *plan;               /* --plan, or NULL: the strategies' models */
    cJSON *fidelity;           /* --fidelity, or NULL */
    char report_path[PATH_MAX];
    uint64_t limit;
    char limit_text[128];
    bool progress;
    cJSON *report;
    struct hw_job *jobs;
    uint32_t njobs;
    struct hw_references refs;
    char tmpdir[PATH_MAX];     /* the current child's own directory, "" when none */
    struct hw_containers containers;   /* where each run's memory cgroup is made */
    struct hw_shard shard;     /* count 0: the whole list */
    uint32_t jobs_total;       /* the full list's size; njobs is the shard's */
    uint64_t helper_peak;      /* the calibration's and references' largest peak RSS */
    /* run -j N: slot 0 is launcher and tmpdir above, slots 1.. are extra[0..); report_mu
     * guards the report while runs end in other slots. */
    struct slot { struct hw_launcher launcher; char tmpdir[PATH_MAX]; } *extra;
    uint32_t nslots;
    pthread_mutex_t report_mu;
    cJSON **done;              /* by job: its run, once in runs[] (runs[] owns it) */
    uint32_t failed;
    bool save_failed;
    double saved_at;           /* hw_now() of the last save while runs end */
};

/* While runs end, the report is saved at most this often (and always after the last run, on
 * Ctrl-C too): a killed harness leaves the runs of all but the last seconds. Saving after
 * every run wrote the growing report 34 times for ci.yaml, 1.5 MB with its timelines by the
 * end: the writes alone took 0.94-1.09 s in all (28-32 ms a save on average, 64-84 ms the
 * last), CPU beside the workers, on the machine's 2 cores. */
#define HW_SAVE_EVERY_S 2.0

static struct hw_launcher *slot_launcher(struct ctx *c, uint32_t s)
{
    return s == 0 ? &c->launcher : &c->extra[s - 1].launcher;
}

static char *slot_tmpdir(struct ctx *c, uint32_t s)
{
    return s == 0 ? c->tmpdir : c->extra[s - 1].tmpdir;
}

static void progress(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(struct ctx *c, const char *fmt, ...)
{
    if (!c->progress)
        return;
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr);   /* slots print from their own threads */
    fputs("\r\033[K", stderr);
    vfprintf(stderr, fmt, ap);
    fflush(stderr);
    funlockfile(stderr);
    va_end(ap);
}

static void on_sample(void *arg, const char *label, const struct hw_child *ch, uint64_t rss)
{
    struct ctx *c = arg;
    char b[32];
    if (c->progress && ch->phase[0])
        progress(c, "%s: %s  RSS %s", label, ch->phase, hw_fmt_bytes((double)rss, b, sizeof b));
}

static struct hw_child_opts slot_child_opts(struct ctx *c, uint32_t slot)
{
    return (struct hw_child_opts){.launcher = slot_launcher(c, slot), .limit = c->limit,
                                  .interval_ms = (int)c->cfg->sample_interval_ms, .progress = on_sample, .arg = c};
}

static struct hw_child_opts child_opts(struct ctx *c)
{
    return slot_child_opts(c, 0);
}

/* In slot: limit, the run's memory cgroup limit, or 0 for the config's (none, or its
 * container_limit); timeout: its time, 0 for none. */
static cJSON *run_job_in(struct ctx *c, uint32_t slot, struct hw_job *j, uint64_t limit, double timeout)
{
    char *tmpdir = slot_tmpdir(c, slot);
    cJSON *r = hw_run_record_new(j, !c->o->no_phase_reset);
    char err[512], label[HW_STR_MAX + 64];
    if (j->skip[0]) {
        hw_run_record_end(r, "skipped", j->skip);
        return r;
    }
    struct hw_spec *spec = calloc(1, sizeof *spec);
    struct hw_child ch = {.sup = {.pipe_fd = -1, .status_fd = -1, .cgroup_fd = -1}};
    if (!spec || hw_tmpdir_make(c->cfg->tmpdir, tmpdir, PATH_MAX, err, sizeof err) != 0) {
        hw_run_record_end(r, "failed", spec ? err : "out of memory");
        free(spec);
        return r;
    }
    hw_job_spec(j, c->cfg, !c->o->no_phase_reset, tmpdir, spec);
    hw_reference_apply(&c->refs, spec);
    cJSON *js = hw_spec_json(spec);
    snprintf(label, sizeof label, "%s/%s", j->sc->label, hw_allocator_name(j->ac->kind));
    struct hw_child_opts co = slot_child_opts(c, slot);
    co.alloc = j->ac;
    co.label = label;
    co.containers = &c->containers;
    co.container_limit = limit ? limit : hw_config_container_limit(c->cfg, j->sc, j->output_bytes);
    co.container_budget = !limit && j->sc->has_container_budget;
    co.timeout_seconds = timeout;
    hw_child_run(&ch, &co, js);
    struct hw_record_opts ro = {.report = c->report, .limit = c->limit, .self = c->self,
                                .expect_tolerance = c->cfg->expect_tolerance, .phase_reset = !c->o->no_phase_reset,
                                .timeline = !c->o->no_timeline, .interval_ms = (double)c->cfg->sample_interval_ms};
    /* The record reads and notes into the report, which another slot may be saving. */
    pthread_mutex_lock(&c->report_mu);
    hw_run_record_fill(r, j, &ch, &ro);
    pthread_mutex_unlock(&c->report_mu);
    hw_tmpdir_drop(tmpdir);
    cJSON_Delete(js);
    hw_child_release(&ch);
    free(spec);
    return r;
}

static cJSON *run_job(struct ctx *c, struct hw_job *j, uint64_t limit, double timeout)
{
    return run_job_in(c, 0, j, limit, timeout);
}

/* A fidelity report applies to the same dtype mix and output at any row count (the scale it
 * was measured at is named with it); another mix has other shapes, so it is refused. */
static int load_fidelity(struct ctx *c, char *err, size_t len)
{
    char why[1024], mix[65];
    if (hw_json_load(c->o->fidelity, HW_FIDELITY_SCHEMA, &c->fidelity, why, sizeof why) != 0) {
        snprintf(err, len, "%s", why);
        return -1;
    }
    hw_dataset_mix_key(&c->cfg->ds, mix);
    const char *theirs = hw_jstr(cJSON_GetObjectItemCaseSensitive(c->fidelity, "dataset"), "mix_key");
    if (strcmp(theirs, mix) != 0) {
        snprintf(err, len, "%.300s: measured on another dtype mix than %.300s's; run 'highwater fidelity "
                 "%.300s' for this one", c->o->fidelity, c->cfg->path, c->cfg->path);
        return -1;
    }
    return 0;
}

static int resolve_report_path(struct ctx *c)
{
    char err[PATH_MAX * 2 + 128];
    if (hw_report_path(c->o->report, c->cfg->name, c->report_path, sizeof c->report_path, err, sizeof err) != 0 ||
        (c->o->html[0] && hw_path_check("--html", c->o->html, err, sizeof err) != 0) ||
        hw_config_check_tmpdir(c->cfg, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: %s\n", err);
        return -1;
    }
    return 0;
}

static int save(struct ctx *c)
{
    char err[PATH_MAX + 256];
    struct hw_status self;
    hw_report_summarize(c->report);
    cJSON *lessons = hw_lessons_build(c->report);
    if (cJSON_HasObjectItem(c->report, "lessons"))
        cJSON_ReplaceItemInObjectCaseSensitive(c->report, "lessons", lessons);
    else
        cJSON_AddItemToObject(c->report, "lessons", lessons);
    /* The harness's own cost: the parent's high-water mark, kept small because a worker's
     * ru_maxrss can include the parent's RSS at fork time. */
    if (hw_status_read(0, &self) == 0) {
        cJSON *h = cJSON_GetObjectItemCaseSensitive(c->report, HW_F_HARNESS);
        if (!h)
            h = cJSON_AddObjectToObject(c->report, HW_F_HARNESS);
        cJSON_DeleteItemFromObjectCaseSensitive(h, HW_F_PARENT_PEAK_RSS_BYTES);
        cJSON_AddNumberToObject(h, HW_F_PARENT_PEAK_RSS_BYTES, (double)self.vm_hwm);
        /* What a worker's ru_maxrss could inherit: the launcher's, not the parent's. */
        cJSON_DeleteItemFromObjectCaseSensitive(h, HW_F_LAUNCHER_PEAK_RSS_BYTES);
        uint64_t launcher = 0;
        for (uint32_t i = 0; i < (c->nslots ? c->nslots : 1); i++) {
            uint64_t l = hw_launcher_rss(slot_launcher(c, i));
            launcher = l > launcher ? l : launcher;
        }
        cJSON_AddNumberToObject(h, HW_F_LAUNCHER_PEAK_RSS_BYTES, (double)launcher);
        /* With the runs' peaks these bound what a scheduler can see of the whole step. */
        cJSON_DeleteItemFromObjectCaseSensitive(h, HW_F_HELPER_PEAK_RSS_BYTES);
        cJSON_AddNumberToObject(h, HW_F_HELPER_PEAK_RSS_BYTES, (double)c->helper_peak);
    }
    if (hw_report_write(c->report, c->report_path, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: %s\n", err);
        return -1;
    }
    return 0;
}

/* A config budget exceeded (on the median over repeats), or a worker killed at the memory
 * limit, fails the run as a gate would: exit 1 (DESIGN.md: "a gate or budget failed"). */
static bool over_budget(const cJSON *report)
{
    const cJSON *s;
    bool over = false;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(report, HW_F_SUMMARY)) {
        struct hw_summary_view v;
        hw_summary_decode(s, &v);
        if (v.over_budget) {
            fprintf(stderr, "highwater: %s/%s passed its budget\n", v.label, v.allocator);
            over = true;
        }
    }
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(report, HW_F_RUNS)) {
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, HW_F_STATUS));
        const char *label = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, HW_F_LABEL));
        const char *alloc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, HW_F_ALLOCATOR));
        if (st && strcmp(st, "over_budget") == 0) {
            fprintf(stderr, "highwater: %s/%s was killed at the memory limit\n", label, alloc);
            over = true;
        }
        const char *src = hw_jstr(cJSON_GetObjectItemCaseSensitive(s, HW_F_CONTAINER), HW_F_LIMIT_SOURCE);
        if (st && strcmp(st, "oom_killed") == 0 && strcmp(src, "budget") == 0) {
            fprintf(stderr, "highwater: %s/%s did not survive its container budget\n", label, alloc);
            over = true;
        }
    }
    return over;
}

/* The memory limit: a fraction of MemAvailable or bytes. 0, or -1 after a message. */
static int set_limit(struct ctx *c)
{
    uint64_t avail = 0, total = 0;
    char b1[32], b2[32];
    if (hw_meminfo_read(&avail, &total) != 0) {
        fprintf(stderr, "highwater: cannot read /proc/meminfo; highwater needs Linux /proc\n");
        return -1;
    }
    if (c->cfg->limit_is_fraction) {
        c->limit = (uint64_t)(c->cfg->limit * (double)avail);
        snprintf(c->limit_text, sizeof c->limit_text, "%s (%.0f%% of MemAvailable %s)",
                 hw_fmt_bytes((double)c->limit, b1, sizeof b1), c->cfg->limit * 100,
                 hw_fmt_bytes((double)avail, b2, sizeof b2));
    } else {
        c->limit = (uint64_t)c->cfg->limit;
        snprintf(c->limit_text, sizeof c->limit_text, "%s", hw_fmt_bytes((double)c->limit, b1, sizeof b1));
    }
    return 0;
}

/* --shard: the full list's digest, then only the shard's jobs, and the report says which.
 * Skipped jobs belong to a shard too, so the shards' reports together hold every job. */
static int select_shard(struct ctx *c)
{
    char sha[65];
    c->jobs_total = c->njobs;
    if (!c->shard.count)
        return 0;
    hw_shard_list_sha256(c->jobs, c->njobs, sha);
    if (hw_shard_select(c->jobs, &c->njobs, &c->shard) != 0)
        return 3;
    cJSON_AddItemToObject(c->report, HW_F_SHARD, hw_shard_json(&c->shard, c->jobs_total, sha, c->jobs, c->njobs));
    return 0;
}

/* Config, report path, the workers' binary, the launcher, the limit, --plan, --fidelity and
 * the job list with its pre-flight verdicts. 0, or the exit code. */
static int prepare(struct ctx *c, char **text, size_t *text_len)
{
    char err[1024];
    int rc = hw_jobs_config(c->o, &c->cfg, text, text_len);
    if (rc != 0)
        return rc;
    if (resolve_report_path(c) != 0)
        return 2;
    ssize_t n = readlink("/proc/self/exe", c->self, sizeof c->self - 1);
    if (n <= 0) {
        fprintf(stderr, "highwater: cannot read /proc/self/exe to start workers; highwater needs Linux /proc\n");
        return 3;
    }
    c->self[n] = '\0';
    if (hw_launcher_start(&c->launcher, c->self, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: %s\n", err);
        return 3;
    }
    if (set_limit(c) != 0)
        return 3;
    hw_containers_init(&c->containers);
    c->progress = c->o->verbose || isatty(STDERR_FILENO);
    c->jobs = hw_jobs_list(c->cfg, c->o->strategies, &c->njobs);
    c->report = hw_report_new(c->cfg, *text, *text_len);
    if (!c->jobs || !c->report)
        return 3;
    cJSON_AddNumberToObject(c->report, "limit_bytes", (double)c->limit);
    cJSON *sched = hw_scheduler_json(getenv);
    if (sched)
        cJSON_AddItemToObject(c->report, HW_F_SCHEDULER, sched);
    if (c->o->plan[0] && hw_json_load(c->o->plan, HW_PLAN_SCHEMA, &c->plan, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: --plan: %s\n", err);
        return 2;
    }
    if (c->o->fidelity[0] && load_fidelity(c, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: --fidelity: %s\n", err);
        return 2;
    }
    struct hw_preflight pf = {.limit = c->limit, .limit_text = c->limit_text, .plan = c->plan,
                              .plan_path = c->o->plan};
    for (uint32_t i = 0; i < c->njobs; i++)
        hw_preflight_job(&c->jobs[i], c->cfg, &pf);
    return select_shard(c);
}

/* The largest predicted peak of the (shard's) jobs, and their total cost. */
static double largest_peak(const struct ctx *c, double *total)
{
    double most = 0;
    *total = 0;
    for (uint32_t i = 0; i < c->njobs; i++) {
        double p = c->jobs[i].predicted;
        most = p > most ? p : most;
        *total += hw_shard_cost(&c->jobs[i]);
    }
    return most;
}

static void dry_run(const struct ctx *c)
{
    char b1[32], b2[32];
    double total, most = largest_peak(c, &total);
    if (c->shard.count)
        printf("%s: shard %u/%u: %u of %u runs, limit %s\n", c->cfg->name, c->shard.index, c->shard.count,
               c->njobs, c->jobs_total, c->limit_text);
    else
        printf("%s: %u runs, limit %s\n", c->cfg->name, c->njobs, c->limit_text);
    for (uint32_t i = 0; i < c->njobs; i++)
        printf("#%-3u %-34s %-9s predicted %10s  %s\n", c->jobs[i].index, c->jobs[i].sc->label,
               hw_allocator_name(c->jobs[i].ac->kind), hw_fmt_bytes(c->jobs[i].predicted, b1, sizeof b1),
               c->jobs[i].skip[0] ? c->jobs[i].skip : "runs");
    if (c->shard.count)
        printf("shard %u/%u: total predicted cost %s, largest predicted peak %s\n", c->shard.index, c->shard.count,
               hw_fmt_bytes(total, b1, sizeof b1), hw_fmt_bytes(most, b2, sizeof b2));
}

/* The helper workers first: the host's rates, then a reference per output dtype the runs need;
 * each from the helper cache when it has them. */
static void helpers(struct ctx *c)
{
    struct hw_helpers h = {.child = child_opts(c), .cfg = c->cfg, .self = c->self, .peak = &c->helper_peak,
                           .recalibrate = c->o->recalibrate};
    double t0 = hw_now();
    cJSON *host = cJSON_GetObjectItemCaseSensitive(c->report, HW_F_HOST);
    cJSON *harness = cJSON_GetObjectItemCaseSensitive(c->report, HW_F_HARNESS);
    if (!harness)
        harness = cJSON_AddObjectToObject(c->report, HW_F_HARNESS);
    cJSON *records = cJSON_AddArrayToObject(harness, HW_F_REFERENCES);
    hw_helpers_cache_open(&h);
    progress(c, "calibrate: memcpy and first-touch rates");
    cJSON *cal = hw_calibration_get(&h, host);
    if (cal)
        cJSON_AddItemToObject(host, HW_F_CALIBRATION, cal);
    else
        cJSON_AddNullToObject(host, HW_F_CALIBRATION);
    for (uint32_t i = 0; i < c->njobs && !hw_sup_signalled(); i++) {
        enum hw_dtype dt = c->jobs[i].sc->out_dtype;
        if (c->jobs[i].skip[0] || !hw_reference_needed(&c->refs, dt))
            continue;
        progress(c, "reference: medians and checksum (%s output)", hw_dtype_name(dt));
        hw_reference_get(&c->refs, dt, &h, records);
    }
    cJSON_AddNumberToObject(harness, HW_F_HELPERS_WALL_SECONDS, hw_now() - t0);
}

struct limit_try {
    struct ctx *c;
    struct hw_job *j;
    double timeout;
};

static cJSON *try_limit(void *arg, uint64_t limit)
{
    struct limit_try *t = arg;
    return hw_sup_signalled() ? NULL : run_job(t->c, t->j, limit, t->timeout);
}

static void on_try(void *arg, uint64_t limit, const char *status, int tryno)
{
    struct limit_try *t = arg;
    char b[32];
    progress(t->c, "find-limit %s/%s: try %d at %s: %s", t->j->sc->label, hw_allocator_name(t->j->ac->kind), tryno,
             hw_fmt_bytes((double)limit, b, sizeof b), status);
}

/* --find-limit: each job's first repeat, once its ordinary run is in the report, searched
 * under limits; the search goes into that run's record. 0, or -1 when the report could not
 * be saved. */
static int find_limits(struct ctx *c)
{
    cJSON *runs = cJSON_GetObjectItemCaseSensitive(c->report, HW_F_RUNS);
    for (uint32_t i = 0; i < c->njobs && !hw_sup_signalled(); i++) {
        struct hw_job *j = &c->jobs[i];
        cJSON *r = cJSON_GetArrayItem(runs, (int)i);
        if (j->repeat != 1 || !r || j->skip[0])
            continue;
        /* A limit the run survives only by thrashing (writing back and re-reading the same
         * pages: 300x slower, measured on memmap) is no limit to set: a try gets
         * HW_LIMIT_SLOWDOWN times the run's own worker wall, and 10 s more for start-up. */
        struct limit_try t = {c, j, HW_LIMIT_SLOWDOWN * hw_jnum(r, HW_F_WORKER_WALL_SECONDS) + 10.0};
        struct hw_find_limit_opts fo = {.output_bytes = (double)j->output_bytes, .max_tries = 12,
                                        .slowdown = HW_LIMIT_SLOWDOWN,
                                        .try_run = try_limit, .arg = &t, .on_try = on_try};
        cJSON_AddItemToObject(r, HW_F_LIMIT_SEARCH, hw_find_limit(r, &fo));
        if (save(c) != 0)
            return -1;
    }
    return 0;
}

static void *slot_run(void *arg, uint32_t slot, uint32_t job)
{
    struct ctx *c = arg;
    struct hw_job *j = &c->jobs[job];
    progress(c, "run %u/%u %s/%s", job + 1, c->njobs, j->sc->label, hw_allocator_name(j->ac->kind));
    return run_job_in(c, slot, j, 0, 0);
}

/* A run ended (slots.h: one at a time): into runs[] at its job's place, so the report's
 * order is the job list's whatever the order of ends, then the report saved if the last save
 * is HW_SAVE_EVERY_S old. */
static int slot_done(void *arg, uint32_t job, void *result, bool contended)
{
    struct ctx *c = arg;
    cJSON *r = result, *runs = cJSON_GetObjectItemCaseSensitive(c->report, HW_F_RUNS);
    const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, HW_F_STATUS));
    pthread_mutex_lock(&c->report_mu);
    c->failed += st && strcmp(st, "failed") == 0;
    cJSON_AddBoolToObject(r, HW_F_CONTENDED, contended);
    if (c->fidelity)
        hw_fidelity_attach(c->fidelity, r);
    /* Not cJSON_InsertItemInArray: Debian 12's cJSON (1.7.15-1+deb12u4) refuses every place
     * but the ends, and the item is then owned by no one. The runs are taken out and put
     * back in job order instead (a few dozen pointers). */
    c->done[job] = r;
    while (cJSON_DetachItemFromArray(runs, 0))
        ;
    for (uint32_t i = 0; i < c->njobs; i++)
        if (c->done[i])
            cJSON_AddItemToArray(runs, c->done[i]);
    double now = hw_now();
    if (now - c->saved_at >= HW_SAVE_EVERY_S) {
        c->save_failed |= save(c) != 0;
        c->saved_at = now;
    }
    pthread_mutex_unlock(&c->report_mu);
    return c->save_failed;
}

static bool stop_admitting(void)
{
    return hw_sup_signalled() != 0;
}

/* Every job, up to nslots at once, the report saved as they end and after the last. The exit
 * code. */
static int run_all(struct ctx *c)
{
    char err[1024];
    double *cost = calloc(c->njobs ? c->njobs : 1, sizeof *cost);
    c->done = calloc(c->njobs ? c->njobs : 1, sizeof *c->done);
    if (!cost || !c->done) {
        free(cost);
        fprintf(stderr, "highwater: out of memory for %u jobs\n", c->njobs);
        return 3;
    }
    for (uint32_t i = 0; i < c->njobs; i++)
        cost[i] = c->jobs[i].skip[0] ? 0 : c->jobs[i].predicted;
    cJSON *par = cJSON_AddObjectToObject(c->report, HW_F_PARALLEL);
    cJSON_AddNumberToObject(par, HW_F_WORKERS, c->nslots);
    struct hw_slots_opts so = {.njobs = c->njobs, .nslots = c->nslots, .cost = cost, .budget = (double)c->limit,
                               .stop = stop_admitting, .run = slot_run, .done = slot_done, .arg = c};
    int ran = hw_slots_run(&so);
    free(cost);
    if (ran < 0) {
        fprintf(stderr, "highwater: out of memory starting %u workers\n", c->nslots);
        return 3;
    }
    if (c->save_failed)
        return 3;
    uint32_t failed = c->failed;
    if (c->o->find_limit && !hw_sup_signalled() && find_limits(c) != 0)
        return 3;
    if (c->progress)
        fputs("\r\033[K", stderr);
    if (save(c) != 0)
        return 3;
    bool html_failed = c->o->html[0] && hw_plot_write(c->report, c->o->html, err, sizeof err) != 0;
    if (html_failed)
        fprintf(stderr, "highwater: --html: %s\n", err);
    hw_report_print_table(c->report, stdout);
    hw_lessons_print(cJSON_GetObjectItemCaseSensitive(c->report, "lessons"), stdout);
    printf("report: %s\n", c->report_path);
    fflush(stdout);
    if (hw_sup_signalled()) {
        fprintf(stderr, "highwater: interrupted; the report holds the runs so far: %s\n", c->report_path);
        return 130;
    }
    return failed || html_failed ? 3 : over_budget(c->report) ? 1 : 0;
}

/* -j N, or one slot per CPU this process may run on (a Slurm task's or a container's share,
 * where they are bound); never more than there are jobs. */
static uint32_t slot_count(const struct ctx *c)
{
    uint64_t n = c->o->jobs;
    if (!n) {
        cpu_set_t set;
        n = sched_getaffinity(0, sizeof set, &set) == 0 ? (uint64_t)CPU_COUNT(&set) : 1;
    }
    if (n > c->njobs)
        n = c->njobs;
    return n < 1 ? 1 : n > HW_SLOTS_MAX ? HW_SLOTS_MAX : (uint32_t)n;
}

/* The most memory the shard's runs can hold at once: the nslots largest predicted peaks, but
 * never more than the admission lets run together (the limit), nor less than the largest.
 * 0, or -1 out of memory. */
static int runs_at_once(const struct ctx *c, double *most)
{
    double *p = calloc(c->njobs ? c->njobs : 1, sizeof *p);
    if (!p)
        return -1;
    for (uint32_t i = 0; i < c->njobs; i++)
        p[i] = c->jobs[i].skip[0] || !(c->jobs[i].predicted > 0) ? 0 : c->jobs[i].predicted;
    double sum = hw_accounting_at_once(p, c->njobs, c->nslots);
    double top = c->njobs ? p[0] : 0, cap = (double)c->limit > top ? (double)c->limit : top;
    free(p);
    *most = sum < cap ? sum : cap;
    return 0;
}

/* A launcher per extra slot, forked now while the parent is still small; a slot whose
 * launcher cannot start is not used (the run goes on with fewer). */
static void start_slots(struct ctx *c)
{
    char err[256];
    uint32_t n = 1;
    if (c->nslots > 1 && (c->extra = calloc(c->nslots - 1, sizeof *c->extra)))
        for (; n < c->nslots; n++) {
            c->extra[n - 1].launcher = (struct hw_launcher){.pid = -1, .sock = -1};
            if (hw_launcher_start(&c->extra[n - 1].launcher, c->self, err, sizeof err) != 0) {
                fprintf(stderr, "highwater: -j %u: %s; running %u at once\n", c->nslots, err, n);
                break;
            }
        }
    c->nslots = n;
}

int hw_runner(const struct hw_run_opts *o)
{
    size_t text_len = 0;
    char *text = NULL;
    struct ctx c = {.o = o, .launcher = {.pid = -1, .sock = -1}};
    struct hw_sup_signals sig;
    char err[256];
    /* Checked before anything starts: a scheduler's bad array index fails at once. */
    if (o->shard[0] && hw_shard_parse(o->shard, &c.shard, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: %s\n", err);
        return 2;
    }
    /* The models read numpy's switch as numpy does (worker/run.h): a value numpy's import
     * would fail on fails here once, not in every worker. */
    bool numpy_hugepage;
    if (hw_numpy_hugepage_setting(&numpy_hugepage, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: %s\n", err);
        return 2;
    }
    if (o->shard_memory && !c.shard.count)
        c.shard = (struct hw_shard){1, 1};
    pthread_mutex_init(&c.report_mu, NULL);
    int rc = prepare(&c, &text, &text_len);
    if (rc == 0)
        c.nslots = slot_count(&c);
    if (rc == 0 && o->shard_memory) {
        /* The whole step a scheduler accounts: the largest workers at once (the runs', or a
         * helper's, which runs alone) beside the harness's own processes as they are now. */
        double helpers = hw_helpers_predicted_peak(c.cfg), most = 0;
        struct hw_status self = {0};
        hw_status_read(0, &self);
        if (runs_at_once(&c, &most) != 0) {
            fprintf(stderr, "highwater: --shard-memory: out of memory sorting %u predicted peaks\n", c.njobs);
            rc = 3;
        } else {
            printf("%.0f\n", ceil((most > helpers ? most : helpers) + (double)self.vm_rss +
                                  (double)c.nslots * (double)hw_launcher_rss(&c.launcher)));
        }
    } else if (rc == 0 && o->dry_run) {
        dry_run(&c);
    } else if (rc == 0) {
        hw_sup_signals_catch(&sig);
        start_slots(&c);
        helpers(&c);
        rc = run_all(&c);
        hw_sup_signals_restore(&sig);
    }
    for (uint32_t s = 1; c.extra && s < c.nslots; s++) {
        hw_launcher_stop(&c.extra[s - 1].launcher);
        hw_tmpdir_drop(c.extra[s - 1].tmpdir);
    }
    free(c.extra);
    free(c.done);
    pthread_mutex_destroy(&c.report_mu);
    hw_launcher_stop(&c.launcher);
    cJSON_Delete(c.plan);
    cJSON_Delete(c.fidelity);
    hw_tmpdir_drop(c.tmpdir);
    cJSON_Delete(c.report);
    free(c.jobs);
    free(c.cfg);
    free(text);
    return rc;
}
