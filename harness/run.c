#include "run.h"
#include <stdarg.h>
#include <stdio.h>

void *hw_alloc(struct hw_run *run, enum hw_side side, size_t bytes)
{
    void *p = hw_allocator_alloc(&run->alloc, side, bytes);
    run->blocks.count++;
    if (bytes > run->blocks.largest)
        run->blocks.largest = bytes;
    return p;
}

void hw_free(struct hw_run *run, enum hw_side side, void *p)
{
    if (!p)
        return;
    size_t n = hw_allocator_size(&run->alloc, side, p);
    if (n > run->blocks.largest_freed)
        run->blocks.largest_freed = n;
    if (n < HW_JEMALLOC_OVERSIZE)
        run->blocks.freed_small += n;
    else
        run->blocks.freed_large += n;
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
