/* An experiment from YAML. Every section's scalar keys are rows of an option table, so
 * parsing, range checks, defaults and help come from one declaration; keys whose value is
 * a mapping or a list are declared by name next to them and parsed by their own function.
 * The whole file is loaded as a libyaml document first, so every node keeps its line and
 * column for the message, and sections are read in dependency order (output before the
 * strategies that override it), whatever order the file lists them in. */
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define MAX_KEYS      32                 /* scalar + nested keys of one section */
#define MAX_FILE      (16u << 20)        /* a config is a page of text, not a data file */
#define ROWS_ABSURD   ((double)HW_ROWS_MAX)
/* The schema nests 4 deep (the top, strategies, an entry, its params); 64 leaves room for
 * any layout a person writes while the scanner, which walks its stack of open brackets on
 * every token, stays cheap: a first pass stopping at level 65 has looked at most one
 * simple-key window (1024 characters) past it. */
#define MAX_DEPTH     64
/* The largest config the schema can read is a few thousand nodes (32 strategies of a dozen
 * each, 16 column groups); beyond this the document would cost memory for nothing. */
#define MAX_NODES     100000

struct ctx {
    const char *file;
    const char *text;                    /* for positions of reader errors */
    size_t len;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
};

/* One mapping being read against its tables. */
struct scope {
    const char *path;                    /* "dataset", "strategies[2].params"; "" at the top */
    const char *owner;                   /* "in dataset", "for chunked-vstack" */
    const char *noun;                    /* "key" or "param" */
    bool list_always;                    /* list every name even when suggesting one */
    const struct hw_option *keys;        /* scalar keys, set through hw_option_set */
    const struct hw_option *nested;      /* mapping/list keys: names and help only */
    void *base;                          /* what keys' offsets point into */
    size_t nkeys, nnested;
    yaml_node_t *key_at[MAX_KEYS];       /* by row: keys first, then nested */
    yaml_node_t *val_at[MAX_KEYS];
};

/* ---- the declarations ------------------------------------------------------------- */

struct top_keys { char name[HW_STR_MAX]; };
static const struct hw_option top_table[] = {
    {"name", HW_OPT_STRING, offsetof(struct top_keys, name), NULL, 0, 0, NULL,
     "names the experiment in reports; default: the file name without .yaml"},
    {0},
};
static const struct hw_option top_nested[] = {
    {.name = "dataset", .help = "the source table: rows, seed, column groups"},
    {.name = "output", .help = "the dense matrix: dtype and order"},
    {.name = "run", .help = "allocators, repetitions, sampling, memory limit"},
    {.name = "strategies", .help = "the ways to compare, with what the team expects"},
    {0},
};

/* Choices below map by index to these. */
struct dataset_keys { uint64_t rows, seed, cols, all_null_columns; };
static const struct hw_option dataset_table[] = {
    {"rows", HW_OPT_COUNT, offsetof(struct dataset_keys, rows), NULL, 1, ROWS_ABSURD, NULL,
     "rows of the source: 70M at full scale, 1M for a quick run, more than 1T is absurd"},
    /* Below 2^53: reports and specs carry it as a JSON number, exact only that far. */
    {"seed", HW_OPT_UINT, offsetof(struct dataset_keys, seed), "42", 0, 9007199254740991.0, NULL,
     "the same seed gives the same table, cell for cell"},
    {"cols", HW_OPT_UINT, offsetof(struct dataset_keys, cols), NULL, 1, HW_MAX_COLS, NULL,
     "optional check: the column groups' counts must add up to it"},
    {"all_null_columns", HW_OPT_UINT, offsetof(struct dataset_keys, all_null_columns), "0", 0,
     HW_MAX_COLS, NULL, "the last N columns are null in every row"},
    {0},
};
static const struct hw_option dataset_nested[] = {
    {.name = "columns", .help = "column groups: dtype, count and null/inf/nan rates"},
    {0},
};

/* Choices below map by index to these. */
static const enum hw_dtype source_dtypes[] = {HW_F64, HW_F32, HW_I64, HW_I32, HW_I16, HW_I8};
struct group_keys { int dtype; uint64_t count; double null_rate, inf_rate, nan_rate; };
static const struct hw_option group_table[] = {
    {"dtype", HW_OPT_ENUM, offsetof(struct group_keys, dtype), NULL, 0, 0,
     "f64|f32|i64|i32|i16|i8", "element type of the group's columns"},
    {"count", HW_OPT_UINT, offsetof(struct group_keys, count), NULL, 1, HW_MAX_COLS, NULL,
     "columns in this group"},
    {"null_rate", HW_OPT_RATE, offsetof(struct group_keys, null_rate), "0", 0, 1, NULL,
     "fraction of cells that are null"},
    {"inf_rate", HW_OPT_RATE, offsetof(struct group_keys, inf_rate), "0", 0, 1, NULL,
     "fraction of cells that are +inf or -inf (float dtypes only)"},
    {"nan_rate", HW_OPT_RATE, offsetof(struct group_keys, nan_rate), "0", 0, 1, NULL,
     "fraction of cells that are NaN (float dtypes only)"},
    {0},
};
enum { GROUP_INF_RATE = 3, GROUP_NAN_RATE = 4 };

static const enum hw_dtype output_dtypes[] = {HW_F32, HW_F16, HW_F64};
static const enum hw_order output_orders[] = {HW_ORDER_C, HW_ORDER_F};
struct output_keys { int dtype, order; };
static const struct hw_option output_table[] = {
    {"dtype", HW_OPT_ENUM, offsetof(struct output_keys, dtype), "f32", 0, 0, "f32|f16|f64",
     "element type of the output matrix"},
    {"order", HW_OPT_ENUM, offsetof(struct output_keys, order), "C", 0, 0, "C|F",
     "C: rows contiguous (numpy default); F: columns contiguous"},
    {0},
};

