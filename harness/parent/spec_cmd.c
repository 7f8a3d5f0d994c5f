/* `highwater spec` (runner.h): the first selected job's spec, as a run would send it, but
 * without a reference (none is computed) and with run.tmpdir itself as its directory. */
#include "runner.h"
#include "jobs.h"
#include <stdio.h>
#include <stdlib.h>

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
    if (njobs == 0) {
        fprintf(stderr, "highwater spec: no run selected; check --strategies and --allocators\n");
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
