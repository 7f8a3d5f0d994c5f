/* The fidelity report `highwater fidelity` assembles: its head, then one entry per selected
 * strategy and allocator, compared (the twin's run against the model's, judged against the
 * strategy's stated gaps: report/fidelity_report.h) or why not. */
#include "fidelity_internal.h"
#include "export.h"
#include "json.h"
#include "report.h"
#include "supervisor.h"
#include <string.h>

static const cJSON *find_model_run(const cJSON *report, const char *label, const char *alloc)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "runs"))
        if (strcmp(hw_jstr(r, "label"), label) == 0 && strcmp(hw_jstr(r, "allocator"), alloc) == 0)
            return r;
    return NULL;
}

static cJSON *entry_new(const struct hw_strategy_cfg *sc, const char *alloc)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "label", sc->label);
    cJSON_AddStringToObject(e, "strategy", sc->strategy->name);
    cJSON_AddStringToObject(e, "allocator", alloc);
    return e;
}

static void entry_skip(cJSON *e, const char *status, const char *reason)
{
    cJSON_AddStringToObject(e, "status", status);
    cJSON_AddStringToObject(e, "reason", reason);
}

/* The twin's run beside the model's: the phases, the run row, a Polars twin's warm-up, judged. */
static void entry_compare(const struct hw_fid *F, const struct hw_strategy *s, const cJSON *mrun, const cJSON *trun,
                          cJSON *e, int *unexplained)
{
    char err[512];
    cJSON *cmp = hw_fidelity_compare(mrun, trun, F->o->tolerance, err, sizeof err);
    if (!cmp) {
        entry_skip(e, "failed", err);
        (*unexplained)++;
        return;
    }
    cJSON_AddStringToObject(e, "status", "compared");
    cJSON_AddNumberToObject(e, "model_wall_seconds", hw_jnum(mrun, "wall_seconds"));
    cJSON_AddNumberToObject(e, "twin_wall_seconds", hw_jnum(trun, "wall_seconds"));
    cJSON_AddItemToObject(e, "phases", cJSON_DetachItemFromObject(cmp, "phases"));
    cJSON *runrow = cJSON_DetachItemFromObject(cmp, "run");
    cJSON_AddItemToObject(e, "run", runrow);
    if (cJSON_HasObjectItem(cmp, "twin_warmup"))
        cJSON_AddItemToObject(e, "twin_warmup", cJSON_DetachItemFromObject(cmp, "twin_warmup"));
    cJSON_Delete(cmp);
    if (hw_fidelity_judge(s, e) > 0)
        (*unexplained)++;
}

/* One strategy under one allocator: its twin through `highwater exec`, then the comparison
 * with the model's run from the shared model report. */
static void compare_one(struct hw_fid *F, const struct hw_strategy_cfg *sc, const char *alloc, const char *script,
                        const cJSON *model, int idx, cJSON *e, int *unexplained)
{
    char err[512];
    cJSON *twin = NULL;
    const struct hw_strategy *s = sc->strategy;
    const cJSON *mrun = find_model_run(model, sc->label, alloc);
    cJSON_AddStringToObject(e, "library", strcmp(s->twin, "polars") == 0 ? "nodejs-polars" : "pandas");
    cJSON_AddStringToObject(e, "library_version",
                            strcmp(s->twin, "polars") == 0 ? F->polars_version : F->pandas_version);
    cJSON_AddStringToObject(e, "twin", script);
    if (!mrun || strcmp(hw_jstr(mrun, "status"), "ok") != 0) {
        snprintf(err, sizeof err, "model run %s: %s", mrun ? hw_jstr(mrun, "status") : "missing",
                 mrun ? hw_jstr(mrun, "reason") : "not in the model report");
        entry_skip(e, "failed", err);
        (*unexplained)++;
        return;
    }
    int rc = hw_fid_run_twin(F, sc, alloc, script, idx, &twin, err, sizeof err);
    if (rc > 0)
        return;
    if (rc < 0) {
        entry_skip(e, "failed", err);
        (*unexplained)++;
        return;
    }
    const cJSON *trun = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(twin, "runs"), 0);
    double code = hw_jnum(trun, "exit_code");
    if (code != 0) {
        snprintf(err, sizeof err, "the twin exited %g (its stderr is above)", code);
        entry_skip(e, "failed", err);
        (*unexplained)++;
    } else {
        entry_compare(F, s, mrun, trun, e, unexplained);
    }
    cJSON_Delete(twin);
}

cJSON *hw_fid_report_head(const struct hw_fid *F)
{
    cJSON *fid = hw_report_base();
    cJSON_ReplaceItemInObject(fid, "schema", cJSON_CreateString(HW_FIDELITY_SCHEMA));
    cJSON *c = cJSON_AddObjectToObject(fid, "config"), *d = cJSON_AddObjectToObject(fid, "dataset");
    char key[65];
    hw_dataset_key(&F->cfg.ds, key);
    cJSON_AddStringToObject(c, "path", F->o->config);
    cJSON_AddStringToObject(c, "name", F->cfg.name);
    cJSON_AddNumberToObject(d, "rows", (double)F->cfg.ds.rows);
    cJSON_AddNumberToObject(d, "cols", F->cfg.ds.cols);
    cJSON_AddStringToObject(d, "key", key);
    hw_dataset_mix_key(&F->cfg.ds, key);
    cJSON_AddStringToObject(d, "mix_key", key);
    cJSON_AddNumberToObject(d, "source_bytes", (double)hw_dataset_source_bytes(&F->cfg.ds));
    cJSON_AddNumberToObject(d, "output_bytes", (double)hw_dataset_output_bytes(&F->cfg.ds, F->cfg.out_dtype));
    cJSON *lib = cJSON_AddObjectToObject(fid, "libraries");
    cJSON_AddStringToObject(lib, "nodejs-polars", F->polars_version);
    cJSON_AddStringToObject(lib, "node", F->node_version);
    cJSON_AddStringToObject(lib, "pandas", F->pandas_version);
    cJSON_AddNumberToObject(fid, "tolerance_d", F->o->tolerance);
    return fid;
}

int hw_fid_compare_all(struct hw_fid *F, const cJSON *model, cJSON *entries)
{
    char script[PATH_MAX + 64];
    int unexplained = 0;
    for (uint32_t i = 0; i < F->cfg.nstrategies && !hw_sup_signalled(); i++) {
        const struct hw_strategy_cfg *sc = &F->cfg.strategies[i];
        if (!hw_fid_selected(F->o, sc))
            continue;
        char a2[256];
        snprintf(a2, sizeof a2, "%s", F->allocs);
        for (char *save = NULL, *t = strtok_r(a2, ",", &save); t && !hw_sup_signalled();
             t = strtok_r(NULL, ",", &save)) {
            cJSON *e = entry_new(sc, t);
            cJSON_AddItemToArray(entries, e);
            const char *why = hw_fid_twin_unavailable(F, sc, script, sizeof script);
            if (!why && F->no_twin[i][0]) {
                entry_skip(e, "no_twin", F->no_twin[i]);
                continue;
            }
            if (why) {
                entry_skip(e, sc->strategy->twin ? "unavailable" : "no_twin", why);
                if (sc->strategy->twin && !strstr(why, "dtype"))
                    unexplained++;
                continue;
            }
            compare_one(F, sc, t, script, model, (int)i, e, &unexplained);
        }
    }
    return unexplained;
}
