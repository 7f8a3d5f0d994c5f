/* A strategy is one way of turning the source into the output, reproducing the allocation
 * lifetimes of the code it models. One file in strategies/, one line in strategies/list.h. */
#ifndef HW_STRATEGY_H
#define HW_STRATEGY_H
#include "options.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A strategy's params struct, parsed once by the config through the strategy's table and
 * held inline, so a config entry and a spec stay plain values: copied, never freed.
 * hw_strategy_check holds every params_size to it. */
#define HW_PARAMS_MAX_BYTES 1024
struct hw_params {
    _Alignas(max_align_t) unsigned char bytes[HW_PARAMS_MAX_BYTES];
};

struct hw_run;
struct hw_source;
struct hw_output;

/* What a run will need, for the pre-flight check: in, the sizes; out, the predicted peak
 * RSS, the bytes it writes to its tmpdir, and the model in words for a skip reason. */
struct hw_estimate {
    double rows, source_bytes, output_bytes;
    double peak_bytes;
    double disk_bytes;
    char model[160];
};

/* A difference from the real library that a mechanism the model leaves out explains: the
 * phases it shows in (names separated by spaces; "run" for the run's peak), the band of
 * model-minus-real differences in D that was measured for it, why, and the allocator it was
 * measured under (NULL: either). highwater fidelity excuses a difference beyond its tolerance
 * only inside a band that names its phase and allocator. */
struct hw_fidelity_gap {
    const char *phases;
    double low_d, high_d;
    const char *why;
    const char *allocator;
};

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
    /* The real-library twin (scripts/twins/<twin>/<name>.js for "polars", .py for "pandas")
     * that `highwater fidelity` runs beside the model; NULL when the strategy models no
     * library code, and then no_twin says why. */
    const char *twin;
    const char *no_twin;
    /* The differences from the twin that the model cannot close ({0}-ended, or NULL). */
    const struct hw_fidelity_gap *fidelity_gaps;
    /* Optional: a model that depends on the params (an evicting memmap needs far less). */
    void (*estimate)(const void *params, struct hw_estimate *e);
};

const struct hw_strategy *hw_strategy_find(const char *name);
size_t hw_strategy_count(void);
const struct hw_strategy *hw_strategy_at(size_t i);
/* "whole-copy, fused-single-pass, ..." */
const char *hw_strategy_names(char *buf, size_t len);
/* The pre-flight estimate: the strategy's own, or model_source * S + model_peak * D. */
void hw_strategy_estimate(const struct hw_strategy *s, const void *params, struct hw_estimate *e);
/* What a strategy's run and estimate read: p's bytes as its params struct, or NULL for a
 * strategy without params. */
static inline const void *hw_strategy_params(const struct hw_strategy *s, const struct hw_params *p)
{
    return s->params_size ? p->bytes : NULL;
}
/* The gap of s that names phase (or "run") and allocator and whose band holds diff_d, or NULL. */
const struct hw_fidelity_gap *hw_strategy_gap(const struct hw_strategy *s, const char *phase,
                                              const char *allocator, double diff_d);
/* 0, or -1 with err naming what is missing (a name, a run, a model, a params size that
 * holds its table's rows and fits struct hw_params). */
int hw_strategy_check(const struct hw_strategy *s, char *err, size_t errlen);

#endif
