/* The merge's model: each shard report checked against the first (same config, dataset, split
 * and job list), its runs placed at their job index, then one report built from them. */
#include "merge.h"
#include "json.h"
#include "lessons.h"
#include "run_key.h"
#include "schema_fields.h"
#include "summary.h"
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRY_AGAIN "run the shard again"

struct shard {
    uint64_t index;
    char path[PATH_MAX];
    cJSON *entry;             /* its row of merged.shards[] */
};

struct hw_merge {
    cJSON *root;              /* the first report, its runs taken out */
    char first[PATH_MAX];
    struct { uint64_t first_index, count, jobs_total; char job_list[72]; } fixed;
    struct shard *shards;
    size_t nshards, cap;
    cJSON **runs;             /* by job index */
    size_t *owner;            /* the shard slot + 1 that gave each job; 0: none yet */
};

/* A report's place in the sweep: its shard block, or 1/1 with every job for an unsharded one. */
struct place {
    uint64_t index, count, jobs_total;
    const char *job_list;     /* "" unsharded */
    const cJSON *jobs;        /* shard.jobs; NULL unsharded */
};

struct hw_merge *hw_merge_new(void)
{
    return calloc(1, sizeof(struct hw_merge));
}

/* Everything the merge holds, leaving it as new. */
static void free_parts(struct hw_merge *m)
{
    if (m->runs)
        for (uint64_t j = 0; j < m->fixed.jobs_total; j++)
            cJSON_Delete(m->runs[j]);
    for (size_t i = 0; i < m->nshards; i++)
        cJSON_Delete(m->shards[i].entry);
    cJSON_Delete(m->root);
    free(m->runs);
    free(m->owner);
    free(m->shards);
    memset(m, 0, sizeof *m);
}

void hw_merge_free(struct hw_merge *m)
{
    if (!m)
        return;
    free_parts(m);
    free(m);
}

static const cJSON *at(const cJSON *r, const char *obj, const char *field)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, obj), field);
}

/* A whole number below `below`, as a job index or a shard's job is. */
static bool whole_below(const cJSON *v, uint64_t below, uint64_t *out)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
        v->valuedouble != floor(v->valuedouble) || v->valuedouble >= (double)below)
        return false;
    *out = (uint64_t)v->valuedouble;
    return true;
}

static int read_place(const cJSON *r, const char *path, struct place *p, char *err, size_t len)
{
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(r, HW_F_SHARD), *sha;
    char why[256];
    *p = (struct place){.index = 1, .count = 1, .job_list = ""};
    if (cJSON_HasObjectItem(r, HW_F_MERGED)) {
        snprintf(err, len, "%s: already a merged report; merge the shard reports it was made from", path);
        return 2;
    }
    if (!cJSON_IsString(at(r, HW_F_CONFIG, "sha256")) || !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r, HW_F_DATASET))) {
        snprintf(err, len, "%s: no config.sha256 or dataset: not the report of a 'highwater run'; merge takes "
                 "the reports of run --shard K/N", path);
        return 2;
    }
    if (!sh) {
        p->jobs_total = (uint64_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, HW_F_RUNS));
        return 0;
    }
    sha = cJSON_GetObjectItemCaseSensitive(sh, HW_F_JOB_LIST_SHA256);
    p->jobs = cJSON_GetObjectItemCaseSensitive(sh, HW_F_JOBS);
    if (!cJSON_IsObject(sh)) {
        snprintf(why, sizeof why, "it is not an object");
    } else if (hw_json_u64(sh, HW_F_COUNT, 1, HW_MERGE_MAX_SHARDS, &p->count, why, sizeof why) == 0 &&
               hw_json_u64(sh, HW_F_INDEX, 1, p->count, &p->index, why, sizeof why) == 0 &&
               hw_json_u64(sh, HW_F_JOBS_TOTAL, 0, HW_MERGE_MAX_JOBS, &p->jobs_total, why, sizeof why) == 0) {
        if (!cJSON_IsString(sha) || strlen(sha->valuestring) != 64 ||
            strspn(sha->valuestring, "0123456789abcdef") != 64)
            snprintf(why, sizeof why, "field '%s' is not a sha256 in hex", HW_F_JOB_LIST_SHA256);
        else if (!cJSON_IsArray(p->jobs))
            snprintf(why, sizeof why, "field '%s' is not a list of job indices", HW_F_JOBS);
        else {
            p->job_list = sha->valuestring;
            return 0;
        }
    }
    snprintf(err, len, "%s: its shard block: %s; not a shard report highwater wrote, " TRY_AGAIN, path, why);
    return 2;
}

