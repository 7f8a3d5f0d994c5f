/* Calibration: first-touch fault cost with THP and with 4 KiB pages, warm memcpy bandwidth,
 * and the RSS step of one touch in a THP-advised region.
 *
 * Method, in the order it runs (each buffer a fresh 2 MiB-aligned anonymous mapping,
 * unmapped before the next is mapped, so the peak is the two memcpy buffers, 2 x bytes):
 * 1. fault THP: MADV_HUGEPAGE, one volatile store per 4 KiB page, timed; bytes/s = region
 *    bytes / seconds. The first store of each 2 MiB faults (allocates and zeroes) the whole
 *    huge page, the other 511 hit it. Skipped, 0, when THP is unavailable.
 * 2. fault 4k: the same with MADV_NOHUGEPAGE. One store per page measures the fault
 *    (allocate + zero + map) alone; memset would add the write bandwidth of each page's rest.
 * 3. memcpy warm: two mappings with the system's default THP policy (no madvise: what a
 *    strategy's malloc'd buffers get), both faulted by memset, then memcpy of the whole buffer
 *    COPY_RUNS times; the best run counts, bytes/s = bytes copied / seconds (not read+write).
 * 4. granularity: one store into a fresh 2 MiB region with MADV_HUGEPAGE and the RSS step it
 *    causes, GRAIN_TRIES times, the smallest step kept (anything else in the process can only
 *    add to a step, never take away).
 *
 * The fault steps run first so that no buffer this function just freed feeds them. That
 * matters in a VM with free page reporting (this one: page_reporting_order=11): guest memory
 * free for a couple of seconds goes back to the host, and touching it again costs a host
 * fault too. Measured here at 256 MiB: THP first touch 0.6-0.9 GB/s on such memory, 8-10
 * GB/s on memory freed a moment ago; 4 KiB first touch 1.3-1.9 GB/s either way. So the
 * fault rates depend on the machine's recent history more than memcpy's do; a second run
 * right after the first shows the warm end. */
#include "calibrate.h"
#include "clock.h"
#include "procfs.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_2M (2ull << 20)
#define COPY_RUNS 5
#define GRAIN_TRIES 3
#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

/* The checksums of what was written go here, so no store or copy can be optimised away. */
static volatile uint64_t calibrate_sink;

/* A fresh anonymous mapping of n bytes (a 2 MiB multiple) starting on a 2 MiB boundary:
 * over-allocate by 2 MiB and unmap the ragged ends. NULL with errno on failure. */
static char *map_aligned(size_t n)
{
    size_t len = n + HUGE_2M;
    char *raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)raw + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1);
    size_t head = start - (uintptr_t)raw, tail = len - head - n;
    if (head)
        munmap(raw, head);
    if (tail)
        munmap((char *)start + n, tail);
    return (char *)start;
}

static void unmap(char **p, size_t n)
{
    if (*p)
        munmap(*p, n);
    *p = NULL;
}

/* "[never]" in a sysfs THP mode file (or no file at all) means no THP. */
static bool mode_is_never(const char *path, bool *missing)
{
    char buf[256];
    *missing = hw_read_text(path, buf, sizeof buf) < 0;
    return *missing || strstr(buf, "[never]") != NULL;
}

/* THP can serve a MADV_HUGEPAGE region: the global mode is not never, and the PMD size's own
 * mode (kernels with multi-size THP) is not never either ("inherit" defers to the global). */
static bool thp_mode_available(void)
{
    bool missing;
    if (mode_is_never(THP_DIR "/enabled", &missing))
        return false;
    char path[128];
    snprintf(path, sizeof path, THP_DIR "/hugepages-%llukB/enabled",
             (unsigned long long)(HUGE_2M >> 10));
    return !mode_is_never(path, &missing) || missing;
}

/* One volatile store per page of [p, p + n): seconds taken. */
static double touch_pages(char *p, size_t n, size_t page)
{
    volatile char *v = p;
    double t0 = hw_now();
    for (size_t off = 0; off < n; off += page)
        v[off] = 1;
    double t = hw_now() - t0;
    uint64_t sum = 0;
    for (size_t off = 0; off < n; off += page)
        sum += (unsigned char)v[off];
    calibrate_sink += sum;
    return t;
}

