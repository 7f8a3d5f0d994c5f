/* The report's root: schema, tool, host, the resolved config, the dataset, runs[] and
 * summary[] (their records: schema.h, summary.h). */
#include "report.h"
#include "schema_fields.h"
#include "sha256.h"
#include "spec.h"
#include <string.h>

static cJSON *size_json(const struct hw_size *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, s->is_ratio ? "ratio" : HW_F_BYTES, s->value);
    return o;
}

static cJSON *config_json(const struct hw_config *cfg, const char *text, size_t len)
{
    char hex[65];
    cJSON *o = cJSON_CreateObject();
    hw_sha256_hex(text, len, hex);
    cJSON_AddStringToObject(o, "path", cfg->path);
    cJSON_AddStringToObject(o, HW_F_NAME, cfg->name);
    cJSON_AddStringToObject(o, "sha256", hex);
    cJSON *out = cJSON_AddObjectToObject(o, HW_F_OUTPUT);
    cJSON_AddStringToObject(out, "dtype", hw_dtype_name(cfg->out_dtype));
    cJSON_AddStringToObject(out, "order", hw_order_name(cfg->out_order));
    cJSON *al = cJSON_AddArrayToObject(o, "allocators");
    for (uint32_t i = 0; i < cfg->nallocators; i++) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, HW_F_NAME, hw_allocator_name(cfg->allocators[i].kind));
        cJSON_AddStringToObject(a, "conf", cfg->allocators[i].conf);
        cJSON_AddItemToArray(al, a);
    }
    cJSON_AddNumberToObject(o, HW_F_REPEAT, cfg->repeat);
    cJSON_AddNumberToObject(o, "sample_interval_ms", cfg->sample_interval_ms);
    if (cfg->limit_is_fraction)
        cJSON_AddNumberToObject(o, "limit_fraction_of_available", cfg->limit);
    else
        cJSON_AddNumberToObject(o, HW_F_LIMIT_BYTES, cfg->limit);
    cJSON_AddNumberToObject(o, "expect_tolerance", cfg->expect_tolerance);
    cJSON_AddStringToObject(o, "tmpdir", cfg->tmpdir);
    cJSON *st = cJSON_AddArrayToObject(o, "strategies");
    for (uint32_t i = 0; i < cfg->nstrategies; i++) {
        const struct hw_strategy_cfg *sc = &cfg->strategies[i];
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, HW_F_NAME, sc->strategy->name);
        cJSON_AddStringToObject(s, HW_F_LABEL, sc->label);
        cJSON *p = cJSON_AddObjectToObject(s, HW_F_PARAMS);
        for (uint32_t k = 0; k < sc->nparams; k++)
            cJSON_AddStringToObject(p, sc->params[k].key, sc->params[k].value);
        cJSON *so = cJSON_AddObjectToObject(s, HW_F_OUTPUT);
        cJSON_AddStringToObject(so, "dtype", hw_dtype_name(sc->out_dtype));
        cJSON_AddStringToObject(so, "order", hw_order_name(sc->out_order));
        if (sc->has_expect)
            cJSON_AddItemToObject(s, "expect", size_json(&sc->expect));
        if (sc->has_budget)
            cJSON_AddItemToObject(s, "budget", size_json(&sc->budget));
        cJSON_AddItemToArray(st, s);
    }
    return o;
}

cJSON *hw_report_base(void)
{
    cJSON *r = cJSON_CreateObject();
    if (!r)
        return NULL;
    cJSON_AddStringToObject(r, HW_F_SCHEMA, HW_REPORT_SCHEMA);
    cJSON_AddItemToObject(r, HW_F_TOOL, hw_schema_tool());
    cJSON_AddItemToObject(r, HW_F_HOST, hw_schema_host());
    return r;
}

cJSON *hw_report_new(const struct hw_config *cfg, const char *config_text, size_t config_len)
{
    cJSON *r = hw_report_base();
    if (!r)
        return NULL;
    cJSON_AddItemToObject(r, HW_F_CONFIG, config_json(cfg, config_text, config_len));
    cJSON *ds = hw_dataset_json(&cfg->ds);
    cJSON_AddNumberToObject(ds, "source_bytes", (double)hw_dataset_source_bytes(&cfg->ds));
    cJSON_AddNumberToObject(ds, HW_F_OUTPUT_BYTES,
                            (double)hw_dataset_output_bytes(&cfg->ds, cfg->out_dtype));
    cJSON_AddItemToObject(r, HW_F_DATASET, ds);
    cJSON_AddArrayToObject(r, HW_F_RUNS);
    cJSON_AddArrayToObject(r, HW_F_SUMMARY);
    return r;
}

void hw_report_note_allocator(cJSON *report, const char *version)
{
    cJSON *host = cJSON_GetObjectItemCaseSensitive(report, HW_F_HOST);
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(host, HW_F_ALLOCATOR_VERSIONS), *e;
    cJSON_ArrayForEach(e, arr)
        if (strcmp(cJSON_GetStringValue(e), version) == 0)
            return;
    cJSON_AddItemToArray(arr, cJSON_CreateString(version));
}
