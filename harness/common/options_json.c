/* Typed JSON for a table's values. The decoder stores each type as options.h declares it
 * (the same layouts hw_option_set writes), after checks that make every cast defined. */
#include "options_json.h"
#include "size.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The largest whole number the spec carries exactly: cJSON prints a number in 15
 * significant digits whenever that reads back within an epsilon of it (2^53 - 1 comes back
 * as 9007199254740990), so whole numbers stop below 10^15. Rates and percents come back
 * exactly when they have at most 15 significant digits, as a config writes them. */
#define WHOLE_MAX 999999999999999.0

static void *field(const struct hw_option *opt, void *base)
{
    return (char *)base + opt->offset;
}

static bool is_whole(enum hw_opt_type t)
{
    return t == HW_OPT_COUNT || t == HW_OPT_BYTES || t == HW_OPT_UINT || t == HW_OPT_U32;
}

static cJSON *value_json(const struct hw_option *opt, const void *base)
{
    const void *p = (const char *)base + opt->offset;
    char buf[HW_STR_MAX];
    uint64_t u;
    uint32_t w;
    double d;
    struct hw_size sz;
    bool b;

    switch (opt->type) {
    case HW_OPT_COUNT:
    case HW_OPT_BYTES:
    case HW_OPT_UINT:
        memcpy(&u, p, sizeof u);
        return cJSON_CreateNumber((double)u);
    case HW_OPT_U32:
        memcpy(&w, p, sizeof w);
        return cJSON_CreateNumber(w);
    case HW_OPT_RATE:
    case HW_OPT_PERCENT:
        memcpy(&d, p, sizeof d);
        return cJSON_CreateNumber(d);
    case HW_OPT_SIZE: {
        memcpy(&sz, p, sizeof sz);
        if (!sz.is_ratio)
            return cJSON_CreateNumber(sz.value);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "ratio", sz.value);
        return o;
    }
    case HW_OPT_BOOL:
        memcpy(&b, p, sizeof b);
        return cJSON_CreateBool(b);
    case HW_OPT_ENUM:
    case HW_OPT_STRING:
        return cJSON_CreateString(hw_option_format(opt, base, buf, sizeof buf));
    }
    return cJSON_CreateNull();
}

cJSON *hw_options_to_json(const struct hw_option *table, const void *base)
{
    cJSON *o = cJSON_CreateObject();
    for (const struct hw_option *opt = table; o && opt && opt->name; opt++)
        cJSON_AddItemToObject(o, opt->name, value_json(opt, base));
    return o;
}

/* What a JSON value is, for "expected X, got Y". */
static const char *got(const cJSON *v, char *buf, size_t len)
{
    if (cJSON_IsNumber(v))
        snprintf(buf, len, "%g", v->valuedouble);
    else
        snprintf(buf, len, "%s", cJSON_IsString(v) ? "a string" : cJSON_IsBool(v) ? "a bool"
                                 : cJSON_IsNull(v) ? "null" : cJSON_IsArray(v) ? "a list" : "an object");
    return buf;
}

/* The range a number must fall in: the row's, or the type's when the row has none. */
static void bounds(const struct hw_option *opt, double *lo, double *hi)
{
    bool ranged = !(opt->min == 0 && opt->max == 0);
    *lo = ranged ? opt->min : is_whole(opt->type) ? 0 : -HUGE_VAL;
    *hi = ranged ? opt->max : HUGE_VAL;
    if (is_whole(opt->type) || opt->type == HW_OPT_SIZE) {
        if (*lo < 0)
            *lo = 0;
        if (opt->type == HW_OPT_SIZE && *lo < 1)   /* as the config's: a size of nothing is a mistake */
            *lo = 1;
        if (*hi > WHOLE_MAX)
            *hi = WHOLE_MAX;
        if (opt->type == HW_OPT_U32 && *hi > UINT32_MAX)
            *hi = UINT32_MAX;
    }
}

