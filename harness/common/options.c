/* Table-driven options: every value, user-written or default, goes through hw_option_set,
 * so a default that would not parse is caught as a broken table instead of slipping in. */
#include "options.h"
#include "size.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Names longer than this are never typos of a table key worth suggesting. */
#define SUGGEST_MAX 64

static void *field(const struct hw_option *opt, void *base)
{
    return (char *)base + opt->offset;
}

static const void *cfield(const struct hw_option *opt, const void *base)
{
    return (const char *)base + opt->offset;
}

size_t hw_option_size(enum hw_opt_type t)
{
    switch (t) {
    case HW_OPT_COUNT:
    case HW_OPT_BYTES:
    case HW_OPT_UINT:    return sizeof(uint64_t);
    case HW_OPT_U32:     return sizeof(uint32_t);
    case HW_OPT_SIZE:    return sizeof(struct hw_size);
    case HW_OPT_RATE:
    case HW_OPT_PERCENT: return sizeof(double);
    case HW_OPT_BOOL:    return sizeof(bool);
    case HW_OPT_ENUM:    return sizeof(int);
    case HW_OPT_STRING:  return HW_STR_MAX;
    }
    return 0;
}

static int expected(char *err, size_t errlen, const char *what, const char *value)
{
    if (!*value) {
        snprintf(err, errlen, "expected %s, got nothing", what);
        return -1;
    }
    snprintf(err, errlen, "expected %s, got '%.64s%s'", what, value,
             strlen(value) > 64 ? "..." : "");
    return -1;
}

static int parse_uint(const char *s, uint64_t *out, char *err, size_t errlen)
{
    uint64_t v = 0;
    const char *p = s;

    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return expected(err, errlen, "a whole number below 2^64 like 42", s);
        v = v * 10 + digit;
    }
    if (p == s || *p)
        return expected(err, errlen, "a whole number like 42", s);
    *out = v;
    return 0;
}

/* strtod, minus what it accepts that no config means: leading space, hex, inf, nan. */
static int parse_rate(const char *s, double *out, char *err, size_t errlen)
{
    char *end;
    double v;
    const char *digits = s + (*s == '-');

    if (!(isdigit((unsigned char)*digits) || *digits == '.') || strpbrk(s, "xX"))
        return expected(err, errlen, "a number like 0.01", s);
    v = strtod(s, &end);
    if (end == s || *end || !isfinite(v))
        return expected(err, errlen, "a number like 0.01", s);
    *out = v;
    return 0;
}

static int parse_bool(const char *s, bool *out, char *err, size_t errlen)
{
    if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)
        *out = true;
    else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0)
        *out = false;
    else
        return expected(err, errlen, "true or false", s);
    return 0;
}

/* choices "a|b|c": index of s, or -1. */
static int choice_index(const char *choices, const char *s)
{
    size_t n = strlen(s);
    int i = 0;

    for (const char *p = choices; p; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, s, n) == 0)
            return i;
        p = bar ? bar + 1 : NULL;
    }
    return -1;
}

/* The i-th choice into buf (empty when out of range). */
static const char *choice_at(const char *choices, int i, char *buf, size_t len)
{
    const char *p = choices;
    size_t n;

    if (i < 0)
        p = NULL;
    for (; p && i > 0; i--) {
        p = strchr(p, '|');
        p = p ? p + 1 : NULL;
    }
    n = p ? strcspn(p, "|") : 0;
    snprintf(buf, len, "%.*s", (int)n, p ? p : "");
    return buf;
}

static int parse_enum(const struct hw_option *opt, const char *s, int *out, char *err,
                      size_t errlen)
{
    char list[HW_STR_MAX], what[HW_STR_MAX + 16];
    size_t used = 0;
    int i = opt->choices ? choice_index(opt->choices, s) : -1;

    if (i >= 0) {
        *out = i;
        return 0;
    }
    for (const char *p = opt->choices ? opt->choices : ""; *p && used + 3 < sizeof list; p++) {
        if (*p == '|') {
            list[used++] = ',';
            list[used++] = ' ';
        } else {
            list[used++] = *p;
        }
    }
    list[used] = '\0';
    snprintf(what, sizeof what, "one of %s", list);
    return expected(err, errlen, what, s);
}

