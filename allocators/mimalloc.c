/* Debian's mimalloc 2.0 (libmimalloc2.0) for both sides, through LD_PRELOAD: Microsoft's
 * allocator, which some Rust builds (and DuckDB-style engines) link instead of jemalloc; here
 * it shows that an allocator is one file and one line. Release mimalloc keeps no allocated-bytes
 * counters, so a phase has no allocator stats (mi_process_info's figures are the process's,
 * which the phase already has from /proc). Blocks above its large-object limit get a segment
 * of their own, given back at free: measured here (Debian 2.0.9, one block touched and freed
 * in a fresh process), a freed 16 MiB block stayed resident, a 17 MiB one went back at once
 * (0.1 MiB kept), as the 2.0 sources' 16 MiB limit says. Its options are one variable
 * each (MIMALLOC_PURGE_DELAY, ...), so it takes no conf: set them before highwater. */
#include "alloc.h"
#include <dlfcn.h>
#include <stdio.h>

#define HW_MIMALLOC_SO "libmimalloc.so.2"

static int mimalloc_open(struct hw_allocator *a, char *err, size_t len)
{
    int (*version)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "mi_version");
    if (!version) {
        snprintf(err, len, "allocator mimalloc: mi_version not found, %s was not preloaded "
                 "(run through 'highwater run', or set LD_PRELOAD; install libmimalloc-dev)", HW_MIMALLOC_SO);
        return -1;
    }
    int v = version();
    snprintf(a->version, sizeof a->version, "mimalloc %d.%d.%d", v / 100, v / 10 % 10, v % 10);
    return 0;
}

static void mimalloc_stats(struct hw_allocator *a, struct hw_alloc_stats *je, struct hw_alloc_stats *gl)
{
    (void)a;
    (void)je;
    (void)gl;
}

static void mimalloc_peak_reset(struct hw_allocator *a)
{
    (void)a;
}

const struct hw_allocator_ops hw_allocator_mimalloc = {
    .name = "mimalloc",
    .summary = "mimalloc 2.0 for both sides, LD_PRELOAD of " HW_MIMALLOC_SO " (no allocator stats)",
    .preload = HW_MIMALLOC_SO,
    .no_twin = "the models' fidelity gaps were measured under glibc and jemalloc, not mimalloc",
    .open = mimalloc_open,
    .alloc = hw_malloc_alloc,
    .free = hw_malloc_free,
    .size = hw_malloc_size,
    .stats = mimalloc_stats,
    .peak_reset = mimalloc_peak_reset,
    .free_threshold = 16.0 * 1024 * 1024,
    .threshold_name = "mimalloc large-object limit 16 MiB",
    .stats_name = "mimalloc",
};
