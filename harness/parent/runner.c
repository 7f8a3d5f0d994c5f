#include "runner.h"
#include "alloc.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "launcher.h"
#include "lessons.h"
#include "plan.h"
#include "fidelity.h"
#include "export.h"
#include "json.h"
#include "plot.h"
#include "procfs.h"
#include "report.h"
#include "atomic.h"
#include "sampler.h"
#include "size.h"
#include "spec.h"
#include "worker.h"
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_interrupted;

static void on_signal(int sig) { g_interrupted = sig; }

/* One planned run. */
struct job {
    const struct hw_strategy_cfg *sc;
    const struct hw_allocator_cfg *ac;
    uint32_t repeat;
    uint64_t output_bytes;
    double predicted;
    char skip[512];
};

/* What a supervised child left behind. */
struct child {
    pid_t pid;
    int wstatus;
    struct rusage ru;
    double t_start, t_end;
    bool over_budget, interrupted, spawn_failed;
    int spawn_errno;
    uint64_t over_rss;
    char phase[64];
    cJSON *events;
    struct hw_timeline *tl;
};

struct reference {
    bool have;
    enum hw_dtype dtype;
    uint64_t checksum;
    double medians[HW_MAX_COLS];
};

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
    struct job *jobs;
    uint32_t njobs;
    struct reference refs[3];
    uint32_t nrefs;
    char tmpdir[PATH_MAX];     /* the current child's own directory, "" when none */
};

static void progress(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(struct ctx *c, const char *fmt, ...)
{
    if (!c->progress)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("\r\033[K", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

/* ---- the run's tmpdir: created before the worker starts, removed whatever happens ---- */

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[PATH_MAX + 256];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int make_tmpdir(struct ctx *c, char *err, size_t len)
{
    if ((size_t)snprintf(c->tmpdir, sizeof c->tmpdir, "%s/highwater-%d-XXXXXX", c->cfg->tmpdir,
                         (int)getpid()) >= sizeof c->tmpdir || !mkdtemp(c->tmpdir)) {
        snprintf(err, len, "cannot create a run directory under %s: %s; set run.tmpdir",
                 c->cfg->tmpdir, strerror(errno));
        c->tmpdir[0] = '\0';
        return -1;
    }
    return 0;
}

static void drop_tmpdir(struct ctx *c)
{
    if (c->tmpdir[0])
        remove_tree(c->tmpdir);
    c->tmpdir[0] = '\0';
}

/* ---- spawning and supervising one child ---- */

static void handle_line(struct child *ch, const char *line)
{
    cJSON *ev = cJSON_Parse(line);
    if (!ev)
        return;
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "ev"));
    if (kind && strcmp(kind, "begin") == 0) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "name"));
        snprintf(ch->phase, sizeof ch->phase, "%s", name ? name : "?");
    }
    cJSON_AddItemToArray(ch->events, ev);
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Start a child with spec, follow it to the end. -1 only if it could not be started. */
static int supervise(struct ctx *c, const struct hw_allocator_cfg *ac, const cJSON *spec,
                     const char *label, struct child *ch)
{
    int spec_pipe[2] = {-1, -1}, ev_pipe[2] = {-1, -1}, status_fd = -1;
    int rc = -1;
    char *text = cJSON_PrintUnformatted(spec);
    struct hw_linebuf lb = {0};
    ch->events = cJSON_CreateArray();
    ch->tl = malloc(sizeof *ch->tl);
    if (ch->tl)
        hw_timeline_init(ch->tl);
    if (!text || !ch->events || !ch->tl || pipe2(spec_pipe, O_CLOEXEC) || pipe2(ev_pipe, O_CLOEXEC)) {
        ch->spawn_errno = errno ? errno : ENOMEM;
        goto out;
    }
    ch->t_start = hw_now();
    ch->pid = hw_launcher_spawn(&c->launcher, ac, spec_pipe[0], ev_pipe[1]);
    if (ch->pid < 0) {
        ch->spawn_errno = errno;
        goto out;
    }
    close(spec_pipe[0]);
    close(ev_pipe[1]);
    spec_pipe[0] = ev_pipe[1] = -1;
    rc = 0;

    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)ch->pid);
    status_fd = open(path, O_RDONLY | O_CLOEXEC);
    /* The spec is a few KiB, below the pipe's capacity: this write does not block. */
    write_all(spec_pipe[1], text, strlen(text));
    close(spec_pipe[1]);
    spec_pipe[1] = -1;

    int interval = (int)c->cfg->sample_interval_ms;
    double last_sample = 0;
    bool killed = false;
    for (;;) {
        struct pollfd pfd = {.fd = ev_pipe[0], .events = POLLIN};
        int pr = poll(&pfd, 1, interval);
        if (pr > 0) {
            char buf[8192];
            ssize_t n = read(ev_pipe[0], buf, sizeof buf);
            if (n == 0)
                break;
            if (n > 0) {
                hw_linebuf_feed(&lb, buf, (size_t)n);
                char *line;
                while ((line = hw_linebuf_pop(&lb))) {
                    handle_line(ch, line);
                    free(line);
                }
            }
        }
        double now = hw_now();
        if (status_fd >= 0 && (now - last_sample) * 1000.0 >= interval * 0.999) {
            struct hw_status st;
            last_sample = now;
            if (hw_status_read_fd(status_fd, &st) == 0) {
                struct hw_sample s = {now - ch->t_start, st.vm_rss, st.rss_anon, st.rss_file};
                hw_timeline_add(ch->tl, &s);
                if (st.vm_rss > c->limit && !killed) {
                    ch->over_budget = true;
                    ch->over_rss = st.vm_rss;
                    killpg(ch->pid, SIGKILL);
                    killed = true;
                }
                if (c->progress && ch->phase[0]) {
                    char b[32];
                    progress(c, "%s: %s  RSS %s", label, ch->phase, hw_fmt_bytes((double)st.vm_rss, b, sizeof b));
                }
            }
        }
        if (g_interrupted && !killed) {
            ch->interrupted = true;
            killpg(ch->pid, SIGKILL);
            killed = true;
        }
    }
    if (hw_launcher_wait(&c->launcher, &ch->wstatus, &ch->ru) != 0) {
        /* The launcher is gone (killed from outside): the worker went with it. */
        ch->wstatus = SIGKILL;
        memset(&ch->ru, 0, sizeof ch->ru);
    }
    /* A grandchild could outlive the worker in its group; the group goes with it. */
    killpg(ch->pid, SIGKILL);
    ch->t_end = hw_now();
