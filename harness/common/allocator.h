/* An allocator choice is which malloc serves each side of a run: one file in allocators/,
 * one line in allocators/list.h. The ops say what the parent sets up (the worker's
 * environment), what the worker calls (open, alloc/free/size for the two sides, stats, peak
 * reset) and what the report models know of it (the thresholds that make regimes). */
#ifndef HW_ALLOCATOR_H
#define HW_ALLOCATOR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hw_allocator_kind {
#define HW_ALLOCATOR(id, ID) HW_ALLOC_##ID,
#include "../../allocators/list.h"
#undef HW_ALLOCATOR
};

/* Who owns a buffer: the Polars side (source columns, frames, Series) or the numpy/pandas side. */
enum hw_side { HW_SIDE_POLARS = 1, HW_SIDE_NUMPY = 2 };

/* Debian's jemalloc, preloaded (jemalloc) or dlopen'ed (mixed). */
#define HW_JEMALLOC_SO "libjemalloc.so.2"
/* jemalloc 5.3's default oversize_threshold: freed extents this big are purged at once,
 * smaller ones stay dirty until dirty_decay_ms. */
#define HW_JEMALLOC_OVERSIZE (8u << 20)
/* What the jemalloc-based allocators (jemalloc, mixed) say of that regime: once, here. */
#define HW_JEMALLOC_THRESHOLD_NAME "jemalloc oversize_threshold 8 MiB"
#define HW_JEMALLOC_KEEPS_FREED                                                                 \
    "jemalloc 5.3 keeps freed extents below its 8 MiB oversize_threshold resident until "     \
    "dirty_decay_ms (10 s) purges them, and purges larger ones at once"

struct hw_allocator;       /* worker/alloc.h: one open allocator in a worker */
struct hw_alloc_stats;

struct hw_allocator_ops {
    const char *name;          /* "jemalloc": configs, specs, reports and --allocators spell it */
    const char *summary;       /* one line for `highwater list` */
    /* The worker's environment, set by the launcher after it clears all three variables. */
    const char *preload;       /* LD_PRELOAD, or NULL */
    const char *tunables;      /* GLIBC_TUNABLES the allocator needs itself, or NULL */
    const char *conf_env;      /* where a run's conf goes: "MALLOC_CONF", "GLIBC_TUNABLES", or
                                * NULL: this allocator takes no conf */
    /* NULL: highwater fidelity runs the twins (the real libraries) under it, by preload alone;
     * else why it does not ("a twin's process has one allocator, so mixed has no twin"). */
    const char *no_twin;
    /* In the worker: 0, or -1 with err (the library is absent, or not preloaded). */
    int (*open)(struct hw_allocator *a, char *err, size_t len);
    void *(*alloc)(struct hw_allocator *a, enum hw_side side, size_t bytes);
    void (*free)(struct hw_allocator *a, enum hw_side side, void *p);
    size_t (*size)(struct hw_allocator *a, enum hw_side side, const void *p);
    /* The jemalloc-like view (mallctl, epoch first) and the glibc view (mallinfo2); either
     * left with have = false when this allocator has none. */
    void (*stats)(struct hw_allocator *a, struct hw_alloc_stats *jemalloc, struct hw_alloc_stats *glibc);
    void (*peak_reset)(struct hw_allocator *a);
    /* The regimes (plan, lessons): freed blocks at least free_threshold bytes go back to the
     * kernel at once, smaller ones may stay resident. */
    double free_threshold;
    const char *threshold_name;    /* "jemalloc oversize_threshold 8 MiB" */
    /* The run chart's name for the "allocator" stats of a phase ("jemalloc" for mixed). */
    const char *stats_name;
    /* Non-NULL: this allocator may hold freed memory resident, and why (lessons' "why:"). */
    const char *keeps_freed;
};

const struct hw_allocator_ops *hw_allocator_find(const char *name);
size_t hw_allocator_count(void);
const struct hw_allocator_ops *hw_allocator_at(size_t i);
/* "glibc, jemalloc, mixed" with sep between names. */
const char *hw_allocator_names(char *buf, size_t len, const char *sep);
/* The name of a kind ("unknown" out of range), and a name's kind: 0, or -1 when unknown. */
const char *hw_allocator_name(enum hw_allocator_kind k);
int hw_allocator_parse(const char *s, enum hw_allocator_kind *out);
/* 0, or -1 with err naming what is missing. */
int hw_allocator_check(const struct hw_allocator_ops *a, char *err, size_t errlen);

#endif
