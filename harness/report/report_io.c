/* A report to and from disk: where it goes, its atomic write, and its load with the checks
 * every reader relies on. */
#include "report.h"
#include "atomic.h"
#include "json_file.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int put_report(FILE *f, const void *ctx, char *err, size_t len)
{
    const char *text = ctx;
    if (fputs(text, f) == EOF || fputc('\n', f) == EOF) {
        snprintf(err, len, "writing the report failed: %s; free some space or choose another "
                 "path with -o", strerror(errno));
        return -1;
    }
    return 0;
}

int hw_report_write(const cJSON *report, const char *path, char *err, size_t len)
{
    char *text = cJSON_Print(report);
    if (!text) {
        snprintf(err, len, "%s: out of memory printing the report", path);
        return -1;
    }
    int rc = hw_atomic_write(path, put_report, text, err, len);
    free(text);
    return rc;
}

int hw_report_load(const char *path, cJSON **out, char *err, size_t len)
{
    return hw_json_load(path, HW_REPORT_SCHEMA, out, err, len);
}

int hw_json_load(const char *path, const char *schema_want, cJSON **out, char *err, size_t len)
{
    const char *one[] = {schema_want, NULL}, *either[] = {HW_REPORT_SCHEMA, HW_PLAN_SCHEMA, NULL};
    cJSON *r = NULL;
    int rc = hw_json_file_load(path, schema_want ? one : either, &r, err, len);
    if (rc == 0 && hw_json_check(r, path, err, len) != 0) {
        hw_json_file_one_line(err, len);
        cJSON_Delete(r);
        r = NULL;
        rc = 2;
    }
    *out = r;
    return rc;
}

int hw_report_path(const char *given, const char *name, char *out, size_t len, char *err, size_t errlen)
{
    if (given && given[0]) {
        snprintf(out, len, "%s", given);
    } else {
        char stamp[32];
        time_t now = time(NULL);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
        mkdir("results", 0755);
        mkdir("results/runs", 0755);
        snprintf(out, len, "results/runs/%s-%s.json", name, stamp);
    }
    /* Fail before any run, not after an hour of measuring. */
    return hw_path_check("-o", out, err, errlen);
}