out:
    if (rc != 0)
        ch->spawn_failed = true;
    for (int i = 0; i < 2; i++) {
        if (spec_pipe[i] >= 0)
            close(spec_pipe[i]);
        if (ev_pipe[i] >= 0)
            close(ev_pipe[i]);
    }
    if (status_fd >= 0)
        close(status_fd);
    hw_linebuf_release(&lb);
    free(text);
    return rc;
}

static void child_release(struct child *ch)
{
    cJSON_Delete(ch->events);
    free(ch->tl);
    memset(ch, 0, sizeof *ch);
}

static const cJSON *find_event(const struct child *ch, const char *kind)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, ch->events) {
        const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "ev"));
        if (k && strcmp(k, kind) == 0)
            return e;
    }
    return NULL;
}

/* Map how a child ended to ok / over_budget / failed, with a reason (stress-ng style). */
static const char *child_status(const struct ctx *c, const struct child *ch, char *reason, size_t len)
{
    char b1[32], b2[32];
    const cJSON *err = find_event(ch, "error");
    reason[0] = '\0';
    if (ch->spawn_failed) {
        snprintf(reason, len, "could not start a worker: %s", strerror(ch->spawn_errno));
        return "failed";
    }
    if (ch->interrupted) {
        snprintf(reason, len, "interrupted by signal %d during phase %s", (int)g_interrupted,
                 ch->phase[0] ? ch->phase : "(none)");
        return "failed";
    }
    if (ch->over_budget) {
        snprintf(reason, len, "RSS %s passed the limit %s during phase %s; the worker was killed",
                 hw_fmt_bytes((double)ch->over_rss, b1, sizeof b1),
                 hw_fmt_bytes((double)c->limit, b2, sizeof b2), ch->phase[0] ? ch->phase : "(none)");
        return "over_budget";
    }
    if (WIFSIGNALED(ch->wstatus)) {
        int sig = WTERMSIG(ch->wstatus);
        snprintf(reason, len, "killed by signal %d (%s)%s during phase %s", sig, strsignal(sig),
                 sig == SIGKILL ? ", likely the kernel's OOM killer" : "",
                 ch->phase[0] ? ch->phase : "(none)");
        return "failed";
    }
    int code = WIFEXITED(ch->wstatus) ? WEXITSTATUS(ch->wstatus) : -1;
    if (err) {
        snprintf(reason, len, "%s", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(err, "msg")));
        return "failed";
    }
    if (code == 127) {
        snprintf(reason, len, "could not exec the worker %.900s", c->self);
        return "failed";
    }
    if (code != 0 || !find_event(ch, "done")) {
        snprintf(reason, len, "worker exited with code %d without finishing", code);
        return "failed";
    }
    return "ok";
}

/* ---- the reference ---- */

static struct reference *reference_for(struct ctx *c, enum hw_dtype dtype)
{
    for (uint32_t i = 0; i < c->nrefs; i++)
        if (c->refs[i].dtype == dtype)
            return &c->refs[i];
    return NULL;
}

