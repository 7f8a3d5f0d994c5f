#include "phase.h"
#include "schema_fields.h"
#include "event.h"
#include <stdio.h>
#include <string.h>

static double cpu_seconds(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec * 1e-6 +
           (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec * 1e-6;
}

static cJSON *stats_json(const struct hw_alloc_stats *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "allocated", (double)s->allocated);
    cJSON_AddNumberToObject(o, "active", (double)s->active);
    cJSON_AddNumberToObject(o, "resident", (double)s->resident);
    cJSON_AddNumberToObject(o, "mapped", (double)s->mapped);
    cJSON_AddNumberToObject(o, "retained", (double)s->retained);
    cJSON_AddNumberToObject(o, "metadata", (double)s->metadata);
    if (s->have_peak)
        cJSON_AddNumberToObject(o, "peak_allocated", (double)s->peak_allocated);
    else
        cJSON_AddNullToObject(o, "peak_allocated");
    return o;
}

/* Where one phase ends and the next begins, the kernel's figures are read and the
 * high-water mark is reset back to back, before any bookkeeping: building and sending the
 * event, refreshing the allocator's stats. That bookkeeping touches memory (tens of KiB
 * under jemalloc); done first, it would fall in a gap no phase peak covers. Done after
 * the reset, it is charged to the next phase, whose peak therefore covers it. */
struct boundary {
    double t;
    struct hw_status st;
    struct rusage ru;
    struct hw_container_mark cg;
};

static void cross_boundary(struct hw_run *run, struct boundary *b, bool reset)
{
    b->t = hw_now();
    hw_status_read(0, &b->st);
    getrusage(RUSAGE_SELF, &b->ru);
    hw_container_cross(&run->container, &b->cg, reset && run->phase_reset);
    if (reset && run->phase_reset && run->clear_refs_ok && hw_clear_refs() != 0)
        run->clear_refs_ok = false;
}

static void send_phase(struct hw_run *run, const struct boundary *b)
{
    struct hw_alloc_stats je, gl;
    hw_allocator_stats(&run->alloc, &je, &gl);
    const char *method = !run->phase_reset ? "vmhwm" : run->clear_refs_ok ? "clear_refs" : "sampler";
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "ev", "phase");
    cJSON_AddStringToObject(ev, HW_F_NAME, run->phase);
    /* Absolute CLOCK_MONOTONIC: the parent puts it on its own time base (the fork). */
    cJSON_AddNumberToObject(ev, HW_F_START_ABS, run->phase_t0);
    cJSON_AddNumberToObject(ev, HW_F_WALL_SECONDS, b->t - run->phase_t0);
    cJSON_AddNumberToObject(ev, HW_F_CPU_SECONDS, cpu_seconds(&b->ru) - run->phase_cpu0);
    cJSON_AddNumberToObject(ev, HW_F_PEAK_RSS_BYTES, (double)b->st.vm_hwm);
    cJSON_AddStringToObject(ev, HW_F_PEAK_METHOD, method);
    cJSON_AddNumberToObject(ev, HW_F_RSS_START_BYTES, (double)run->phase_st0.vm_rss);
    cJSON_AddNumberToObject(ev, HW_F_RSS_END_BYTES, (double)b->st.vm_rss);
    cJSON_AddNumberToObject(ev, HW_F_RSS_ANON_END_BYTES, (double)b->st.rss_anon);
    cJSON_AddNumberToObject(ev, HW_F_RSS_FILE_END_BYTES, (double)b->st.rss_file);
    cJSON_AddNumberToObject(ev, HW_F_RSS_SHMEM_END_BYTES, (double)b->st.rss_shmem);
    cJSON_AddNumberToObject(ev, HW_F_FAULTS_MINOR, (double)(b->ru.ru_minflt - run->phase_ru0.ru_minflt));
    cJSON_AddNumberToObject(ev, HW_F_FAULTS_MAJOR, (double)(b->ru.ru_majflt - run->phase_ru0.ru_majflt));
    if (je.have)
        cJSON_AddItemToObject(ev, HW_F_ALLOCATOR, stats_json(&je));
    if (gl.have)
        cJSON_AddItemToObject(ev, je.have ? HW_F_ALLOCATOR_GLIBC : HW_F_ALLOCATOR, stats_json(&gl));
    cJSON *cg = hw_container_phase_json(&run->container, &b->cg);
    if (cg)
        cJSON_AddItemToObject(ev, HW_F_CONTAINER, cg);
    hw_event_send(run->event_fd, ev);
    run->in_phase = false;
}

void hw_phase_begin(struct hw_run *run, const char *name)
{
    struct boundary b;
    cross_boundary(run, &b, true);
    if (run->in_phase)
        send_phase(run, &b);
    snprintf(run->phase, sizeof run->phase, "%s", name);
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "ev", "begin");
    cJSON_AddStringToObject(ev, HW_F_NAME, name);
    hw_event_send(run->event_fd, ev);
    run->phase_st0 = b.st;
    run->phase_ru0 = b.ru;
    run->phase_cpu0 = cpu_seconds(&b.ru);
    run->phase_t0 = b.t;
    hw_allocator_peak_reset(&run->alloc);
    run->in_phase = true;
}

void hw_phase_end(struct hw_run *run)
{
    if (!run->in_phase)
        return;
    struct boundary b;
    cross_boundary(run, &b, false);
    send_phase(run, &b);
}
