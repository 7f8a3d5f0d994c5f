#include "sampler.h"
#include "schema_fields.h"
#include <string.h>

int hw_probe_read(const struct hw_probe *p, struct hw_sample *s, uint64_t *largest)
{
    if (p->tree) {
        struct hw_tree_rss rs;
        hw_tree_sample(p->tree, &rs);
        s->rss = rs.rss;
        s->anon = rs.anon;
        s->file = rs.file;
        *largest = rs.largest;
        return 0;
    }
    struct hw_status st;
    if (p->status_fd < 0 || hw_status_read_fd(p->status_fd, &st) != 0)
        return -1;
    s->rss = st.vm_rss;
    s->anon = st.rss_anon;
    s->file = st.rss_file;
    *largest = st.vm_rss;
    return 0;
}

void hw_timeline_init(struct hw_timeline *tl)
{
    memset(tl, 0, sizeof *tl);
    tl->per_bucket = 1;
}

static void bucket_merge(struct hw_bucket *into, const struct hw_bucket *from)
{
    if (from->lo.rss < into->lo.rss)
        into->lo = from->lo;
    if (from->hi.rss > into->hi.rss)
        into->hi = from->hi;
    into->n += from->n;
}

static void halve(struct hw_timeline *tl)
{
    uint32_t j = 0;
    for (uint32_t i = 0; i < tl->nbuckets; i += 2, j++) {
        tl->b[j] = tl->b[i];
        if (i + 1 < tl->nbuckets)
            bucket_merge(&tl->b[j], &tl->b[i + 1]);
    }
    tl->nbuckets = j;
    tl->per_bucket *= 2;
}

void hw_timeline_add(struct hw_timeline *tl, const struct hw_sample *s)
{
    if (tl->samples == 0 || s->rss > tl->max.rss)
        tl->max = *s;
    tl->samples++;
    struct hw_bucket *last = tl->nbuckets ? &tl->b[tl->nbuckets - 1] : NULL;
    if (last && last->n < tl->per_bucket) {
        struct hw_bucket one = {.lo = *s, .hi = *s, .n = 1};
        bucket_merge(last, &one);
        return;
    }
    if (tl->nbuckets == HW_TIMELINE_BUCKETS)
        halve(tl);
    tl->b[tl->nbuckets++] = (struct hw_bucket){.lo = *s, .hi = *s, .n = 1};
}

uint64_t hw_timeline_max_between(const struct hw_timeline *tl, double t0, double t1)
{
    uint64_t m = 0;
    const struct hw_bucket *before = NULL;
    for (uint32_t i = 0; i < tl->nbuckets; i++) {
        const struct hw_bucket *b = &tl->b[i];
        for (int k = 0; k < 2; k++) {
            const struct hw_sample *s = k ? &b->hi : &b->lo;
            if (s->t >= t0 && s->t <= t1 && s->rss > m)
                m = s->rss;
        }
        if (b->lo.t <= t1 || b->hi.t <= t1)
            before = b;
    }
    /* A window shorter than a merged bucket may hold none of its two kept samples: the
     * bucket that covers it then stands for it, by its highest sample. */
    if (m == 0 && before)
        m = before->hi.rss;
    return m;
}

static void add_point(cJSON *arr[4], const struct hw_sample *s)
{
    cJSON_AddItemToArray(arr[0], cJSON_CreateNumber(s->t));
    cJSON_AddItemToArray(arr[1], cJSON_CreateNumber((double)s->rss));
    cJSON_AddItemToArray(arr[2], cJSON_CreateNumber((double)s->anon));
    cJSON_AddItemToArray(arr[3], cJSON_CreateNumber((double)s->file));
}

cJSON *hw_timeline_json(const struct hw_timeline *tl, double interval_ms)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "interval_ms", interval_ms);
    cJSON_AddNumberToObject(o, "samples", (double)tl->samples);
    cJSON *arr[4] = {cJSON_AddArrayToObject(o, "t"), cJSON_AddArrayToObject(o, "rss"),
                     cJSON_AddArrayToObject(o, "anon"), cJSON_AddArrayToObject(o, "file")};
    for (uint32_t i = 0; i < tl->nbuckets; i++) {
        const struct hw_bucket *b = &tl->b[i];
        const struct hw_sample *first = b->lo.t <= b->hi.t ? &b->lo : &b->hi;
        const struct hw_sample *second = first == &b->lo ? &b->hi : &b->lo;
        add_point(arr, first);
        if (second->t != first->t)
            add_point(arr, second);
    }
    return o;
}

cJSON *hw_timeline_series_json(const struct hw_timeline *tl)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *t = cJSON_AddArrayToObject(o, "t"), *v = cJSON_AddArrayToObject(o, HW_F_BYTES);
    for (uint32_t i = 0; i < tl->nbuckets; i++) {
        const struct hw_bucket *b = &tl->b[i];
        const struct hw_sample *first = b->lo.t <= b->hi.t ? &b->lo : &b->hi;
        const struct hw_sample *second = first == &b->lo ? &b->hi : &b->lo;
        cJSON_AddItemToArray(t, cJSON_CreateNumber(first->t));
        cJSON_AddItemToArray(v, cJSON_CreateNumber((double)first->rss));
        if (second->t != first->t) {
            cJSON_AddItemToArray(t, cJSON_CreateNumber(second->t));
            cJSON_AddItemToArray(v, cJSON_CreateNumber((double)second->rss));
        }
    }
    return o;
}