static void compute_reference(struct ctx *c, enum hw_dtype dtype)
{
    if (reference_for(c, dtype) || c->nrefs == sizeof c->refs / sizeof c->refs[0])
        return;
    struct reference *ref = &c->refs[c->nrefs++];
    struct hw_spec *spec = calloc(1, sizeof *spec);
    struct child ch = {0};
    char reason[512] = "could not start the reference worker";
    memset(ref, 0, sizeof *ref);
    ref->dtype = dtype;
    if (!spec)
        return;
    spec->mode = HW_MODE_REFERENCE;
    spec->ds = c->cfg->ds;
    spec->out_dtype = dtype;
    snprintf(spec->tmpdir, sizeof spec->tmpdir, "%s", c->cfg->tmpdir);
    cJSON *j = hw_spec_json(spec);
    progress(c, "reference: medians and checksum (%s output)", hw_dtype_name(dtype));
    if (j && supervise(c, NULL, j, "reference", &ch) == 0 &&
        strcmp(child_status(c, &ch, reason, sizeof reason), "ok") == 0) {
        const cJSON *ev = find_event(&ch, "reference"), *e;
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(ev, "medians");
        if (ev && cJSON_GetArraySize(m) == (int)c->cfg->ds.cols &&
            hw_hex_u64(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "checksum")),
                       &ref->checksum) == 0) {
            uint32_t i = 0;
            cJSON_ArrayForEach(e, m) ref->medians[i++] = e->valuedouble;
            ref->have = true;
        }
    } else if (!g_interrupted) {
        fprintf(stderr, "highwater: the reference could not be computed (%s); outputs stay unchecked\n",
                reason);
    }
    cJSON_Delete(j);
    child_release(&ch);
    free(spec);
}

static double phase_num(const cJSON *p, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(p, k);
    return cJSON_IsNumber(it) ? it->valuedouble : 0;
}

/* The machine's memcpy and first-touch rates, in a child, into the report's host block. */
static void calibrate(struct ctx *c)
{
    struct hw_spec *spec = calloc(1, sizeof *spec);
    struct child ch = {0};
    char reason[512] = "could not start the calibration worker";
    cJSON *host = cJSON_GetObjectItemCaseSensitive(c->report, "host");
    if (!spec)
        return;
    spec->mode = HW_MODE_CALIBRATE;
    spec->ds = c->cfg->ds;
    snprintf(spec->tmpdir, sizeof spec->tmpdir, "%s", c->cfg->tmpdir);
    cJSON *j = hw_spec_json(spec);
    progress(c, "calibrate: memcpy and first-touch rates");
    const cJSON *ev = NULL;
    if (j && supervise(c, NULL, j, "calibrate", &ch) == 0 &&
        strcmp(child_status(c, &ch, reason, sizeof reason), "ok") == 0)
        ev = find_event(&ch, "calibration");
    if (ev)
        cJSON_AddItemToObject(host, "calibration",
                              cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ev, "calibration"), 1));
    else {
        cJSON_AddNullToObject(host, "calibration");
        if (!g_interrupted)
            fprintf(stderr, "highwater: calibration failed (%s); the report has no machine rates\n", reason);
    }
    cJSON_Delete(j);
    child_release(&ch);
    free(spec);
}

/* Bytes of output per second of the strategy's own phases (not the source's generation),
 * and that as a fraction of this machine's warm memcpy and first-touch rates. */
static void add_throughput(struct ctx *c, cJSON *r, const struct job *j)
{
    const cJSON *p, *cal = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c->report, "host"), "calibration");
    double wall = 0;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r, "phases"))
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name")), "load_source") != 0)
            wall += phase_num(p, "wall_seconds");
    if (!(wall > 0))
        return;
    cJSON *t = cJSON_AddObjectToObject(r, "throughput");
    double rate = (double)j->output_bytes / wall;
    cJSON_AddNumberToObject(t, "output_bytes_per_second", rate);
    double mc = phase_num(cal, "memcpy_warm_bytes_per_s"), ft = phase_num(cal, "fault_4k_bytes_per_s");
    if (mc > 0)
        cJSON_AddNumberToObject(t, "fraction_of_memcpy_warm", rate / mc);
    if (ft > 0)
        cJSON_AddNumberToObject(t, "fraction_of_first_touch_4k", rate / ft);
}

/* ---- one run into the report ---- */


static void set_num(cJSON *o, const char *k, double v)
{
    if (cJSON_GetObjectItemCaseSensitive(o, k))
        cJSON_ReplaceItemInObjectCaseSensitive(o, k, cJSON_CreateNumber(v));
    else
        cJSON_AddNumberToObject(o, k, v);
}

