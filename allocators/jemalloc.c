/* Debian's jemalloc 5.3 for both sides, through LD_PRELOAD: how Python Polars wheels allocate
 * (Polars links jemalloc as its global allocator). Freed extents of 8 MiB or more
 * (oversize_threshold) are purged at once; smaller ones stay resident until dirty_decay_ms.
 * A run's conf is its MALLOC_CONF (dirty_decay_ms:0). */
#include "alloc.h"
#include <dlfcn.h>
#include <stdio.h>

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static int jemalloc_open(struct hw_allocator *a, char *err, size_t len)
{
    a->mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
    if (!a->mallctl) {
        snprintf(err, len, "allocator jemalloc: mallctl not found, %s was not preloaded "
                 "(run through 'highwater run', or set LD_PRELOAD)", HW_JEMALLOC_SO);
        return -1;
    }
    return 0;
}

static void jemalloc_stats(struct hw_allocator *a, struct hw_alloc_stats *je, struct hw_alloc_stats *gl)
{
    (void)gl;
    hw_mallctl_stats(a, je);
}

const struct hw_allocator_ops hw_allocator_jemalloc = {
    .name = "jemalloc",
    .summary = "jemalloc for both sides, LD_PRELOAD of " HW_JEMALLOC_SO " (Python Polars' allocator)",
    .preload = HW_JEMALLOC_SO,
    .conf_env = "MALLOC_CONF",
    .open = jemalloc_open,
    .alloc = hw_malloc_alloc,
    .free = hw_malloc_free,
    .size = hw_malloc_size,
    .stats = jemalloc_stats,
    .peak_reset = hw_mallctl_peak_reset,
    .free_threshold = HW_JEMALLOC_OVERSIZE,
    .threshold_name = HW_JEMALLOC_THRESHOLD_NAME,
    .stats_name = "jemalloc",
    .keeps_freed = HW_JEMALLOC_KEEPS_FREED,
};