/* A range bound as the type is written: 1T rows, 8.00 MiB, 90%. */
static const char *fmt_bound(enum hw_opt_type t, double v, char *buf, size_t len)
{
    switch (t) {
    case HW_OPT_COUNT:   return hw_fmt_count((uint64_t)v, buf, len);
    case HW_OPT_BYTES:   return hw_fmt_bytes(v, buf, len);
    case HW_OPT_PERCENT: snprintf(buf, len, "%g%%", v * 100); return buf;
    case HW_OPT_UINT:
    case HW_OPT_U32:     snprintf(buf, len, "%.0f", v); return buf;
    default:             snprintf(buf, len, "%g", v); return buf;
    }
}

static int check_range(const struct hw_option *opt, double v, const char *value, char *err,
                       size_t errlen)
{
    char lo[32], hi[32];

    if ((opt->min == 0 && opt->max == 0) || (v >= opt->min && v <= opt->max))
        return 0;
    snprintf(err, errlen, "must be between %s and %s, got %.64s",
             fmt_bound(opt->type, opt->min, lo, sizeof lo),
             fmt_bound(opt->type, opt->max, hi, sizeof hi), value);
    return -1;
}

/* Parse into a scratch value first: base is written only when everything passed. */
int hw_option_set(const struct hw_option *opt, void *base, const char *value, char *err,
                  size_t errlen)
{
    union {
        uint64_t u;
        uint32_t u32;
        double d;
        bool b;
        int i;
        struct hw_size sz;
    } v;
    int rc = -1;

    memset(&v, 0, sizeof v);
    switch (opt->type) {
    case HW_OPT_COUNT:
        rc = hw_parse_count(value, &v.u, err, errlen);
        if (rc == 0)
            rc = check_range(opt, (double)v.u, value, err, errlen);
        break;
    case HW_OPT_BYTES:
        rc = hw_parse_bytes(value, &v.u, err, errlen);
        if (rc == 0)
            rc = check_range(opt, (double)v.u, value, err, errlen);
        break;
    case HW_OPT_UINT:
        rc = parse_uint(value, &v.u, err, errlen);
        if (rc == 0)
            rc = check_range(opt, (double)v.u, value, err, errlen);
        break;
    case HW_OPT_U32:
        rc = parse_uint(value, &v.u, err, errlen);
        if (rc == 0)
            rc = check_range(opt, (double)v.u, value, err, errlen);
        if (rc == 0 && v.u > UINT32_MAX) {
            snprintf(err, errlen, "expected at most %u, got %.64s", (unsigned)UINT32_MAX, value);
            rc = -1;
        }
        v.u32 = (uint32_t)v.u;
        break;
    case HW_OPT_SIZE: /* bytes and ratios do not share a range: the caller judges */
        rc = hw_parse_size(value, &v.sz, err, errlen);
        break;
    case HW_OPT_RATE:
        rc = parse_rate(value, &v.d, err, errlen);
        if (rc == 0)
            rc = check_range(opt, v.d, value, err, errlen);
        break;
    case HW_OPT_PERCENT:
        rc = hw_parse_percent(value, &v.d, err, errlen);
        if (rc == 0)
            rc = check_range(opt, v.d, value, err, errlen);
        break;
    case HW_OPT_BOOL:
        rc = parse_bool(value, &v.b, err, errlen);
        break;
    case HW_OPT_ENUM:
        rc = parse_enum(opt, value, &v.i, err, errlen);
        break;
    case HW_OPT_STRING:
        if (strlen(value) >= HW_STR_MAX) {
            snprintf(err, errlen, "expected at most %d characters, got %zu", HW_STR_MAX - 1,
                     strlen(value));
            return -1;
        }
        memset(field(opt, base), 0, HW_STR_MAX);
        memcpy(field(opt, base), value, strlen(value));
        return 0;
    }
    if (rc == 0)
        memcpy(field(opt, base), &v, hw_option_size(opt->type));
    return rc;
}

int hw_options_defaults(const struct hw_option *table, void *base, char *err, size_t errlen)
{
    char why[HW_STR_MAX];

    for (const struct hw_option *opt = table; opt->name; opt++) {
        if (!opt->def) {
            memset(field(opt, base), 0, hw_option_size(opt->type));
            continue;
        }
        if (hw_option_set(opt, base, opt->def, why, sizeof why) != 0) {
            snprintf(err, errlen, "option '%s' has a broken default '%s': %s", opt->name,
                     opt->def, why);
            return -1;
        }
    }
    return 0;
}

