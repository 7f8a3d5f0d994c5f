#include "spec.h"
#include "event.h"
#include "json.h"
#include "options_json.h"
#include <stdio.h>
#include <string.h>

cJSON *hw_dataset_json(const struct hw_dataset *ds)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rows", (double)ds->rows);
    cJSON_AddNumberToObject(o, "cols", ds->cols);
    hw_json_add_whole(o, "seed", ds->seed);
    cJSON_AddNumberToObject(o, "all_null_columns", ds->all_null_columns);
    cJSON *g = cJSON_AddArrayToObject(o, "dtypes");
    for (uint32_t i = 0; i < ds->ngroups; i++) {
        const struct hw_col_group *cg = &ds->groups[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "dtype", hw_dtype_name(cg->dtype));
        cJSON_AddNumberToObject(e, "count", cg->count);
        cJSON_AddNumberToObject(e, "null_rate", cg->null_rate);
        cJSON_AddNumberToObject(e, "inf_rate", cg->inf_rate);
        cJSON_AddNumberToObject(e, "nan_rate", cg->nan_rate);
        cJSON_AddItemToArray(g, e);
    }
    return o;
}

static int num(const cJSON *o, const char *key, double *v, char *err, size_t len)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(it)) {
        snprintf(err, len, "field '%s' missing or not a number", key);
        return -1;
    }
    *v = it->valuedouble;
    return 0;
}

/* A null/inf/nan rate: a fraction of the cells, 0 to 1. */
static int rate(const cJSON *o, const char *key, double *v, char *err, size_t len)
{
    if (num(o, key, v, err, len) != 0)
        return -1;
    if (!(*v >= 0 && *v <= 1)) {
        snprintf(err, len, "field '%s' is %g, expected a fraction from 0 to 1", key, *v);
        return -1;
    }
    return 0;
}

static const char *str(const cJSON *o, const char *key, char *err, size_t len)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(it)) {
        snprintf(err, len, "field '%s' missing or not a string", key);
        return NULL;
    }
    return it->valuestring;
}

int hw_dataset_from_json(const cJSON *j, struct hw_dataset *ds, char *err, size_t len)
{
    uint64_t cols, alln;
    memset(ds, 0, sizeof *ds);
    /* The same ranges as the config's keys: a spec is written from a parsed config, so
     * anything else is a hand-edited or corrupt spec, and a cast of it undefined. */
    if (hw_json_u64(j, "rows", 1, HW_ROWS_MAX, &ds->rows, err, len) ||
        hw_json_u64(j, "cols", 1, HW_MAX_COLS, &cols, err, len) ||
        hw_json_u64(j, "seed", 0, HW_SEED_MAX, &ds->seed, err, len) ||
        hw_json_u64(j, "all_null_columns", 0, HW_MAX_COLS, &alln, err, len))
        return -1;
    if (alln > cols) {
        snprintf(err, len, "field 'all_null_columns' is %llu, more than cols (%llu)",
                 (unsigned long long)alln, (unsigned long long)cols);
        return -1;
    }
    ds->cols = (uint32_t)cols;
    ds->all_null_columns = (uint32_t)alln;
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(j, "dtypes"), *e;
    if (!cJSON_IsArray(g) || cJSON_GetArraySize(g) > HW_MAX_GROUPS) {
        snprintf(err, len, "field 'dtypes' missing or not an array of at most %d groups",
                 HW_MAX_GROUPS);
        return -1;
    }
    uint32_t total = 0;
    cJSON_ArrayForEach(e, g) {
        struct hw_col_group *cg = &ds->groups[ds->ngroups++];
        const char *dt = str(e, "dtype", err, len);
        uint64_t count;
        if (!dt || hw_json_u64(e, "count", 1, HW_MAX_COLS, &count, err, len) ||
            rate(e, "null_rate", &cg->null_rate, err, len) ||
            rate(e, "inf_rate", &cg->inf_rate, err, len) ||
            rate(e, "nan_rate", &cg->nan_rate, err, len))
            return -1;
        if (hw_dtype_parse(dt, &cg->dtype) != 0) {
            snprintf(err, len, "unknown dtype '%s'", dt);
            return -1;
        }
        cg->count = (uint32_t)count;
        total += cg->count;
    }
    if (total != ds->cols || ds->cols == 0 || ds->cols > HW_MAX_COLS) {
        snprintf(err, len, "dtype counts add up to %u, cols is %u", total, ds->cols);
        return -1;
    }
    return 0;
}

