#include "run_record.h"
#include "schema_fields.h"
#include "json.h"
#include "report.h"
#include "sampler.h"
#include "size.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static double phase_num(const cJSON *p, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(p, k);
    return cJSON_IsNumber(it) ? it->valuedouble : 0;
}

/* Bytes of output per second of the strategy's own phases (not the source's generation),
 * and that as a fraction of this machine's warm memcpy and first-touch rates. NULL without a
 * phase's wall time. */
static cJSON *throughput(const cJSON *report, const cJSON *phases, const struct hw_job *j)
{
    const cJSON *p, *cal = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(report, HW_F_HOST), HW_F_CALIBRATION);
    double wall = 0;
    cJSON_ArrayForEach(p, phases)
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, HW_F_NAME)), "load_source") != 0)
            wall += phase_num(p, HW_F_WALL_SECONDS);
    if (!(wall > 0))
        return NULL;
    cJSON *t = cJSON_CreateObject();
    double rate = (double)j->output_bytes / wall;
    cJSON_AddNumberToObject(t, HW_F_OUTPUT_BYTES_PER_SECOND, rate);
    double mc = phase_num(cal, "memcpy_warm_bytes_per_s"), ft = phase_num(cal, "fault_4k_bytes_per_s");
    if (mc > 0)
        cJSON_AddNumberToObject(t, HW_F_FRACTION_OF_MEMCPY_WARM, rate / mc);
    if (ft > 0)
        cJSON_AddNumberToObject(t, HW_F_FRACTION_OF_FIRST_TOUCH_4K, rate / ft);
    return t;
}

static void set_num(cJSON *o, const char *k, double v)
{
    if (cJSON_GetObjectItemCaseSensitive(o, k))
        cJSON_ReplaceItemInObjectCaseSensitive(o, k, cJSON_CreateNumber(v));
    else
        cJSON_AddNumberToObject(o, k, v);
}

cJSON *hw_run_record_new(const struct hw_job *j, bool phase_reset)
{
    cJSON *r = cJSON_CreateObject(), *params = cJSON_CreateObject();
    const struct hw_strategy_cfg *sc = j->sc;
    double out = (double)j->output_bytes;
    for (uint32_t k = 0; k < sc->nparams; k++)
        cJSON_AddStringToObject(params, sc->params[k].key, sc->params[k].value);
    struct hw_run_job f = {
        .strategy = sc->strategy->name, .label = sc->label, .params = params,
        .allocator = hw_allocator_name(j->ac->kind), .allocator_conf = j->ac->conf, .repeat = j->repeat,
        .output_dtype = hw_dtype_name(sc->out_dtype), .output_order = hw_order_name(sc->out_order),
        .output_bytes = out, .planned = true, .predicted_peak_bytes = j->predicted, .phase_reset = phase_reset,
        .expect_ratio = sc->has_expect ? hw_size_bytes(&sc->expect, j->output_bytes) / out : NAN,
        .budget_ratio = sc->has_budget ? hw_size_bytes(&sc->budget, j->output_bytes) / out : NAN,
    };
    hw_schema_run_job(r, &f);
    cJSON_AddNumberToObject(r, HW_F_JOB_INDEX, j->index);
    cJSON_Delete(params);
    return r;
}

void hw_run_record_end(cJSON *r, const char *status, const char *reason)
{
    struct hw_run_result res = {.status = status, .reason = reason};
    hw_schema_run_result(r, &res);
}

/* The worker's phase events as phases[] (each with its start relative to the worker's), with
 * the run's peak, wall and cpu over them and the peak method: "sampler" if any phase had to
 * fall back to it. The allocator's version, from the worker's hello, is noted in the report. */
static cJSON *phases_of(const struct hw_child *ch, cJSON *report, struct hw_run_result *res)
{
    const cJSON *e;
    cJSON *phases = cJSON_CreateArray();
    double vmhwm = 0, peak = 0, wall = 0, cpu = 0;
    const char *method = NULL;
    const struct hw_sup *s = &ch->sup;
    cJSON_ArrayForEach(e, ch->events) {
        const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "ev"));
        if (k && strcmp(k, "hello") == 0) {
            const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, HW_F_ALLOCATOR_VERSION));
            if (v) {
                res->allocator_version = v;
                hw_report_note_allocator(report, v);
            }
        }
        if (!k || strcmp(k, "phase") != 0)
            continue;
        cJSON *p = cJSON_Duplicate(e, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(p, "ev");
        double start = phase_num(p, HW_F_START_ABS) - s->t_start;
        cJSON_DeleteItemFromObjectCaseSensitive(p, HW_F_START_ABS);
        cJSON_AddNumberToObject(p, HW_F_START_SECONDS, start);
        const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, HW_F_PEAK_METHOD));
        if (m && strcmp(m, "sampler") == 0) {
            /* The kernel refused clear_refs: VmHWM never reset, so it is the whole run's exact
             * mark so far (kept, and the run's peak below); the phase's own peak can only come
             * from the samples, never above that mark. */
            double hwm = phase_num(p, HW_F_PEAK_RSS_BYTES);
            vmhwm = fmax(vmhwm, hwm);
            double sampled = s->tl ? (double)hw_timeline_max_between(s->tl, start, start + phase_num(p, HW_F_WALL_SECONDS)) : 0;
            cJSON_AddNumberToObject(p, HW_F_VMHWM_BYTES, hwm);
            set_num(p, HW_F_PEAK_RSS_BYTES, fmin(sampled, hwm));
        }
        if (!method || (m && strcmp(m, "sampler") == 0))
            method = m;
        peak = fmax(peak, phase_num(p, HW_F_PEAK_RSS_BYTES));
        wall += phase_num(p, HW_F_WALL_SECONDS);
        cpu += phase_num(p, HW_F_CPU_SECONDS);
        cJSON_AddItemToArray(phases, p);
    }
    res->peak_method = method ? method : "none";
    res->peak_rss_bytes = fmax(peak, vmhwm);
    res->wall_seconds = wall;
    res->cpu_seconds = cpu;
    return phases;
}

