#include "scheduler.h"
#include "schema_fields.h"
#include <string.h>

/* One engine: its name, the variable that says a process is one of its tasks, then the
 * variables worth keeping, under their report names. Ids stay strings: Slurm's are numbers
 * today, a pod's name is not, and nothing does arithmetic on them. */
static const struct engine {
    const char *name, *marker;
    struct { const char *field, *var; } ids[6];
} engines[] = {
    {"slurm", "SLURM_JOB_ID",
     {{HW_F_JOB_ID, "SLURM_JOB_ID"}, {HW_F_ARRAY_JOB_ID, "SLURM_ARRAY_JOB_ID"},
      {HW_F_ARRAY_TASK_ID, "SLURM_ARRAY_TASK_ID"}, {HW_F_NODE, "SLURMD_NODENAME"},
      {HW_F_CLUSTER, "SLURM_CLUSTER_NAME"}}},
    {"kubernetes", "JOB_COMPLETION_INDEX",
     {{HW_F_COMPLETION_INDEX, "JOB_COMPLETION_INDEX"}, {HW_F_POD, "HOSTNAME"}}},
    {"github_actions", "GITHUB_RUN_ID",
     {{HW_F_RUN_ID, "GITHUB_RUN_ID"}, {HW_F_JOB, "GITHUB_JOB"}, {HW_F_RUNNER, "RUNNER_NAME"}}},
};

cJSON *hw_scheduler_json(char *(*getenv_fn)(const char *))
{
    for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
        const struct engine *e = &engines[i];
        const char *v = getenv_fn(e->marker);
        if (!v || !*v)
            continue;
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, HW_F_ENGINE, e->name)) {
            cJSON_Delete(o);
            return NULL;
        }
        for (size_t k = 0; k < sizeof e->ids / sizeof e->ids[0] && e->ids[k].var; k++) {
            const char *id = getenv_fn(e->ids[k].var);
            /* A value past a line's worth is not an id: kept out rather than cut. */
            if (id && *id && strlen(id) < 256 && !cJSON_AddStringToObject(o, e->ids[k].field, id)) {
                cJSON_Delete(o);
                return NULL;
            }
        }
        return o;
    }
    return NULL;
}
