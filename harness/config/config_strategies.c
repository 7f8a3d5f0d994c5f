/* The strategies section: each entry's strategy, label, expect, budget, params (parsed
 * once by the strategy's own table into its params struct, and kept as written for the
 * label and the report) and output override. */
#include "config_sections.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct strategy_keys { char name[HW_STR_MAX], label[HW_STR_MAX]; struct hw_size expect, container_limit; };
static const struct hw_option strategy_table[] = {
    {"name", HW_OPT_STRING, offsetof(struct strategy_keys, name), NULL, 0, 0, NULL,
     "a strategy from `highwater list`"},
    {"label", HW_OPT_STRING, offsetof(struct strategy_keys, label), NULL, 0, 0, NULL,
     "the entry's name in reports and gates (default: the name and its params); keep it "
     "when tuning params to compare before and after"},
    {"expect", HW_OPT_SIZE, offsetof(struct strategy_keys, expect), NULL, 0, 0, NULL,
     "what the team believes the peak is: 2.0x the output, or bytes"},
    {"container_limit", HW_OPT_SIZE, offsetof(struct strategy_keys, container_limit), NULL, 0, 0, NULL,
     "this strategy's memory cgroup limit, overriding run.container_limit: 1.2x, or bytes"},
    {0},
};
/* budget: 2.2x, or budget: {peak: 2.2x}: the mapping leaves room for budgets on other
 * figures (wall time) without another syntax. */
static const struct hw_option budget_table[] = {
    {"peak", HW_OPT_SIZE, offsetof(struct hw_strategy_cfg, budget), NULL, 0, 0, NULL,
     "the most peak RSS the run and the CI gate allow: 2.5x the output, or bytes"},
    {"container", HW_OPT_SIZE, offsetof(struct hw_strategy_cfg, container_budget), NULL, 0, 0, NULL,
     "the container limit the run must survive (run under it; killed: exit 1): 1.2x, or bytes"},
    {0},
};
static const struct hw_option strategy_nested[] = {
    {.name = "budget", .help = "the most the gate allows: 2.2x, or {peak: 2.2x, container: 1.5x}"},
    {.name = "params", .help = "the strategy's own params"},
    {.name = "output", .help = "this strategy's output dtype/order, overriding the experiment's"},
    {0},
};

static int unknown_strategy(struct hw_yctx *c, const yaml_node_t *at, const char *name)
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
        rc = hw_yfail(c, at, "unknown strategy '%s'; did you mean '%s'? known: %s", name, close,
                      known);
    else
        rc = hw_yfail(c, at, "unknown strategy '%s'; known: %s", name, known);
    free(names);
    return rc;
}

/* Into sc->typed through the strategy's table (its defaults are already there), and as
 * written into sc->params. */
static int parse_params(struct hw_yctx *c, yaml_node_t *map, const char *path,
                        struct hw_strategy_cfg *sc)
{
    const struct hw_strategy *st = sc->strategy;
    char params_path[96], owner[96];
    struct hw_yscope s = {.path = params_path, .owner = owner, .noun = "param",
                          .list_always = true, .keys = st->params, .base = sc->typed.bytes};
    int rc;

    snprintf(params_path, sizeof params_path, "%s.params", path);
    snprintf(owner, sizeof owner, "for %s", st->name);
    if (!st->params)
        return hw_yfail(c, map, "%s: %s takes no params; remove params", params_path, st->name);
    if ((rc = hw_ywalk(c, &s, map)))
        return rc;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        struct hw_param_kv *kv = &sc->params[sc->nparams];
        const char *k = hw_yvalue(hw_ynode(c, p->key)), *v = hw_yvalue(hw_ynode(c, p->value));
        if (sc->nparams == HW_MAX_PARAMS)
            return hw_yfail(c, hw_ynode(c, p->key), "%s: more than %d params; remove some", params_path,
                            HW_MAX_PARAMS);
        if (strlen(k) >= sizeof kv->key || strlen(v) >= sizeof kv->value)
            return hw_yfail(c, hw_ynode(c, p->value), "%s.%s: the value is longer than %zu characters; "
                            "shorten it", params_path, k, sizeof kv->value - 1);
        snprintf(kv->key, sizeof kv->key, "%s", k);
        snprintf(kv->value, sizeof kv->value, "%s", v);
        sc->nparams++;
    }
    return 0;
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
static int build_label(struct hw_yctx *c, const yaml_node_t *at, const char *path,
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
        return hw_yfail(c, at, "%s: its label (name, params, output) is longer than %zu "
                        "characters; shorten the param values", path, sizeof l.buf - 1);
    memcpy(sc->label, l.buf, sizeof sc->label);
    return 0;
}

static int parse_budget(struct hw_yctx *c, yaml_node_t *at, const char *owner_path,
                        struct hw_strategy_cfg *sc)
{
    char path[96], owner[112];
    struct hw_yscope s = {.path = path, .owner = owner, .noun = "key", .keys = budget_table,
                          .base = sc};
    int rc;

