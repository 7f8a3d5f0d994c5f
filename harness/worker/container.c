#include "container.h"
#include "json.h"
#include "schema_fields.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hw_container_open(struct hw_container *c)
{
    memset(c, 0, sizeof *c);
    c->peak.fd = -1;
    const char *dir = getenv(HW_RUN_CGROUP_ENV), *err = getenv(HW_RUN_CGROUP_ERR_ENV);
    if (!dir) {
        snprintf(c->why, sizeof c->why, "%s%s", err ? "the worker could not join its memory cgroup: " : "no memory cgroup was made for the run",
                 err ? err : "");
        return;
    }
    if (hw_cgroup_at(dir, &c->cg) != 0 || hw_cg_peak_open(&c->cg, &c->peak) != 0) {
        snprintf(c->why, sizeof c->why, "%s: the memory cgroup's peak cannot be read", dir);
        return;
    }
    c->on = true;
    /* One reset now says whether phases get peaks of their own (v2 before 6.12 cannot). */
    c->resettable = hw_cg_peak_reset(&c->peak) == 0;
}

void hw_container_cross(struct hw_container *c, struct hw_container_mark *m, bool reset)
{
    m->peak = HW_CG_UNKNOWN;
    if (!c->on) {
        memset(&m->st, 0xff, sizeof m->st);
        return;
    }
    m->peak = hw_cg_peak_read(&c->peak);
    if (reset && c->resettable && hw_cg_peak_reset(&c->peak) != 0)
        c->resettable = false;
    hw_cgroup_stat(&c->cg, &m->st);
}

cJSON *hw_container_phase_json(const struct hw_container *c, const struct hw_container_mark *m)
{
    if (!c->on)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    hw_json_add_measured(o, HW_F_PEAK_BYTES, m->peak, HW_CG_UNKNOWN);
    cJSON_AddStringToObject(o, HW_F_PEAK_COVERS, c->resettable ? "phase" : "run so far");
    hw_json_add_measured(o, HW_F_CURRENT_END_BYTES, m->st.current, HW_CG_UNKNOWN);
    hw_json_add_measured(o, HW_F_ANON_END_BYTES, m->st.anon, HW_CG_UNKNOWN);
    hw_json_add_measured(o, HW_F_FILE_END_BYTES, m->st.file, HW_CG_UNKNOWN);
    hw_json_add_measured(o, HW_F_DIRTY_END_BYTES, m->st.dirty, HW_CG_UNKNOWN);
    hw_json_add_measured(o, HW_F_WRITEBACK_END_BYTES, m->st.writeback, HW_CG_UNKNOWN);
    hw_json_add_measured(o, HW_F_SHMEM_END_BYTES, m->st.shmem, HW_CG_UNKNOWN);
    hw_json_add_measured(o, HW_F_KERNEL_END_BYTES, m->st.kernel, HW_CG_UNKNOWN);
    return o;
}

void hw_container_close(struct hw_container *c)
{
    hw_cg_peak_close(&c->peak);
    c->on = false;
}
