/* stub: filled in below */
#include "strategy.h"
#include "run.h"
#include <stddef.h>
#include <stdint.h>
struct params { uint64_t chunk_rows; int median; };
static const struct hw_option params[] = {
    {"chunk_rows", HW_OPT_COUNT, offsetof(struct params, chunk_rows), "10k", 1, 1e12, NULL,
     "rows per slice (Polars iter_slices n_rows)"},
    {"median", HW_OPT_ENUM, offsetof(struct params, median), "global", 0, 0, "global|local",
     "global: whole-column medians; local: each slice's own (differs from the reference)"},
    {0},
};
static int run_chunked_vstack(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    (void)src; (void)out;
    return hw_run_fail(run, "not implemented");
}
const struct hw_strategy hw_strategy_chunked_vstack = {
    .name = "chunked-vstack", .summary = "stub", .models = "stub",
    .model_source = 1, .model_peak = 2, .params = params, .params_size = sizeof(struct params),
    .run = run_chunked_vstack,
};
