/* The one check of the numbers in a report or plan read from disk, run by hw_json_load before
 * any reader (gate, compare, plot, plan --from, run --plan) sees the tree: a baseline with
 * 1e999 peaks (cJSON reads inf) must not turn a doubled peak into "improved". */
#ifndef HW_REPORT_CHECK_H
#define HW_REPORT_CHECK_H
#include <cjson/cJSON.h>
#include <stddef.h>

/* The schemas the check knows by name (report.c and plan.c build them). */
#define HW_REPORT_SCHEMA "highwater.report/1"
#define HW_PLAN_SCHEMA "highwater.plan/1"

/* Every peak, wall, ratio and count a reader uses, by the tree's own schema: finite and not
 * negative (peaks > 0 in an ok run, counts whole). 0, or -1 with err
 * "FILE: runs[3].peak_rss_bytes is inf, expected ...; regenerate it". */
int hw_json_check(const cJSON *root, const char *file, char *err, size_t len);

#endif