struct run_keys {
    uint64_t repeat, sample_interval_ms;
    char limit[HW_STR_MAX];
    double expect_tolerance;
    char tmpdir[HW_STR_MAX];
};
static const struct hw_option run_table[] = {
    {"repeat", HW_OPT_UINT, offsetof(struct run_keys, repeat), "1", 1, 1000, NULL,
     "repetitions of every strategy x allocator run"},
    {"sample_interval_ms", HW_OPT_UINT, offsetof(struct run_keys, sample_interval_ms), "1", 1,
     1000, NULL, "how often the parent samples the worker's RSS"},
    /* Either form of limit is one string here; parse_limit tells them apart. */
    {"limit", HW_OPT_STRING, offsetof(struct run_keys, limit), "90%", 0, 0, NULL,
     "the most a run may use: a share of MemAvailable (90%) or bytes (20GiB)"},
    {"expect_tolerance", HW_OPT_PERCENT, offsetof(struct run_keys, expect_tolerance), "10%", 0,
     1, NULL, "how far a measured peak may be from its expect and still hold"},
    {"tmpdir", HW_OPT_STRING, offsetof(struct run_keys, tmpdir), NULL, 0, 0, NULL,
     "where runs keep files (memmap outputs); default: $TMPDIR, else /tmp"},
    {0},
};
static const struct hw_option run_nested[] = {
    {.name = "allocators", .help = "glibc, jemalloc, mixed, or {name: jemalloc, conf: ...}"},
    {0},
};

/* Choices in enum hw_allocator_kind order. */
struct alloc_keys { int name; char conf[HW_STR_MAX]; };
static const struct hw_option alloc_table[] = {
    {"name", HW_OPT_ENUM, offsetof(struct alloc_keys, name), NULL, 0, 0, "glibc|jemalloc|mixed",
     "which malloc the worker runs with"},
    {"conf", HW_OPT_STRING, offsetof(struct alloc_keys, conf), NULL, 0, 0, NULL,
     "MALLOC_CONF for jemalloc, e.g. dirty_decay_ms:0"},
    {0},
};

struct strategy_keys { char name[HW_STR_MAX], label[HW_STR_MAX]; struct hw_size expect; };
static const struct hw_option strategy_table[] = {
    {"name", HW_OPT_STRING, offsetof(struct strategy_keys, name), NULL, 0, 0, NULL,
     "a strategy from `highwater list`"},
    {"label", HW_OPT_STRING, offsetof(struct strategy_keys, label), NULL, 0, 0, NULL,
     "the entry's name in reports and gates (default: the name and its params); keep it "
     "when tuning params to compare before and after"},
    {"expect", HW_OPT_SIZE, offsetof(struct strategy_keys, expect), NULL, 0, 0, NULL,
     "what the team believes the peak is: 2.0x the output, or bytes"},
    {0},
};
/* budget: 2.2x, or budget: {peak: 2.2x}: the mapping leaves room for budgets on other
 * figures (wall time) without another syntax. */
struct budget_keys { struct hw_size peak; };
static const struct hw_option budget_table[] = {
    {"peak", HW_OPT_SIZE, offsetof(struct budget_keys, peak), NULL, 0, 0, NULL,
     "the most peak RSS the run and the CI gate allow: 2.5x the output, or bytes"},
    {0},
};
static const struct hw_option strategy_nested[] = {
    {.name = "budget", .help = "the most the gate allows: 2.2x, or {peak: 2.2x}"},
    {.name = "params", .help = "the strategy's own params"},
    {.name = "output", .help = "this strategy's output dtype/order, overriding the experiment's"},
    {0},
};

/* ---- messages ---------------------------------------------------------------------- */

/* "FILE:LINE:COL: ..." with 1-based positions, flattened to one line whatever the user's
 * text held (a quoted scalar may span lines). */
