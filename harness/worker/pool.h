/* Threads that stand for a library's own (Polars' rayon POOL, its IPC decode threads), so
 * that a strategy's allocations happen on the thread the library's would: glibc serves each
 * thread from an arena of its own (one per thread, up to 8 x cores), and an arena other than
 * the main one gives freed memory back only from the top of its last heap, so the thread
 * that allocated a buffer decides how much of it stays resident once freed, as in the real
 * process. The threads are started once per run, on first use, and live as long as it, as
 * rayon's do; jobs run one at a time, the calling (main) thread waiting, as Python waits in
 * Polars' POOL.install. hw_alloc/hw_free are safe on them (run.c counts atomically). */
#ifndef HW_POOL_H
#define HW_POOL_H
#include "run.h"
#include <stdint.h>

/* One work item on worker `worker` (0 .. threads-1). 0, or -1 with *why set to a static
 * message (or a buffer the ctx owns); the failing thread then takes no more items. */
typedef int (*hw_pool_fn)(void *ctx, unsigned worker, uint32_t item, const char **why);

/* Items [0, n) on `threads` worker threads (0: hw_pool_default_threads()), each taking one
 * contiguous share in order: worker t runs [t*n/T, (t+1)*n/T), the shape rayon's halving
 * split of a column range gives equal items. 0, or -1 after hw_run_fail (a thread could not
 * start, or an item failed: its message names the item). */
int hw_pool_for(struct hw_run *run, unsigned threads, uint32_t n, hw_pool_fn fn, void *ctx);
/* fn(ctx, worker, 0, &why) on that one worker thread, for a step the library does on one of
 * its threads (a batch decode). Workers past hw_pool_for's stand for the library's other
 * threads (Polars' streaming executor beside its rayon pool): the pool grows to hold them.
 * 0, or -1 (hw_run_fail). */
int hw_pool_on(struct hw_run *run, unsigned worker, hw_pool_fn fn, void *ctx);
/* The pool size Polars picks by default: the CPUs this process may run on, at least 1. */
unsigned hw_pool_default_threads(void);
/* Join the run's threads (the worker does, after the strategy) and free what the library
 * keeps for the process (run->polars_kept); safe when none started. */
void hw_pool_stop(struct hw_run *run);

#endif
