/* The dataset section: rows, seed and the column groups (dtype, count, null/inf/nan rates). */
#include "config_sections.h"
#include <stdio.h>

#define ROWS_ABSURD   ((double)HW_ROWS_MAX)

/* Straight into the dataset; cols is only a check, read before the groups set the sum. */
static const struct hw_option dataset_table[] = {
    {"rows", HW_OPT_COUNT, offsetof(struct hw_dataset, rows), NULL, 1, ROWS_ABSURD, NULL,
     "rows of the source: 70M at full scale, 1M for a quick run, more than 1T is absurd"},
    /* Below 2^53: reports and specs carry it as a JSON number, exact only that far. */
    {"seed", HW_OPT_UINT, offsetof(struct hw_dataset, seed), "42", 0, 9007199254740991.0, NULL,
     "the same seed gives the same table, cell for cell"},
    {"cols", HW_OPT_U32, offsetof(struct hw_dataset, cols), NULL, 1, HW_MAX_COLS, NULL,
     "optional check: the column groups' counts must add up to it"},
    {"all_null_columns", HW_OPT_U32, offsetof(struct hw_dataset, all_null_columns), "0", 0,
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
static int check_group(struct hw_yctx *c, const struct hw_yscope *s, const yaml_node_t *item,
                       const struct hw_col_group *g)
{
    static const char *const rate_keys[] = {"inf_rate", "nan_rate"};
    double sum = g->null_rate + g->inf_rate + g->nan_rate;

    /* Given at all, even as 0, on an integer group: the author misread the schema. */
    for (size_t i = 0; i < 2 && !hw_dtype_is_float(g->dtype); i++)
        if (hw_ygiven(s, rate_keys[i]))
            return hw_yfail(c, hw_ygiven_key(s, rate_keys[i]),
                            "%s.%s: %s columns cannot hold inf or NaN; remove it (inf_rate and "
                            "nan_rate apply to f64 and f32 only)",
                            s->path, rate_keys[i], hw_dtype_name(g->dtype));
    if (sum > 1 + 1e-9)
        return hw_yfail(c, item, "%s: null_rate + inf_rate + nan_rate is %g, more than 1; lower them",
                        s->path, sum);
    return 0;
}

static int parse_group(struct hw_yctx *c, yaml_node_t *item, size_t i, struct hw_col_group *g)
{
    char path[64], owner[80];
    struct group_keys gk;
    struct hw_yscope s = {.path = path, .owner = owner, .noun = "key", .keys = group_table,
                          .base = &gk};
    int rc;

    snprintf(path, sizeof path, "dataset.columns[%zu]", i);
    snprintf(owner, sizeof owner, "in %s", path);
    if ((rc = hw_ydefaults(c, group_table, &gk)) || (rc = hw_ywalk(c, &s, item)) ||
        (rc = hw_yrequire(c, &s, item, "dtype", "dtype: f32")) ||
        (rc = hw_yrequire(c, &s, item, "count", "count: 4")))
        return rc;
    *g = (struct hw_col_group){
        .dtype = source_dtypes[gk.dtype], .count = (uint32_t)gk.count,
        .null_rate = gk.null_rate, .inf_rate = gk.inf_rate, .nan_rate = gk.nan_rate,
    };
    return check_group(c, &s, item, g);
}

static int parse_columns(struct hw_yctx *c, yaml_node_t *list, struct hw_dataset *ds)
{
    const char *example = "[{dtype: f32, count: 114}]";
    yaml_node_item_t *it;
    uint64_t total = 0;
    int rc;

    if ((rc = hw_yexpect_list(c, list, "dataset.columns", "column groups", example, HW_MAX_GROUPS)))
        return rc;
    for (it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
        struct hw_col_group *g = &ds->groups[ds->ngroups];
        if ((rc = parse_group(c, hw_ynode(c, *it), ds->ngroups, g)))
            return rc;
        total += g->count;
        ds->ngroups++;
    }
    if (total > HW_MAX_COLS)
        return hw_yfail(c, list, "dataset.columns: the groups add up to %llu columns, more than %d; "
                        "lower some counts", (unsigned long long)total, HW_MAX_COLS);
    ds->cols = (uint32_t)total;
    return 0;
}

int hw_config_dataset(struct hw_yctx *c, yaml_node_t *map, struct hw_config *cfg)
{
    struct hw_dataset *ds = &cfg->ds;
    struct hw_yscope s = {.path = "dataset", .owner = "in dataset", .noun = "key",
                          .keys = dataset_table, .nested = dataset_nested, .base = ds};
    uint32_t cols;
    int rc;

    if ((rc = hw_ydefaults(c, dataset_table, ds)) || (rc = hw_ywalk(c, &s, map)) ||
        (rc = hw_yrequire(c, &s, map, "rows", "rows: 1M")) ||
        (rc = hw_yrequire(c, &s, map, "columns", "columns: [{dtype: f32, count: 114}]")))
        return rc;
    cols = ds->cols;
    if ((rc = parse_columns(c, hw_ygiven(&s, "columns"), ds)))
        return rc;
    if (hw_ygiven(&s, "cols") && cols != ds->cols)
        return hw_yfail(c, hw_ygiven(&s, "cols"),
                        "dataset.cols is %llu but the column groups add up to %u; fix a group's "
                        "count or cols", (unsigned long long)cols, ds->cols);
    if (ds->all_null_columns > ds->cols)
        return hw_yfail(c, hw_ygiven(&s, "all_null_columns"),
                        "dataset.all_null_columns is %llu but there are only %u columns; use at "
                        "most %u", (unsigned long long)ds->all_null_columns, ds->cols, ds->cols);
    return 0;
}
