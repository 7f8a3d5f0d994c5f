/* `highwater fidelity`: every model beside its real-library twin. The source is exported once
 * (highwater dataset) into a temp directory; each strategy runs as a model (`highwater run`,
 * a worker of its own) and its twin runs on the same cells under the same allocator
 * (`highwater exec -- node|python3 scripts/twins/...`), each in a child process of this one.
 * The result is a highwater.fidelity/1 report (report/fidelity_report.h: the comparison,
 * the verdict, what a run keeps of it), shown by views/fidelity_views.h. */
#ifndef HW_FIDELITY_H
#define HW_FIDELITY_H
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
/* The report this command writes, for its callers (runner.c folds it into run reports). */
#include "fidelity_report.h"

struct hw_fidelity_opts {
    char config[PATH_MAX];
    char out[PATH_MAX];          /* -o; "" = results/runs/fidelity-<name>-<time>.json */
    char html[PATH_MAX];
    char data[PATH_MAX];         /* --data: keep the exported source here (reused when current) */
    char strategies[256];
    char allocators[256];        /* default glibc,jemalloc (the twins' two allocators) */
    uint64_t rows;
    double tolerance;            /* in D */
    bool verbose;
};

/* Exit code: 0 every model within the tolerance of its twin or its gap explained, 1 a model
 * off by more with no reason given, 2 bad input, 3 could not run (no node, no pandas, ...). */
int hw_fidelity(const struct hw_fidelity_opts *o);

#endif
