#include "preflight.h"
#include "dataset.h"
#include "plan.h"
#include "size.h"
#include <math.h>
#include <stdio.h>
#include <sys/statvfs.h>

void hw_preflight_job(struct hw_job *j, const struct hw_config *cfg, const struct hw_preflight *pf)
{
    const struct hw_strategy_cfg *sc = j->sc;
    const struct hw_strategy *st = sc->strategy;
    uint64_t source = hw_dataset_source_bytes(&cfg->ds);
    char b1[32], b2[32], b3[32];
    /* A memmap's file pages count in RSS too, so its output counts like any other, unless the
     * strategy's own estimate knows they are evicted. */
    struct hw_estimate e = {.rows = (double)cfg->ds.rows, .source_bytes = (double)source,
                            .output_bytes = (double)j->output_bytes};
    hw_strategy_estimate(st, hw_strategy_params(st, &sc->typed), &e);
    double planned = pf->plan ? hw_plan_predict(pf->plan, sc->label, hw_allocator_name(j->ac->kind), j->ac->conf,
                                                (double)cfg->ds.rows)
                              : NAN;
    if (!isnan(planned)) {
        e.peak_bytes = planned;
        snprintf(e.model, sizeof e.model, "plan %.100s", pf->plan_path);
    }
    j->predicted = e.peak_bytes;
    if (j->predicted > (double)pf->limit) {
        snprintf(j->skip, sizeof j->skip, "pre-flight: predicted peak %s (model %s, source %s) exceeds the limit %s",
                 hw_fmt_bytes(j->predicted, b1, sizeof b1), e.model, hw_fmt_bytes((double)source, b2, sizeof b2),
                 pf->limit_text);
        return;
    }
    struct statvfs vfs;
    if (e.disk_bytes > 0 && statvfs(cfg->tmpdir, &vfs) == 0 && (double)vfs.f_bavail * vfs.f_frsize < e.disk_bytes)
        snprintf(j->skip, sizeof j->skip, "pre-flight: the output file needs %s of disk in %s, %s free; set run.tmpdir",
                 hw_fmt_bytes(e.disk_bytes, b1, sizeof b1), cfg->tmpdir,
                 hw_fmt_bytes((double)vfs.f_bavail * vfs.f_frsize, b3, sizeof b3));
}
