/* The real Polars -> numpy process: the Polars side (source columns, frames, Series) through
 * mallocx/dallocx of a dlopen'ed libjemalloc, the numpy/pandas side through glibc malloc, in
 * one process. The source lives on the jemalloc side, so jemalloc's 8 MiB oversize_threshold
 * makes the regimes. A run's conf is jemalloc's MALLOC_CONF. */
#include "alloc.h"
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static int mixed_open(struct hw_allocator *a, char *err, size_t len)
{
    /* RTLD_LOCAL: jemalloc serves only what we hand it; malloc stays glibc's. */
    a->handle = dlopen(HW_JEMALLOC_SO, RTLD_NOW | RTLD_LOCAL);
    if (!a->handle) {
        snprintf(err, len, "allocator mixed: cannot dlopen %s (%s); install libjemalloc-dev",
                 HW_JEMALLOC_SO, dlerror());
        return -1;
    }
    a->mallctl = (mallctl_fn)dlsym(a->handle, "mallctl");
    a->mallocx = (void *(*)(size_t, int))dlsym(a->handle, "mallocx");
    a->dallocx = (void (*)(void *, int))dlsym(a->handle, "dallocx");
    a->sallocx = (size_t (*)(const void *, int))dlsym(a->handle, "sallocx");
    if (!a->mallctl || !a->mallocx || !a->dallocx || !a->sallocx) {
        snprintf(err, len, "allocator mixed: %s lacks mallctl/mallocx/dallocx", HW_JEMALLOC_SO);
        dlclose(a->handle);
        a->handle = NULL;
        return -1;
    }
    return 0;
}

static void *mixed_alloc(struct hw_allocator *a, enum hw_side side, size_t bytes)
{
    return side == HW_SIDE_POLARS ? a->mallocx(bytes, 0) : malloc(bytes);
}

static void mixed_free(struct hw_allocator *a, enum hw_side side, void *p)
{
    if (side == HW_SIDE_POLARS)
        a->dallocx(p, 0);
    else
        free(p);
}

static size_t mixed_size(struct hw_allocator *a, enum hw_side side, const void *p)
{
    return side == HW_SIDE_POLARS ? a->sallocx(p, 0) : malloc_usable_size((void *)p);
}

static void mixed_stats(struct hw_allocator *a, struct hw_alloc_stats *je, struct hw_alloc_stats *gl)
{
    hw_mallctl_stats(a, je);
    hw_mallinfo_stats(gl);
}

const struct hw_allocator_ops hw_allocator_mixed = {
    .name = "mixed",
    .summary = "jemalloc (dlopen'ed) for the Polars side, glibc malloc for the numpy side, in one process",
    /* Debian's jemalloc uses initial-exec TLS: dlopen'ed it needs room in the static TLS
     * block, which glibc reserves only on request. */
    .tunables = "glibc.rtld.optional_static_tls=65536",
    .conf_env = "MALLOC_CONF",
    .no_twin = "a twin's process has one allocator, so mixed has no twin",
    .open = mixed_open,
    .alloc = mixed_alloc,
    .free = mixed_free,
    .size = mixed_size,
    .stats = mixed_stats,
    .peak_reset = hw_mallctl_peak_reset,
    .free_threshold = HW_JEMALLOC_OVERSIZE,
    .threshold_name = HW_JEMALLOC_THRESHOLD_NAME,
    .stats_name = "jemalloc",
    .keeps_freed = HW_JEMALLOC_KEEPS_FREED,
};
