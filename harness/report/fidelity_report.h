/* The fidelity report (highwater.fidelity/1), which `highwater fidelity` (parent/fidelity.h)
 * writes and `highwater run --fidelity` folds into run reports and lessons: every model beside
 * its real-library twin on the same cells under the same allocator. Per phase, both
 * increments over the RSS at the start of the first strategy phase (after the source is
 * loaded: the load is not compared) are given in output sizes D, and their difference against
 * a tolerance (0.10 D). Its views are views/fidelity_views.h. */
#ifndef HW_FIDELITY_REPORT_H
#define HW_FIDELITY_REPORT_H
#include <cjson/cJSON.h>
#include <stddef.h>

#define HW_FIDELITY_SCHEMA "highwater.fidelity/1"

/* The comparison itself, for tests and for reports read back: the entry of one model run
 * (a report's runs[] element) beside its twin's exec run, as {phases[], run{}} with model_d,
 * real_d, diff_d and within per phase, and twin_warmup {peak_increment_bytes, kept_bytes,
 * kept_d} when the twin marked a "warmup" phase (its library's fixed costs, paid before the
 * first phase: never a row, never the base). NULL (with err) when a side has no usable phases. */
cJSON *hw_fidelity_compare(const cJSON *model_run, const cJSON *twin_run, double tolerance, char *err,
                           size_t len);
/* The verdict on a compared entry ({phases[], run{}}) of strategy s: a row beyond the
 * tolerance is explained only by one of s's fidelity gaps that names its phase ("run" for the
 * run row) and the entry's allocator and whose band holds its difference; such a row gains
 * that gap's `gap` text. Sets
 * the entry's `verdict` ("within", "off, gap explained", "OFF") and `gap` (the reasons used).
 * Returns the number of rows beyond the tolerance that no gap explains. */
struct hw_strategy;
int hw_fidelity_judge(const struct hw_strategy *s, cJSON *entry);
/* Give a run report's run (a runs[] element) a `fidelity` block from its entry, if any:
 * {library, library_version, rows, tolerance_d, run_diff_d, max_phase_diff_d, within, gap}. */
void hw_fidelity_attach(const cJSON *fid, cJSON *run);
/* The fidelity entry for a run (same label and allocator), or NULL. */
const cJSON *hw_fidelity_of(const cJSON *fid, const char *label, const char *allocator);

#endif