cJSON *hw_spec_json(const struct hw_spec *spec)
{
    cJSON *o = cJSON_CreateObject();
    static const char *const modes[] = {[HW_MODE_RUN] = "run", [HW_MODE_REFERENCE] = "reference",
                                        [HW_MODE_CALIBRATE] = "calibrate"};
    cJSON_AddStringToObject(o, "mode", modes[spec->mode]);
    cJSON_AddItemToObject(o, "dataset", hw_dataset_json(&spec->ds));
    if (spec->strategy)
        cJSON_AddStringToObject(o, "strategy", spec->strategy->name);
    if (spec->strategy && spec->strategy->params)
        cJSON_AddItemToObject(o, "params", hw_options_to_json(spec->strategy->params, spec->params.bytes));
    else
        cJSON_AddObjectToObject(o, "params");
    cJSON_AddStringToObject(o, "dtype", hw_dtype_name(spec->out_dtype));
    cJSON_AddStringToObject(o, "order", hw_order_name(spec->out_order));
    cJSON_AddStringToObject(o, "allocator", hw_allocator_name(spec->allocator));
    cJSON_AddBoolToObject(o, "phase_reset", spec->phase_reset);
    cJSON_AddStringToObject(o, "tmpdir", spec->tmpdir);
    if (spec->have_reference) {
        char hex[17];
        hw_u64_hex(spec->ref_checksum, hex);
        cJSON_AddStringToObject(o, "reference_checksum", hex);
        cJSON *m = cJSON_AddArrayToObject(o, "reference_medians");
        for (uint32_t c = 0; c < spec->ds.cols; c++)
            cJSON_AddItemToArray(m, cJSON_CreateNumber(spec->ref_medians[c]));
    }
    return o;
}

/* The params as typed values, through the strategy's table: the worker parses no text of
 * them. A strategy without params takes an empty object. */
static int spec_params(const cJSON *j, struct hw_spec *spec, char *err, size_t len)
{
    const struct hw_strategy *st = spec->strategy;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "params");
    char why[256];
    if (hw_strategy_check(st, why, sizeof why) != 0) {
        snprintf(err, len, "%s", why);
        return -1;
    }
    if (!cJSON_IsObject(p)) {
        snprintf(err, len, "field 'params' missing or not an object");
        return -1;
    }
    if (!st->params) {
        if (p->child) {
            snprintf(err, len, "param '%.64s' of %s: unknown; %s takes no params", p->child->string,
                     st->name, st->name);
            return -1;
        }
        return 0;
    }
    return hw_options_from_json(st->params, p, spec->params.bytes, st->name, err, len);
}

int hw_spec_from_json(const cJSON *j, struct hw_spec *spec, char *err, size_t len)
{
    memset(spec, 0, sizeof *spec);
    const char *mode = str(j, "mode", err, len), *s;
    if (!mode)
        return -1;
    spec->mode = strcmp(mode, "run") == 0         ? HW_MODE_RUN
                 : strcmp(mode, "calibrate") == 0 ? HW_MODE_CALIBRATE
                                                  : HW_MODE_REFERENCE;
    if (hw_dataset_from_json(cJSON_GetObjectItemCaseSensitive(j, "dataset"), &spec->ds, err, len))
        return -1;
    if (!(s = str(j, "dtype", err, len)) || hw_dtype_parse(s, &spec->out_dtype) != 0)
        return s ? (snprintf(err, len, "bad output dtype '%s'", s), -1) : -1;
    if (!(s = str(j, "order", err, len)))
        return -1;
    spec->out_order = strcmp(s, "F") == 0 ? HW_ORDER_F : HW_ORDER_C;
    if (!(s = str(j, "allocator", err, len)) || hw_allocator_parse(s, &spec->allocator) != 0)
        return s ? (snprintf(err, len, "bad allocator '%s'", s), -1) : -1;
    spec->phase_reset = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "phase_reset"));
    if (!(s = str(j, "tmpdir", err, len)))
        return -1;
    snprintf(spec->tmpdir, sizeof spec->tmpdir, "%s", s);
    if (spec->mode == HW_MODE_RUN) {
        if (!(s = str(j, "strategy", err, len)))
            return -1;
        if (!(spec->strategy = hw_strategy_find(s))) {
            snprintf(err, len, "unknown strategy '%s'", s);
            return -1;
        }
        if (spec_params(j, spec, err, len) != 0)
            return -1;
    }
    const char *hex = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "reference_checksum"));
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "reference_medians"), *e;
    if (hex && cJSON_IsArray(m) && (uint32_t)cJSON_GetArraySize(m) == spec->ds.cols &&
        hw_hex_u64(hex, &spec->ref_checksum) == 0) {
        uint32_t c = 0;
        cJSON_ArrayForEach(e, m) spec->ref_medians[c++] = e->valuedouble;
        spec->have_reference = true;
    }
    return 0;
}
