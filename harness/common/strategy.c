#include "strategy.h"
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#define HW_STRATEGY(id) extern const struct hw_strategy hw_strategy_##id;
#include "list.h"
#undef HW_STRATEGY

static const struct hw_strategy *const registry[] = {
#define HW_STRATEGY(id) &hw_strategy_##id,
#include "list.h"
#undef HW_STRATEGY
};

size_t hw_strategy_count(void) { return sizeof registry / sizeof registry[0]; }

const struct hw_strategy *hw_strategy_at(size_t i)
{
    return i < hw_strategy_count() ? registry[i] : NULL;
}

const struct hw_strategy *hw_strategy_find(const char *name)
{
    for (size_t i = 0; i < hw_strategy_count(); i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const char *hw_strategy_names(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < hw_strategy_count() && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", registry[i]->name);
    return buf;
}

/* Every row of the params table lies inside params_size: the struct is held in
 * struct hw_params, and a row past its end would write past the buffer. */
static bool rows_fit(const struct hw_strategy *s)
{
    for (const struct hw_option *o = s->params; o && o->name; o++)
        if (o->offset > s->params_size || hw_option_size(o->type) > s->params_size - o->offset)
            return false;
    return true;
}

int hw_strategy_check(const struct hw_strategy *s, char *err, size_t errlen)
{
    const char *missing = NULL;
    if (!s->name || !s->name[0])
        missing = "a name";
    else if (!s->run)
        missing = "a run function";
    else if (!s->summary || !s->models)
        missing = "a summary and the code it models";
    else if (!(s->model_peak >= 0 && s->model_source >= 0 && s->model_peak + s->model_source > 0))
        missing = "a pre-flight model (model_source, model_peak >= 0, not both 0)";
    else if ((s->params != NULL) != (s->params_size > 0))
        missing = "a params table together with its params_size";
    else if (s->params_size > HW_PARAMS_MAX_BYTES || !rows_fit(s))
        missing = "params_size that holds every row of its table, at most HW_PARAMS_MAX_BYTES";
    else if (!s->twin == !s->no_twin)
        missing = "twin (\"polars\" or \"pandas\") or no_twin (why none), exactly one";
    else if (s->twin && strcmp(s->twin, "polars") != 0 && strcmp(s->twin, "pandas") != 0)
        missing = "twin of a known library (\"polars\" or \"pandas\")";
    for (const struct hw_fidelity_gap *g = s->fidelity_gaps; !missing && g && g->phases; g++)
        if (!g->phases[0] || !g->why || !g->why[0] || !(g->low_d <= g->high_d))
            missing = "well-formed fidelity gap (phases, low_d <= high_d, why)";
    if (missing) {
        snprintf(err, errlen, "strategy '%s' has no %s; fix its definition in strategies/",
                 s->name ? s->name : "(unnamed)", missing);
        return -1;
    }
    return 0;
}

/* Is name one of the space-separated words of list? */
static bool names_phase(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " ");
        if (w == n && strncmp(p, name, n) == 0)
            return true;
        p += w;
    }
    return false;
}

const struct hw_fidelity_gap *hw_strategy_gap(const struct hw_strategy *s, const char *phase,
                                              const char *allocator, double diff_d)
{
    for (const struct hw_fidelity_gap *g = s->fidelity_gaps; g && g->phases; g++)
        if (names_phase(g->phases, phase) && (!g->allocator || strcmp(g->allocator, allocator) == 0) &&
            diff_d >= g->low_d && diff_d <= g->high_d)
            return g;
    return NULL;
}

void hw_strategy_estimate(const struct hw_strategy *s, const void *params, struct hw_estimate *e)
{
    e->peak_bytes = s->model_source * e->source_bytes + s->model_peak * e->output_bytes;
    e->disk_bytes = s->output_on_disk ? e->output_bytes : 0;
    snprintf(e->model, sizeof e->model, "%.2f x source + %.2f x output", s->model_source, s->model_peak);
    if (s->estimate)
        s->estimate(params, e);
}
