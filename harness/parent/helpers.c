#include "helpers.h"
#include "calibrate.h"
#include "clock.h"
#include "event.h"
#include "helper_cache.h"
#include "schema_fields.h"
#include "supervisor.h"
#include "version.h"
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
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(ev, "median_bits");
        if (ev && cJSON_GetArraySize(m) == (int)h->cfg->ds.cols &&
            hw_hex_u64(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "checksum")), &ref->checksum) == 0) {
            uint32_t i = 0;
            bool ok = true;
            /* Bit patterns, so a median is the worker's to the last bit (and a cached one too). */
            cJSON_ArrayForEach(e, m) {
                uint64_t bits = 0;
                ok &= hw_hex_u64(cJSON_GetStringValue(e), &bits) == 0;
                memcpy(&ref->medians[i++], &bits, sizeof bits);
            }
            ref->have = ok;
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

void hw_helpers_cache_open(struct hw_helpers *h)
{
    char err[PATH_MAX + 256];
    h->build[0] = '\0';
    if (hw_cache_dir(h->cache_dir, sizeof h->cache_dir, err, sizeof err) != 0) {
        h->cache_dir[0] = '\0';
        fprintf(stderr, "highwater: %s; measuring and computing everything this run\n", err);
        return;
    }
    /* The binary the reference workers exec is this one (h->self is its path). */
    if (hw_cache_build_identity(hw_build_commit, "/proc/self/exe", h->build, sizeof h->build) != 0) {
        h->build[0] = '\0';
        fprintf(stderr, "highwater: cannot read /proc/self/exe for the reference cache's key; computing the "
                "reference every run\n");
    }
}

/* After a measurement or computation: keep it, and the directory bounded. path becomes "" when
 * it could not be kept. */
static void kept(int rc, const char *dir, const char *prefix, unsigned keep, char *path, const char *err)
{
    if (rc != 0) {
        fprintf(stderr, "highwater: cache: %s; not kept\n", err);
        path[0] = '\0';
    } else {
        hw_cache_prune(dir, prefix, keep);
    }
}

cJSON *hw_calibration_get(const struct hw_helpers *h, const cJSON *host)
{
    char defrag[64], boot[64], key[HW_CACHE_KEY_MAX], path[PATH_MAX] = "", stamp[21], err[PATH_MAX + 256];
    hw_cache_host_facts(defrag, sizeof defrag, boot, sizeof boot);
    /* No boot id, no cache: a reboot (new memory layout, other host pages) could not be told. */
    if (h->cache_dir[0] && hw_cache_calibration_key(host, defrag, boot, hw_build_commit, key, sizeof key) == 0)
        hw_cache_path(h->cache_dir, "calibration", key, path, sizeof path);
    cJSON *cal = path[0] && !h->recalibrate ? hw_cache_calibration_load(path, key, stamp) : NULL;
    const char *origin = "cached";
    if (!cal) {
        origin = "measured";
        if (!(cal = hw_calibration_compute(h)))
            return NULL;
        hw_cache_now_utc(stamp);
        if (path[0])
            kept(hw_cache_calibration_store(path, key, cal, stamp, err, sizeof err), h->cache_dir, "calibration",
                 HW_CACHE_KEEP_CALIBRATIONS, path, err);
    }
    cJSON_AddStringToObject(cal, HW_F_ORIGIN, origin);
    cJSON_AddStringToObject(cal, HW_F_MEASURED_AT, stamp);
    if (path[0])
        cJSON_AddStringToObject(cal, HW_F_CACHE_FILE, path);
    else
        cJSON_AddNullToObject(cal, HW_F_CACHE_FILE);
    return cal;
}

/* dtype's reference from the cache file into refs: true when it had a good one. */
static bool reference_cached(struct hw_references *refs, enum hw_dtype dtype, const struct hw_helpers *h,
                             const char *path, const char *key, char stamp[21])
{
    /* Straight into the next slot: it counts only on a hit, and hw_reference_compute clears it
     * before using it on a miss. */
    struct hw_reference *ref = &refs->r[refs->n];
    if (hw_cache_reference_load(path, key, h->cfg->ds.cols, &ref->checksum, ref->medians, stamp) != 1)
        return false;
    ref->have = true;
    ref->dtype = dtype;
    refs->n++;
    return true;
}

void hw_reference_get(struct hw_references *refs, enum hw_dtype dtype, const struct hw_helpers *h, cJSON *records)
{
    if (!hw_reference_needed(refs, dtype))
        return;
    char key[HW_CACHE_KEY_MAX], path[PATH_MAX] = "", stamp[21] = "", err[PATH_MAX + 256];
    double t0 = hw_now();
    const char *origin = "cached";
    if (h->cache_dir[0] && h->build[0] && hw_cache_reference_key(&h->cfg->ds, dtype, h->build, key, sizeof key) == 0)
        hw_cache_path(h->cache_dir, "reference", key, path, sizeof path);
    if (!path[0] || !reference_cached(refs, dtype, h, path, key, stamp)) {
        hw_reference_compute(refs, dtype, h);
        const struct hw_reference *ref = reference_for(refs, dtype);
        origin = ref && ref->have ? "computed" : "failed";
        if (ref && ref->have) {
            hw_cache_now_utc(stamp);
            if (path[0])
                kept(hw_cache_reference_store(path, key, h->cfg->ds.cols, ref->checksum, ref->medians, stamp, err,
                                              sizeof err), h->cache_dir, "reference", HW_CACHE_KEEP_REFERENCES,
                     path, err);
        } else {
            path[0] = '\0';
        }
    }
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, HW_F_OUTPUT_DTYPE, hw_dtype_name(dtype));
    cJSON_AddStringToObject(r, HW_F_ORIGIN, origin);
    cJSON_AddNumberToObject(r, HW_F_WALL_SECONDS, hw_now() - t0);
    if (stamp[0])
        cJSON_AddStringToObject(r, HW_F_COMPUTED_AT, stamp);
    if (path[0])
        cJSON_AddStringToObject(r, HW_F_CACHE_FILE, path);
    cJSON_AddItemToArray(records, r);
}
