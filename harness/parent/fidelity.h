/* `highwater fidelity`: every model beside its real-library twin. The source is exported once
 * (highwater dataset) into a temp directory; each strategy runs as a model (`highwater run`,
 * a worker of its own) and its twin runs on the same cells under the same allocator
 * (`highwater exec -- node|python3 scripts/twins/...`), each in a child process of this one.
 * Per phase, both increments over the RSS at the start of the first strategy phase (after
 * the source is loaded: the load is not compared) are given in output sizes D, and their
 * difference against a tolerance (0.10 D). The result is a highwater.fidelity/1 report that
 * `highwater run --fidelity` folds into run reports and lessons. */
#ifndef HW_FIDELITY_H
#define HW_FIDELITY_H
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define HW_FIDELITY_SCHEMA "highwater.fidelity/1"

struct hw_fidelity_opts {
    char config[PATH_MAX];
    char out[PATH_MAX];          /* -o; "" = results/runs/fidelity-<name>-<time>.json */
    char html[PATH_MAX];
    char data[PATH_MAX];         /* --data: keep the exported source here (reused when current) */
    char strategies[256];
    char allocators[256];        /* default glibc,jemalloc (the twins' two allocators) */
    uint64_t rows;
    double tolerance;            /* in D */
    bool verbose;
};

/* Exit code: 0 every model within the tolerance of its twin or its gap explained, 1 a model
 * off by more with no reason given, 2 bad input, 3 could not run (no node, no pandas, ...). */
int hw_fidelity(const struct hw_fidelity_opts *o);

/* The comparison itself, for tests and for reports read back: the entry of one model run
 * (a report's runs[] element) beside its twin's exec run, as {phases[], run{}} with model_d,
 * real_d, diff_d and within per phase, and twin_warmup {peak_increment_bytes, kept_bytes,
 * kept_d} when the twin marked a "warmup" phase (its library's fixed costs, paid before the
 * first phase: never a row, never the base). NULL (with err) when a side has no usable phases. */
cJSON *hw_fidelity_compare(const cJSON *model_run, const cJSON *twin_run, double tolerance, char *err,
                           size_t len);
/* The verdict on a compared entry ({phases[], run{}}) of strategy s: a row beyond the
 * tolerance is explained only by one of s's fidelity gaps that names its phase ("run" for the
 * run row) and the entry's allocator and whose band holds its difference; such a row gains that gap's `gap` text. Sets
 * the entry's `verdict` ("within", "off, gap explained", "OFF") and `gap` (the reasons used).
 * Returns the number of rows beyond the tolerance that no gap explains. */
struct hw_strategy;
int hw_fidelity_judge(const struct hw_strategy *s, cJSON *entry);
/* The table (stdout) of a fidelity report. */
void hw_fidelity_print(const cJSON *fid, FILE *f);
/* Give a run report's run (a runs[] element) a `fidelity` block from its entry, if any:
 * {library, library_version, rows, tolerance_d, run_diff_d, max_phase_diff_d, within, gap}. */
void hw_fidelity_attach(const cJSON *fid, cJSON *run);
/* The report as one HTML page (fidelity_html.c). 0, or -1 with err. */
int hw_fidelity_html(const cJSON *fid, const char *path, char *err, size_t len);
/* The fidelity entry for a run (same label and allocator), or NULL. */
const cJSON *hw_fidelity_of(const cJSON *fid, const char *label, const char *allocator);

#endif