static cJSON *rusage_json(const struct rusage *ru, bool whole_run)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "maxrss_bytes", (double)ru->ru_maxrss * 1024.0);
    /* clear_refs 5 resets what ru_maxrss is taken from: with per-phase resets it covers
     * only the time since the last reset. */
    cJSON_AddStringToObject(o, "maxrss_covers", whole_run ? "whole run" : "since the last phase reset");
    cJSON_AddNumberToObject(o, "minflt", (double)ru->ru_minflt);
    cJSON_AddNumberToObject(o, "majflt", (double)ru->ru_majflt);
    cJSON_AddNumberToObject(o, "utime_seconds", (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec * 1e-6);
    cJSON_AddNumberToObject(o, "stime_seconds", (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec * 1e-6);
    cJSON_AddNumberToObject(o, "nvcsw", (double)ru->ru_nvcsw);
    cJSON_AddNumberToObject(o, "nivcsw", (double)ru->ru_nivcsw);
    return o;
}

static cJSON *run_header(const struct ctx *c, const struct job *j)
{
    cJSON *r = cJSON_CreateObject();
    const struct hw_strategy_cfg *sc = j->sc;
    cJSON_AddStringToObject(r, "strategy", sc->strategy->name);
    cJSON_AddStringToObject(r, "label", sc->label);
    cJSON *p = cJSON_AddObjectToObject(r, "params");
    for (uint32_t k = 0; k < sc->nparams; k++)
        cJSON_AddStringToObject(p, sc->params[k].key, sc->params[k].value);
    cJSON_AddStringToObject(r, "allocator", hw_allocator_name(j->ac->kind));
    cJSON_AddStringToObject(r, "allocator_conf", j->ac->conf);
    cJSON_AddNumberToObject(r, "repeat", j->repeat);
    cJSON_AddStringToObject(r, "output_dtype", hw_dtype_name(sc->out_dtype));
    cJSON_AddStringToObject(r, "output_order", hw_order_name(sc->out_order));
    cJSON_AddNumberToObject(r, "output_bytes", (double)j->output_bytes);
    cJSON_AddNumberToObject(r, "predicted_peak_bytes", j->predicted);
    cJSON_AddBoolToObject(r, "phase_reset", !c->o->no_phase_reset);
    if (sc->has_expect)
        cJSON_AddNumberToObject(r, "expect_ratio", hw_size_bytes(&sc->expect, j->output_bytes) / (double)j->output_bytes);
    else
        cJSON_AddNullToObject(r, "expect_ratio");
    if (sc->has_budget)
        cJSON_AddNumberToObject(r, "budget_ratio", hw_size_bytes(&sc->budget, j->output_bytes) / (double)j->output_bytes);
    else
        cJSON_AddNullToObject(r, "budget_ratio");
    return r;
}

static void run_fill(struct ctx *c, const struct job *j, struct child *ch, cJSON *r)
{
    char reason[1024];
    const char *status = child_status(c, ch, reason, sizeof reason);
    cJSON_AddStringToObject(r, "status", status);
    cJSON_AddStringToObject(r, "reason", reason);
    cJSON *phases = cJSON_AddArrayToObject(r, "phases");
    const cJSON *e;
    double peak = 0, wall = 0, cpu = 0, vmhwm = 0;
    const char *method = NULL, *peak_phase = NULL;
    cJSON_ArrayForEach(e, ch->events) {
        const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "ev"));
        if (k && strcmp(k, "hello") == 0) {
            const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "allocator_version"));
            if (v) {
                cJSON_AddStringToObject(r, "allocator_version", v);
                hw_report_note_allocator(c->report, v);
            }
        }
        if (!k || strcmp(k, "phase") != 0)
            continue;
        cJSON *p = cJSON_Duplicate(e, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(p, "ev");
        double start = phase_num(p, "start_abs") - ch->t_start;
        cJSON_DeleteItemFromObjectCaseSensitive(p, "start_abs");
        cJSON_AddNumberToObject(p, "start_seconds", start);
        const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "peak_method"));
        if (m && strcmp(m, "sampler") == 0) {
            /* The kernel refused clear_refs: VmHWM never reset, so it is the whole run's exact
             * mark so far (kept, and the run's peak below); the phase's own peak can only come
             * from the samples, never above that mark. */
            double hwm = phase_num(p, "peak_rss_bytes");
            vmhwm = fmax(vmhwm, hwm);
            double s = ch->tl ? (double)hw_timeline_max_between(ch->tl, start, start + phase_num(p, "wall_seconds")) : 0;
            cJSON_AddNumberToObject(p, "vmhwm_bytes", hwm);
            set_num(p, "peak_rss_bytes", fmin(s, hwm));
        }
        if (!method || (m && strcmp(m, "sampler") == 0))
            method = m;
        peak = fmax(peak, phase_num(p, "peak_rss_bytes"));
        wall += phase_num(p, "wall_seconds");
        cpu += phase_num(p, "cpu_seconds");
        cJSON_AddItemToArray(phases, p);
    }
    peak = fmax(peak, vmhwm);
    /* The phase that reached the peak: a phase that starts at its predecessor's peak (the
     * usual case after an allocation) ties with it, so the first one within the counters'
     * resolution wins. */
    cJSON_ArrayForEach(e, phases)
        if (!peak_phase && phase_num(e, "peak_rss_bytes") >= peak - fmax(1 << 20, peak * 1e-3))
            peak_phase = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
    bool ok = strcmp(status, "ok") == 0;
    cJSON_AddNumberToObject(r, "wall_seconds", wall);
    cJSON_AddNumberToObject(r, "cpu_seconds", cpu);
    cJSON_AddNumberToObject(r, "worker_wall_seconds", ch->t_end - ch->t_start);
    if (ok || cJSON_GetArraySize(phases) > 0) {
        cJSON_AddNumberToObject(r, "peak_rss_bytes", peak);
        cJSON_AddNumberToObject(r, "peak_ratio", peak / (double)j->output_bytes);
    } else {
        cJSON_AddNullToObject(r, "peak_rss_bytes");
        cJSON_AddNullToObject(r, "peak_ratio");
    }
    cJSON_AddStringToObject(r, "peak_method", method ? method : "none");
    if (peak_phase)
        cJSON_AddStringToObject(r, "peak_phase", peak_phase);
    else
        cJSON_AddNullToObject(r, "peak_phase");
    cJSON_AddNumberToObject(r, "sampler_peak_bytes", ch->tl ? (double)ch->tl->max.rss : 0.0);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(r, "expect_ratio");
    if (ok && cJSON_IsNumber(ex)) {
        double ratio = peak / (double)j->output_bytes;
        cJSON_AddStringToObject(r, "expect_verdict", hw_expect_verdict(ratio, ex->valuedouble, c->cfg->expect_tolerance));
        cJSON_AddNumberToObject(r, "expect_error", ratio / ex->valuedouble - 1.0);
    }
    cJSON_AddItemToObject(r, "rusage", rusage_json(&ch->ru, c->o->no_phase_reset));
    const cJSON *out = find_event(ch, "output");
    if (out) {
        cJSON *o = cJSON_Duplicate(out, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(o, "ev");
        if (!cJSON_GetObjectItemCaseSensitive(o, "matches_reference")) {
            cJSON_AddNullToObject(o, "matches_reference");
            cJSON_AddNullToObject(o, "cells_differing");
            cJSON_AddNullToObject(o, "max_abs_diff");
        }
        cJSON_AddItemToObject(r, "output", o);
    } else {
        cJSON_AddNullToObject(r, "output");
    }
    if (ch->tl && !c->o->no_timeline)
        cJSON_AddItemToObject(r, "timeline", hw_timeline_json(ch->tl, c->cfg->sample_interval_ms));
    else
        cJSON_AddNullToObject(r, "timeline");
}

