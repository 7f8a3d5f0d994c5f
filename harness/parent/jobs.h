/* The job list of `run` and `spec`: the config with the command line's overrides and filters
 * applied, one job per strategy x allocator x repetition it selects, and each job's spec. */
#ifndef HW_JOBS_H
#define HW_JOBS_H
#include "config.h"
#include "run_opts.h"
#include "spec.h"
#include <stdint.h>

/* One planned run. */
struct hw_job {
    const struct hw_strategy_cfg *sc;
    const struct hw_allocator_cfg *ac;
    uint32_t repeat;
    uint32_t index;            /* its place in the full list: the report's job_index */
    uint64_t output_bytes;
    double predicted;          /* pre-flight (preflight.h) */
    char skip[512];            /* "" = it runs */
};

/* Read and parse o->config (the same bytes into *text, for the report's hash), apply --rows,
 * --repeat and --allocators, check the --strategies / --allocators names. 0, or the exit
 * code (2 bad input, 3) after a message on stderr. *cfg and *text are the caller's either way. */
int hw_jobs_config(const struct hw_run_opts *o, struct hw_config **cfg, char **text, size_t *text_len);
/* Every job the config and the --strategies filter ("" = all) select, in config order;
 * calloc'ed (at least one element, so NULL means out of memory). */
struct hw_job *hw_jobs_list(const struct hw_config *cfg, const char *strategies, uint32_t *njobs);
/* The worker's spec for job j (no reference: the caller adds one it has). */
void hw_job_spec(const struct hw_job *j, const struct hw_config *cfg, bool phase_reset, const char *tmpdir,
                 struct hw_spec *spec);

#endif
