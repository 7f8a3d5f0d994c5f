/* glibc malloc for both sides, no preload: what numpy and pandas allocate with, and what the
 * Node binding of Polars uses. Freed blocks of 128 KiB or more (its initial mmap threshold)
 * are mmapped and go back to the kernel at once; smaller ones stay in the heap. A run's conf
 * is a GLIBC_TUNABLES string (glibc.malloc.hugetlb=1). */
#include "alloc.h"
#include <dlfcn.h>
#include <stdio.h>

static int glibc_open(struct hw_allocator *a, char *err, size_t len)
{
    (void)a;
    /* A preloaded jemalloc here would mean the parent leaked LD_PRELOAD into this run. */
    if (dlsym(RTLD_DEFAULT, "mallctl")) {
        snprintf(err, len, "allocator glibc requested but jemalloc is loaded; unset LD_PRELOAD");
        return -1;
    }
    return 0;
}

static void glibc_stats(struct hw_allocator *a, struct hw_alloc_stats *je, struct hw_alloc_stats *gl)
{
    (void)a;
    (void)je;
    hw_mallinfo_stats(gl);
}

const struct hw_allocator_ops hw_allocator_glibc = {
    .name = "glibc",
    .summary = "glibc malloc for both sides (numpy's and pandas' allocator; no preload)",
    .conf_env = "GLIBC_TUNABLES",
    .open = glibc_open,
    .alloc = hw_malloc_alloc,
    .free = hw_malloc_free,
    .size = hw_malloc_size,
    .stats = glibc_stats,
    .peak_reset = hw_mallctl_peak_reset,
    .free_threshold = 128.0 * 1024,
    .threshold_name = "glibc mmap threshold 128 KiB",
    .stats_name = "glibc",
};
