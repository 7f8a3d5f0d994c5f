/* `highwater run`: the parent. It never touches the data: it plans the runs, checks each
 * against the memory limit before it starts, runs each in a fresh worker process, samples
 * the worker's RSS, kills it if it passes the limit, and rewrites the report after every run. */
#ifndef HW_RUNNER_H
#define HW_RUNNER_H
#include <stdbool.h>
#include <stdint.h>

struct hw_run_opts {
    char config[4096];
    char report[4096];        /* -o; "" = results/runs/<experiment>-<timestamp>.json */
    char strategies[256];     /* --strategies a,b (names or labels); "" = all */
    char allocators[256];     /* --allocators glibc,jemalloc; "" = the config's */
    uint64_t rows;            /* --rows; 0 = the config's */
    uint64_t repeat;          /* --repeat; 0 = the config's */
    bool no_phase_reset;
    bool no_timeline;         /* reports without timelines: small files for baselines */
    char html[4096];          /* --html: also write the HTML view here */
    char plan[4096];          /* --plan: pre-flight from this plan's fits, not the models */
    char fidelity[4096];      /* --fidelity: each run gains its model's distance to the real library */
    bool dry_run;             /* print the runs and their pre-flight verdicts, run nothing */
    bool verbose;
};

/* The process exit code: 0 done, 1 a budget failed, 2 bad input, 3 could not run,
 * 130 interrupted. */
int hw_runner(const struct hw_run_opts *o);
/* `highwater spec`: the spec of the first run the options select, as JSON on stdout, for
 * running one worker by hand (`highwater worker SPEC.json`, e.g. under /usr/bin/time -v).
 * Exit code as above. */
int hw_runner_spec(const struct hw_run_opts *o);

#endif
