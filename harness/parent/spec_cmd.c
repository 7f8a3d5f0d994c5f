/* `highwater spec` (runner.h): the first selected job's spec (of --shard K/N's jobs, when
 * given), as a run would send it, but without a reference (none is computed) and with
 * run.tmpdir itself as its directory. */
#include "runner.h"
#include "jobs.h"
#include "preflight.h"
#include "shard.h"
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

/* Only the shard's jobs, chosen as run chooses them (the predictions need no limit). 0, or
 * the exit code after a message. */
static int spec_shard(const struct hw_run_opts *o, const struct hw_config *cfg, struct hw_job *jobs, uint32_t *njobs)
{
    struct hw_shard s;
    char err[256];
    if (o->shard_memory) {
        fprintf(stderr, "highwater spec: --shard-memory is for run; e.g. highwater run %s --shard-memory\n",
                o->config);
        return 2;
    }
    if (!o->shard[0])
        return 0;
    if (hw_shard_parse(o->shard, &s, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: %s\n", err);
        return 2;
    }
    struct hw_preflight pf = {.limit = UINT64_MAX, .limit_text = "none"};
    for (uint32_t i = 0; i < *njobs; i++)
        hw_preflight_job(&jobs[i], cfg, &pf);
    return hw_shard_select(jobs, njobs, &s) != 0 ? 3 : 0;
}

int hw_runner_spec(const struct hw_run_opts *o)
{
    size_t text_len = 0;
    char *text = NULL;
    struct hw_config *cfg = NULL;
    struct hw_job *jobs = NULL;
    uint32_t njobs = 0;
    int rc = hw_jobs_config(o, &cfg, &text, &text_len);
    if (rc != 0)
        goto out;
    rc = 3;
    if (!(jobs = hw_jobs_list(cfg, o->strategies, &njobs)))
        goto out;
    if ((rc = spec_shard(o, cfg, jobs, &njobs)) != 0)
        goto out;
    rc = 3;
    if (njobs == 0) {
        fprintf(stderr, "highwater spec: no run selected; check --strategies, --allocators and --shard\n");
        rc = 2;
        goto out;
    }
    struct hw_spec *spec = calloc(1, sizeof *spec);
    if (spec) {
        hw_job_spec(&jobs[0], cfg, !o->no_phase_reset, cfg->tmpdir, spec);
        cJSON *j = hw_spec_json(spec);
        char *s = j ? cJSON_Print(j) : NULL;
        if (s) {
            printf("%s\n", s);
            rc = 0;
        }
        free(s);
        cJSON_Delete(j);
    }
    free(spec);
out:
    free(jobs);
    free(cfg);
    free(text);
    return rc;
}
