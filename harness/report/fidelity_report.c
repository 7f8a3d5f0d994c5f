/* The fidelity report's model (fidelity_report.h): a model run beside its twin's run, phase
 * by phase, the verdict on the rows, and what a run report keeps of it. */
#include "fidelity_report.h"
#include "schema_fields.h"
#include "json.h"
#include "strategy.h"
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *num_or_null(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static void add_row(cJSON *arr, const char *name, double model_b, double real_b, double D, double tol)
{
    cJSON *o = cJSON_CreateObject();
    double md = model_b / D, rd = real_b / D, diff = md - rd;
    if (name)
        cJSON_AddStringToObject(o, HW_F_NAME, name);
    cJSON_AddItemToObject(o, "model_increment_bytes", num_or_null(model_b));
    cJSON_AddItemToObject(o, "real_increment_bytes", num_or_null(real_b));
    cJSON_AddItemToObject(o, "model_d", num_or_null(md));
    cJSON_AddItemToObject(o, "real_d", num_or_null(rd));
    cJSON_AddItemToObject(o, "diff_d", num_or_null(diff));
    cJSON_AddBoolToObject(o, "within", isfinite(diff) && fabs(diff) <= tol);
    cJSON_AddItemToArray(arr, o);
}

static bool is_warmup(const cJSON *phase) { return strcmp(hw_jstr(phase, HW_F_NAME), "warmup") == 0; }

cJSON *hw_fidelity_compare(const cJSON *model_run, const cJSON *twin_run, double tol, char *err, size_t len)
{
    const cJSON *mph = cJSON_GetObjectItemCaseSensitive(model_run, HW_F_PHASES);
    const cJSON *tph = cJSON_GetObjectItemCaseSensitive(twin_run, HW_F_PHASES), *p, *q;
    double D = hw_jnum(model_run, HW_F_OUTPUT_BYTES);
    double mbase = NAN, tbase = NAN, mmax = NAN, tmax = NAN;
    if (!(D > 0)) {
        snprintf(err, len, "the model run has no output_bytes");
        return NULL;
    }
    /* The model's load_source is the loading, which the twin does before its first phase. */
    cJSON_ArrayForEach(p, mph) {
        if (strcmp(hw_jstr(p, HW_F_NAME), "load_source") != 0) {
            mbase = hw_jnum(p, HW_F_RSS_START_BYTES);
            break;
        }
    }
    /* A twin's warm-up (scripts/twins/polars/lib/twin.js) pays the library's fixed costs
     * before its first phase: measured on its own, never compared, never the base. */
    const cJSON *warm = NULL;
    cJSON_ArrayForEach(q, tph) {
        if (hw_jnum(q, HW_F_DEPTH) != 0)
            continue;
        if (is_warmup(q)) {
            warm = q;
            continue;
        }
        tbase = hw_jnum(q, HW_F_COMMAND_RSS_START_BYTES);
        break;
    }
    if (!isfinite(mbase) || !isfinite(tbase)) {
        snprintf(err, len, "%s has no phase start to measure from",
                 !isfinite(mbase) ? "the model run" : "the twin (no marked phase read in time)");
        return NULL;
    }
    cJSON *out = cJSON_CreateObject(), *rows = cJSON_AddArrayToObject(out, HW_F_PHASES);
    int nt = cJSON_GetArraySize(tph);
    bool *used = calloc((size_t)nt + 1, sizeof *used);
    if (!used) {
        cJSON_Delete(out);
        snprintf(err, len, "out of memory");
        return NULL;
    }
    cJSON_ArrayForEach(p, mph) {
        const char *name = hw_jstr(p, HW_F_NAME);
        if (strcmp(name, "load_source") == 0)
            continue;
        double m = hw_jnum(p, HW_F_PEAK_RSS_BYTES) - mbase, r = NAN;
        int i = 0;
        cJSON_ArrayForEach(q, tph) {
            if (!used[i] && hw_jnum(q, HW_F_DEPTH) == 0 && !is_warmup(q) && strcmp(hw_jstr(q, HW_F_NAME), name) == 0) {
                used[i] = true;
                r = hw_jnum(q, HW_F_COMMAND_PEAK_RSS_BYTES) - tbase;
                break;
            }
            i++;
        }
        mmax = isnan(mmax) || m > mmax ? m : mmax;
        if (isfinite(r))
            tmax = isnan(tmax) || r > tmax ? r : tmax;
        add_row(rows, name, m, r, D, tol);
    }
    int i = 0;
    cJSON_ArrayForEach(q, tph) {   /* phases only the twin has: shown, never silently dropped */
        if (!used[i] && hw_jnum(q, HW_F_DEPTH) == 0 && !is_warmup(q)) {
            double r = hw_jnum(q, HW_F_COMMAND_PEAK_RSS_BYTES) - tbase;
            tmax = isnan(tmax) || r > tmax ? r : tmax;
            add_row(rows, hw_jstr(q, HW_F_NAME), NAN, r, D, tol);
        }
        i++;
    }
    free(used);
    cJSON *run = cJSON_CreateArray();
    add_row(run, NULL, mmax, tmax, D, tol);
    cJSON_AddItemToObject(out, "run", cJSON_DetachItemFromArray(run, 0));
    cJSON_Delete(run);
    if (warm) {
        double w0 = hw_jnum(warm, HW_F_COMMAND_RSS_START_BYTES), kept = hw_jnum(warm, HW_F_COMMAND_RSS_END_BYTES) - w0;
        cJSON *w = cJSON_AddObjectToObject(out, "twin_warmup");
        cJSON_AddItemToObject(w, "peak_increment_bytes", num_or_null(hw_jnum(warm, HW_F_COMMAND_PEAK_RSS_BYTES) - w0));
        cJSON_AddItemToObject(w, "kept_bytes", num_or_null(kept));
        cJSON_AddItemToObject(w, "kept_d", num_or_null(kept / D));
    }
    return out;
}

const cJSON *hw_fidelity_of(const cJSON *fid, const char *label, const char *allocator)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(fid, "entries"))
        if (strcmp(hw_jstr(e, HW_F_LABEL), label) == 0 && strcmp(hw_jstr(e, HW_F_ALLOCATOR), allocator) == 0)
            return e;
    return NULL;
}