static void describe(const struct place *p, char *buf, size_t len)
{
    if (p->job_list[0])
        snprintf(buf, len, "shard %" PRIu64 "/%" PRIu64, p->index, p->count);
    else
        snprintf(buf, len, "unsharded (every job)");
}

/* The experiment: the config's text, the dataset it made and the output it asked for. */
static int check_same(const struct hw_merge *m, const cJSON *r, const char *path, char *err, size_t len)
{
    static const struct { const char *obj, *field, *what; } same[] = {
        {HW_F_CONFIG, "sha256", "config"}, {HW_F_DATASET, "rows", "dataset"},
        {HW_F_DATASET, "cols", "dataset"}, {HW_F_DATASET, "seed", "dataset"},
        {HW_F_DATASET, "all_null_columns", "dataset"}, {HW_F_DATASET, "dtypes", "dataset"},
        {HW_F_CONFIG, HW_F_OUTPUT, "output"},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        const cJSON *a = at(m->root, same[i].obj, same[i].field), *b = at(r, same[i].obj, same[i].field);
        if ((!a && !b) || (a && b && cJSON_Compare(a, b, true)))
            continue;
        char *va = a && !cJSON_IsObject(a) && !cJSON_IsArray(a) ? cJSON_PrintUnformatted(a) : NULL;
        char *vb = b && !cJSON_IsObject(b) && !cJSON_IsArray(b) ? cJSON_PrintUnformatted(b) : NULL;
        if (va && vb)
            snprintf(err, len, "%s: %s.%s is %.80s, %s's is %.80s: a report of another %s; merge only the "
                     "shards of one sweep", path, same[i].obj, same[i].field, vb, m->first, va, same[i].what);
        else
            snprintf(err, len, "%s: %s.%s differs from %s's: a report of another %s; merge only the shards "
                     "of one sweep", path, same[i].obj, same[i].field, m->first, same[i].what);
        free(va);
        free(vb);
        return 2;
    }
    return 0;
}

/* The split and the job list are the first's, and this shard is not one already taken. */
static int check_place(const struct hw_merge *m, const struct place *p, const char *path, char *err, size_t len)
{
    char mine[64], theirs[64];
    struct place first = {.index = m->fixed.first_index, .count = m->fixed.count, .job_list = m->fixed.job_list};
    describe(p, mine, sizeof mine);
    describe(&first, theirs, sizeof theirs);
    if (p->count != m->fixed.count || !p->job_list[0] != !m->fixed.job_list[0]) {
        snprintf(err, len, "%s is %s, %s is %s: shards of different splits; merge the shards of one "
                 "--shard K/N sweep", path, mine, m->first, theirs);
        return 2;
    }
    if (strcmp(p->job_list, m->fixed.job_list) != 0 || p->jobs_total != m->fixed.jobs_total) {
        snprintf(err, len, "%s: shard.job_list_sha256 differs from %s's: another job list (other --strategies, "
                 "--allocators, --rows or --repeat); merge the shards of one command line", path, m->first);
        return 2;
    }
    for (size_t i = 0; i < m->nshards; i++)
        if (m->shards[i].index == p->index) {
            snprintf(err, len, "%s and %s are both %s: overlapping shards; merge each shard once",
                     m->shards[i].path, path, mine);
            return 2;
        }
    return 0;
}

static void name_job(const cJSON *run, char *buf, size_t len)
{
    char alloc[160];
    snprintf(buf, len, "%.100s %s repeat %.0f", hw_jstr(run, HW_F_LABEL), hw_run_key_allocator(run, alloc, sizeof alloc),
             hw_jnum(run, HW_F_REPEAT));
}

