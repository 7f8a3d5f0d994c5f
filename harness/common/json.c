#include "json.h"
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <inttypes.h>
#include "size.h"

double hw_jnum(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(it) ? it->valuedouble : NAN;
}

const char *hw_jstr(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

int hw_json_u64(const cJSON *o, const char *k, uint64_t min, uint64_t max, uint64_t *out,
                char *err, size_t len)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(it)) {
        snprintf(err, len, "field '%s' is %s, expected a whole number from %" PRIu64 " to %" PRIu64,
                 k, !it ? "missing" : cJSON_IsString(it) ? "a string" : "not a number", min, max);
        return -1;
    }
    double v = it->valuedouble;
    /* Range first, in doubles: only then is the cast defined. */
    if (!hw_fits_u64(v) || v != floor(v) || (uint64_t)v < min || (uint64_t)v > max) {
        snprintf(err, len, "field '%s' is %g, expected a whole number from %" PRIu64 " to %" PRIu64,
                 k, v, min, max);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

cJSON *hw_json_add_whole(cJSON *o, const char *k, uint64_t v)
{
    if (v < 1000000000000000ull)
        return cJSON_AddNumberToObject(o, k, (double)v);
    char text[24];
    snprintf(text, sizeof text, "%llu", (unsigned long long)v);
    return cJSON_AddRawToObject(o, k, text);
}

cJSON *hw_json_add_measured(cJSON *o, const char *k, uint64_t v, uint64_t unknown)
{
    return v == unknown ? cJSON_AddNullToObject(o, k) : hw_json_add_whole(o, k, v);
}

/* A JSON array of numbers as doubles (NaN for anything else), at most n. */
double *hw_read_series(const cJSON *a, size_t n)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (i == n)
            break;
        v[i++] = cJSON_IsNumber(e) && isfinite(e->valuedouble) ? e->valuedouble : NAN;
    }
    while (i < n)
        v[i++] = NAN;
    return v;
}
