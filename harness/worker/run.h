/* The worker's side of one run: what a strategy sees. A strategy allocates through
 * hw_alloc (naming the owning side), marks phases (phase.h), and reports failure with
 * hw_run_fail. */
#ifndef HW_RUN_H
#define HW_RUN_H
#include "alloc.h"
#include "clock.h"
#include "container.h"
#include "dataset.h"
#include "procfs.h"
#include "strategy.h"
#include <limits.h>
#include <stdbool.h>
#include <sys/resource.h>

struct hw_pool;

struct hw_run {
    const struct hw_dataset *ds;
    const struct hw_strategy *strategy;
    const void *params;            /* the strategy's params struct, parsed by its table */
    enum hw_dtype out_dtype;
    enum hw_order out_order;
    struct hw_allocator alloc;
    bool phase_reset;              /* false: --no-phase-reset, one whole-run high-water mark */
    bool clear_refs_ok;            /* false once the kernel refused clear_refs */
    int event_fd;                  /* JSON lines to the parent */
    char tmpdir[PATH_MAX];         /* the run's own directory, removed by the parent */
    double t0;                     /* CLOCK_MONOTONIC at worker start, seconds */
    /* the open phase */
    bool in_phase;
    char phase[64];
    double phase_t0, phase_cpu0;
    struct hw_status phase_st0;
    struct rusage phase_ru0;
    char error[512];               /* first failure, sent once */
    struct hw_container container; /* its memory cgroup's peak and split per phase */
    struct hw_pool *pool;          /* the library's threads (pool.h), started on first use */
    void *polars_kept;             /* what Polars allocates once and keeps for the process */
    bool numpy_hugepage;           /* numpy advises huge pages for its large arrays (hw_alloc) */
    /* What the strategy asked of the allocators: the block sizes decide which side of an
     * allocator's thresholds a run sits on (jemalloc purges freed extents >= 8 MiB at once). */
    struct {
        uint64_t count, largest, largest_freed, freed_small, freed_large, numpy_hugepage;
    } blocks;
};

/* numpy's arrays of HW_NUMPY_HUGEPAGE_MIN bytes or more: numpy 1.24's malloc path
 * (_npy_alloc_cache) madvises them MADV_HUGEPAGE from the first page boundary after the
 * block's start; its calloc path (np.zeros) does not. */
#define HW_NUMPY_HUGEPAGE_MIN ((size_t)1 << 22)

/* A block for side. On the numpy side, with run->numpy_hugepage, one of
 * HW_NUMPY_HUGEPAGE_MIN or more is advised as numpy advises it (np.empty, a copy, a ufunc's
 * result); hw_alloc_zeros is np.zeros's calloc, never advised. run->numpy_hugepage comes
 * from hw_numpy_hugepage_setting (numpy_env.h). */
void *hw_alloc(struct hw_run *run, enum hw_side side, size_t bytes);
void *hw_alloc_zeros(struct hw_run *run, enum hw_side side, size_t bytes);
void hw_free(struct hw_run *run, enum hw_side side, void *p);
/* Record the first failure (sent to the parent as the run's reason); returns -1. */
int hw_run_fail(struct hw_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
