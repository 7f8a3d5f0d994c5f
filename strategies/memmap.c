/* stub: filled in below */
#include "strategy.h"
#include "run.h"
#include <stddef.h>
#include <stdint.h>
struct params { uint64_t chunk_rows; bool evict; };
static const struct hw_option params[] = {
    {"chunk_rows", HW_OPT_COUNT, offsetof(struct params, chunk_rows), "10k", 1, 1e12, NULL,
     "rows per slice written into the mapping"},
    {"evict", HW_OPT_BOOL, offsetof(struct params, evict), "false", 0, 0, NULL,
     "msync and drop written pages behind the write front"},
    {0},
};
static int run_memmap(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    (void)src; (void)out;
    return hw_run_fail(run, "not implemented");
}
const struct hw_strategy hw_strategy_memmap = {
    .name = "memmap", .summary = "stub", .models = "stub",
    .model_source = 1, .model_peak = 1, .params = params, .params_size = sizeof(struct params),
    .run = run_memmap,
};
