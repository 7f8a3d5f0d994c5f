/* What the three files of `highwater fidelity` share (the command's one public header is
 * fidelity.h): fidelity.c is the command's flow (options, the data, the order of the steps,
 * the clean-up), fidelity_children.c the children it runs through the supervisor (the twins'
 * preparation, the models' `highwater run`, each twin's `highwater exec`), fidelity_entries.c
 * the report it assembles (its head, one entry per strategy and allocator). */
#ifndef HW_FIDELITY_INTERNAL_H
#define HW_FIDELITY_INTERNAL_H
#include "fidelity.h"
#include "config.h"
#include "strategy.h"
#include <cjson/cJSON.h>

struct hw_fid {
    const struct hw_fidelity_opts *o;
    struct hw_config cfg;
    char self[PATH_MAX], twins[PATH_MAX], dir[PATH_MAX];
    bool own_dir;
    char polars_version[64], pandas_version[64], node_version[64];
    bool have_node, have_pandas;
    char no_twin[HW_MAX_STRATEGIES][512];   /* a twin's "no twin: REASON" for these params */
    char allocs[256];                        /* --allocators, or both of the twins' */
    char names[4096];                        /* the strategies with a twin, for one model run */
};

/* ---- fidelity.c ---- */

/* Whether --strategies selects sc (by label or strategy name; all when it is empty). */
bool hw_fid_selected(const struct hw_fidelity_opts *o, const struct hw_strategy_cfg *sc);

/* ---- fidelity_children.c ---- */

/* Where scripts/twins is, then which twin libraries this machine has (and their versions). */
void hw_fid_find_twins(struct hw_fid *F);
void hw_fid_probe_libraries(struct hw_fid *F);
/* Why this strategy's twin cannot run here, or NULL; path gets the twin's file. */
const char *hw_fid_twin_unavailable(const struct hw_fid *F, const struct hw_strategy_cfg *sc, char *path,
                                    size_t len);
/* The twins' unmeasured preparation; F->names gains each strategy that has a twin. 0, or -1
 * after one line on stderr. */
int hw_fid_prepare_twins(struct hw_fid *F);
/* Every model in one `highwater run` into *model. 0, or -1 after one line on stderr. */
int hw_fid_run_models(struct hw_fid *F, cJSON **model);
/* sc's twin under alloc through `highwater exec`, its report into *twin: 0; 1 when a signal
 * came (nothing to say); -1 with err. */
int hw_fid_run_twin(const struct hw_fid *F, const struct hw_strategy_cfg *sc, const char *alloc,
                    const char *script, int idx, cJSON **twin, char *err, size_t len);

/* ---- fidelity_entries.c ---- */

/* The report's head: the config, the dataset (with its keys), the libraries, the tolerance. */
cJSON *hw_fid_report_head(const struct hw_fid *F);
/* One entry per selected strategy and allocator into entries: compared, or why not. Returns
 * how many are off with no stated reason (or could not be compared). */
int hw_fid_compare_all(struct hw_fid *F, const cJSON *model, cJSON *entries);

#endif