/* First touch of a fresh n-byte mapping under `advice`: bytes/s into *rate. 0; 1 when the
 * kernel refuses MADV_HUGEPAGE (no THP); -1 with errno when mmap fails. MADV_NOHUGEPAGE
 * failing (a kernel without THP) is fine: the pages are 4 KiB anyway. */
static int fault_rate(size_t n, int advice, size_t page, double *rate)
{
    char *p = map_aligned(n);
    if (!p)
        return -1;
    if (madvise(p, n, advice) < 0 && advice == MADV_HUGEPAGE) {
        munmap(p, n);
        return 1;
    }
    double t = touch_pages(p, n, page);
    *rate = t > 0 ? (double)n / t : 0;
    munmap(p, n);
    return 0;
}

/* Resident bytes of this process: smaps_rollup's Rss (a page-table walk, exact), or VmRSS
 * from status (per-CPU counters: can lag by tens of pages). The reading buffer is on the
 * stack so the read itself faults nothing new. 0, or -1. */
static int resident_bytes(uint64_t *rss)
{
    char buf[4096];
    if (hw_read_text("/proc/self/smaps_rollup", buf, sizeof buf) > 0) {
        for (const char *l = buf; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
            if (strncmp(l, "Rss:", 4) == 0) {
                *rss = strtoull(l + 4, NULL, 10) * 1024u;
                return 0;
            }
    }
    struct hw_status st;
    if (hw_status_read(0, &st) < 0)
        return -1;
    *rss = st.vm_rss;
    return 0;
}

/* The RSS step of one store into a fresh MADV_HUGEPAGE 2 MiB region; the smallest of
 * GRAIN_TRIES. 0, or -1 with errno. */
static int rss_granularity(uint64_t *grain)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < GRAIN_TRIES; i++) {
        char *p = map_aligned(HUGE_2M);
        if (!p)
            return -1;
        madvise(p, HUGE_2M, MADV_HUGEPAGE); /* EINVAL without THP: the step says 4 KiB */
        uint64_t before, after;
        int rc = resident_bytes(&before);
        *(volatile char *)p = 1;
        if (rc == 0)
            rc = resident_bytes(&after);
        calibrate_sink += *(volatile char *)p;
        munmap(p, HUGE_2M);
        if (rc < 0) {
            errno = EIO;
            return -1;
        }
        if (after > before && after - before < best)
            best = after - before;
    }
    if (best == UINT64_MAX) { /* the step never showed: no reading to trust */
        errno = ERANGE;
        return -1;
    }
    *grain = best;
    return 0;
}

int hw_calibrate(uint64_t bytes, struct hw_calibration *c, char *err, size_t errlen)
{
    int ret = -1;
    char *src = NULL, *dst = NULL;
    double best, t_start = hw_now();
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    memset(c, 0, sizeof *c);
    if (bytes == 0)
        bytes = HW_CALIBRATE_DEFAULT_BYTES;
    if (bytes < HW_CALIBRATE_MIN_BYTES) {
        snprintf(err, errlen, "calibration buffer of %llu bytes is below the minimum of %llu",
                 (unsigned long long)bytes, (unsigned long long)HW_CALIBRATE_MIN_BYTES);
        return -1;
    }
    if (bytes > SIZE_MAX / 4) {
        snprintf(err, errlen, "calibration buffer of %llu bytes is too large",
                 (unsigned long long)bytes);
        return -1;
    }
    bytes = (bytes + HUGE_2M - 1) & ~(HUGE_2M - 1);
    size_t n = (size_t)bytes;
    uint64_t avail, total;
    if (hw_meminfo_read(&avail, &total) == 0 && 2 * bytes > avail / 10 * 9) {
        snprintf(err, errlen, "calibration needs 2 x %llu MiB, more than 90%% of MemAvailable "
                 "(%llu MiB)", (unsigned long long)(bytes >> 20),
                 (unsigned long long)(avail >> 20));
        return -1;
    }
    c->bytes = bytes;
    c->thp_available = thp_mode_available();

    /* 1. First touch, huge pages: first, so no buffer of ours freed just before feeds it. */
    if (c->thp_available) {
        int rc = fault_rate(n, MADV_HUGEPAGE, page, &c->fault_thp_bytes_per_s);
        if (rc == 1)
            c->thp_available = false; /* the kernel refuses MADV_HUGEPAGE: believe it */
        else if (rc < 0)
            goto mmap_failed;
    }

    /* 2. First touch, 4 KiB pages. */
    if (fault_rate(n, MADV_NOHUGEPAGE, page, &c->fault_4k_bytes_per_s) < 0)
        goto mmap_failed;

    /* 3. memcpy between warm buffers. */
    src = map_aligned(n);
    dst = map_aligned(n);
    if (!src || !dst)
        goto mmap_failed;
    memset(src, 0x5a, n);
    memset(dst, 0, n);
    best = INFINITY;
    for (int r = 0; r < COPY_RUNS; r++) {
        src[(size_t)r * page] = (char)r; /* each run copies something slightly different */
        double t0 = hw_now();
        memcpy(dst, src, n);
        double t = hw_now() - t0;
        if (t < best)
            best = t;
        calibrate_sink += (unsigned char)dst[(size_t)r * page] + (unsigned char)dst[n - 1];
    }
    c->memcpy_warm_bytes_per_s = best > 0 ? (double)bytes / best : 0;
    unmap(&src, n);
    unmap(&dst, n);

    /* 4. What one touch costs in RSS. */
    if (rss_granularity(&c->thp_rss_granularity) < 0) {
        snprintf(err, errlen, "could not read the RSS step of one touch: %s", strerror(errno));
        goto out;
    }

    c->seconds = hw_now() - t_start;
    ret = 0;
    goto out;
mmap_failed:
    snprintf(err, errlen, "mmap of %llu MiB: %s", (unsigned long long)(bytes >> 20),
             strerror(errno));
out:
    unmap(&src, n);
    unmap(&dst, n);
    return ret;
}

