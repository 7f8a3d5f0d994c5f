#include "run_record.h"
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
 * and that as a fraction of this machine's warm memcpy and first-touch rates. */
static void add_throughput(const cJSON *report, cJSON *r, const struct hw_job *j)
{
    const cJSON *p, *cal = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(report, "host"), "calibration");
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

cJSON *hw_run_record_new(const struct hw_job *j, bool phase_reset)
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
    cJSON_AddBoolToObject(r, "phase_reset", phase_reset);
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

/* The worker's phase events into phases (each with its start relative to the worker's), with
 * the run's peak, wall and cpu over them and the peak method: "sampler" if any phase had to
 * fall back to it. */
static void add_phases(cJSON *r, cJSON *phases, const struct hw_child *ch, cJSON *report, const char **method_out,
                       double *peak_out, double *wall_out, double *cpu_out)
{
    const cJSON *e;
    double vmhwm = 0, peak = 0, wall = 0, cpu = 0;
    const char *method = NULL;
    const struct hw_sup *s = &ch->sup;
    cJSON_ArrayForEach(e, ch->events) {
        const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "ev"));
        if (k && strcmp(k, "hello") == 0) {
            const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "allocator_version"));
            if (v) {
                cJSON_AddStringToObject(r, "allocator_version", v);
                hw_report_note_allocator(report, v);
            }
        }
        if (!k || strcmp(k, "phase") != 0)
            continue;
        cJSON *p = cJSON_Duplicate(e, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(p, "ev");
        double start = phase_num(p, "start_abs") - s->t_start;
        cJSON_DeleteItemFromObjectCaseSensitive(p, "start_abs");
        cJSON_AddNumberToObject(p, "start_seconds", start);
        const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "peak_method"));
        if (m && strcmp(m, "sampler") == 0) {
            /* The kernel refused clear_refs: VmHWM never reset, so it is the whole run's exact
             * mark so far (kept, and the run's peak below); the phase's own peak can only come
             * from the samples, never above that mark. */
            double hwm = phase_num(p, "peak_rss_bytes");
            vmhwm = fmax(vmhwm, hwm);
            double sampled = s->tl ? (double)hw_timeline_max_between(s->tl, start, start + phase_num(p, "wall_seconds")) : 0;
            cJSON_AddNumberToObject(p, "vmhwm_bytes", hwm);
            set_num(p, "peak_rss_bytes", fmin(sampled, hwm));
        }
        if (!method || (m && strcmp(m, "sampler") == 0))
            method = m;
        peak = fmax(peak, phase_num(p, "peak_rss_bytes"));
        wall += phase_num(p, "wall_seconds");
        cpu += phase_num(p, "cpu_seconds");
        cJSON_AddItemToArray(phases, p);
    }
    *method_out = method;
    *peak_out = fmax(peak, vmhwm);
    *wall_out = wall;
    *cpu_out = cpu;
}

void hw_run_record_fill(cJSON *r, const struct hw_job *j, const struct hw_child *ch, const struct hw_record_opts *o)
{
    char reason[1024];
    const struct hw_sup *s = &ch->sup;
    const char *status = hw_child_status(ch, o->limit, o->self, reason, sizeof reason);
    cJSON_AddStringToObject(r, "status", status);
    cJSON_AddStringToObject(r, "reason", reason);
    cJSON *phases = cJSON_AddArrayToObject(r, "phases");
    const cJSON *e;
    const char *method = NULL, *peak_phase = NULL;
    double peak = 0, wall = 0, cpu = 0;
    add_phases(r, phases, ch, o->report, &method, &peak, &wall, &cpu);
    /* The phase that reached the peak: a phase that starts at its predecessor's peak (the
     * usual case after an allocation) ties with it, so the first one within the counters'
     * resolution wins. */
    cJSON_ArrayForEach(e, phases)
        if (!peak_phase && phase_num(e, "peak_rss_bytes") >= peak - fmax(1 << 20, peak * 1e-3))
            peak_phase = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
    bool ok = strcmp(status, "ok") == 0;
    cJSON_AddNumberToObject(r, "wall_seconds", wall);
    cJSON_AddNumberToObject(r, "cpu_seconds", cpu);
    cJSON_AddNumberToObject(r, "worker_wall_seconds", s->t_end - s->t_start);
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
    cJSON_AddNumberToObject(r, "sampler_peak_bytes", s->tl ? (double)s->tl->max.rss : 0.0);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(r, "expect_ratio");
    if (ok && cJSON_IsNumber(ex)) {
        double ratio = peak / (double)j->output_bytes;
        cJSON_AddStringToObject(r, "expect_verdict", hw_expect_verdict(ratio, ex->valuedouble, o->expect_tolerance));
        cJSON_AddNumberToObject(r, "expect_error", ratio / ex->valuedouble - 1.0);
    }
    cJSON_AddItemToObject(r, "rusage", rusage_json(&s->ru, !o->phase_reset));
    const cJSON *out = hw_child_event(ch, "output");
    if (out) {
        cJSON *oj = cJSON_Duplicate(out, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(oj, "ev");
        if (!cJSON_GetObjectItemCaseSensitive(oj, "matches_reference")) {
            cJSON_AddNullToObject(oj, "matches_reference");
            cJSON_AddNullToObject(oj, "cells_differing");
            cJSON_AddNullToObject(oj, "max_abs_diff");
        }
        cJSON_AddItemToObject(r, "output", oj);
    } else {
        cJSON_AddNullToObject(r, "output");
    }
    if (s->tl && o->timeline)
        cJSON_AddItemToObject(r, "timeline", hw_timeline_json(s->tl, o->interval_ms));
    else
        cJSON_AddNullToObject(r, "timeline");
    add_throughput(o->report, r, j);
}
