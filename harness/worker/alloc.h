/* Who owns a buffer, and which allocator serves it. In a real Polars -> numpy process the
 * Polars side (source columns, frames, Series) allocates through jemalloc and the numpy/pandas
 * side through glibc malloc. Strategies name the side; the run's allocator choice (one file in
 * allocators/, its ops in common/allocator.h) decides, e.g.:
 *   glibc    : both sides -> malloc (no preload)
 *   jemalloc : both sides -> malloc, which is jemalloc through LD_PRELOAD
 *   mixed    : Polars side -> mallocx/dallocx of a dlopen'ed libjemalloc, numpy side -> malloc
 * The helpers at the end are the pieces allocators/ builds its ops from. */
#ifndef HW_ALLOC_H
#define HW_ALLOC_H
#include "allocator.h"
#include "config.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One allocator's view at a phase boundary. */
struct hw_alloc_stats {
    bool have;                 /* false: this allocator is not in the process */
    uint64_t allocated, active, resident, mapped, retained, metadata;
    bool have_peak;
    uint64_t peak_allocated;   /* jemalloc thread.peak since the last reset */
};

struct hw_allocator {
    enum hw_allocator_kind kind;
    const struct hw_allocator_ops *ops;
    int (*mallctl)(const char *, void *, size_t *, void *, size_t);  /* NULL: no jemalloc */
    void *(*mallocx)(size_t, int);                                    /* mixed only */
    void (*dallocx)(void *, int);
    size_t (*sallocx)(const void *, int);
    void *handle;                                                     /* dlopen, mixed only */
    char version[64];
};

/* 0, or -1 with err: the allocator's open says why (mixed needs libjemalloc.so.2, jemalloc
 * needs it preloaded). */
int hw_allocator_open(struct hw_allocator *a, enum hw_allocator_kind kind, char *err, size_t len);
void hw_allocator_close(struct hw_allocator *a);

void *hw_allocator_alloc(struct hw_allocator *a, enum hw_side side, size_t bytes);
void hw_allocator_free(struct hw_allocator *a, enum hw_side side, void *p);
/* The usable size of a block the allocator handed out (malloc_usable_size, or sallocx on
 * mixed's Polars side). */
size_t hw_allocator_size(struct hw_allocator *a, enum hw_side side, const void *p);

/* jemalloc's view (epoch refreshed first) and glibc's (mallinfo2). */
void hw_allocator_stats(struct hw_allocator *a, struct hw_alloc_stats *jemalloc,
                        struct hw_alloc_stats *glibc);
/* Restart jemalloc's thread.peak for the next phase. */
void hw_allocator_peak_reset(struct hw_allocator *a);

/* For allocators/: plain malloc for both sides (whatever malloc the process has). */
void *hw_malloc_alloc(struct hw_allocator *a, enum hw_side side, size_t bytes);
void hw_malloc_free(struct hw_allocator *a, enum hw_side side, void *p);
size_t hw_malloc_size(struct hw_allocator *a, enum hw_side side, const void *p);
/* a->mallctl's stats (epoch first) into je; left empty without mallctl. */
void hw_mallctl_stats(struct hw_allocator *a, struct hw_alloc_stats *je);
/* glibc's mallinfo2 into gl. */
void hw_mallinfo_stats(struct hw_alloc_stats *gl);
/* thread.peak.reset through a->mallctl, if any; a no-op without. */
void hw_mallctl_peak_reset(struct hw_allocator *a);
/* "jemalloc 5.3.0-..." through mallctl, else "glibc 2.36". */
void hw_allocator_version(struct hw_allocator *a);

#endif