static int vfail(struct ctx *c, size_t line, size_t col, const char *fmt, va_list ap)
{
    int n;

    if (!c->err || c->errlen == 0)
        return 2;
    n = snprintf(c->err, c->errlen, "%s:%zu:%zu: ", c->file, line + 1, col + 1);
    if (n >= 0 && (size_t)n < c->errlen)
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    for (char *p = c->err; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return 2;
}

__attribute__((format(printf, 4, 5)))
static int fail_at(struct ctx *c, size_t line, size_t col, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vfail(c, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

__attribute__((format(printf, 3, 4)))
static int fail(struct ctx *c, const yaml_node_t *at, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vfail(c, at ? at->start_mark.line : 0, at ? at->start_mark.column : 0, fmt, ap);
    va_end(ap);
    return rc;
}

static const char *value_of(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* What the user wrote, as a message says it: 'lots', a mapping, a list, nothing. */
static const char *describe(const yaml_node_t *n, char *buf, size_t len)
{
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    if (n->data.scalar.length == 0 && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        return "nothing";
    snprintf(buf, len, "'%.64s%s'", value_of(n), n->data.scalar.length > 64 ? "..." : "");
    return buf;
}

static yaml_node_t *node(struct ctx *c, int index)
{
    return yaml_document_get_node(c->doc, index);
}

/* ---- walking a mapping against its tables -------------------------------------------- */

static size_t table_len(const struct hw_option *t)
{
    size_t n = 0;
    while (t && t[n].name)
        n++;
    return n;
}

static int scope_init(struct ctx *c, struct scope *s, const yaml_node_t *at)
{
    s->nkeys = table_len(s->keys);
    s->nnested = table_len(s->nested);
    memset(s->key_at, 0, sizeof s->key_at);
    memset(s->val_at, 0, sizeof s->val_at);
    if (s->nkeys + s->nnested > MAX_KEYS)
        return fail(c, at, "%s: more than %d keys declared; raise MAX_KEYS in config.c",
                    s->path, MAX_KEYS);
    return 0;
}

static int scope_index(const struct scope *s, const char *name)
{
    const struct hw_option *o = hw_option_find(s->keys, name);
    if (o)
        return (int)(o - s->keys);
    o = hw_option_find(s->nested, name);
    return o ? (int)(s->nkeys + (size_t)(o - s->nested)) : -1;
}

/* The value node of a key by name, or NULL when the file did not give it. */
static yaml_node_t *given(const struct scope *s, const char *name)
{
    int i = scope_index(s, name);
    return i >= 0 ? s->val_at[i] : NULL;
}

static yaml_node_t *given_key(const struct scope *s, const char *name)
{
    int i = scope_index(s, name);
    return i >= 0 ? s->key_at[i] : NULL;
}

/* Both tables as one, for suggestions and listings. */
static void scope_names(const struct scope *s, struct hw_option *all)
{
    size_t n = 0;
    memset(all, 0, (MAX_KEYS + 1) * sizeof *all);
    for (size_t i = 0; i < s->nkeys; i++)
        all[n++].name = s->keys[i].name;
    for (size_t i = 0; i < s->nnested; i++)
        all[n++].name = s->nested[i].name;
}

static int unknown_key(struct ctx *c, const struct scope *s, const yaml_node_t *key)
{
    struct hw_option all[MAX_KEYS + 1];
    char names[512];
    const char *close;

    scope_names(s, all);
    hw_option_names(all, names, sizeof names);
    close = hw_option_suggest(all, value_of(key));
    if (close && s->list_always)
        return fail(c, key, "unknown %s '%s' %s; did you mean '%s'? (its %ss: %s)", s->noun,
                    value_of(key), s->owner, close, s->noun, names);
    if (close)
        return fail(c, key, "unknown %s '%s' %s; did you mean '%s'?", s->noun, value_of(key),
                    s->owner, close);
    if (s->list_always)
        return fail(c, key, "unknown %s '%s' %s; its %ss: %s", s->noun, value_of(key), s->owner,
                    s->noun, names);
    return fail(c, key, "unknown %s '%s' %s; known %ss: %s", s->noun, value_of(key), s->owner,
                s->noun, names);
}

/* Would value pass without opt's range? Then the range is what failed, and the key's help
 * says what a sensible value is (rows: "more than 1T rows is absurd"). */
static bool only_range_failed(const struct hw_option *opt, const char *value)
{
    struct hw_option bare = *opt;
    union { uint64_t u; double d; char s[HW_STR_MAX]; struct hw_size sz; int i; } scratch;

    bare.offset = 0;
    bare.min = bare.max = 0;
    return hw_option_set(&bare, &scratch, value, NULL, 0) == 0;
}

static int set_scalar(struct ctx *c, const struct scope *s, const struct hw_option *opt,
                      const yaml_node_t *val)
{
    char why[320], buf[80];
    const char *sep = s->path[0] ? "." : "";

    if (val->type != YAML_SCALAR_NODE)
        return fail(c, val, "%s%s%s: expected a single value, got %s", s->path, sep, opt->name,
                    describe(val, buf, sizeof buf));
    if (hw_option_set(opt, s->base, value_of(val), why, sizeof why) == 0)
        return 0;
    if (opt->help && only_range_failed(opt, value_of(val)))
        return fail(c, val, "%s%s%s: %s; %s", s->path, sep, opt->name, why, opt->help);
    return fail(c, val, "%s%s%s: %s", s->path, sep, opt->name, why);
}

/* Record every key (unknown and duplicate keys are errors) and set the scalar ones;
 * nested values are left to the section's own parser, in the order it needs them. */
static int walk(struct ctx *c, struct scope *s, yaml_node_t *map)
{
    char buf[80], names[512];
    struct hw_option all[MAX_KEYS + 1];
    const char *where = s->path[0] ? s->path : "the top level";
    int rc = scope_init(c, s, map);

    if (rc)
        return rc;
    if (map->type != YAML_MAPPING_NODE) {
        scope_names(s, all);
        return fail(c, map, "%s: expected a mapping of %ss (%s), got %s", where, s->noun,
                    hw_option_names(all, names, sizeof names), describe(map, buf, sizeof buf));
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *key = node(c, p->key), *val = node(c, p->value);
        int i;

        if (key->type != YAML_SCALAR_NODE)
            return fail(c, key, "%s: %ss must be plain names, got %s", where, s->noun,
                        describe(key, buf, sizeof buf));
        i = scope_index(s, value_of(key));
        if (i < 0)
            return unknown_key(c, s, key);
        if (s->val_at[i])
            return fail(c, key, "duplicate %s '%s' %s (first at line %zu); keep one", s->noun,
                        value_of(key), s->owner, s->key_at[i]->start_mark.line + 1);
        s->key_at[i] = key;
        s->val_at[i] = val;
        if ((size_t)i < s->nkeys && (rc = set_scalar(c, s, &s->keys[i], val)))
            return rc;
    }
    return 0;
}

static int require(struct ctx *c, const struct scope *s, const yaml_node_t *map,
                   const char *name, const char *example)
{
    if (given(s, name))
        return 0;
    if (!s->path[0])
        return fail(c, map, "missing '%s' section; add one, e.g. %s", name, example);
    return fail(c, map, "%s: missing '%s'; add it, e.g. %s", s->path, name, example);
}

static int defaults(struct ctx *c, const struct hw_option *table, void *base)
{
    char why[320];
    if (hw_options_defaults(table, base, why, sizeof why) != 0)
        return fail(c, NULL, "%s; fix the table in the source", why);
    return 0;
}

/* A list node with 1..max items, or the error naming what it should hold. */
static int expect_list(struct ctx *c, const yaml_node_t *n, const char *path, const char *what,
                       const char *example, size_t max)
{
    char buf[80];
    size_t items;

    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, "%s: expected a list of %s like %s, got %s", path, what, example,
                    describe(n, buf, sizeof buf));
    items = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (items == 0)
        return fail(c, n, "%s: expected 1 to %zu %s, got none; add one like %s", path, max, what,
                    example);
    if (items > max)
        return fail(c, node(c, n->data.sequence.items.start[max]),
                    "%s: at most %zu %s, got %zu; remove some", path, max, what, items);
    return 0;
}

/* ---- dataset -------------------------------------------------------------------------- */

static int check_group(struct ctx *c, const struct scope *s, const yaml_node_t *item,
                       const struct hw_col_group *g)
{
    static const char *const rate_keys[] = {"inf_rate", "nan_rate"};
    double sum = g->null_rate + g->inf_rate + g->nan_rate;

    /* Given at all, even as 0, on an integer group: the author misread the schema. */
    for (size_t i = 0; i < 2 && !hw_dtype_is_float(g->dtype); i++)
        if (given(s, rate_keys[i]))
            return fail(c, given_key(s, rate_keys[i]),
                        "%s.%s: %s columns cannot hold inf or NaN; remove it (inf_rate and "
                        "nan_rate apply to f64 and f32 only)",
                        s->path, rate_keys[i], hw_dtype_name(g->dtype));
    if (sum > 1 + 1e-9)
        return fail(c, item, "%s: null_rate + inf_rate + nan_rate is %g, more than 1; lower them",
                    s->path, sum);
    return 0;
}

static int parse_group(struct ctx *c, yaml_node_t *item, size_t i, struct hw_col_group *g)
{
    char path[64], owner[80];
    struct group_keys gk;
    struct scope s = {.path = path, .owner = owner, .noun = "key", .keys = group_table,
                      .base = &gk};
    int rc;

    snprintf(path, sizeof path, "dataset.columns[%zu]", i);
    snprintf(owner, sizeof owner, "in %s", path);
    if ((rc = defaults(c, group_table, &gk)) || (rc = walk(c, &s, item)) ||
        (rc = require(c, &s, item, "dtype", "dtype: f32")) ||
        (rc = require(c, &s, item, "count", "count: 4")))
        return rc;
    *g = (struct hw_col_group){
        .dtype = source_dtypes[gk.dtype], .count = (uint32_t)gk.count,
        .null_rate = gk.null_rate, .inf_rate = gk.inf_rate, .nan_rate = gk.nan_rate,
    };
    return check_group(c, &s, item, g);
}

static int parse_columns(struct ctx *c, yaml_node_t *list, struct hw_dataset *ds)
{
    const char *example = "[{dtype: f32, count: 114}]";
    yaml_node_item_t *it;
    uint64_t total = 0;
    int rc;

    if ((rc = expect_list(c, list, "dataset.columns", "column groups", example, HW_MAX_GROUPS)))
        return rc;
    for (it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
        struct hw_col_group *g = &ds->groups[ds->ngroups];
        if ((rc = parse_group(c, node(c, *it), ds->ngroups, g)))
            return rc;
        total += g->count;
        ds->ngroups++;
    }
    if (total > HW_MAX_COLS)
        return fail(c, list, "dataset.columns: the groups add up to %llu columns, more than %d; "
                    "lower some counts", (unsigned long long)total, HW_MAX_COLS);
    ds->cols = (uint32_t)total;
    return 0;
}

static int parse_dataset(struct ctx *c, yaml_node_t *map, struct hw_config *cfg)
{
    struct dataset_keys dk;
    struct scope s = {.path = "dataset", .owner = "in dataset", .noun = "key",
                      .keys = dataset_table, .nested = dataset_nested, .base = &dk};
    struct hw_dataset *ds = &cfg->ds;
    int rc;

    if ((rc = defaults(c, dataset_table, &dk)) || (rc = walk(c, &s, map)) ||
        (rc = require(c, &s, map, "rows", "rows: 1M")) ||
        (rc = require(c, &s, map, "columns", "columns: [{dtype: f32, count: 114}]")) ||
        (rc = parse_columns(c, given(&s, "columns"), ds)))
        return rc;
    ds->rows = dk.rows;
    ds->seed = dk.seed;
    if (given(&s, "cols") && dk.cols != ds->cols)
        return fail(c, given(&s, "cols"),
                    "dataset.cols is %llu but the column groups add up to %u; fix a group's "
                    "count or cols", (unsigned long long)dk.cols, ds->cols);
    if (dk.all_null_columns > ds->cols)
        return fail(c, given(&s, "all_null_columns"),
                    "dataset.all_null_columns is %llu but there are only %u columns; use at "
                    "most %u", (unsigned long long)dk.all_null_columns, ds->cols, ds->cols);
    ds->all_null_columns = (uint32_t)dk.all_null_columns;
    return 0;
}

/* ---- output ----------------------------------------------------------------------------- */

static int index_of_dtype(enum hw_dtype d)
{
    for (int i = 0; i < (int)(sizeof output_dtypes / sizeof output_dtypes[0]); i++)
        if (output_dtypes[i] == d)
            return i;
    return 0;
}

/* map may be NULL (not given). ok holds the starting values: the table's defaults for the
 * experiment, the experiment's output for a per-strategy override. */
static int parse_output(struct ctx *c, yaml_node_t *map, const char *path,
                        struct output_keys *ok, bool *dtype_given, bool *order_given)
{
    char owner[80];
    struct scope s = {.path = path, .owner = owner, .noun = "key", .keys = output_table,
                      .base = ok};
    int rc;

    snprintf(owner, sizeof owner, "in %s", path);
    *dtype_given = *order_given = false;
    if (!map)
        return 0;
    if ((rc = walk(c, &s, map)))
        return rc;
    *dtype_given = given(&s, "dtype") != NULL;
    *order_given = given(&s, "order") != NULL;
    return 0;
}

/* ---- run ------------------------------------------------------------------------------ */

static int parse_limit(struct ctx *c, const yaml_node_t *at, const char *v,
                       struct hw_config *cfg)
{
    uint64_t bytes;
    double share;

    if (hw_parse_percent(v, &share, NULL, 0) == 0) {
        if (!(share > 0 && share <= 1))
            return fail(c, at, "run.limit: must be more than 0%% and at most 100%% of "
                        "MemAvailable, got %s; or give bytes like 20GiB", v);
        cfg->limit_is_fraction = true;
        cfg->limit = share;
        return 0;
    }
    if (hw_parse_bytes(v, &bytes, NULL, 0) == 0 && bytes > 0) {
        cfg->limit_is_fraction = false;
        cfg->limit = (double)bytes;
        return 0;
    }
    return fail(c, at, "run.limit: expected a share of MemAvailable like 90%% or a byte size "
                "like 20GiB, got '%.64s'", v);
}

static int parse_allocator(struct ctx *c, yaml_node_t *item, size_t i,
                           struct hw_allocator_cfg *out)
{
    char path[64], owner[80], buf[80];
    struct alloc_keys ak;
    struct scope s = {.path = path, .owner = owner, .noun = "key", .keys = alloc_table,
                      .base = &ak};
    int rc;

    snprintf(path, sizeof path, "run.allocators[%zu]", i);
    snprintf(owner, sizeof owner, "in %s", path);
    if ((rc = defaults(c, alloc_table, &ak)))
        return rc;
    if (item->type == YAML_SCALAR_NODE) {
        /* A bare name is the name row alone: same parser, same message. */
        char why[320];
        if (hw_option_set(&alloc_table[0], &ak, value_of(item), why, sizeof why) != 0)
            return fail(c, item, "%s: %s", path, why);
    } else if (item->type == YAML_MAPPING_NODE) {
        if ((rc = walk(c, &s, item)) || (rc = require(c, &s, item, "name", "name: jemalloc")))
            return rc;
        /* glibc's conf goes to GLIBC_TUNABLES: name=value pairs of glibc.* tunables. */
        if (ak.name == HW_ALLOC_GLIBC && given(&s, "conf") &&
            (strncmp(ak.conf, "glibc.", 6) != 0 || !strchr(ak.conf, '=')))
            return fail(c, given(&s, "conf"),
                        "%s.conf: for glibc, a GLIBC_TUNABLES string like glibc.malloc.hugetlb=1, "
                        "got '%s'", path, ak.conf);
    } else {
        return fail(c, item, "%s: expected an allocator name or {name: jemalloc, conf: ...}, "
                    "got %s", path, describe(item, buf, sizeof buf));
    }
    out->kind = (enum hw_allocator_kind)ak.name;
    memcpy(out->conf, ak.conf, sizeof out->conf);
    return 0;
}

static int parse_allocators(struct ctx *c, yaml_node_t *list, struct hw_config *cfg)
{
    static const char *const example = "[glibc, {name: jemalloc, conf: \"dirty_decay_ms:0\"}]";
    int rc;

    if (!list) {
        cfg->nallocators = 2;
        cfg->allocators[0] = (struct hw_allocator_cfg){.kind = HW_ALLOC_GLIBC};
        cfg->allocators[1] = (struct hw_allocator_cfg){.kind = HW_ALLOC_JEMALLOC};
        return 0;
    }
    if ((rc = expect_list(c, list, "run.allocators", "allocators", example, HW_MAX_ALLOCATORS)))
        return rc;
    for (yaml_node_item_t *it = list->data.sequence.items.start;
         it < list->data.sequence.items.top; it++) {
        struct hw_allocator_cfg *a = &cfg->allocators[cfg->nallocators];
        if ((rc = parse_allocator(c, node(c, *it), cfg->nallocators, a)))
            return rc;
        for (uint32_t j = 0; j < cfg->nallocators; j++)
            if (cfg->allocators[j].kind == a->kind && !strcmp(cfg->allocators[j].conf, a->conf))
                return fail(c, node(c, *it), "run.allocators[%u]: %s%s%s is listed twice (also "
                            "run.allocators[%u]); remove one or give it another conf",
                            cfg->nallocators, hw_allocator_name(a->kind), a->conf[0] ? " " : "",
                            a->conf, j);
        cfg->nallocators++;
    }
    return 0;
}

static int parse_run(struct ctx *c, yaml_node_t *map, struct hw_config *cfg)
{
    struct run_keys rk;
    struct scope s = {.path = "run", .owner = "in run", .noun = "key", .keys = run_table,
                      .nested = run_nested, .base = &rk};
    const char *tmp = getenv("TMPDIR");
    int rc;

    if ((rc = defaults(c, run_table, &rk)) || (rc = scope_init(c, &s, map)))
        return rc;
    if (map && (rc = walk(c, &s, map)))
        return rc;
    if ((rc = parse_limit(c, given(&s, "limit"), rk.limit, cfg)) ||
        (rc = parse_allocators(c, given(&s, "allocators"), cfg)))
        return rc;
    cfg->repeat = (uint32_t)rk.repeat;
    cfg->sample_interval_ms = (uint32_t)rk.sample_interval_ms;
    cfg->expect_tolerance = rk.expect_tolerance;
    if (given(&s, "tmpdir") && !rk.tmpdir[0])
        return fail(c, given(&s, "tmpdir"), "run.tmpdir: expected a directory like /tmp, got "
                    "nothing");
    /* An over-long $TMPDIR is the environment's problem, not the config's: fall back. */
    if (!rk.tmpdir[0])
        snprintf(rk.tmpdir, sizeof rk.tmpdir, "%s",
                 tmp && tmp[0] && strlen(tmp) < HW_STR_MAX ? tmp : "/tmp");
    memcpy(cfg->tmpdir, rk.tmpdir, sizeof cfg->tmpdir);
    if (given(&s, "tmpdir")) {
        cfg->tmpdir_line = given(&s, "tmpdir")->start_mark.line + 1;
        cfg->tmpdir_col = given(&s, "tmpdir")->start_mark.column + 1;
    }
    return 0;
}

/* ---- strategies ------------------------------------------------------------------------ */

static int unknown_strategy(struct ctx *c, const yaml_node_t *at, const char *name)
{
    char known[512];
    size_t n = hw_strategy_count();
    struct hw_option *names = calloc(n + 1, sizeof *names);
    const char *close = NULL;
    int rc;

    hw_strategy_names(known, sizeof known);
    if (names) {
        for (size_t i = 0; i < n; i++)
            names[i].name = hw_strategy_at(i)->name;
        close = hw_option_suggest(names, name);
    }
    if (close)
        rc = fail(c, at, "unknown strategy '%s'; did you mean '%s'? known: %s", name, close,
                  known);
    else
        rc = fail(c, at, "unknown strategy '%s'; known: %s", name, known);
    free(names);
    return rc;
}

/* Keep params as written (the worker re-parses them with the same table), after checking
 * them here against a scratch copy of the strategy's params struct. */
static int parse_params(struct ctx *c, yaml_node_t *map, const char *path,
                        struct hw_strategy_cfg *sc)
{
    const struct hw_strategy *st = sc->strategy;
    char params_path[96], owner[96];
    struct scope s = {.path = params_path, .owner = owner, .noun = "param",
                      .list_always = true, .keys = st->params};
    int rc = 0;

    snprintf(params_path, sizeof params_path, "%s.params", path);
    snprintf(owner, sizeof owner, "for %s", st->name);
    if (!st->params)
        return fail(c, map, "%s: %s takes no params; remove params", params_path, st->name);
    if (!(s.base = calloc(1, st->params_size)))
        return fail(c, map, "%s: out of memory", params_path);
    if ((rc = defaults(c, st->params, s.base)) || (rc = walk(c, &s, map)))
        goto out;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        struct hw_param_kv *kv = &sc->params[sc->nparams];
        const char *k = value_of(node(c, p->key)), *v = value_of(node(c, p->value));
        if (sc->nparams == HW_MAX_PARAMS) {
            rc = fail(c, node(c, p->key), "%s: more than %d params; remove some", params_path,
                      HW_MAX_PARAMS);
            goto out;
        }
        if (strlen(k) >= sizeof kv->key || strlen(v) >= sizeof kv->value) {
            rc = fail(c, node(c, p->value), "%s.%s: the value is longer than %zu characters; "
                      "shorten it", params_path, k, sizeof kv->value - 1);
            goto out;
        }
        snprintf(kv->key, sizeof kv->key, "%s", k);
        snprintf(kv->value, sizeof kv->value, "%s", v);
        sc->nparams++;
    }
out:
    free(s.base);
    return rc;
}

/* Appends into a local buffer; overflow is remembered, not silently cut. */
struct label {
    char buf[HW_STR_MAX];
    size_t used;
    bool overflow;
};

__attribute__((format(printf, 2, 3)))
static void label_add(struct label *l, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (l->overflow)
        return;
    va_start(ap, fmt);
    n = vsnprintf(l->buf + l->used, sizeof l->buf - l->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof l->buf - l->used)
        l->overflow = true;
    else
        l->used += (size_t)n;
}

/* "chunked-vstack chunk_rows=100k order=F": what tells two entries apart in a report. */
static int build_label(struct ctx *c, const yaml_node_t *at, const char *path,
                       struct hw_strategy_cfg *sc, bool dtype_given, bool order_given)
{
    struct label l = {.used = 0};

    label_add(&l, "%s", sc->strategy->name);
    for (uint32_t i = 0; i < sc->nparams; i++)
        label_add(&l, " %s=%s", sc->params[i].key, sc->params[i].value);
    if (dtype_given)
        label_add(&l, " dtype=%s", hw_dtype_name(sc->out_dtype));
    if (order_given)
        label_add(&l, " order=%s", hw_order_name(sc->out_order));
    if (l.overflow)
        return fail(c, at, "%s: its label (name, params, output) is longer than %zu "
                    "characters; shorten the param values", path, sizeof l.buf - 1);
    memcpy(sc->label, l.buf, sizeof sc->label);
    return 0;
}

static int parse_budget(struct ctx *c, yaml_node_t *at, const char *owner_path,
                        struct hw_strategy_cfg *sc)
{
    char path[96], owner[112];
    struct budget_keys bk = {{0}};
    struct scope s = {.path = path, .owner = owner, .noun = "key", .keys = budget_table, .base = &bk};
    int rc;

    snprintf(path, sizeof path, "%s.budget", owner_path);
    snprintf(owner, sizeof owner, "in %s", path);
    if (at->type == YAML_SCALAR_NODE) {
        /* The short form is the peak row alone, through the same parser and messages. */
        struct scope bare = {.path = owner_path, .owner = owner, .noun = "key",
                             .keys = budget_table, .base = &bk};
        struct hw_option opt = budget_table[0];
        opt.name = "budget";
        if ((rc = scope_init(c, &bare, at)) || (rc = set_scalar(c, &bare, &opt, at)))
            return rc;
    } else if ((rc = walk(c, &s, at)) || (rc = require(c, &s, at, "peak", "peak: 2.2x"))) {
        return rc;
    }
    sc->has_budget = true;
    sc->budget = bk.peak;
    return 0;
}

static int strategy_keys_of(struct ctx *c, yaml_node_t *item, struct scope *s,
                            yaml_node_t **name_at)
{
    char buf[80];
    int rc;

    if (item->type == YAML_SCALAR_NODE) {
        /* A bare name: the name row alone, through the same parser. */
        char why[320];
        *name_at = item;
        if (hw_option_set(&strategy_table[0], s->base, value_of(item), why, sizeof why) != 0)
            return fail(c, item, "%s: %s", s->path, why);
        return scope_init(c, s, item);
    }
    if (item->type != YAML_MAPPING_NODE)
        return fail(c, item, "%s: expected a strategy name or {name: chunked-vstack, expect: "
                    "1.25x, ...}, got %s", s->path, describe(item, buf, sizeof buf));
    if ((rc = walk(c, s, item)) || (rc = require(c, s, item, "name", "name: whole-copy")))
        return rc;
    *name_at = given(s, "name");
    return 0;
}

static int parse_strategy(struct ctx *c, yaml_node_t *item, size_t i, struct hw_config *cfg,
                          struct hw_strategy_cfg *sc)
{
    char path[64], owner[80], out_path[80];
    struct strategy_keys sk;
    struct scope s = {.path = path, .owner = owner, .noun = "key", .keys = strategy_table,
                      .nested = strategy_nested, .base = &sk};
    struct output_keys ok = {index_of_dtype(cfg->out_dtype), cfg->out_order == HW_ORDER_F};
    yaml_node_t *name_at = NULL;
    bool dtype_given, order_given;
    int rc;

    snprintf(path, sizeof path, "strategies[%zu]", i);
    snprintf(owner, sizeof owner, "in %s", path);
    snprintf(out_path, sizeof out_path, "%s.output", path);
    if ((rc = defaults(c, strategy_table, &sk)) || (rc = strategy_keys_of(c, item, &s, &name_at)))
        return rc;
    if (!(sc->strategy = hw_strategy_find(sk.name)))
        return unknown_strategy(c, name_at, sk.name);
    sc->has_expect = given(&s, "expect") != NULL;
    sc->expect = sk.expect;
    if (given(&s, "budget") && (rc = parse_budget(c, given(&s, "budget"), path, sc)))
        return rc;
    if (given(&s, "params") && (rc = parse_params(c, given(&s, "params"), path, sc)))
        return rc;
    if ((rc = parse_output(c, given(&s, "output"), out_path, &ok, &dtype_given, &order_given)))
        return rc;
    sc->out_dtype = output_dtypes[ok.dtype];
    sc->out_order = output_orders[ok.order];
    if (given(&s, "label")) {
        if (!sk.label[0])
            return fail(c, given(&s, "label"), "%s.label: expected a name, got nothing", path);
        memcpy(sc->label, sk.label, sizeof sc->label);
        return 0;
    }
    return build_label(c, item, path, sc, dtype_given, order_given);
}

static int parse_strategies(struct ctx *c, yaml_node_t *list, struct hw_config *cfg)
{
    int rc;

    if ((rc = expect_list(c, list, "strategies", "strategies", "[whole-copy, chunked-vstack]",
                          HW_MAX_STRATEGIES)))
        return rc;
    for (yaml_node_item_t *it = list->data.sequence.items.start;
         it < list->data.sequence.items.top; it++) {
        struct hw_strategy_cfg *sc = &cfg->strategies[cfg->nstrategies];
        yaml_node_t *item = node(c, *it);
        if ((rc = parse_strategy(c, item, cfg->nstrategies, cfg, sc)))
            return rc;
        for (uint32_t j = 0; j < cfg->nstrategies; j++)
            if (strcmp(cfg->strategies[j].label, sc->label) == 0)
                return fail(c, item, "strategies[%u]: '%s' is listed twice (also "
                            "strategies[%u]); change its params or remove one",
                            cfg->nstrategies, sc->label, j);
        cfg->nstrategies++;
    }
    return 0;
}

/* ---- the document ------------------------------------------------------------------------ */

/* "configs/ci.yaml" -> "ci": the report is named after the experiment. */
static void default_name(const char *file, char *out, size_t len)
{
    const char *base = strrchr(file, '/');
    size_t n;

    base = base ? base + 1 : file;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
        n -= 5;
    else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
        n -= 4;
    snprintf(out, len, "%.*s", (int)n, base);
}

/* The name ends up in file names: keep it to characters every shell and filesystem take. */
static int check_name(struct ctx *c, const yaml_node_t *at, const char *name)
{
    if (name[0] && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789._-") == strlen(name))
        return 0;
    return fail(c, at, "name: expected letters, digits, '.', '_' or '-' (it names the report "
                "files), got '%.64s'", name);
}

static int parse_root(struct ctx *c, yaml_node_t *root, struct hw_config *cfg)
{
    struct top_keys tk;
    struct scope s = {.path = "", .owner = "at the top level", .noun = "key", .keys = top_table,
                      .nested = top_nested, .base = &tk};
    struct output_keys ok;
    bool unused_dtype, unused_order;
    char buf[80];
    int rc;

    if (root->type != YAML_MAPPING_NODE)
        return fail(c, root, "the top level must be a mapping with dataset, strategies and "
                    "optionally name, output, run; got %s", describe(root, buf, sizeof buf));
    if ((rc = defaults(c, top_table, &tk)) || (rc = walk(c, &s, root)) ||
        (rc = require(c, &s, root, "dataset", "dataset: {rows: 1M, columns: [...]}")) ||
        (rc = require(c, &s, root, "strategies", "strategies: [whole-copy]")))
        return rc;
    if (given(&s, "name") && (rc = check_name(c, given(&s, "name"), tk.name)))
        return rc;
    if (tk.name[0])
        memcpy(cfg->name, tk.name, sizeof cfg->name);
    if ((rc = parse_dataset(c, given(&s, "dataset"), cfg)) || (rc = defaults(c, output_table, &ok)) ||
        (rc = parse_output(c, given(&s, "output"), "output", &ok, &unused_dtype, &unused_order)))
        return rc;
    cfg->out_dtype = output_dtypes[ok.dtype];
    cfg->out_order = output_orders[ok.order];
    if ((rc = parse_run(c, given(&s, "run"), cfg)))
        return rc;
    return parse_strategies(c, given(&s, "strategies"), cfg);
}

/* libyaml's own words and position; reader errors (bad UTF-8) carry only an offset. */
static int syntax_error(struct ctx *c, const yaml_parser_t *p)
{
    size_t line = p->problem_mark.line, col = p->problem_mark.column;

    if (p->error == YAML_MEMORY_ERROR)
        return fail_at(c, 0, 0, "out of memory while parsing; free some memory and retry");
    if (p->error == YAML_READER_ERROR) {
        line = col = 0;
        for (size_t i = 0; i < p->problem_offset && i < c->len; i++, col++)
            if (c->text[i] == '\n') {
                line++;
                col = (size_t)-1;
            }
    }
    if (p->context)
        return fail_at(c, line, col, "invalid YAML: %s %s (from line %zu); check the indentation, "
                       "colons, quotes and brackets here", p->problem ? p->problem : "error",
                       p->context, p->context_mark.line + 1);
    return fail_at(c, line, col, "invalid YAML: %s; check the indentation, colons, quotes and "
                   "brackets here", p->problem ? p->problem : "error");
}

/* A pass over the events before the document is built, which bounds what libyaml's loader
 * and scanner are given: 100k levels of '[' take the scanner minutes (its work per token
 * grows with the depth), and a flat list of millions of nodes takes gigabytes as a document.
 * Syntax errors come out here, with the same words the loader would give. */
static int check_shape(struct ctx *c)
{
    yaml_parser_t p;
    yaml_event_t ev;
    size_t depth = 0, nodes = 0;
    int rc = 0;

    if (!yaml_parser_initialize(&p))
        return fail_at(c, 0, 0, "out of memory while parsing; free some memory and retry");
    yaml_parser_set_input_string(&p, (const unsigned char *)c->text, c->len);
    for (;;) {
        yaml_event_type_t type;
        yaml_mark_t at;

        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(c, &p);
            break;
        }
        type = ev.type;
        at = ev.start_mark;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT)
            break;
        if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
            depth--;
            continue;
        }
        if (type != YAML_SCALAR_EVENT && type != YAML_ALIAS_EVENT &&
            type != YAML_SEQUENCE_START_EVENT && type != YAML_MAPPING_START_EVENT)
            continue;
        if (++nodes > MAX_NODES) {
            rc = fail_at(c, at.line, at.column, "more than %d values, lists and mappings; a "
                         "config is a page of text, check that this is the file you meant",
                         MAX_NODES);
            break;
        }
        if ((type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) &&
            ++depth > MAX_DEPTH) {
            rc = fail_at(c, at.line, at.column, "lists and mappings nested more than %d deep; "
                         "a config needs 4, look for an unclosed '[' or '{' or runaway "
                         "indentation here", MAX_DEPTH);
            break;
        }
    }
    yaml_parser_delete(&p);
    return rc;
}

int hw_config_parse(const char *name, const char *text, size_t len, struct hw_config *cfg,
                    char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    struct ctx c = {.file = name, .text = text, .len = len, .doc = &doc, .err = err,
                    .errlen = errlen};
    bool have_parser = false, have_doc = false;
    yaml_node_t *root;
    int rc;

    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->path, sizeof cfg->path, "%s", name);
    default_name(name, cfg->name, sizeof cfg->name);
    if ((rc = check_shape(&c)))
        goto out;
    if (!(have_parser = yaml_parser_initialize(&parser))) {
        rc = fail_at(&c, 0, 0, "out of memory while parsing; free some memory and retry");
        goto out;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!(have_doc = yaml_parser_load(&parser, &doc))) {
        rc = syntax_error(&c, &parser);
        goto out;
    }
    if (!(root = yaml_document_get_root_node(&doc))) {
        rc = fail_at(&c, 0, 0, "the file is empty; an experiment needs at least dataset and "
                     "strategies (see configs/quick.yaml)");
        goto out;
    }
    /* A second document would be silently ignored: the user meant it to count. */
    if (!yaml_parser_load(&parser, &extra)) {
        rc = syntax_error(&c, &parser);
        goto out;
    }
    root = yaml_document_get_root_node(&extra);
    if (root) {
        rc = fail_at(&c, root->start_mark.line, root->start_mark.column, "a second YAML "
                     "document; a config holds one experiment, put others in their own file");
        yaml_document_delete(&extra);
        goto out;
    }
    yaml_document_delete(&extra);
    rc = parse_root(&c, yaml_document_get_root_node(&doc), cfg);
out:
    if (have_doc)
        yaml_document_delete(&doc);
    if (have_parser)
        yaml_parser_delete(&parser);
    return rc;
}

