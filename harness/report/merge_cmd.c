/* `highwater merge R1.json R2.json ... -o ALL.json`: the reports read one at a time into the
 * merge, the merged report written only once every one of them was taken. */
#include "merge.h"
#include "accounting.h"
#include "atomic.h"
#include "json.h"
#include "lessons.h"
#include "report.h"
#include "schema_fields.h"
#include "json_file.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_done(const cJSON *merged, const char *out)
{
    const cJSON *mb = cJSON_GetObjectItemCaseSensitive(merged, HW_F_MERGED), *e;
    const cJSON *missing = cJSON_GetObjectItemCaseSensitive(mb, HW_F_MISSING_SHARDS);
    const cJSON *shards = cJSON_GetObjectItemCaseSensitive(mb, HW_F_SHARDS);
    double count = hw_jnum(cJSON_GetArrayItem(shards, 0), HW_F_COUNT);
    hw_report_print_table(merged, stdout);
    hw_lessons_print(cJSON_GetObjectItemCaseSensitive(merged, HW_F_LESSONS), stdout);
    printf("\nmerged %d of %.0f shards, %.0f of %.0f jobs", cJSON_GetArraySize(shards), count,
           hw_jnum(mb, HW_F_JOBS_PRESENT), hw_jnum(mb, HW_F_JOBS_TOTAL));
    if (cJSON_GetArraySize(missing) > 0) {
        const char *sep = "; missing shards: ";
        cJSON_ArrayForEach(e, missing) {
            printf("%s%.0f", sep, e->valuedouble);
            sep = ", ";
        }
    }
    printf("\n");
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(mb, HW_F_ACCOUNTING);
    if (acc)
        hw_accounting_print(acc, stdout);
    printf("report: %s\n", out);
}

/* --sacct: read before any report, so a bad file fails before a hundred shards are. */
static int load_sacct(const struct hw_merge_opts *o, struct hw_sacct *s, char *err, size_t len)
{
    char *text = NULL;
    size_t n = 0;
    if (hw_file_read_text(o->sacct, &text, &n, err, len) != 0)
        return 2;
    int rc = hw_sacct_parse(text, o->sacct, s, err, len);
    free(text);
    return rc;
}

/* merged.accounting, and one line a task whose MaxRSS is not where highwater's figures put it. */
static int attach_sacct(cJSON *merged, const struct hw_sacct *s, double interval, char *err, size_t len)
{
    int bad = hw_accounting_attach(merged, s, interval);
    const cJSON *t;
    if (bad < 0) {
        snprintf(err, len, "out of memory setting sacct's figures beside the shards");
        return 3;
    }
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(merged, HW_F_MERGED),
                                                               HW_F_ACCOUNTING), HW_F_TASKS))
        if (strcmp(hw_jstr(t, HW_F_VERDICT), HW_F_CONSISTENT) != 0)
            fprintf(stderr, "highwater merge: shard %.0f (job %s): %s: %s\n", hw_jnum(t, HW_F_INDEX),
                    hw_jstr(t, HW_F_JOB_ID), hw_jstr(t, HW_F_VERDICT), hw_jstr(t, HW_F_REASON));
    return 0;
}

int hw_merge(const struct hw_merge_opts *o)
{
    char err[2 * PATH_MAX + 1024];
    struct hw_merge *m = hw_merge_new();
    struct hw_sacct sacct = {0};
    cJSON *merged = NULL;
    int rc = 2;
    if (!m) {
        fprintf(stderr, "highwater merge: out of memory\n");
        return 3;
    }
    /* A bad -o fails before a hundred shards are read. */
    if (hw_path_check("-o", o->out, err, sizeof err) != 0 ||
        (o->sacct[0] && load_sacct(o, &sacct, err, sizeof err) != 0))
        goto cleanup;
    for (int i = 0; i < o->n; i++) {
        cJSON *r = NULL;
        if (hw_report_load(o->paths[i], &r, err, sizeof err) != 0 ||
            hw_merge_add(m, r, o->paths[i], err, sizeof err) != 0)
            goto cleanup;
    }
    merged = hw_merge_finish(m, o->allow_partial, err, sizeof err);
    m = NULL;
    if (!merged)
        goto cleanup;
    if (o->sacct[0] && (rc = attach_sacct(merged, &sacct, o->sacct_interval, err, sizeof err)) != 0)
        goto cleanup;
    rc = 2;
    if (hw_report_write(merged, o->out, err, sizeof err) != 0) {
        rc = 3;
        goto cleanup;
    }
    print_done(merged, o->out);
    rc = 0;
cleanup:
    if (rc != 0)
        fprintf(stderr, "highwater merge: %s\n", err);
    hw_merge_free(m);
    hw_sacct_free(&sacct);
    cJSON_Delete(merged);
    return rc;
}
