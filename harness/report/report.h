/* The report (schema highwater.report/1) is one cJSON tree, the single source of every view:
 * the JSON file, the stdout table, and later the gate, Markdown and HTML. */
#ifndef HW_REPORT_H
#define HW_REPORT_H
#include "config.h"
#include "json_file.h"
#include "report_check.h"
#include "schema.h"
#include "summary.h"
#include <cjson/cJSON.h>
#include <stdio.h>

#define HW_VERSION "0.1.0"

/* Root with schema, tool, host, config (resolved, sha256 of config_text), dataset, empty
 * runs[] and summary[]. NULL on allocation failure. */
cJSON *hw_report_new(const struct hw_config *cfg, const char *config_text, size_t config_len);
/* Just {schema, tool, host}: the start of every report, `run`'s and `exec`'s. */
cJSON *hw_report_base(void);
/* Record an allocator version seen in a worker, once, in host.allocator_versions. */
void hw_report_note_allocator(cJSON *report, const char *version);

/* Through hw_atomic_write (a private temp file renamed over path): a reader never sees half
 * a report, two writers never mix theirs. 0, or -1 with err. */
int hw_report_write(const cJSON *report, const char *path, char *err, size_t len);
/* Where a report goes: given (-o), or results/runs/<name>-<time>.json (the directories made).
 * Checked by creating the temp file it will be written through, so a bad -o fails before any
 * measuring. 0, or -1 with err "-o PATH: what is wrong; what to do". */
int hw_report_path(const char *given, const char *name, char *out, size_t len, char *err, size_t errlen);
/* Read and parse a report; checks the schema name and every number a reader uses
 * (hw_json_check). 0, or 2 with err naming the file. */
int hw_report_load(const char *path, cJSON **out, char *err, size_t len);
/* The same for any of our JSON files (a plan: "highwater.plan/1"); schema NULL takes a
 * report or a plan: common/json_file.h's read, then hw_json_check. */
int hw_json_load(const char *path, const char *schema, cJSON **out, char *err, size_t len);
/* The human table (stdout): one row per summary entry. */
void hw_report_print_table(const cJSON *report, FILE *f);

#endif
