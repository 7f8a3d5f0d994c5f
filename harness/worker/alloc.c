#include "alloc.h"
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static void read_version(struct hw_allocator *a)
{
    const char *v = NULL;
    size_t len = sizeof v;
    if (a->mallctl && a->mallctl("version", &v, &len, NULL, 0) == 0 && v)
        snprintf(a->version, sizeof a->version, "jemalloc %s", v);
    else
        snprintf(a->version, sizeof a->version, "glibc %s", gnu_get_libc_version());
}

int hw_allocator_open(struct hw_allocator *a, enum hw_allocator_kind kind, char *err, size_t len)
{
    memset(a, 0, sizeof *a);
    a->kind = kind;
    switch (kind) {
    case HW_ALLOC_GLIBC:
        /* A preloaded jemalloc here would mean the parent leaked LD_PRELOAD into this run. */
        if (dlsym(RTLD_DEFAULT, "mallctl")) {
            snprintf(err, len, "allocator glibc requested but jemalloc is loaded; unset LD_PRELOAD");
            return -1;
        }
        break;
    case HW_ALLOC_JEMALLOC:
        a->mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
        if (!a->mallctl) {
            snprintf(err, len, "allocator jemalloc: mallctl not found, %s was not preloaded "
                     "(run through 'highwater run', or set LD_PRELOAD)", HW_JEMALLOC_SO);
            return -1;
        }
        break;
    case HW_ALLOC_MIXED:
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
        break;
    }
    read_version(a);
    return 0;
}

void hw_allocator_close(struct hw_allocator *a)
{
    /* Never dlclose jemalloc: its arenas and TSD destructors outlive any handle. */
    a->handle = NULL;
}

void *hw_allocator_alloc(struct hw_allocator *a, enum hw_side side, size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    if (a->kind == HW_ALLOC_MIXED && side == HW_SIDE_POLARS)
        return a->mallocx(bytes, 0);
    return malloc(bytes);
}

void hw_allocator_free(struct hw_allocator *a, enum hw_side side, void *p)
{
    if (!p)
        return;
    if (a->kind == HW_ALLOC_MIXED && side == HW_SIDE_POLARS)
        a->dallocx(p, 0);
    else
        free(p);
}

size_t hw_allocator_size(struct hw_allocator *a, enum hw_side side, const void *p)
{
    if (!p)
        return 0;
    if (a->kind == HW_ALLOC_MIXED && side == HW_SIDE_POLARS)
        return a->sallocx(p, 0);
    return malloc_usable_size((void *)p);
}

static uint64_t ctl_u64(struct hw_allocator *a, const char *name, bool *ok)
{
    size_t v = 0, len = sizeof v;
    if (a->mallctl(name, &v, &len, NULL, 0) != 0)
        *ok = false;
    return (uint64_t)v;
}

void hw_allocator_stats(struct hw_allocator *a, struct hw_alloc_stats *je, struct hw_alloc_stats *gl)
{
    memset(je, 0, sizeof *je);
    memset(gl, 0, sizeof *gl);
    if (a->mallctl) {
        /* Stats are a snapshot taken at the last epoch: advance it before every read. */
        uint64_t epoch = 1;
        size_t elen = sizeof epoch;
        bool ok = a->mallctl("epoch", &epoch, &elen, &epoch, elen) == 0;
        je->allocated = ctl_u64(a, "stats.allocated", &ok);
        je->active = ctl_u64(a, "stats.active", &ok);
        je->resident = ctl_u64(a, "stats.resident", &ok);
        je->mapped = ctl_u64(a, "stats.mapped", &ok);
        je->retained = ctl_u64(a, "stats.retained", &ok);
        je->metadata = ctl_u64(a, "stats.metadata", &ok);
        je->have = ok;
        bool pok = true;
        je->peak_allocated = ctl_u64(a, "thread.peak.read", &pok);
        je->have_peak = pok;
    }
    if (a->kind != HW_ALLOC_JEMALLOC) {
        struct mallinfo2 mi = mallinfo2();
        gl->have = true;
        gl->allocated = mi.uordblks + mi.hblkhd;   /* in use: heap chunks + mmapped blocks */
        gl->active = mi.uordblks + mi.hblkhd;
        gl->mapped = mi.arena + mi.hblkhd;         /* obtained from the kernel */
        gl->resident = mi.arena + mi.hblkhd;       /* upper bound: glibc cannot tell */
        gl->retained = mi.fordblks;                /* free but still held in the heap */
        gl->metadata = 0;
    }
}

void hw_allocator_peak_reset(struct hw_allocator *a)
{
    if (a->mallctl)
        (void)a->mallctl("thread.peak.reset", NULL, NULL, NULL, 0);
}
