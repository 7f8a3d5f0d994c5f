/* The tree's Pss reader (tree.h): a thread of its own sums /proc/PID/smaps_rollup over the
 * tree's processes. The kernel walks every page table to print smaps_rollup (~10 ms for
 * 500 MiB of 4 KiB pages on this machine, against ~1 us for statm), so it is read at a rate
 * its own cost sets: after a reading that took c seconds of the thread's CPU, the next waits
 * c * (1 - share) / share from its end, with share = HW_PSS_SHARE, which holds the reader to
 * 0.25% of a core, and starts HW_PSS_MIN_GAP after its start at the soonest (1% and 0.2 s
 * were a fifth of the sampler's own cost: 1.0% of a core for a tree of 101, 0.2% for 5). A thread, so that
 * a walk of tens of milliseconds never delays the 1 ms RSS sample, nor the budget kill that
 * rides on it. */
#ifndef HW_TREE_PSS_H
#define HW_TREE_PSS_H
#include "tree.h"
#include <stddef.h>
#include <sys/types.h>

#define HW_PSS_SHARE 0.0025   /* of a core */
#define HW_PSS_MIN_GAP 0.5    /* seconds: a small tree is read at most twice a second */

struct hw_pss_reader;
/* The thread, reading nothing until it is given a set. NULL with why. */
struct hw_pss_reader *hw_pss_reader_start(char *why, size_t len);
/* The tree's processes now (copied). */
void hw_pss_reader_set(struct hw_pss_reader *r, const pid_t *pids, int n);
/* What it has read so far. */
void hw_pss_reader_get(struct hw_pss_reader *r, struct hw_tree_pss *out);
/* Stop and join the thread, keeping its figures for hw_pss_reader_get; NULL is fine. */
void hw_pss_reader_stop(struct hw_pss_reader *r);
void hw_pss_reader_free(struct hw_pss_reader *r);

#endif
