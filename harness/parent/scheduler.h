/* Which scheduler task this run is, read from the environment the scheduler gives its tasks
 * (Slurm's SLURM_JOB_ID, a Kubernetes Indexed Job's JOB_COMPLETION_INDEX, GitHub Actions'
 * GITHUB_RUN_ID): recorded in the report so that a merge can match each shard to the
 * scheduler's own accounting of it (sacct's MaxRSS of that job's batch step). */
#ifndef HW_SCHEDULER_H
#define HW_SCHEDULER_H
#include <cjson/cJSON.h>

/* {engine, the engine's ids as strings} for the first engine whose marker variable is set,
 * or NULL when none is (or out of memory). getenv_fn: getenv, or a test's table. */
cJSON *hw_scheduler_json(char *(*getenv_fn)(const char *));

#endif
