#include "find_limit.h"
#include "cgroup.h"
#include "json.h"
#include "limit_search.h"
#include "schema_fields.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool hw_limit_try_survived(const cJSON *run)
{
    const cJSON *out = cJSON_GetObjectItemCaseSensitive(run, HW_F_OUTPUT);
    return strcmp(hw_jstr(run, HW_F_STATUS), "ok") == 0 &&
           cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, HW_F_MATCHES_REFERENCE));
}

/* The most anonymous and kernel memory the group held at a phase end: no reclaim gives
 * that back without swap, so a limit below it fails (a guess all the same: tried first). */
static double unreclaimable(const cJSON *base)
{
    const cJSON *p;
    double most = 0;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(base, HW_F_PHASES)) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(p, HW_F_CONTAINER);
        double v = hw_jnum(c, HW_F_ANON_END_BYTES) + hw_jnum(c, HW_F_KERNEL_END_BYTES);
        if (!isnan(v))
            most = fmax(most, v);
    }
    return most;
}

static cJSON *not_searched(const char *why)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, HW_F_STATUS, "not_searched");
    cJSON_AddStringToObject(o, HW_F_REASON, why);
    return o;
}

static cJSON *try_record(uint64_t limit, const cJSON *run, bool survived)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(run, HW_F_CONTAINER);
    cJSON *t = cJSON_CreateObject();
    cJSON_AddNumberToObject(t, HW_F_LIMIT_BYTES, (double)limit);
    cJSON_AddBoolToObject(t, HW_F_SURVIVED, survived);
    cJSON_AddStringToObject(t, HW_F_STATUS, hw_jstr(run, HW_F_STATUS));
    cJSON_AddStringToObject(t, HW_F_OUTCOME, hw_jstr(c, HW_F_OUTCOME));
    if (!survived && *hw_jstr(run, HW_F_REASON))
        cJSON_AddStringToObject(t, HW_F_REASON, hw_jstr(run, HW_F_REASON));
    double w = hw_jnum(run, HW_F_WALL_SECONDS), pk = hw_jnum(run, HW_F_PEAK_RSS_BYTES);
    double cg = hw_jnum(c, HW_F_PEAK_BYTES);
    if (!isnan(w))
        cJSON_AddNumberToObject(t, HW_F_WALL_SECONDS, w);
    if (!isnan(pk))
        cJSON_AddNumberToObject(t, HW_F_PEAK_RSS_BYTES, pk);
    if (!isnan(cg))
        cJSON_AddNumberToObject(t, HW_F_CONTAINER_PEAK_BYTES, cg);
    return t;
}

cJSON *hw_find_limit(const cJSON *base, const struct hw_find_limit_opts *o)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(base, HW_F_CONTAINER);
    double peak = hw_jnum(c, HW_F_PEAK_BYTES);
    if (!hw_limit_try_survived(base))
        return not_searched("the run without a limit did not complete with the reference's output");
    if (isnan(peak) || peak <= 0)
        return not_searched(*hw_jstr(c, HW_F_REASON) ? hw_jstr(c, HW_F_REASON) : "the run has no cgroup peak");
    /* Bounds taken from readings are moved by the charge batch a reading can lag by. */
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), slack = hw_cg_charge_batch();
    double guess = unreclaimable(base);
    struct hw_limit_search s;
    hw_limit_search_init(&s, (uint64_t)peak + slack, guess > (double)slack ? (uint64_t)guess - slack : 0,
                         (uint64_t)fmax(0.01 * o->output_bytes, (double)page), page, o->max_tries);
    cJSON *res = cJSON_CreateObject(), *tries = cJSON_CreateArray();
    double wall_hi = NAN;
    uint64_t limit;
    while ((limit = hw_limit_search_next(&s)) != 0) {
        cJSON *run = o->try_run(o->arg, limit);
        if (!run)
            break;   /* interrupted, or nothing could run: what is proven so far stands */
        bool ok = hw_limit_try_survived(run);
        hw_limit_search_record(&s, limit, ok);
        if (ok && limit == s.hi)
            wall_hi = hw_jnum(run, HW_F_WALL_SECONDS);
        cJSON_AddItemToArray(tries, try_record(limit, run, ok));
        if (o->on_try)
            o->on_try(o->arg, limit, hw_jstr(run, HW_F_STATUS), s.tries);
        cJSON_Delete(run);
    }
    cJSON_AddStringToObject(res, HW_F_STATUS, hw_limit_search_converged(&s) ? "converged" : "unfinished");
    if (s.hi_proven)
        cJSON_AddNumberToObject(res, HW_F_SMALLEST_SURVIVING_BYTES, (double)s.hi);
    else
        cJSON_AddNullToObject(res, HW_F_SMALLEST_SURVIVING_BYTES);
    cJSON_AddNumberToObject(res, HW_F_LARGEST_FAILING_BYTES, (double)s.lo);
    cJSON_AddNumberToObject(res, HW_F_STEP_BYTES, (double)s.step);
    cJSON_AddNumberToObject(res, HW_F_SLOWDOWN_ALLOWED, o->slowdown);
    double w0 = hw_jnum(base, HW_F_WALL_SECONDS);
    /* What living at the limit costs: the smallest surviving try's wall against the run's
     * own (reclaim writes back and re-reads pages the unlimited run kept). */
    if (!isnan(wall_hi) && w0 > 0)
        cJSON_AddNumberToObject(res, HW_F_WALL_RATIO_AT_LIMIT, wall_hi / w0);
    cJSON_AddItemToObject(res, HW_F_TRIES, tries);
    return res;
}
