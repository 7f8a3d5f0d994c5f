/* `highwater run`: the parent. It never touches the data: it plans the runs, checks each
 * against the memory limit before it starts, runs each in a fresh worker process, samples
 * the worker's RSS, kills it if it passes the limit, and rewrites the report after every run. */
#ifndef HW_RUNNER_H
#define HW_RUNNER_H
#include "run_opts.h"

/* The process exit code: 0 done, 1 a budget failed, 2 bad input, 3 could not run,
 * 130 interrupted. */
int hw_runner(const struct hw_run_opts *o);
/* `highwater spec`: the spec of the first run the options select, as JSON on stdout, for
 * running one worker by hand (`highwater worker SPEC.json`, e.g. under /usr/bin/time -v).
 * Exit code as above. (spec_cmd.c) */
int hw_runner_spec(const struct hw_run_opts *o);

#endif
