#include "run.h"
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>

/* hw_alloc/hw_free run on worker threads too (pool.h: Polars evaluates a select's columns on
 * its thread pool), so the block counters are updated atomically; they are read once the
 * workers have joined. */
static void atomic_max(uint64_t *slot, uint64_t v)
{
    uint64_t cur = __atomic_load_n(slot, __ATOMIC_RELAXED);
    while (v > cur && !__atomic_compare_exchange_n(slot, &cur, v, true, __ATOMIC_RELAXED,
                                                   __ATOMIC_RELAXED))
        ;
}

void *hw_alloc_zeros(struct hw_run *run, enum hw_side side, size_t bytes)
{
    void *p = hw_allocator_alloc(&run->alloc, side, bytes);
    __atomic_fetch_add(&run->blocks.count, 1, __ATOMIC_RELAXED);
    atomic_max(&run->blocks.largest, bytes);
    return p;
}

void *hw_alloc(struct hw_run *run, enum hw_side side, size_t bytes)
{
    void *p = hw_alloc_zeros(run, side, bytes);
    if (!p || side != HW_SIDE_NUMPY || !run->numpy_hugepage || bytes < HW_NUMPY_HUGEPAGE_MIN)
        return p;
    /* numpy's own arithmetic: a block that starts on a page boundary loses its first page
     * too. Its errors are not checked (an old kernel refuses), nor are they here. */
    size_t offset = 4096u - (uintptr_t)p % 4096u;
    if (madvise((char *)p + offset, bytes - offset, MADV_HUGEPAGE) == 0)
        __atomic_fetch_add(&run->blocks.numpy_hugepage, bytes - offset, __ATOMIC_RELAXED);
    return p;
}

void hw_free(struct hw_run *run, enum hw_side side, void *p)
{
    if (!p)
        return;
    size_t n = hw_allocator_size(&run->alloc, side, p);
    atomic_max(&run->blocks.largest_freed, n);
    if (n < HW_JEMALLOC_OVERSIZE)
        __atomic_fetch_add(&run->blocks.freed_small, n, __ATOMIC_RELAXED);
    else
        __atomic_fetch_add(&run->blocks.freed_large, n, __ATOMIC_RELAXED);
    hw_allocator_free(&run->alloc, side, p);
}

int hw_run_fail(struct hw_run *run, const char *fmt, ...)
{
    if (run->error[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(run->error, sizeof run->error, fmt, ap);
        va_end(ap);
    }
    return -1;
}
