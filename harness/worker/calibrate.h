/* What this machine's memory costs, measured: `highwater calibrate` and the report's host
 * block. Two numbers that differ by an order of magnitude here and must not be confused:
 * copying between pages that already exist (memcpy, warm) and paying the kernel for pages
 * that do not exist yet (first touch: a page fault, zeroing, and in a VM perhaps the host
 * backing the page too). A strategy's "GB/s" means nothing until we know which one it paid.
 *
 * Buffers are anonymous mmap regions, 2 MiB-aligned, unmapped afterwards, so the numbers do
 * not depend on the allocator. Peak RSS during hw_calibrate() is about 2 x bytes (the two
 * memcpy buffers); the fault regions are measured one at a time after those are unmapped. */
#ifndef HW_CALIBRATE_H
#define HW_CALIBRATE_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* 256 MiB: enough to leave the caches, about 1 s here. It also decides which memcpy is
 * measured: glibc 2.36 switches to non-temporal stores above x86_non_temporal_threshold
 * (192 MiB on this machine), the regime of the GB-sized buffers the experiments copy. Below
 * it the same memcpy runs ~8 GB/s instead of ~12 here, so compare rates at equal sizes. */
#define HW_CALIBRATE_DEFAULT_BYTES (256ull << 20)
/* Smaller buffers would mostly measure the caches. */
#define HW_CALIBRATE_MIN_BYTES (4ull << 20)

struct hw_calibration {
    uint64_t bytes;                 /* buffer size used (rounded up to a 2 MiB multiple) */
    double memcpy_warm_bytes_per_s; /* memcpy between two already-faulted buffers, best of N;
                                     * bytes copied / s (not read + written) */
    double fault_4k_bytes_per_s;    /* first touch of fresh anonymous memory, MADV_NOHUGEPAGE,
                                     * one store per 4 KiB page: the fault cost alone */
    double fault_thp_bytes_per_s;   /* first touch with MADV_HUGEPAGE, one store per 4 KiB
                                     * page (0 if THP is unavailable) */
    bool thp_available;             /* /sys/kernel/mm/transparent_hugepage/enabled not
                                     * "[never]" (nor the 2 MiB size's own enabled file) */
    uint64_t thp_rss_granularity;   /* RSS step after touching one byte of a fresh
                                     * MADV_HUGEPAGE 2 MiB-aligned region (2 MiB if THP served
                                     * it, 4 KiB otherwise), from /proc/self/smaps_rollup (exact:
                                     * a page-table walk) or, failing that, /proc/self/status */
    double seconds;                 /* how long calibration took */
};

/* Measure with buffers of `bytes` (0: HW_CALIBRATE_DEFAULT_BYTES; less than
 * HW_CALIBRATE_MIN_BYTES is refused). 0, or -1 with err. */
int hw_calibrate(uint64_t bytes, struct hw_calibration *c, char *err, size_t errlen);
/* {bytes, memcpy_warm_bytes_per_s, fault_4k_bytes_per_s, fault_thp_bytes_per_s,
 *  thp_available, thp_rss_granularity_bytes, seconds}; NULL if out of memory. */
cJSON *hw_calibration_json(const struct hw_calibration *c);
/* Human table for `highwater calibrate` (GB/s, the granularity). */
void hw_calibration_print(const struct hw_calibration *c, FILE *f);

#endif
