#include "container.h"
#include "json.h"
#include "schema_fields.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void hw_containers_init(struct hw_containers *cs)
{
    memset(cs, 0, sizeof *cs);
    /* The same switch exec's tree obeys: a machine whose cgroupfs must not be touched. */
    if (getenv("HIGHWATER_NO_CGROUP")) {
        snprintf(cs->why, sizeof cs->why, "HIGHWATER_NO_CGROUP is set");
        return;
    }
    if (hw_cgroup_self("", &cs->base, cs->why, sizeof cs->why) != 0)
        return;
    hw_cgroup_sweep_stale(&cs->base);
}

void hw_run_group_make(struct hw_containers *cs, uint64_t limit, struct hw_run_group *g)
{
    memset(g, 0, sizeof *g);
    g->limit = limit;
    if (cs->base.kind == HW_CG_NONE) {
        snprintf(g->why, sizeof g->why, "%s", cs->why);
        return;
    }
    char name[64];
    snprintf(name, sizeof name, "hw-%ld-%u", (long)getpid(), ++cs->seq);
    if (hw_cgroup_make(&cs->base, name, &g->cg, g->why, sizeof g->why) != 0)
        return;
    if (limit && hw_cgroup_set_limit(&g->cg, limit, g->why, sizeof g->why) != 0) {
        char ignored[256];
        hw_cgroup_remove(&g->cg, ignored, sizeof ignored);
        return;
    }
    g->on = true;
}

void hw_run_group_adopt(struct hw_run_group *g, const char *dir, uint64_t limit, const char *why)
{
    memset(g, 0, sizeof *g);
    g->limit = limit;
    g->adopted = true;
    if (!dir || hw_cgroup_at(dir, &g->cg) != 0) {
        snprintf(g->why, sizeof g->why, "%s", dir ? "its memory cgroup cannot be read" : why);
        return;
    }
    if (limit && hw_cgroup_set_limit(&g->cg, limit, g->why, sizeof g->why) != 0)
        return;
    g->on = true;
}

const char *hw_run_group_dir(const struct hw_run_group *g)
{
    return g->on ? g->cg.dir : NULL;
}

void hw_run_group_end(struct hw_run_group *g)
{
    if (!g->on || g->ended)
        return;
    g->ended = true;
    hw_cgroup_stat(&g->cg, &g->end);
    struct hw_cg_peak pk;
    g->end_peak = hw_cg_peak_open(&g->cg, &pk) == 0 ? hw_cg_peak_read(&pk) : HW_CG_UNKNOWN;
    hw_cg_peak_close(&pk);
    char why[256];
    if (!g->adopted && hw_cgroup_remove(&g->cg, why, sizeof why) != 0)
        fprintf(stderr, "highwater: %s\n", why);
}

void hw_run_group_end_with(struct hw_run_group *g, const struct hw_cg_stat *st, uint64_t peak)
{
    if (!g->on || g->ended)
        return;
    g->ended = true;
    g->end = *st;
    g->end_peak = peak;
}


enum hw_container_outcome hw_container_outcome(const struct hw_run_group *g, bool completed, uint64_t peak)
{
    if (g->on && g->end.oom_kill != HW_CG_UNKNOWN && g->end.oom_kill > 0)
        return HW_CONTAINER_OOM_KILLED;
    if (!completed)
        return HW_CONTAINER_OTHER;
    /* A charge that failed at the limit made the kernel reclaim; without that count, a peak
     * at the limit says the same. */
    if (g->on && g->limit && g->end.limit_hits != HW_CG_UNKNOWN)
        return g->end.limit_hits > 0 ? HW_CONTAINER_RECLAIMED : HW_CONTAINER_COMPLETED;
    if (g->on && g->limit && peak != HW_CG_UNKNOWN && peak + hw_cg_charge_batch() >= g->limit)
        return HW_CONTAINER_RECLAIMED;
    return HW_CONTAINER_COMPLETED;
}

const char *hw_container_outcome_name(enum hw_container_outcome o)
{
    switch (o) {
    case HW_CONTAINER_COMPLETED:
        return "completed";
    case HW_CONTAINER_RECLAIMED:
        return "completed_with_reclaim";
    case HW_CONTAINER_OOM_KILLED:
        return "oom_killed";
    default:
        return "ended_otherwise";
    }
}

cJSON *hw_run_group_json(const struct hw_run_group *g, enum hw_container_outcome o, uint64_t peak)
{
    cJSON *j = cJSON_CreateObject();
    if (!g->on) {
        cJSON_AddStringToObject(j, HW_F_STATUS, "unavailable");
        cJSON_AddStringToObject(j, HW_F_REASON, g->why);
        return j;
    }
    cJSON_AddStringToObject(j, HW_F_STATUS, "measured");
    cJSON_AddStringToObject(j, HW_F_INTERFACE, g->cg.kind == HW_CG_V2 ? "cgroup v2" : "cgroup v1");
    hw_json_add_measured(j, HW_F_LIMIT_BYTES, g->limit ? g->limit : HW_CG_UNKNOWN, HW_CG_UNKNOWN);
    if (g->limit)
        cJSON_AddStringToObject(j, HW_F_LIMIT_SOURCE, g->budget ? "budget" : "container_limit");
    hw_json_add_measured(j, HW_F_PEAK_BYTES, peak, HW_CG_UNKNOWN);
    cJSON_AddStringToObject(j, HW_F_OUTCOME, hw_container_outcome_name(o));
    hw_json_add_measured(j, HW_F_OOM_KILLS, g->end.oom_kill, HW_CG_UNKNOWN);
    hw_json_add_measured(j, HW_F_LIMIT_HITS, g->end.limit_hits, HW_CG_UNKNOWN);
    hw_json_add_measured(j, HW_F_FILE_RECLAIMED_BYTES, g->end.file_reclaimed, HW_CG_UNKNOWN);
    return j;
}
