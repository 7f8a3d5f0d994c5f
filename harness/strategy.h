/* A strategy is one way of turning the source into the output, reproducing the allocation
 * lifetimes of the code it models. One file in strategies/, one line in strategies/list.h. */
#ifndef HW_STRATEGY_H
#define HW_STRATEGY_H
#include "options.h"
#include <stdbool.h>
#include <stddef.h>

struct hw_run;
struct hw_source;
struct hw_output;

struct hw_strategy {
    const char *name;          /* "chunked-vstack" */
    const char *summary;       /* one line for `highwater list` */
    const char *models;        /* the real code it reproduces */
    /* Pre-flight model, not the verdict: peak ~ model_source * S + model_peak * D bytes
     * (S = source bytes, D = output bytes). */
    double model_source;
    double model_peak;
    bool output_on_disk;              /* writes the output to a file in the run's tmpdir */
    bool streams_source;              /* reads the source on demand: the worker loads nothing */
    const struct hw_option *params;   /* NULL-name-terminated, or NULL: no params */
    size_t params_size;               /* the struct the params table describes */
    int (*run)(struct hw_run *run, struct hw_source *src, struct hw_output *out);
};

const struct hw_strategy *hw_strategy_find(const char *name);
size_t hw_strategy_count(void);
const struct hw_strategy *hw_strategy_at(size_t i);
/* "whole-copy, fused-single-pass, ..." */
const char *hw_strategy_names(char *buf, size_t len);
/* 0, or -1 with err naming what is missing (a name, a run, a model, a params size). */
int hw_strategy_check(const struct hw_strategy *s, char *err, size_t errlen);

#endif