static void fill_spec(struct ctx *c, const struct job *j, const char *tmpdir, struct hw_spec *spec)
{
    spec->mode = HW_MODE_RUN;
    spec->ds = c->cfg->ds;
    spec->strategy = j->sc->strategy;
    spec->nparams = j->sc->nparams;
    memcpy(spec->params, j->sc->params, sizeof spec->params);
    spec->out_dtype = j->sc->out_dtype;
    spec->out_order = j->sc->out_order;
    spec->allocator = j->ac->kind;
    spec->phase_reset = !c->o->no_phase_reset;
    snprintf(spec->tmpdir, sizeof spec->tmpdir, "%s", tmpdir);
    struct reference *ref = reference_for(c, j->sc->out_dtype);
    if (ref && ref->have) {
        spec->have_reference = true;
        spec->ref_checksum = ref->checksum;
        memcpy(spec->ref_medians, ref->medians, sizeof ref->medians);
    }
}

static cJSON *run_job(struct ctx *c, struct job *j)
{
    cJSON *r = run_header(c, j);
    char err[512];
    if (j->skip[0]) {
        cJSON_AddStringToObject(r, "status", "skipped");
        cJSON_AddStringToObject(r, "reason", j->skip);
        return r;
    }
    struct hw_spec *spec = calloc(1, sizeof *spec);
    struct child ch = {0};
    if (!spec || make_tmpdir(c, err, sizeof err) != 0) {
        cJSON_AddStringToObject(r, "status", "failed");
        cJSON_AddStringToObject(r, "reason", spec ? err : "out of memory");
        free(spec);
        return r;
    }
    fill_spec(c, j, c->tmpdir, spec);
    cJSON *js = hw_spec_json(spec);
    char label[HW_STR_MAX + 64];
    snprintf(label, sizeof label, "%s/%s", j->sc->label, hw_allocator_name(j->ac->kind));
    supervise(c, j->ac, js, label, &ch);
    run_fill(c, j, &ch, r);
    add_throughput(c, r, j);
    drop_tmpdir(c);
    cJSON_Delete(js);
    child_release(&ch);
    free(spec);
    return r;
}

