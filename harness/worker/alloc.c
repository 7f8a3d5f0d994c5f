#include "alloc.h"
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hw_allocator_version(struct hw_allocator *a)
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
    a->ops = hw_allocator_at((size_t)kind);
    if (!a->ops) {
        snprintf(err, len, "allocator %d: not in allocators/list.h", (int)kind);
        return -1;
    }
    if (a->ops->open(a, err, len) != 0)
        return -1;
    /* An allocator's open may name its own version; the rest are jemalloc's or glibc's. */
    if (!a->version[0])
        hw_allocator_version(a);
    return 0;
}

void hw_allocator_close(struct hw_allocator *a)
{
    /* Never dlclose jemalloc: its arenas and TSD destructors outlive any handle. */
    a->handle = NULL;
}

/* An allocator set up by hand (tests: a zeroed struct with its kind) has no ops yet. */
static const struct hw_allocator_ops *ops_of(const struct hw_allocator *a)
{
    return a->ops ? a->ops : hw_allocator_at((size_t)a->kind);
}

void *hw_allocator_alloc(struct hw_allocator *a, enum hw_side side, size_t bytes)
{
    return ops_of(a)->alloc(a, side, bytes == 0 ? 1 : bytes);
}

void hw_allocator_free(struct hw_allocator *a, enum hw_side side, void *p)
{
    if (p)
        ops_of(a)->free(a, side, p);
}

size_t hw_allocator_size(struct hw_allocator *a, enum hw_side side, const void *p)
{
    return p ? ops_of(a)->size(a, side, p) : 0;
}

void hw_allocator_stats(struct hw_allocator *a, struct hw_alloc_stats *je, struct hw_alloc_stats *gl)
{
    memset(je, 0, sizeof *je);
    memset(gl, 0, sizeof *gl);
    ops_of(a)->stats(a, je, gl);
}

void hw_allocator_peak_reset(struct hw_allocator *a)
{
    ops_of(a)->peak_reset(a);
}

void *hw_malloc_alloc(struct hw_allocator *a, enum hw_side side, size_t bytes)
{
    (void)a;
    (void)side;
    return malloc(bytes);
}

void hw_malloc_free(struct hw_allocator *a, enum hw_side side, void *p)
{
    (void)a;
    (void)side;
    free(p);
}

size_t hw_malloc_size(struct hw_allocator *a, enum hw_side side, const void *p)
{
    (void)a;
    (void)side;
    return malloc_usable_size((void *)p);
}

static uint64_t ctl_u64(struct hw_allocator *a, const char *name, bool *ok)
{
    size_t v = 0, len = sizeof v;
    if (a->mallctl(name, &v, &len, NULL, 0) != 0)
        *ok = false;
    return (uint64_t)v;
}

void hw_mallctl_stats(struct hw_allocator *a, struct hw_alloc_stats *je)
{
    if (!a->mallctl)
        return;
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

void hw_mallinfo_stats(struct hw_alloc_stats *gl)
{
    struct mallinfo2 mi = mallinfo2();
    gl->have = true;
    gl->allocated = mi.uordblks + mi.hblkhd;   /* in use: heap chunks + mmapped blocks */
    gl->active = mi.uordblks + mi.hblkhd;
    gl->mapped = mi.arena + mi.hblkhd;         /* obtained from the kernel */
    gl->resident = mi.arena + mi.hblkhd;       /* upper bound: glibc cannot tell */
    gl->retained = mi.fordblks;                /* free but still held in the heap */
    gl->metadata = 0;
}

void hw_mallctl_peak_reset(struct hw_allocator *a)
{
    if (a->mallctl)
        (void)a->mallctl("thread.peak.reset", NULL, NULL, NULL, 0);
}