    snprintf(path, sizeof path, "%s.budget", owner_path);
    snprintf(owner, sizeof owner, "in %s", path);
    if (at->type == YAML_SCALAR_NODE) {
        /* The short form is the peak row alone, through the same parser and messages. */
        struct hw_yscope bare = {.path = owner_path, .owner = owner, .noun = "key",
                                 .keys = budget_table, .base = sc};
        struct hw_option opt = budget_table[0];
        opt.name = "budget";
        if ((rc = hw_yscope_init(c, &bare, at)) || (rc = hw_yset_scalar(c, &bare, &opt, at)))
            return rc;
        sc->has_budget = true;
        return 0;
    }
    if ((rc = hw_ywalk(c, &s, at)))
        return rc;
    sc->has_budget = hw_ygiven(&s, "peak") != NULL;
    sc->has_container_budget = hw_ygiven(&s, "container") != NULL;
    if (!sc->has_budget && !sc->has_container_budget)
        return hw_yfail(c, at, "%s: expected peak or container (or both), e.g. {peak: 2.2x, container: 1.5x}",
                        path);
    return 0;
}

static int strategy_keys_of(struct hw_yctx *c, yaml_node_t *item, struct hw_yscope *s,
                            yaml_node_t **name_at)
{
    char buf[80];
    int rc;

    if (item->type == YAML_SCALAR_NODE) {
        /* A bare name: the name row alone, through the same parser. */
        char why[320];
        *name_at = item;
        if (hw_option_set(&strategy_table[0], s->base, hw_yvalue(item), why, sizeof why) != 0)
            return hw_yfail(c, item, "%s: %s", s->path, why);
        return hw_yscope_init(c, s, item);
    }
    if (item->type != YAML_MAPPING_NODE)
        return hw_yfail(c, item, "%s: expected a strategy name or {name: chunked-vstack, expect: "
                        "1.25x, ...}, got %s", s->path, hw_ydescribe(item, buf, sizeof buf));
    if ((rc = hw_ywalk(c, s, item)) || (rc = hw_yrequire(c, s, item, "name", "name: whole-copy")))
        return rc;
    *name_at = hw_ygiven(s, "name");
    return 0;
}

static int parse_strategy(struct hw_yctx *c, yaml_node_t *item, size_t i, struct hw_config *cfg,
                          struct hw_strategy_cfg *sc)
{
    char path[64], owner[80], out_path[80], why[256];
    struct strategy_keys sk;
    struct hw_yscope s = {.path = path, .owner = owner, .noun = "key", .keys = strategy_table,
                          .nested = strategy_nested, .base = &sk};
    yaml_node_t *name_at = NULL;
    bool dtype_given, order_given;
    int rc;

    snprintf(path, sizeof path, "strategies[%zu]", i);
    snprintf(owner, sizeof owner, "in %s", path);
    snprintf(out_path, sizeof out_path, "%s.output", path);
    if ((rc = hw_ydefaults(c, strategy_table, &sk)) || (rc = strategy_keys_of(c, item, &s, &name_at)))
        return rc;
    if (!(sc->strategy = hw_strategy_find(sk.name)))
        return unknown_strategy(c, name_at, sk.name);
    /* Every entry gets its params struct, the defaults alone when it gives no params; a
     * definition whose struct would not fit sc->typed is refused before anything is set. */
    if (hw_strategy_check(sc->strategy, why, sizeof why) != 0)
        return hw_yfail(c, name_at, "%s", why);
    if (sc->strategy->params && (rc = hw_ydefaults(c, sc->strategy->params, sc->typed.bytes)))
        return rc;
    sc->has_expect = hw_ygiven(&s, "expect") != NULL;
    sc->expect = sk.expect;
    sc->has_container_limit = hw_ygiven(&s, "container_limit") != NULL;
    sc->container_limit = sk.container_limit;
    if (hw_ygiven(&s, "budget") && (rc = parse_budget(c, hw_ygiven(&s, "budget"), path, sc)))
        return rc;
    if (hw_ygiven(&s, "params") && (rc = parse_params(c, hw_ygiven(&s, "params"), path, sc)))
        return rc;
    sc->out_dtype = cfg->out_dtype;
    sc->out_order = cfg->out_order;
    if ((rc = hw_config_output(c, hw_ygiven(&s, "output"), out_path, false, &sc->out_dtype,
                               &sc->out_order, &dtype_given, &order_given)))
        return rc;
    if (hw_ygiven(&s, "label")) {
        if (!sk.label[0])
            return hw_yfail(c, hw_ygiven(&s, "label"), "%s.label: expected a name, got nothing", path);
        memcpy(sc->label, sk.label, sizeof sc->label);
        return 0;
    }
    return build_label(c, item, path, sc, dtype_given, order_given);
}

int hw_config_strategies(struct hw_yctx *c, yaml_node_t *list, struct hw_config *cfg)
{
    int rc;

    if ((rc = hw_yexpect_list(c, list, "strategies", "strategies", "[whole-copy, chunked-vstack]",
                              HW_MAX_STRATEGIES)))
        return rc;
    for (yaml_node_item_t *it = list->data.sequence.items.start;
         it < list->data.sequence.items.top; it++) {
        struct hw_strategy_cfg *sc = &cfg->strategies[cfg->nstrategies];
        yaml_node_t *item = hw_ynode(c, *it);
        if ((rc = parse_strategy(c, item, cfg->nstrategies, cfg, sc)))
            return rc;
        for (uint32_t j = 0; j < cfg->nstrategies; j++)
            if (strcmp(cfg->strategies[j].label, sc->label) == 0)
                return hw_yfail(c, item, "strategies[%u]: '%s' is listed twice (also "
                                "strategies[%u]); change its params or remove one",
                                cfg->nstrategies, sc->label, j);
        cfg->nstrategies++;
    }
    return 0;
}

