/* The worker's long-lived bookkeeping (its spec, its run state, the spec's text while it is
 * read) lives in mappings of its own, outside the allocator being measured. In the measured
 * heap it moved a strategy's figures: growing struct hw_run by 1.3 KB (issue 14's cgroup
 * fields) raised rechunk's jemalloc peak from 439 to 448 MiB at 250k rows, with no cgroup in
 * use: the harness's blocks changed where the strategy's freed extents fell and which
 * jemalloc kept. A strategy's peak must not depend on the harness's struct sizes.
 *
 * The JSON events stay in the measured heap, on purpose for now: moving them out too (a bump
 * region for cJSON) raised pandas-clean-chain's median phase from +2.1 to +2.5 D under glibc
 * and took the model 0.16 D from real pandas. Their small blocks, made and freed at every
 * phase boundary, stand in for the small objects a real library churns, which decide what
 * glibc trims; the pandas model should model that churn itself (README, lesson 26). */
#ifndef HW_OWN_HEAP_H
#define HW_OWN_HEAP_H
#include <stddef.h>

/* Zeroed bytes of their own mapping: NULL when mmap fails. */
void *hw_own_keep(size_t n);
void hw_own_release(void *p);

#endif
