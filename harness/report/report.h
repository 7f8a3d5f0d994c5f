/* The report (schema highwater.report/1) is one cJSON tree, the single source of every view:
 * the JSON file, the stdout table, and later the gate, Markdown and HTML. */
#ifndef HW_REPORT_H
#define HW_REPORT_H
#include "config.h"
#include "report_check.h"
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
/* Rebuild summary[] from runs[]: per (label, allocator, allocator_conf), median/min/max peak
 * and wall over the ok repeats, and the expect verdict on the median peak. */
void hw_report_summarize(cJSON *report);
/* The largest report or plan read: past it a file is refused before malloc. Real reports are
 * far smaller (timelines are decimated to 1000 buckets a run; the biggest in results/ is 20 MB
 * with 1 ms timelines), and cJSON's tree takes about 10x the text, so 256 MiB of text is
 * already ~2.5 GiB in memory: generous for a report, safe for a CI runner. */
#define HW_JSON_MAX_BYTES (256ull << 20)

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
 * report or a plan. A regular file of at most HW_JSON_MAX_BYTES: a directory, FIFO, device or
 * empty file is an error, never a hang or a huge malloc. */
int hw_json_load(const char *path, const char *schema, cJSON **out, char *err, size_t len);
/* The summary entry with key's (label, allocator, allocator_conf), or NULL. */
const cJSON *hw_report_summary_of(const cJSON *report, const cJSON *key);
/* The human table (stdout): one row per summary entry. */
void hw_report_print_table(const cJSON *report, FILE *f);

/* Verdict of a measured peak against a belief: "held" within tolerance, else "wrong". */
const char *hw_expect_verdict(double peak_ratio, double expect_ratio, double tolerance);

#endif
