/* The options of `highwater run` and `highwater spec`, apart from the commands (runner.h) so
 * that the modules a run is made of (jobs.h) read them without including the runner. */
#ifndef HW_RUN_OPTS_H
#define HW_RUN_OPTS_H
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
    bool find_limit;          /* then each job's smallest surviving container limit (find_limit.h) */
    bool verbose;
    char shard[256];          /* --shard K/N; "" = the whole list (shard.h) */
    bool shard_memory;        /* print the shard's predicted step peak in bytes, run nothing */
    uint64_t jobs;            /* -j: workers at once; 0 = one per CPU this process may use */
    bool recalibrate;         /* measure the host again, not from the helper cache, and rewrite it */
};

#endif