/* A number for a numeric row, checked (range first, in doubles) and stored as its type. */
static int set_number(const struct hw_option *opt, void *base, const cJSON *v, char *why, size_t len)
{
    char g[64];
    double lo, hi, d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    bool whole = is_whole(opt->type) || opt->type == HW_OPT_SIZE;

    bounds(opt, &lo, &hi);
    if (!isfinite(d) || !(d >= lo && d <= hi) || (whole && d != floor(d))) {
        if (!whole && isinf(lo) && isinf(hi))
            snprintf(why, len, "expected a number, got %s", got(v, g, sizeof g));
        else if (whole)
            snprintf(why, len, "expected a whole number from %.0f to %.0f, got %s", lo, hi,
                     got(v, g, sizeof g));
        else
            snprintf(why, len, "expected a number from %g to %g, got %s", lo, hi, got(v, g, sizeof g));
        return -1;
    }
    if (opt->type == HW_OPT_U32) {
        uint32_t w = (uint32_t)d;
        memcpy(field(opt, base), &w, sizeof w);
    } else if (opt->type == HW_OPT_SIZE) {
        struct hw_size sz;
        memset(&sz, 0, sizeof sz);   /* its padding too: a struct read back is the same bytes */
        sz.value = d;
        memcpy(field(opt, base), &sz, sizeof sz);
    } else if (whole) {
        uint64_t u = (uint64_t)d;
        memcpy(field(opt, base), &u, sizeof u);
    } else {
        memcpy(field(opt, base), &d, sizeof d);
    }
    return 0;
}

/* A size given as a ratio of the output: {"ratio": 2.5}, above 0 like the config's 2.5x. */
static int set_ratio(const struct hw_option *opt, void *base, const cJSON *v, char *why, size_t len)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(v, "ratio");
    char g[64];
    if (cJSON_GetArraySize(v) != 1 || !cJSON_IsNumber(r) || !isfinite(r->valuedouble) ||
        !(r->valuedouble > 0)) {
        snprintf(why, len, "expected a byte count or {\"ratio\": a number above 0}, got %s",
                 r ? got(r, g, sizeof g) : "another object");
        return -1;
    }
    struct hw_size sz;
    memset(&sz, 0, sizeof sz);
    sz.is_ratio = true;
    sz.value = r->valuedouble;
    memcpy(field(opt, base), &sz, sizeof sz);
    return 0;
}

static int set_value(const struct hw_option *opt, void *base, const cJSON *v, char *why, size_t len)
{
    char g[64];
    switch (opt->type) {
    case HW_OPT_BOOL:
        if (!cJSON_IsBool(v)) {
            snprintf(why, len, "expected true or false, got %s", got(v, g, sizeof g));
            return -1;
        }
        bool b = cJSON_IsTrue(v);
        memcpy(field(opt, base), &b, sizeof b);
        return 0;
    case HW_OPT_ENUM:
    case HW_OPT_STRING:
        /* A name among the choices, or text as it is: nothing here is a number to parse. */
        if (!cJSON_IsString(v)) {
            snprintf(why, len, "expected %s, got %s", opt->type == HW_OPT_ENUM ? "a choice's name"
                     : "a string", got(v, g, sizeof g));
            return -1;
        }
        return hw_option_set(opt, base, v->valuestring, why, len);
    case HW_OPT_SIZE:
        if (cJSON_IsObject(v))
            return set_ratio(opt, base, v, why, len);
        return set_number(opt, base, v, why, len);
    default:
        return set_number(opt, base, v, why, len);
    }
}

int hw_options_from_json(const struct hw_option *table, const cJSON *obj, void *base,
                         const char *owner, char *err, size_t errlen)
{
    char why[HW_STR_MAX + 64], names[512];
    const cJSON *e;

    if (!cJSON_IsObject(obj)) {
        snprintf(err, errlen, "params of %s: expected an object of params", owner);
        return -1;
    }
    cJSON_ArrayForEach(e, obj) {
        const struct hw_option *opt = hw_option_find(table, e->string);
        /* The keys before e are distinct rows, so this scan is bounded by the table. */
        for (const cJSON *p = obj->child; opt && p != e; p = p->next)
            if (strcmp(p->string, e->string) == 0) {
                snprintf(err, errlen, "param '%.64s' of %s: given twice", e->string, owner);
                return -1;
            }
        if (!opt) {
            snprintf(err, errlen, "param '%.64s' of %s: unknown; known: %s", e->string, owner,
                     hw_option_names(table, names, sizeof names));
            return -1;
        }
        if (set_value(opt, base, e, why, sizeof why) != 0) {
            snprintf(err, errlen, "param '%s' of %s: %s", opt->name, owner, why);
            return -1;
        }
    }
    for (const struct hw_option *opt = table; opt && opt->name; opt++)
        if (!cJSON_GetObjectItemCaseSensitive(obj, opt->name)) {
            snprintf(err, errlen, "param '%s' of %s: missing; write the spec with 'highwater spec CONFIG'",
                     opt->name, owner);
            return -1;
        }
    return 0;
}