const struct hw_option *hw_option_find(const struct hw_option *table, const char *name)
{
    for (const struct hw_option *opt = table; opt && opt->name; opt++)
        if (strcmp(opt->name, name) == 0)
            return opt;
    return NULL;
}

/* Levenshtein distance, two rows; both strings are at most SUGGEST_MAX long. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t prev[SUGGEST_MAX + 1], cur[SUGGEST_MAX + 1];

    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

const char *hw_option_suggest(const struct hw_option *table, const char *name)
{
    size_t len = strlen(name), best = SIZE_MAX;
    /* Two edits catch most typos; long names earn a third of their length. A suggestion
     * must also keep part of what was typed: "ab" is not a typo of "xy". */
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *found = NULL;

    if (len == 0 || len > SUGGEST_MAX)
        return NULL;
    for (const struct hw_option *opt = table; opt && opt->name; opt++) {
        size_t d;
        if (strlen(opt->name) > SUGGEST_MAX)
            continue;
        d = edit_distance(name, opt->name);
        if (d < best && d <= limit && d < len) {
            best = d;
            found = opt->name;
        }
    }
    return found;
}

const char *hw_option_names(const struct hw_option *table, char *buf, size_t len)
{
    size_t used = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (const struct hw_option *opt = table; opt && opt->name && used < len; opt++) {
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", opt->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

/* Exact, in the largest binary unit that divides it: 8MiB, 1536KiB, 4097. */
static const char *fmt_bytes_exact(uint64_t v, char *buf, size_t len)
{
    static const char *const units[] = {"TiB", "GiB", "MiB", "KiB"};
    for (int i = 0; i < 4; i++) {
        uint64_t m = 1ull << (10 * (4 - i));
        if (v >= m && v % m == 0) {
            snprintf(buf, len, "%llu%s", (unsigned long long)(v / m), units[i]);
            return buf;
        }
    }
    snprintf(buf, len, "%llu", (unsigned long long)v);
    return buf;
}

/* hw_fmt_count rounds for display ("1.2M"); a value written back must read back. */
static const char *fmt_count_exact(uint64_t v, char *buf, size_t len)
{
    uint64_t back;
    hw_fmt_count(v, buf, len);
    if (hw_parse_count(buf, &back, NULL, 0) != 0 || back != v)
        snprintf(buf, len, "%llu", (unsigned long long)v);
    return buf;
}

const char *hw_option_format(const struct hw_option *opt, const void *base, char *buf,
                             size_t len)
{
    const void *p = cfield(opt, base);
    uint64_t u;
    double d;

    switch (opt->type) {
    case HW_OPT_COUNT:
        memcpy(&u, p, sizeof u);
        return fmt_count_exact(u, buf, len);
    case HW_OPT_BYTES:
        memcpy(&u, p, sizeof u);
        return fmt_bytes_exact(u, buf, len);
    case HW_OPT_UINT:
        memcpy(&u, p, sizeof u);
        snprintf(buf, len, "%llu", (unsigned long long)u);
        return buf;
    case HW_OPT_U32: {
        uint32_t w;
        memcpy(&w, p, sizeof w);
        snprintf(buf, len, "%u", (unsigned)w);
        return buf;
    }
    case HW_OPT_SIZE: {
        struct hw_size sz;
        memcpy(&sz, p, sizeof sz);
        if (sz.is_ratio)
            snprintf(buf, len, "%gx", sz.value);
        else
            fmt_bytes_exact((uint64_t)sz.value, buf, len);
        return buf;
    }
    case HW_OPT_RATE:
        memcpy(&d, p, sizeof d);
        snprintf(buf, len, "%g", d);
        return buf;
    case HW_OPT_PERCENT:
        memcpy(&d, p, sizeof d);
        snprintf(buf, len, "%g%%", d * 100);
        return buf;
    case HW_OPT_BOOL:
        snprintf(buf, len, "%s", *(const bool *)p ? "true" : "false");
        return buf;
    case HW_OPT_ENUM:
        return choice_at(opt->choices ? opt->choices : "", *(const int *)p, buf, len);
    case HW_OPT_STRING:
        snprintf(buf, len, "%s", (const char *)p);
        return buf;
    }
    snprintf(buf, len, "?");
    return buf;
}