/* ---- planning ---- */

static bool listed(const char *list, const char *a, const char *b)
{
    if (!list[0])
        return true;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (strcmp(t, a) == 0 || (b && strcmp(t, b) == 0))
            return true;
    return false;
}

/* Every name in a --strategies / --allocators list must match something. */
static int check_filter(const char *flag, const char *list, const struct hw_config *cfg, bool strategies)
{
    char copy[256], known[1024] = "";
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bool found = false;
        size_t used = 0;
        known[0] = '\0';
        if (strategies) {
            for (uint32_t i = 0; i < cfg->nstrategies; i++) {
                found |= strcmp(t, cfg->strategies[i].strategy->name) == 0 || strcmp(t, cfg->strategies[i].label) == 0;
                if (used < sizeof known)
                    used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                                             cfg->strategies[i].label);
            }
        } else {
            enum hw_allocator_kind k;
            found = hw_allocator_parse(t, &k) == 0;
            snprintf(known, sizeof known, "glibc, jemalloc, mixed");
        }
        if (!found) {
            fprintf(stderr, "highwater: %s: '%s' is not in %s; choose from: %s\n", flag, t,
                    strategies ? cfg->path : "the known allocators", known);
            return -1;
        }
    }
    return 0;
}

/* --allocators replaces the config's list; an allocator the config also lists keeps its
 * conf (the first such entry), a new one runs with none. */
static void override_allocators(struct hw_config *cfg, const char *list)
{
    struct hw_allocator_cfg out[HW_MAX_ALLOCATORS];
    uint32_t n = 0;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && n < HW_MAX_ALLOCATORS;
         t = strtok_r(NULL, ",", &save)) {
        memset(&out[n], 0, sizeof out[n]);
        hw_allocator_parse(t, &out[n].kind);
        for (uint32_t a = 0; a < cfg->nallocators; a++)
            if (cfg->allocators[a].kind == out[n].kind) {
                out[n] = cfg->allocators[a];
                break;
            }
        n++;
    }
    memcpy(cfg->allocators, out, sizeof out[0] * n);
    cfg->nallocators = n;
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

static void plan(struct ctx *c)
{
    const struct hw_config *cfg = c->cfg;
    uint64_t source = hw_dataset_source_bytes(&cfg->ds);
    char b1[32], b2[32], b3[32];
    for (uint32_t s = 0; s < cfg->nstrategies; s++) {
        const struct hw_strategy_cfg *sc = &cfg->strategies[s];
        if (!listed(c->o->strategies, sc->strategy->name, sc->label))
            continue;
        for (uint32_t a = 0; a < cfg->nallocators; a++) {
            const struct hw_allocator_cfg *ac = &cfg->allocators[a];
            for (uint32_t r = 1; r <= cfg->repeat; r++) {
                struct job *j = &c->jobs[c->njobs++];
                memset(j, 0, sizeof *j);
                j->sc = sc;
                j->ac = ac;
                j->repeat = r;
                j->output_bytes = hw_dataset_output_bytes(&cfg->ds, sc->out_dtype);
                const struct hw_strategy *st = sc->strategy;
                /* A memmap's file pages count in RSS too, so its output counts like any other,
                 * unless the strategy's own estimate knows they are evicted. */
                struct hw_estimate e = {.rows = (double)cfg->ds.rows, .source_bytes = (double)source,
                                        .output_bytes = (double)j->output_bytes};
                void *params = NULL;
                char err[512];
                if (hw_strategy_params(st, sc->params, sc->nparams, &params, err, sizeof err) != 0) {
                    snprintf(j->skip, sizeof j->skip, "pre-flight: %.480s", err);
                    continue;
                }
                hw_strategy_estimate(st, params, &e);
                free(params);
                double planned = c->plan ? hw_plan_predict(c->plan, sc->label, hw_allocator_name(ac->kind),
                                                           ac->conf, (double)cfg->ds.rows) : NAN;
                if (!isnan(planned)) {
                    e.peak_bytes = planned;
                    snprintf(e.model, sizeof e.model, "plan %.100s", c->o->plan);
                }
                j->predicted = e.peak_bytes;
                if (j->predicted > (double)c->limit) {
                    snprintf(j->skip, sizeof j->skip,
                             "pre-flight: predicted peak %s (model %s, source %s) exceeds the limit %s",
                             hw_fmt_bytes(j->predicted, b1, sizeof b1), e.model,
                             hw_fmt_bytes((double)source, b2, sizeof b2), c->limit_text);
                    continue;
                }
                struct statvfs vfs;
                if (e.disk_bytes > 0 && statvfs(cfg->tmpdir, &vfs) == 0 &&
                    (double)vfs.f_bavail * vfs.f_frsize < e.disk_bytes) {
                    snprintf(j->skip, sizeof j->skip,
                             "pre-flight: the output file needs %s of disk in %s, %s free; set run.tmpdir",
                             hw_fmt_bytes(e.disk_bytes, b1, sizeof b1), cfg->tmpdir,
                             hw_fmt_bytes((double)vfs.f_bavail * vfs.f_frsize, b3, sizeof b3));
                }
            }
        }
    }
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
        cJSON *h = cJSON_GetObjectItemCaseSensitive(c->report, "harness");
        if (!h)
            h = cJSON_AddObjectToObject(c->report, "harness");
        cJSON_DeleteItemFromObjectCaseSensitive(h, "parent_peak_rss_bytes");
        cJSON_AddNumberToObject(h, "parent_peak_rss_bytes", (double)self.vm_hwm);
        /* What a worker's ru_maxrss could inherit: the launcher's, not the parent's. */
        cJSON_DeleteItemFromObjectCaseSensitive(h, "launcher_peak_rss_bytes");
        cJSON_AddNumberToObject(h, "launcher_peak_rss_bytes", (double)hw_launcher_rss(&c->launcher));
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
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(report, "summary")) {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "budget_verdict"));
        if (v && strcmp(v, "exceeded") == 0) {
            fprintf(stderr, "highwater: %s/%s passed its budget\n",
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "label")),
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "allocator")));
            over = true;
        }
    }
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(report, "runs")) {
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "status"));
        if (st && strcmp(st, "over_budget") == 0) {
            fprintf(stderr, "highwater: %s/%s was killed at the memory limit\n",
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "label")),
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "allocator")));
            over = true;
        }
    }
    return over;
}

