#include "helpers.h"
#include "calibrate.h"
#include "event.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct hw_reference *reference_for(const struct hw_references *refs, enum hw_dtype dtype)
{
    for (uint32_t i = 0; i < refs->n; i++)
        if (refs->r[i].dtype == dtype)
            return &refs->r[i];
    return NULL;
}

/* A helper worker in mode (dtype for the reference): 0 when it ended ok (ch holds its events),
 * -1 with the reason. */
static int helper_run(const struct hw_helpers *h, enum hw_spec_mode mode, enum hw_dtype dtype, const char *label,
                      struct hw_child *ch, char *reason, size_t len)
{
    struct hw_spec *spec = calloc(1, sizeof *spec);
    struct hw_child_opts o = h->child;
    cJSON *j = NULL;
    int rc = -1;
    o.alloc = NULL;
    o.label = label;
    if (!spec)
        return -1;
    spec->mode = mode;
    spec->ds = h->cfg->ds;
    spec->out_dtype = dtype;
    snprintf(spec->tmpdir, sizeof spec->tmpdir, "%s", h->cfg->tmpdir);
    j = hw_spec_json(spec);
    if (j && hw_child_run(ch, &o, j) == 0 && strcmp(hw_child_status(ch, o.limit, h->self, reason, len), "ok") == 0)
        rc = 0;
    /* A helper never resets its high-water mark, so ru_maxrss is its whole peak; the largest
     * sample stands in when the kernel gave no rusage. Part of a scheduler step's memory. */
    uint64_t peak = (uint64_t)ch->sup.ru.ru_maxrss * 1024u;
    peak = ch->sup.largest > peak ? ch->sup.largest : peak;
    if (h->peak && peak > *h->peak)
        *h->peak = peak;
    cJSON_Delete(j);
    free(spec);
    return rc;
}

double hw_helpers_predicted_peak(const struct hw_config *cfg)
{
    double calibration = 2.0 * (double)HW_CALIBRATE_DEFAULT_BYTES;
    double reference = (double)cfg->ds.rows * sizeof(double);
    return calibration > reference ? calibration : reference;
}

bool hw_reference_needed(const struct hw_references *refs, enum hw_dtype dtype)
{
    return !reference_for(refs, dtype) && refs->n < sizeof refs->r / sizeof refs->r[0];
}

void hw_reference_compute(struct hw_references *refs, enum hw_dtype dtype, const struct hw_helpers *h)
{
    if (!hw_reference_needed(refs, dtype))
        return;
    struct hw_reference *ref = &refs->r[refs->n++];
    struct hw_child ch = {.sup = {.pipe_fd = -1, .status_fd = -1, .cgroup_fd = -1}};
    char reason[512] = "could not start the reference worker";
    memset(ref, 0, sizeof *ref);
    ref->dtype = dtype;
    if (helper_run(h, HW_MODE_REFERENCE, dtype, "reference", &ch, reason, sizeof reason) == 0) {
        const cJSON *ev = hw_child_event(&ch, "reference"), *e;
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(ev, "medians");
        if (ev && cJSON_GetArraySize(m) == (int)h->cfg->ds.cols &&
            hw_hex_u64(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "checksum")), &ref->checksum) == 0) {
            uint32_t i = 0;
            cJSON_ArrayForEach(e, m) ref->medians[i++] = e->valuedouble;
            ref->have = true;
        }
    } else if (!hw_sup_signalled()) {
        fprintf(stderr, "highwater: the reference could not be computed (%s); outputs stay unchecked\n", reason);
    }
    hw_child_release(&ch);
}

void hw_reference_apply(const struct hw_references *refs, struct hw_spec *spec)
{
    const struct hw_reference *ref = reference_for(refs, spec->out_dtype);
    if (ref && ref->have) {
        spec->have_reference = true;
        spec->ref_checksum = ref->checksum;
        memcpy(spec->ref_medians, ref->medians, sizeof ref->medians);
    }
}

cJSON *hw_calibration_compute(const struct hw_helpers *h)
{
    struct hw_child ch = {.sup = {.pipe_fd = -1, .status_fd = -1, .cgroup_fd = -1}};
    char reason[512] = "could not start the calibration worker";
    cJSON *cal = NULL;
    if (helper_run(h, HW_MODE_CALIBRATE, HW_F64, "calibrate", &ch, reason, sizeof reason) == 0) {
        const cJSON *ev = hw_child_event(&ch, "calibration");
        if (ev)
            cal = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ev, "calibration"), 1);
    }
    if (!cal && !hw_sup_signalled())
        fprintf(stderr, "highwater: calibration failed (%s); the report has no machine rates\n", reason);
    hw_child_release(&ch);
    return cal;
}
