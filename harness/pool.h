/* Threads that stand for a library's own threads (Polars' decode executor, its rayon pool),
 * so that a strategy's allocation lands where the library's would: glibc gives every thread
 * its own arena, and an arena other than the main one returns freed memory only from the
 * top of its last heap (64 MiB heaps), so which thread allocated a buffer decides how much
 * of it stays resident once freed. Jobs run one at a time (the caller waits for each), so
 * the model's bookkeeping (hw_alloc's counters) needs no lock and the order stays
 * deterministic; what the threads change is where memory comes from, not when. */
#ifndef HW_POOL_H
#define HW_POOL_H

struct hw_pool;

/* nthreads threads, idle. NULL if a thread could not be started. */
struct hw_pool *hw_pool_start(unsigned nthreads);
unsigned hw_pool_size(const struct hw_pool *p);
/* fn(arg) on thread i (mod the pool's size); returns once it has run. */
void hw_pool_run(struct hw_pool *p, unsigned i, void (*fn)(void *arg), void *arg);
/* Join every thread; NULL is fine. */
void hw_pool_stop(struct hw_pool *p);

#endif
