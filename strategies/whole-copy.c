/* stub: filled in below */
#include "strategy.h"
#include "run.h"
static int run_whole_copy(struct hw_run *run, struct hw_source *src, struct hw_output *out)
{
    (void)src; (void)out;
    return hw_run_fail(run, "not implemented");
}
const struct hw_strategy hw_strategy_whole_copy = {
    .name = "whole-copy", .summary = "stub", .models = "stub",
    .model_source = 1, .model_peak = 1, .run = run_whole_copy,
};