void hw_fidelity_attach(const cJSON *fid, cJSON *run)
{
    const cJSON *e = hw_fidelity_of(fid, hw_jstr(run, HW_F_LABEL), hw_jstr(run, HW_F_ALLOCATOR)), *p;
    if (!e || strcmp(hw_jstr(e, HW_F_STATUS), "compared") != 0)
        return;
    double worst = 0;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(e, HW_F_PHASES)) {
        double d = hw_jnum(p, "diff_d");
        if (isfinite(d) && fabs(d) > fabs(worst))
            worst = d;
    }
    const cJSON *runrow = cJSON_GetObjectItemCaseSensitive(e, "run");
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "library", hw_jstr(e, "library"));
    cJSON_AddStringToObject(b, "library_version", hw_jstr(e, "library_version"));
    cJSON_AddNumberToObject(b, "rows", hw_jnum(cJSON_GetObjectItemCaseSensitive(fid, HW_F_DATASET), "rows"));
    cJSON_AddNumberToObject(b, "tolerance_d", hw_jnum(fid, "tolerance_d"));
    cJSON_AddItemToObject(b, "run_diff_d", num_or_null(hw_jnum(runrow, "diff_d")));
    cJSON_AddNumberToObject(b, "max_phase_diff_d", worst);
    cJSON_AddBoolToObject(b, "within", strcmp(hw_jstr(e, "verdict"), "within") == 0);
    cJSON_AddStringToObject(b, "gap", hw_jstr(e, "gap"));
    cJSON_AddItemToObject(run, "fidelity", b);
}

/* A row beyond the tolerance is explained only by a gap of the strategy that names its phase
 * and whose measured band holds the difference; the row then carries that gap's reason. */
static void explain_row(const struct hw_strategy *s, cJSON *row, const char *name, const char *alloc, int *off,
                        int *bare)
{
    if (cJSON_IsTrue(cJSON_GetObjectItem(row, "within")))
        return;
    (*off)++;
    const struct hw_fidelity_gap *g = hw_strategy_gap(s, name, alloc, hw_jnum(row, "diff_d"));
    if (g)
        cJSON_AddStringToObject(row, "gap", g->why);
    else
        (*bare)++;
}

/* The reasons of the gaps the rows used, each once: the entry's text for lessons and views. */
static const char *used_gaps(const struct hw_strategy *s, cJSON *e)
{
    static char text[2048];
    size_t n = 0;
    text[0] = '\0';
    for (const struct hw_fidelity_gap *g = s->fidelity_gaps; g && g->phases; g++) {
        bool used = false;
        const cJSON *p;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(e, HW_F_PHASES))
            used = used || strcmp(hw_jstr(p, "gap"), g->why) == 0;
        used = used || strcmp(hw_jstr(cJSON_GetObjectItemCaseSensitive(e, "run"), "gap"), g->why) == 0;
        if (used && n < sizeof text)
            n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", n ? "; " : "", g->why);
    }
    return text;
}

int hw_fidelity_judge(const struct hw_strategy *s, cJSON *e)
{
    int off = 0, bare = 0;
    cJSON *p;
    const char *alloc = hw_jstr(e, HW_F_ALLOCATOR);
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(e, HW_F_PHASES))
        explain_row(s, p, hw_jstr(p, HW_F_NAME), alloc, &off, &bare);
    explain_row(s, cJSON_GetObjectItemCaseSensitive(e, "run"), "run", alloc, &off, &bare);
    cJSON_AddStringToObject(e, "gap", used_gaps(s, e));
    cJSON_AddStringToObject(e, "verdict", off == 0 ? "within" : bare == 0 ? "off, gap explained" : "OFF");
    return bare;
}