/* Read it all before parsing, so messages can locate reader errors by offset too. */
int hw_config_read(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *grown;
    size_t cap = 0, used = 0;
    int rc = 2;

    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return 2;
    }
    for (;;) {
        size_t n;
        if (used == cap) {
            cap = cap ? cap * 2 : 4096;
            if (cap > MAX_FILE) {
                snprintf(err, errlen, "%s: cannot read: larger than %u MiB, not a config",
                         path, MAX_FILE >> 20);
                goto out;
            }
            if (!(grown = realloc(buf, cap))) {
                snprintf(err, errlen, "%s: cannot read: out of memory", path);
                goto out;
            }
            buf = grown;
        }
        n = fread(buf + used, 1, cap - used, f);
        used += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    *text = buf;
    *len = used;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    fclose(f);
    return rc;
}

int hw_config_load(const char *path, struct hw_config *cfg, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    memset(cfg, 0, sizeof *cfg);
    if ((rc = hw_config_read(path, &text, &len, err, errlen)) == 0)
        rc = hw_config_parse(path, text, len, cfg, err, errlen);
    free(text);
    return rc;
}

static const char *const allocator_names[] = {
    [HW_ALLOC_GLIBC] = "glibc", [HW_ALLOC_JEMALLOC] = "jemalloc", [HW_ALLOC_MIXED] = "mixed",
};