/* Every run's job index (its own, or its position in an unsharded report without them), each
 * once, in the shard's jobs, new to the merge; and every job the shard lists has its run. */
static int index_runs(const struct hw_merge *m, const struct place *p, const cJSON *runs, const char *path,
                      uint64_t *idx, uint8_t *mark, char *err, size_t len)
{
    enum { LISTED = 1, SEEN = 2 };
    const cJSON *e;
    char job[300];
    uint64_t j;
    int i = 0;
    cJSON_ArrayForEach(e, p->jobs) {
        if (!whole_below(e, p->jobs_total, &j)) {
            snprintf(err, len, "%s: shard.jobs[%d] is not a job index below shard.jobs_total %" PRIu64 "; "
                     TRY_AGAIN, path, i, p->jobs_total);
            return 2;
        }
        mark[j] |= LISTED;
        i++;
    }
    i = 0;
    cJSON_ArrayForEach(e, runs) {
        const cJSON *ji = cJSON_GetObjectItemCaseSensitive(e, HW_F_JOB_INDEX);
        name_job(e, job, sizeof job);
        if (!ji && p->jobs) {
            snprintf(err, len, "%s: runs[%d] (%s) has no job_index: a shard's runs say which job they are; "
                     TRY_AGAIN " with this highwater", path, i, job);
            return 2;
        }
        if (!ji)
            j = (uint64_t)i;
        else if (!whole_below(ji, p->jobs_total, &j)) {
            snprintf(err, len, "%s: runs[%d].job_index is not a job index below %" PRIu64 " (the job list's "
                     "size); " TRY_AGAIN, path, i, p->jobs_total);
            return 2;
        }
        if (p->jobs && !(mark[j] & LISTED)) {
            snprintf(err, len, "%s: runs[%d].job_index %" PRIu64 " (%s) is not one of its shard.jobs; " TRY_AGAIN,
                     path, i, j, job);
            return 2;
        }
        if (mark[j] & SEEN) {
            snprintf(err, len, "%s: job %" PRIu64 " (%s) is in its runs[] twice: a duplicate run; " TRY_AGAIN,
                     path, j, job);
            return 2;
        }
        if (m->owner[j]) {
            snprintf(err, len, "%s and %s both have job %" PRIu64 " (%s): a duplicate run; merge each shard "
                     "once", m->shards[m->owner[j] - 1].path, path, j, job);
            return 2;
        }
        mark[j] |= SEEN;
        idx[i++] = j;
    }
    for (j = 0; p->jobs && j < p->jobs_total; j++)
        if (mark[j] == LISTED) {
            snprintf(err, len, "%s: shard.jobs lists job %" PRIu64 " but its runs[] has no run of it: an incomplete "
                     "report; " TRY_AGAIN, path, j);
            return 2;
        }
    return 0;
}

/* The first report fixes the experiment: its root (less what the merge rebuilds) is the
 * merged report's, and its split sizes the job table. */