cJSON *hw_calibration_json(const struct hw_calibration *c)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    if (!cJSON_AddNumberToObject(o, "bytes", (double)c->bytes) ||
        !cJSON_AddNumberToObject(o, "memcpy_warm_bytes_per_s", c->memcpy_warm_bytes_per_s) ||
        !cJSON_AddNumberToObject(o, "fault_4k_bytes_per_s", c->fault_4k_bytes_per_s) ||
        !cJSON_AddNumberToObject(o, "fault_thp_bytes_per_s", c->fault_thp_bytes_per_s) ||
        !cJSON_AddBoolToObject(o, "thp_available", c->thp_available) ||
        !cJSON_AddNumberToObject(o, "thp_rss_granularity_bytes", (double)c->thp_rss_granularity) ||
        !cJSON_AddNumberToObject(o, "seconds", c->seconds)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static void print_grain(uint64_t g, FILE *f)
{
    if (g >= (1u << 20) && g % (1u << 20) == 0)
        fprintf(f, "%llu MiB", (unsigned long long)(g >> 20));
    else if (g >= 1024 && g % 1024 == 0)
        fprintf(f, "%llu KiB", (unsigned long long)(g >> 10));
    else
        fprintf(f, "%llu B", (unsigned long long)g);
}

void hw_calibration_print(const struct hw_calibration *c, FILE *f)
{
    fprintf(f, "calibration: %llu MiB buffers, %.2f s (GB = 1e9 bytes)\n",
            (unsigned long long)(c->bytes >> 20), c->seconds);
    fprintf(f, "  %-36s %8.2f GB/s\n", "memcpy, warm pages (best of 5)",
            c->memcpy_warm_bytes_per_s / 1e9);
    fprintf(f, "  %-36s %8.2f GB/s\n", "first touch, 4 KiB pages",
            c->fault_4k_bytes_per_s / 1e9);
    if (c->thp_available)
        fprintf(f, "  %-36s %8.2f GB/s\n", "first touch, MADV_HUGEPAGE",
                c->fault_thp_bytes_per_s / 1e9);
    else
        fprintf(f, "  %-36s %8s\n", "first touch, MADV_HUGEPAGE", "no THP");
    fprintf(f, "  %-36s ", "RSS step of one touch (MADV_HUGEPAGE)");
    print_grain(c->thp_rss_granularity, f);
    if (c->thp_available && c->thp_rss_granularity < HUGE_2M)
        fprintf(f, " (THP enabled but not served)");
    fputc('\n', f);
    if (c->fault_4k_bytes_per_s > 0)
        fprintf(f, "  warm copy / first touch (4 KiB): %.1fx\n",
                c->memcpy_warm_bytes_per_s / c->fault_4k_bytes_per_s);
}
