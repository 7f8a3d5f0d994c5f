/* The worker's own bookkeeping (its spec, its run state, every JSON event it builds) lives in
 * a region of its own, outside the allocator being measured. In the measured heap it moved a
 * strategy's figures: growing struct hw_run by 1.3 KB (issue 14's cgroup fields) raised
 * rechunk's jemalloc peak from 439 to 448 MiB at 250k rows, with no cgroup in use: the
 * harness's blocks changed where the strategy's freed extents fell and which jemalloc kept.
 * A strategy's peak must not depend on the harness's struct sizes. */
#ifndef HW_OWN_HEAP_H
#define HW_OWN_HEAP_H
#include <stddef.h>

/* Reserve the region and route cJSON through it. Call once, first thing in the worker. */
void hw_own_heap_init(void);
/* Zeroed bytes of their own mapping, for what lives the whole run (the spec, the run state,
 * the spec's text while it is read): NULL when mmap fails. */
void *hw_own_keep(size_t n);
void hw_own_release(void *p);

#endif
