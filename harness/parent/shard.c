#include "shard.h"
#include "allocator.h"
#include "schema_fields.h"
#include "sha256.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole number of digits only (no sign, space or 0x: "K/N" is all a scheduler writes),
 * ending at *end. */
static int whole(const char *p, const char **end, uint64_t *v)
{
    if (!isdigit((unsigned char)*p))
        return -1;
    char *e;
    errno = 0;
    unsigned long long x = strtoull(p, &e, 10);
    *end = e;
    *v = errno == ERANGE ? UINT64_MAX : (uint64_t)x;
    return 0;
}

int hw_shard_parse(const char *text, struct hw_shard *s, char *err, size_t len)
{
    const char *p;
    uint64_t k = 0, n = 0;
    if (whole(text, &p, &k) != 0 || *p != '/' || whole(p + 1, &p, &n) != 0 || *p) {
        snprintf(err, len, "--shard %.64s: expected K/N, two whole numbers; e.g. --shard 1/4", text);
        return -1;
    }
    if (n < 1 || n > HW_SHARD_MAX) {
        snprintf(err, len, "--shard %.64s: N must be from 1 to %d; e.g. --shard 1/4", text, HW_SHARD_MAX);
        return -1;
    }
    if (k < 1 || k > n) {
        snprintf(err, len, "--shard %.64s: K must be from 1 to N; e.g. --shard 1/%u", text, (unsigned)n);
        return -1;
    }
    s->index = (uint32_t)k;
    s->count = (uint32_t)n;
    return 0;
}

struct by_cost {
    double cost;
    uint32_t index;
};

static int cost_desc(const void *a, const void *b)
{
    const struct by_cost *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int hw_shard_assign(const double *cost, uint32_t njobs, uint32_t nshards, uint32_t *owner)
{
    struct by_cost *order = calloc((size_t)njobs + 1, sizeof *order);
    double *total = calloc((size_t)nshards + 1, sizeof *total);
    int rc = -1;
    if (!order || !total)
        goto out;
    /* NaN would break the sort's order, and so the same list's same assignment. */
    for (uint32_t i = 0; i < njobs; i++)
        order[i] = (struct by_cost){cost[i] > 0 && isfinite(cost[i]) ? cost[i] : 0, i};
    qsort(order, njobs, sizeof *order, cost_desc);
    for (uint32_t i = 0; i < njobs; i++) {
        uint32_t least = 0;
        for (uint32_t s = 1; s < nshards; s++)
            if (total[s] < total[least])
                least = s;
        owner[order[i].index] = least;
        total[least] += order[i].cost;
    }
    rc = 0;
out:
    free(order);
    free(total);
    return rc;
}

double hw_shard_cost(const struct hw_job *j)
{
    return j->predicted;
}

void hw_shard_list_sha256(const struct hw_job *jobs, uint32_t njobs, char hex[65])
{
    size_t cap = 1024, used = 0;
    char *text = malloc(cap);
    for (uint32_t i = 0; text && i < njobs; i++) {
        const struct hw_job *j = &jobs[i];
        for (;;) {
            int n = snprintf(text + used, cap - used, "%s\t%s\t%s\t%u\n", j->sc->label,
                             hw_allocator_name(j->ac->kind), j->ac->conf, (unsigned)j->repeat);
            if (n >= 0 && (size_t)n < cap - used) {
                used += (size_t)n;
                break;
            }
            char *more = realloc(text, cap *= 2);
            if (!more) {
                free(text);
                text = NULL;
                break;
            }
            text = more;
        }
    }
    /* Out of memory: the digest of nothing, which no real list has, so merge refuses it. */
    hw_sha256_hex(text ? text : "", text ? used : 0, hex);
    free(text);
}

int hw_shard_select(struct hw_job *jobs, uint32_t *njobs, const struct hw_shard *s)
{
    double *cost = calloc((size_t)*njobs + 1, sizeof *cost);
    uint32_t *owner = calloc((size_t)*njobs + 1, sizeof *owner), kept = 0;
    int rc = -1;
    if (!cost || !owner)
        goto out;
    for (uint32_t i = 0; i < *njobs; i++)
        cost[i] = hw_shard_cost(&jobs[i]);
    if (hw_shard_assign(cost, *njobs, s->count, owner) != 0)
        goto out;
    for (uint32_t i = 0; i < *njobs; i++)
        if (owner[i] == s->index - 1)
            jobs[kept++] = jobs[i];
    *njobs = kept;
    rc = 0;
out:
    free(cost);
    free(owner);
    return rc;
}

cJSON *hw_shard_json(const struct hw_shard *s, uint32_t jobs_total, const char *sha256,
                     const struct hw_job *jobs, uint32_t njobs)
{
    cJSON *o = cJSON_CreateObject(), *list = cJSON_CreateArray();
    for (uint32_t i = 0; i < njobs; i++)
        cJSON_AddItemToArray(list, cJSON_CreateNumber(jobs[i].index));
    cJSON_AddNumberToObject(o, HW_F_SHARD_INDEX, s->index);
    cJSON_AddNumberToObject(o, HW_F_SHARD_COUNT, s->count);
    cJSON_AddNumberToObject(o, HW_F_JOBS_TOTAL, jobs_total);
    cJSON_AddItemToObject(o, HW_F_JOBS, list);
    cJSON_AddStringToObject(o, HW_F_JOB_LIST_SHA256, sha256);
    return o;
}
