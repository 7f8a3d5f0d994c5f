/* summary[]: one entry per run key (label, allocator, allocator conf) over its repeats, built
 * once by hw_report_summarize and read by everyone else (the table, the gate, compare, plan,
 * lessons, the views) through hw_summary_view: no reader recomputes a median, a count or a
 * verdict from runs[]. */
#ifndef HW_SUMMARY_H
#define HW_SUMMARY_H
#include <cjson/cJSON.h>
#include <stdbool.h>

/* One summary entry, decoded: a number absent from the entry is NaN, a string "" (as
 * hw_jnum and hw_jstr read them), so a reader keeps today's meaning of a missing field. */
struct hw_summary_view {
    const cJSON *entry;               /* the entry itself; owned by its report (or by `owned`) */
    const char *strategy, *label, *allocator, *allocator_conf;
    double runs, ok;
    const char *status, *reason;      /* "ok", "partial", or the first failed run's status */
    double peak_median, peak_min, peak_max;
    double ratio_median, ratio_min, ratio_max;
    double wall_median, wall_min, wall_max;
    bool wall_contended;              /* a wall was taken beside another worker (run -j N) */
    double container_peak_median;     /* the runs' memory cgroup peaks; NaN: none measured */
    double smallest_limit;            /* --find-limit's smallest surviving limit; NaN: none */
    double wall_ratio_at_limit;       /* the run's wall there against its own without a limit */
    const char *output_check;         /* "matches", "mismatch", "unchecked" */
    double cells_differing, max_abs_diff;   /* only with a mismatch */
    const char *peak_phase;
    double budget_ratio;
    bool over_budget;                 /* the one budget verdict: budget_verdict "exceeded" */
    double expect_ratio, expect_error, expect_factor;
    const char *expect_verdict;       /* "held", "wrong", or "" without an expect */
    cJSON *owned;                     /* an entry computed from runs[] (hw_summary_find) */
};

/* Rebuild summary[] from runs[]: per run key, median/min/max peak and wall over the ok
 * repeats, the output check, and the budget and expect verdicts on the median peak ratio. */
void hw_report_summarize(cJSON *report);
/* The summary entry with key's (label, allocator, allocator_conf), or NULL. */
const cJSON *hw_report_summary_of(const cJSON *report, const cJSON *key);
/* Decode one entry (s may be NULL: every field absent). */
void hw_summary_decode(const cJSON *s, struct hw_summary_view *v);
/* The same as a chart reads it: a number not finite is NaN too, and a bare number stands for
 * a stat's median, min and max, so an old report's runs[] records decode into rows as well. */
void hw_summary_decode_chart(const cJSON *s, struct hw_summary_view *v);
/* The summary of key in report, as summary[] has it; when summary[] lacks it or its entry is
 * malformed (an old or hand-made report: runs[] alone), computed from runs[] by the same
 * code hw_report_summarize runs. false when no run has the key. Release with
 * hw_summary_release. */
bool hw_summary_find(const cJSON *report, const cJSON *key, struct hw_summary_view *v);
void hw_summary_release(struct hw_summary_view *v);

/* The verdicts, here once: a measured peak ratio against a belief ("held" within tolerance,
 * else "wrong") and against a budget ("exceeded" past it, else "within"). */
const char *hw_expect_verdict(double peak_ratio, double expect_ratio, double tolerance);
const char *hw_budget_verdict(double peak_ratio, double budget_ratio);

/* A record of runs[]: the first with key, and the first of those not ok (NULL when none). */
const cJSON *hw_runs_first(const cJSON *report, const cJSON *key);
const cJSON *hw_runs_first_failed(const cJSON *report, const cJSON *key);

#endif
