#include "jobs.h"
#include "dataset.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool listed(const char *list, const char *a, const char *b)
{
    if (!list[0])
        return true;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (strcmp(t, a) == 0 || (b && strcmp(t, b) == 0))
            return true;
    return false;
}

/* Every name in a --strategies / --allocators list must match something. */
static int check_filter(const char *flag, const char *list, const struct hw_config *cfg, bool strategies)
{
    char copy[256], known[1024] = "";
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bool found = false;
        size_t used = 0;
        known[0] = '\0';
        if (strategies) {
            for (uint32_t i = 0; i < cfg->nstrategies; i++) {
                found |= strcmp(t, cfg->strategies[i].strategy->name) == 0 || strcmp(t, cfg->strategies[i].label) == 0;
                if (used < sizeof known)
                    used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                                             cfg->strategies[i].label);
            }
        } else {
            enum hw_allocator_kind k;
            found = hw_allocator_parse(t, &k) == 0;
            hw_allocator_names(known, sizeof known, ", ");
        }
        if (!found) {
            fprintf(stderr, "highwater: %s: '%s' is not in %s; choose from: %s\n", flag, t,
                    strategies ? cfg->path : "the known allocators", known);
            return -1;
        }
    }
    return 0;
}

/* --allocators replaces the config's list; an allocator the config also lists keeps its
 * conf (the first such entry), a new one runs with none. */
static void override_allocators(struct hw_config *cfg, const char *list)
{
    struct hw_allocator_cfg out[HW_MAX_ALLOCATORS];
    uint32_t n = 0;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && n < HW_MAX_ALLOCATORS;
         t = strtok_r(NULL, ",", &save)) {
        memset(&out[n], 0, sizeof out[n]);
        hw_allocator_parse(t, &out[n].kind);
        for (uint32_t a = 0; a < cfg->nallocators; a++)
            if (cfg->allocators[a].kind == out[n].kind) {
                out[n] = cfg->allocators[a];
                break;
            }
        n++;
    }
    memcpy(cfg->allocators, out, sizeof out[0] * n);
    cfg->nallocators = n;
}

int hw_jobs_config(const struct hw_run_opts *o, struct hw_config **cfgp, char **text, size_t *text_len)
{
    char err[1024];
    struct hw_config *cfg = *cfgp = calloc(1, sizeof *cfg);
    if (!cfg)
        return 3;
    /* Read once: the same bytes are parsed and hashed, and a pipe can be read only once. */
    if (hw_config_read(o->config, text, text_len, err, sizeof err) != 0 ||
        hw_config_parse(o->config, *text, *text_len, cfg, err, sizeof err) != 0) {
        fprintf(stderr, "highwater: %s\n", err);
        return 2;
    }
    if (o->rows)
        cfg->ds.rows = o->rows;
    if (o->repeat)
        cfg->repeat = (uint32_t)o->repeat;
    if (check_filter("--strategies", o->strategies, cfg, true) ||
        check_filter("--allocators", o->allocators, cfg, false))
        return 2;
    if (o->allocators[0])
        override_allocators(cfg, o->allocators);
    return 0;
}

struct hw_job *hw_jobs_list(const struct hw_config *cfg, const char *strategies, uint32_t *njobs)
{
    struct hw_job *jobs = calloc((size_t)cfg->nstrategies * cfg->nallocators * cfg->repeat + 1, sizeof *jobs);
    *njobs = 0;
    if (!jobs)
        return NULL;
    for (uint32_t s = 0; s < cfg->nstrategies; s++) {
        const struct hw_strategy_cfg *sc = &cfg->strategies[s];
        if (!listed(strategies, sc->strategy->name, sc->label))
            continue;
        for (uint32_t a = 0; a < cfg->nallocators; a++)
            for (uint32_t r = 1; r <= cfg->repeat; r++) {
                struct hw_job *j = &jobs[*njobs];
                j->index = (*njobs)++;
                j->sc = sc;
                j->ac = &cfg->allocators[a];
                j->repeat = r;
                j->output_bytes = hw_dataset_output_bytes(&cfg->ds, sc->out_dtype);
            }
    }
    return jobs;
}

void hw_job_spec(const struct hw_job *j, const struct hw_config *cfg, bool phase_reset, const char *tmpdir,
                 struct hw_spec *spec)
{
    spec->mode = HW_MODE_RUN;
    spec->ds = cfg->ds;
    spec->strategy = j->sc->strategy;
    spec->params = j->sc->typed;
    spec->out_dtype = j->sc->out_dtype;
    spec->out_order = j->sc->out_order;
    spec->allocator = j->ac->kind;
    spec->phase_reset = phase_reset;
    snprintf(spec->tmpdir, sizeof spec->tmpdir, "%s", tmpdir);
}