static int take_first(struct hw_merge *m, cJSON *r, const struct place *p, const char *path, char *err, size_t len)
{
    static const char *const rebuilt[] = {HW_F_RUNS, HW_F_SUMMARY, HW_F_LESSONS, HW_F_SHARD, HW_F_HARNESS,
                                         HW_F_SCHEDULER, HW_F_PARALLEL};
    size_t n = p->jobs_total ? (size_t)p->jobs_total : 1;
    m->runs = calloc(n, sizeof *m->runs);
    m->owner = calloc(n, sizeof *m->owner);
    if (!m->runs || !m->owner) {
        snprintf(err, len, "%s: out of memory for a table of %" PRIu64 " jobs", path, p->jobs_total);
        return 2;
    }
    snprintf(m->first, sizeof m->first, "%s", path);
    m->fixed.first_index = p->index;
    m->fixed.count = p->count;
    m->fixed.jobs_total = p->jobs_total;
    snprintf(m->fixed.job_list, sizeof m->fixed.job_list, "%s", p->job_list);
    m->root = cJSON_Duplicate(r, true);
    if (!m->root) {
        snprintf(err, len, "%s: out of memory copying the report", path);
        return 2;
    }
    for (size_t i = 0; i < sizeof rebuilt / sizeof rebuilt[0]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(m->root, rebuilt[i]);
    return 0;
}

/* merged.shards[]'s row: where the shard ran, enough to tell machines apart (each run keeps
 * the whole host), and its runs' job indices (idx). */
static cJSON *shard_entry(const cJSON *r, const struct place *p, const char *path, const uint64_t *idx, size_t nruns)
{
    static const char *const brief[] = {HW_F_HOSTNAME, HW_F_CPU, HW_F_CPUS, HW_F_MEM_TOTAL_BYTES, HW_F_KERNEL};
    /* The shard's own blocks, copied whole: its harness's peaks, which scheduler task it was
     * and how many workers ran at once, what a cross-check against the scheduler's accounting
     * of that task needs (report/accounting.h). */
    static const char *const whole[] = {HW_F_HARNESS, HW_F_SCHEDULER, HW_F_PARALLEL};
    const cJSON *host = cJSON_GetObjectItemCaseSensitive(r, HW_F_HOST), *v;
    cJSON *e = cJSON_CreateObject(), *h;
    cJSON_AddNumberToObject(e, HW_F_INDEX, (double)p->index);
    cJSON_AddNumberToObject(e, HW_F_COUNT, (double)p->count);
    cJSON_AddStringToObject(e, HW_F_PATH, path);
    cJSON_AddNumberToObject(e, HW_F_RUNS, (double)nruns);
    h = cJSON_AddObjectToObject(e, HW_F_HOST);
    for (size_t i = 0; i < sizeof brief / sizeof brief[0]; i++)
        if ((v = cJSON_GetObjectItemCaseSensitive(host, brief[i])))
            cJSON_AddItemToObject(h, brief[i], cJSON_Duplicate(v, true));
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
        if ((v = cJSON_GetObjectItemCaseSensitive(r, whole[i])))
            cJSON_AddItemToObject(e, whole[i], cJSON_Duplicate(v, true));
    cJSON *jobs = cJSON_AddArrayToObject(e, HW_F_JOBS);
    for (size_t j = 0; j < nruns; j++)
        cJSON_AddItemToArray(jobs, cJSON_CreateNumber((double)idx[j]));
    return e;
}

static int grow(struct hw_merge *m, const char *path, char *err, size_t len)
{
    if (m->nshards < m->cap)
        return 0;
    size_t cap = m->cap ? m->cap * 2 : 8;
    struct shard *s = realloc(m->shards, cap * sizeof *s);
    if (!s) {
        snprintf(err, len, "%s: out of memory", path);
        return 2;
    }
    m->shards = s;
    m->cap = cap;
    return 0;
}

int hw_merge_add(struct hw_merge *m, cJSON *r, const char *path, char *err, size_t len)
{
    struct place p;
    cJSON *runs = cJSON_GetObjectItemCaseSensitive(r, HW_F_RUNS), *run;
    const cJSON *host = cJSON_GetObjectItemCaseSensitive(r, HW_F_HOST);
    int n = cJSON_GetArraySize(runs), rc;
    uint64_t *idx = NULL;
    uint8_t *mark = NULL;
    if ((rc = read_place(r, path, &p, err, len)) != 0)
        goto cleanup;
    if (m->root ? (rc = check_same(m, r, path, err, len)) != 0 || (rc = check_place(m, &p, path, err, len)) != 0
                : (rc = take_first(m, r, &p, path, err, len)) != 0)
        goto cleanup;
    rc = 2;
    idx = calloc(n ? (size_t)n : 1, sizeof *idx);
    mark = calloc(p.jobs_total ? (size_t)p.jobs_total : 1, 1);
    if (!idx || !mark || grow(m, path, err, len) != 0) {
        snprintf(err, len, "%s: out of memory", path);
        goto cleanup;
    }
    if ((rc = index_runs(m, &p, runs, path, idx, mark, err, len)) != 0)
        goto cleanup;
    struct shard *s = &m->shards[m->nshards];
    s->index = p.index;
    snprintf(s->path, sizeof s->path, "%s", path);
    s->entry = shard_entry(r, &p, path, idx, (size_t)n);
    m->nshards++;
    /* Moved, not copied: a shard's runs are most of its tree. */
    for (int i = 0; (run = cJSON_DetachItemFromArray(runs, 0)) != NULL; i++) {
        /* A run of a merged report says which machine it ran on: a sweep may span sizes. */
        if (host && !cJSON_HasObjectItem(run, HW_F_HOST))
            cJSON_AddItemToObject(run, HW_F_HOST, cJSON_Duplicate(host, true));
        m->runs[idx[i]] = run;
        m->owner[idx[i]] = m->nshards;
    }
cleanup:
    /* A first report refused leaves the merge as new. */
    if (rc != 0 && m->nshards == 0)
        free_parts(m);
    free(idx);
    free(mark);
    cJSON_Delete(r);
    return rc;
}

static int by_index(const void *a, const void *b)
{
    const struct shard *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* "3, 4, 7" into buf, cut short with "..." so the message stays one bounded line. */
static size_t list_missing(const struct hw_merge *m, cJSON *arr, char *buf, size_t len)
{
    size_t used = 0, n = 0, k = 0;
    buf[0] = '\0';
    for (uint64_t i = 1; i <= m->fixed.count; i++) {
        while (k < m->nshards && m->shards[k].index < i)
            k++;
        if (k < m->nshards && m->shards[k].index == i)
            continue;
        cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)i));
        if (used + 24 < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%" PRIu64, n ? ", " : "", i);
        else if (used + 4 < len && !strstr(buf, "..."))
            used += (size_t)snprintf(buf + used, len - used, "...");
        n++;
    }
    return n;
}