/* The run's memory cgroup: its peak is the largest phase peak (each phase's own when the
 * peak resets per phase; the run's so far otherwise, whose largest is the last) or the
 * group's mark at the end (which covers a phase the worker was killed in), and what the
 * kernel did to it under its limit. */
static cJSON *container_of(const struct hw_child *ch, const cJSON *phases, bool ok)
{
    const cJSON *p;
    uint64_t peak = ch->group.end_peak;
    const char *refused = hw_jstr(hw_child_event(ch, "hello"), HW_F_CONTAINER_ERROR);
    if (*refused) {
        struct hw_run_group off = {0};
        snprintf(off.why, sizeof off.why, "%s", refused);
        return hw_run_group_json(&off, HW_CONTAINER_OTHER, HW_CG_UNKNOWN);
    }
    cJSON_ArrayForEach(p, phases) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, HW_F_CONTAINER),
                                                          HW_F_PEAK_BYTES);
        if (cJSON_IsNumber(v) && (peak == HW_CG_UNKNOWN || v->valuedouble > (double)peak))
            peak = (uint64_t)v->valuedouble;
    }
    enum hw_container_outcome oc = hw_container_outcome(&ch->group, ok, peak);
    return hw_run_group_json(&ch->group, oc, peak);
}

/* The worker's output event as the run's output check (NULL: null, none came). */
static cJSON *output_of(const struct hw_child *ch)
{
    const cJSON *out = hw_child_event(ch, HW_F_OUTPUT);
    if (!out)
        return NULL;
    cJSON *oj = cJSON_Duplicate(out, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(oj, "ev");
    if (!cJSON_GetObjectItemCaseSensitive(oj, HW_F_MATCHES_REFERENCE)) {
        cJSON_AddNullToObject(oj, HW_F_MATCHES_REFERENCE);
        cJSON_AddNullToObject(oj, HW_F_CELLS_DIFFERING);
        cJSON_AddNullToObject(oj, HW_F_MAX_ABS_DIFF);
    }
    return oj;
}

void hw_run_record_fill(cJSON *r, const struct hw_job *j, const struct hw_child *ch, const struct hw_record_opts *o)
{
    char reason[1024];
    const struct hw_sup *s = &ch->sup;
    const cJSON *e;
    struct hw_run_result res = {
        .measured = true, .has_worker_wall = true, .worker_wall_seconds = s->t_end - s->t_start,
        .budget_bytes = NAN, .has_peak_phase = true, .largest_process_rss_bytes = NAN,
        .sampler_peak_bytes = s->tl ? (double)s->tl->max.rss : 0.0,
        /* clear_refs 5 resets what ru_maxrss is taken from: with per-phase resets it covers
         * only the time since the last reset. */
        .rusage = {&s->ru, !o->phase_reset ? "whole run" : "since the last phase reset", true},
    };
    res.status = hw_child_status(ch, o->limit, o->self, reason, sizeof reason);
    res.reason = reason;
    res.phases = phases_of(ch, o->report, &res);
    double peak = res.peak_rss_bytes;
    /* The phase that reached the peak: a phase that starts at its predecessor's peak (the
     * usual case after an allocation) ties with it, so the first one within the counters'
     * resolution wins. */
    cJSON_ArrayForEach(e, res.phases)
        if (!res.peak_phase && phase_num(e, HW_F_PEAK_RSS_BYTES) >= peak - fmax(1 << 20, peak * 1e-3))
            res.peak_phase = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, HW_F_NAME));
    bool ok = strcmp(res.status, "ok") == 0;
    if (ok || cJSON_GetArraySize(res.phases) > 0) {
        res.peak_ratio = peak / (double)j->output_bytes;
    } else {
        res.peak_rss_bytes = NAN;
        res.peak_ratio = NAN;
    }
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(r, HW_F_EXPECT_RATIO);
    if (ok && cJSON_IsNumber(ex)) {
        double ratio = peak / (double)j->output_bytes;
        res.expect_verdict = hw_expect_verdict(ratio, ex->valuedouble, o->expect_tolerance);
        res.expect_error = ratio / ex->valuedouble - 1.0;
    }
    res.output = output_of(ch);
    res.timeline = s->tl && o->timeline ? hw_timeline_json(s->tl, o->interval_ms) : NULL;
    res.throughput = throughput(o->report, res.phases, j);
    if (res.timeline && s->tl_cg)
        cJSON_AddItemToObject(res.timeline, HW_F_CGROUP, hw_timeline_series_json(s->tl_cg));
    res.container = container_of(ch, res.phases, ok);
    hw_schema_run_result(r, &res);
}
