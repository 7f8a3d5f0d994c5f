/* Worker threads as Polars' rayon POOL runs a select: every column of a select (or of a
 * median) is evaluated on one of `threads` worker threads, the main thread waiting. The
 * allocations therefore happen on those threads, and glibc serves each thread from an arena
 * of its own (one per thread up to 8 x cores): what a worker frees stays in its arena, kept
 * for that thread's next allocations, exactly as in the real process. The model must
 * allocate where the library does, or the allocator's retention is not the library's. */
#ifndef HW_POOL_H
#define HW_POOL_H
#include "run.h"
#include <stdint.h>

/* Columns (or any work items) [0, n) handed out to the threads one at a time, in order, each
 * to whichever thread is free first (rayon splits the range and steals; with equal items the
 * shape is the same: `threads` items in flight). worker (0 .. threads-1) names the thread, for
 * per-thread scratch. fn returns 0, or -1 with *why set to a static message; then the items
 * not yet started are skipped. */
typedef int (*hw_pool_fn)(void *ctx, unsigned worker, uint32_t item, const char **why);

/* 0, or -1 after hw_run_fail (a thread could not start, or fn failed on an item). threads 0:
 * the number of online CPUs (Polars' default pool size). */
int hw_pool_for(struct hw_run *run, unsigned threads, uint32_t n, hw_pool_fn fn, void *ctx);

/* The pool size Polars picks by default: the online CPUs, at least 1. */
unsigned hw_pool_default_threads(void);

#endif
