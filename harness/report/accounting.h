/* The scheduler's own peak of each shard's task beside highwater's figures for it: a merged
 * report's merged.accounting (merge --sacct). Slurm's jobacct_gather/linux adds up the RSS of
 * every process of the batch step (highwater's parent, its launchers, the workers running)
 * once every JobAcctGatherFrequency seconds, so its MaxRSS must lie between two figures
 * highwater measured:
 *
 *   held_bytes       the most RSS one worker held without a break for two sampling
 *                    intervals (from its timeline): some sample saw at least that;
 *   step_peak_bytes  the largest worker peak (a helper's, or a run's: with run -j N the N
 *                    largest run peaks together) plus the parent's and the N launchers' peaks,
 *                    plus the kernel's per-CPU counter skew for each process: no sample can
 *                    see more.
 *
 * A MaxRSS outside [held, step_peak] means one of the two tools does not measure what this
 * says, and the verdict names which side. A peak held for less than an interval is missed by
 * sacct by design: that is why the lower figure is the held one, not the peak. */
#ifndef HW_ACCOUNTING_H
#define HW_ACCOUNTING_H
#include "sacct.h"
#include <cjson/cJSON.h>
#include <stdio.h>

/* Adds merged.accounting to a merged report from the sacct rows, each shard matched by its
 * scheduler block's job id. interval_seconds: the cluster's JobAcctGatherFrequency. Returns
 * the number of tasks whose verdict is not "consistent" (a row missing counts), or -1 out of
 * memory. */
int hw_accounting_attach(cJSON *merged_report, const struct hw_sacct *s, double interval_seconds);

/* The most RSS held for window seconds without a break in a run's timeline {t[], rss[]}: the
 * largest minimum over any window of that length inside the run, each window widened by the
 * timeline's largest gap between kept points (a merged bucket keeps only its lowest and
 * highest sample). 0 when the run is shorter than the window; -1 without a timeline. */
double hw_accounting_held(const cJSON *timeline, double window);

/* What `workers` workers can hold at once: the sum of the largest that many of peaks[0..len)
 * (sorted in place, largest first). The bound above for a run -j N step, and run
 * --shard-memory's prediction for one. */
double hw_accounting_at_once(double *peaks, size_t len, size_t workers);

/* The merged.accounting table, one line a task. */
void hw_accounting_print(const cJSON *accounting, FILE *f);

#endif