const char *hw_allocator_name(enum hw_allocator_kind k)
{
    return (size_t)k < sizeof allocator_names / sizeof allocator_names[0] ? allocator_names[k]
                                                                          : "unknown";
}

int hw_allocator_parse(const char *s, enum hw_allocator_kind *out)
{
    for (size_t i = 0; i < sizeof allocator_names / sizeof allocator_names[0]; i++)
        if (strcmp(s, allocator_names[i]) == 0) {
            *out = (enum hw_allocator_kind)i;
            return 0;
        }
    return -1;
}

int hw_config_check_tmpdir(const struct hw_config *cfg, char *err, size_t errlen)
{
    struct stat st;
    char where[PATH_MAX + 64];
    const char *why = NULL;
    if (cfg->tmpdir_line)
        snprintf(where, sizeof where, "%s:%zu:%zu: run.tmpdir", cfg->path, cfg->tmpdir_line,
                 cfg->tmpdir_col);
    else
        snprintf(where, sizeof where, "run.tmpdir (from $TMPDIR or /tmp)");
    if (stat(cfg->tmpdir, &st) != 0)
        why = errno == ENOENT ? "does not exist" : strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        why = "is not a directory";
    else if (access(cfg->tmpdir, W_OK | X_OK) != 0)
        why = "is not writable";
    if (!why)
        return 0;
    snprintf(err, errlen, "%s: %s %s; create it or set run.tmpdir to a writable directory",
             where, cfg->tmpdir, why);
    return 2;
}
