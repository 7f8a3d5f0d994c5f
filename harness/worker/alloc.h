/* Who owns a buffer, and which allocator serves it. In a real Polars -> numpy process the
 * Polars side (source columns, frames, Series) allocates through jemalloc and the numpy/pandas
 * side through glibc malloc. Strategies name the side; the run's allocator choice decides:
 *   glibc    : both sides -> malloc (no preload)
 *   jemalloc : both sides -> malloc, which is jemalloc through LD_PRELOAD
 *   mixed    : Polars side -> mallocx/dallocx of a dlopen'ed libjemalloc, numpy side -> malloc */
#ifndef HW_ALLOC_H
#define HW_ALLOC_H
#include "config.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hw_side { HW_SIDE_POLARS = 1, HW_SIDE_NUMPY = 2 };

#define HW_JEMALLOC_SO "libjemalloc.so.2"
/* jemalloc 5.3's default oversize_threshold: freed extents this big are purged at once,
 * smaller ones stay dirty until dirty_decay_ms. */
#define HW_JEMALLOC_OVERSIZE (8u << 20)

/* One allocator's view at a phase boundary. */
struct hw_alloc_stats {
    bool have;                 /* false: this allocator is not in the process */
    uint64_t allocated, active, resident, mapped, retained, metadata;
    bool have_peak;
    uint64_t peak_allocated;   /* jemalloc thread.peak since the last reset */
};

struct hw_allocator {
    enum hw_allocator_kind kind;
    int (*mallctl)(const char *, void *, size_t *, void *, size_t);  /* NULL: no jemalloc */
    void *(*mallocx)(size_t, int);                                    /* mixed only */
    void (*dallocx)(void *, int);
    size_t (*sallocx)(const void *, int);
    void *handle;                                                     /* dlopen, mixed only */
    char version[64];
};

/* 0, or -1 with err: mixed needs libjemalloc.so.2, jemalloc needs it preloaded. */
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

#endif