cJSON *hw_merge_finish(struct hw_merge *m, bool allow_partial, char *err, size_t len)
{
    cJSON *root = NULL, *merged = cJSON_CreateObject(), *missing = cJSON_CreateArray(), *runs, *shards;
    char list[200];
    size_t present = 0;
    if (!m || !m->root) {
        snprintf(err, len, "no report to merge; name the shard reports, e.g. 'highwater merge s1.json s2.json -o all.json'");
        goto cleanup;
    }
    qsort(m->shards, m->nshards, sizeof *m->shards, by_index);
    size_t nmissing = list_missing(m, missing, list, sizeof list);
    if (nmissing && !allow_partial) {
        snprintf(err, len, "%s %s of %" PRIu64 " %s missing (%zu report%s given); run %s and merge them all, or "
                 "pass --allow-partial", nmissing > 1 ? "shards" : "shard", list, m->fixed.count,
                 nmissing > 1 ? "are" : "is", m->nshards, m->nshards > 1 ? "s" : "", nmissing > 1 ? "them" : "it");
        goto cleanup;
    }
    root = m->root;
    m->root = NULL;
    runs = cJSON_AddArrayToObject(root, HW_F_RUNS);
    for (uint64_t j = 0; j < m->fixed.jobs_total; j++)
        if (m->runs[j]) {
            cJSON_AddItemToArray(runs, m->runs[j]);
            m->runs[j] = NULL;
            present++;
        }
    cJSON_AddArrayToObject(root, HW_F_SUMMARY);
    shards = cJSON_AddArrayToObject(merged, HW_F_SHARDS);
    for (size_t i = 0; i < m->nshards; i++) {
        cJSON_AddItemToArray(shards, m->shards[i].entry);
        m->shards[i].entry = NULL;
    }
    cJSON_AddNumberToObject(merged, HW_F_JOBS_TOTAL, (double)m->fixed.jobs_total);
    cJSON_AddNumberToObject(merged, HW_F_JOBS_PRESENT, (double)present);
    cJSON_AddItemToObject(merged, HW_F_MISSING_SHARDS, missing);
    missing = NULL;
    cJSON_AddItemToObject(root, HW_F_MERGED, merged);
    merged = NULL;
    hw_report_summarize(root);
    cJSON_AddItemToObject(root, HW_F_LESSONS, hw_lessons_build(root));
cleanup:
    cJSON_Delete(merged);
    cJSON_Delete(missing);
    hw_merge_free(m);
    return root;
}