/* The config with the command line's overrides and filters applied. 0, or an exit code. */
static int load_config(struct ctx *c, char **text, size_t *text_len)
{
    char err[1024];
    const struct hw_run_opts *o = c->o;
    c->cfg = calloc(1, sizeof *c->cfg);
    if (!c->cfg)
        return 3;
    /* Read once: the same bytes are parsed and hashed, and a pipe can be read only once. */
    if (hw_config_read(o->config, text, text_len, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: %s\n", err);
        return 2;
    }
    if (hw_config_parse(o->config, *text, *text_len, c->cfg, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: %s\n", err);
        return 2;
    }
    if (o->rows)
        c->cfg->ds.rows = o->rows;
    if (o->repeat)
        c->cfg->repeat = (uint32_t)o->repeat;
    if (check_filter("--strategies", o->strategies, c->cfg, true) ||
        check_filter("--allocators", o->allocators, c->cfg, false))
        return 2;
    if (o->allocators[0])
        override_allocators(c->cfg, o->allocators);
    return 0;
}

int hw_runner_spec(const struct hw_run_opts *o)
{
    size_t text_len = 0;
    char *text = NULL;
    struct ctx c = {.o = o, .limit = UINT64_MAX};
    int rc = load_config(&c, &text, &text_len);
    if (rc == 0) {
        c.jobs = calloc((size_t)c.cfg->nstrategies * c.cfg->nallocators * c.cfg->repeat + 1, sizeof *c.jobs);
        rc = 3;
        if (c.jobs)
            plan(&c);
    }
    if (c.jobs && c.njobs > 0) {
        struct hw_spec *spec = calloc(1, sizeof *spec);
        if (spec) {
            fill_spec(&c, &c.jobs[0], c.cfg->tmpdir, spec);
            cJSON *j = hw_spec_json(spec);
            char *s = j ? cJSON_Print(j) : NULL;
            if (s) {
                printf("%s\n", s);
                rc = 0;
            }
            free(s);
            cJSON_Delete(j);
        }
        free(spec);
    } else if (c.jobs) {
        fprintf(stderr, "highwater spec: no run selected; check --strategies and --allocators\n");
        rc = 2;
    }
    free(c.jobs);
    free(c.cfg);
    free(text);
    return rc;
}

int hw_runner(const struct hw_run_opts *o)
{
    int rc = 3;
    char err[1024];
    size_t text_len = 0;
    char *text = NULL;
    struct ctx c = {.o = o, .launcher = {.pid = -1, .sock = -1}};
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term, old_hup;

    if ((rc = load_config(&c, &text, &text_len)) != 0)
        goto out;
    rc = 3;
    if (resolve_report_path(&c) != 0) {
        rc = 2;
        goto out;
    }
    ssize_t n = readlink("/proc/self/exe", c.self, sizeof c.self - 1);
    if (n <= 0) {
        fprintf(stderr, "highwater: cannot read /proc/self/exe to start workers; highwater needs Linux /proc\n");
        goto out;
    }
    c.self[n] = '\0';
    if (hw_launcher_start(&c.launcher, c.self, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: %s\n", err);
        goto out;
    }

    uint64_t avail = 0, total = 0;
    char b1[32], b2[32];
    if (hw_meminfo_read(&avail, &total) != 0) {
        fprintf(stderr, "highwater: cannot read /proc/meminfo; highwater needs Linux /proc\n");
        goto out;
    }
    if (c.cfg->limit_is_fraction) {
        c.limit = (uint64_t)(c.cfg->limit * (double)avail);
        snprintf(c.limit_text, sizeof c.limit_text, "%s (%.0f%% of MemAvailable %s)",
                 hw_fmt_bytes((double)c.limit, b1, sizeof b1), c.cfg->limit * 100,
                 hw_fmt_bytes((double)avail, b2, sizeof b2));
    } else {
        c.limit = (uint64_t)c.cfg->limit;
        snprintf(c.limit_text, sizeof c.limit_text, "%s", hw_fmt_bytes((double)c.limit, b1, sizeof b1));
    }
    c.progress = o->verbose || isatty(STDERR_FILENO);

    c.jobs = calloc((size_t)c.cfg->nstrategies * c.cfg->nallocators * c.cfg->repeat + 1, sizeof *c.jobs);
    c.report = hw_report_new(c.cfg, text, text_len);
    if (!c.jobs || !c.report)
        goto out;
    cJSON_AddNumberToObject(c.report, "limit_bytes", (double)c.limit);
    if (o->plan[0] && hw_json_load(o->plan, HW_PLAN_SCHEMA, &c.plan, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: --plan: %s\n", err);
        rc = 2;
        goto out;
    }
    if (o->fidelity[0] && load_fidelity(&c, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: --fidelity: %s\n", err);
        rc = 2;
        goto out;
    }
    plan(&c);
    if (o->dry_run) {
        char b1[32];
        printf("%s: %u runs, limit %s\n", c.cfg->name, c.njobs, c.limit_text);
        for (uint32_t i = 0; i < c.njobs; i++)
            printf("%-34s %-9s predicted %10s  %s\n", c.jobs[i].sc->label, hw_allocator_name(c.jobs[i].ac->kind),
                   hw_fmt_bytes(c.jobs[i].predicted, b1, sizeof b1), c.jobs[i].skip[0] ? c.jobs[i].skip : "runs");
        rc = 0;
        goto out;
    }

    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);

    calibrate(&c);
    for (uint32_t i = 0; i < c.njobs && !g_interrupted; i++)
        if (!c.jobs[i].skip[0])
            compute_reference(&c, c.jobs[i].sc->out_dtype);

    cJSON *runs = cJSON_GetObjectItemCaseSensitive(c.report, "runs");
    uint32_t failed = 0;
    for (uint32_t i = 0; i < c.njobs && !g_interrupted; i++) {
        struct job *j = &c.jobs[i];
        progress(&c, "run %u/%u %s/%s", i + 1, c.njobs, j->sc->label, hw_allocator_name(j->ac->kind));
        cJSON *r = run_job(&c, j);
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "status"));
        failed += st && strcmp(st, "failed") == 0;
        if (c.fidelity)
            hw_fidelity_attach(c.fidelity, r);
        cJSON_AddItemToArray(runs, r);
        if (save(&c) != 0)
            goto out_signals;
    }
    if (c.progress)
        fputs("\r\033[K", stderr);
    if (save(&c) != 0)
        goto out_signals;
    bool html_failed = o->html[0] && hw_plot_write(c.report, o->html, err, sizeof err) != 0;
    if (html_failed)
        fprintf(stderr, "highwater: --html: %s\n", err);
    hw_report_print_table(c.report, stdout);
    hw_lessons_print(cJSON_GetObjectItemCaseSensitive(c.report, "lessons"), stdout);
    printf("report: %s\n", c.report_path);
    fflush(stdout);
    if (g_interrupted) {
        fprintf(stderr, "highwater: interrupted; the report holds the runs so far: %s\n", c.report_path);
        rc = 130;
    } else {
        rc = failed || html_failed ? 3 : over_budget(c.report) ? 1 : 0;
    }
out_signals:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
out:
    hw_launcher_stop(&c.launcher);
    cJSON_Delete(c.plan);
    cJSON_Delete(c.fidelity);
    drop_tmpdir(&c);
    cJSON_Delete(c.report);
    free(c.jobs);
    free(c.cfg);
    free(text);
    return rc;
}
