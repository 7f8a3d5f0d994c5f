/* Kernel micro-benchmarks (`make bench`): each kernel's rate beside memcpy's, measured in this
 * process on the same warm buffers, as a ratio. Nothing here is a test: figures depend on
 * the machine and its neighbours; the ratio is what travels between machines.
 *
 * Method. Buffers are anonymous mappings of ROWS rows, every page written before anything is
 * timed (so no first-touch fault is in a figure: faults are calibrate's business). Each figure
 * is the best of RUNS runs. Sizes are far above the last-level cache (16M rows: a 64 MiB f32
 * column, memcpy of 64 MiB), so every figure is a DRAM figure.
 *
 * Units. "traffic" is bytes read plus bytes written by the kernel's contract (source values,
 * validity bits, output values), per second; memcpy's traffic is twice the bytes copied.
 * convert's ratio is traffic against memcpy's traffic (the 0.5 target). Generation and
 * median are given as GB/s of source values (the unit: bytes of the column's values
 * per second, per core), with the ratio to memcpy's copied bytes beside them. */
#include "checksum.h"
#include "clock.h"
#include "convert.h"
#include "dataset.h"
#include "median.h"
#include "procfs.h"
#include "tiles.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ROWS (16u << 20)
#define RUNS 5

static volatile uint64_t sink;

static void *map(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "bench: cannot map %zu bytes: free some memory and retry\n", bytes);
        exit(3);
    }
    memset(p, 1, bytes); /* fault every page now, so no figure below contains a fault */
    return p;
}

static void cpu_model(char *buf, size_t len)
{
    char text[4096]; /* "model name" is in the first processor's lines, well inside this */
    const char *p = hw_read_text("/proc/cpuinfo", text, sizeof text) > 0
                        ? strstr(text, "model name") : NULL;
    if (!p || !(p = strchr(p, ':'))) {
        snprintf(buf, len, "unknown");
        return;
    }
    p += 1 + strspn(p + 1, " \t");
    snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
}

/* The source: one column per dtype, generated once by the harness's own generator with the
 * seed-70m profile's rates (f32: 2% null, 0.5% inf, 0.5% NaN). */
static struct hw_dataset dataset(enum hw_dtype t, uint64_t rows)
{
    struct hw_dataset ds = {.rows = rows, .cols = 1, .seed = 20261124, .ngroups = 1};
    bool fl = hw_dtype_is_float(t);
    ds.groups[0] = (struct hw_col_group){t, 1, 0.02, fl ? 0.005 : 0, fl ? 0.005 : 0};
    return ds;
}

struct job {
    enum hw_dtype src, out;
    const void *data;
    const uint8_t *validity;
    void *dst;
    size_t n, bytes;
    const struct hw_dataset *ds;
    struct hw_median *m;
    const struct hw_colview *views; /* tiles: ncols columns of n rows, their fills */
    const double *medians;
    uint32_t ncols;
};

/* Each kernel returns a word of its result, which best_of adds to `sink`: so no call is dead
 * code to the compiler. */
typedef uint64_t kernel_fn(const struct job *j);

static uint64_t run_memcpy(const struct job *j)
{
    memcpy(j->dst, j->data, j->bytes);
    return ((unsigned char *)j->dst)[j->bytes / 2];
}

static uint64_t run_convert(const struct job *j)
{
    hw_convert(j->src, j->data, j->validity, 0, j->n, 1.5, j->out, j->dst, 1);
    return ((unsigned char *)j->dst)[j->n / 2];
}

static uint64_t run_gen(const struct job *j)
{
    hw_gen_fill(j->ds, 0, 0, j->n, j->dst, (uint8_t *)j->validity);
    return ((unsigned char *)j->dst)[j->n / 2];
}

static uint64_t run_median(const struct job *j)
{
    hw_median_reset(j->m, j->src);
    while (hw_median_pass_needed(j->m)) {
        hw_median_feed(j->m, j->data, j->validity, 0, j->n);
        hw_median_end_pass(j->m);
    }
    return (uint64_t)hw_median_value(j->m);
}

static uint64_t run_checksum(const struct job *j)
{
    return hw_checksum_range(j->out, HW_ORDER_C, j->n / 64, 64, 0, j->n, j->data);
}

static uint64_t run_tiles(const struct job *j)
{
    hw_tiles_convert(j->views, j->ncols, j->medians, j->n, HW_F32, HW_ORDER_C, j->n, 0, j->dst);
    return ((unsigned char *)j->dst)[j->n / 2];
}

/* Seconds of the fastest of RUNS calls. */
static double best_of(kernel_fn *fn, const struct job *j)
{
    double best = 1e30;
    for (int r = 0; r < RUNS; r++) {
        double t0 = hw_now();
        sink += fn(j);
        double t = hw_now() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

/* One row of the values table: "what dtype", GB/s of n values of t in `secs`, beside memcpy's
 * copied GB/s, and cells a second. */
static void values_row(const char *what, enum hw_dtype t, size_t n, double secs, double mcopy)
{
    double gbs = (double)n * hw_dtype_size(t) / secs / 1e9;
    char name[32];
    snprintf(name, sizeof name, "%s %s", what, hw_dtype_name(t));
    printf("%-18s %6.2f GB/s %6.1f GB/s %6.2f %7.0f M/s\n", name, gbs, mcopy, gbs / mcopy,
           n / secs / 1e6);
}

int main(void)
{
    static const enum hw_dtype srcs[] = {HW_F64, HW_F32, HW_I64, HW_I32, HW_I16, HW_I8};
    static const enum hw_dtype outs[] = {HW_F32, HW_F64, HW_F16};
    const size_t n = ROWS, vbytes = hw_validity_bytes(ROWS);
    char cpu[256];
    cpu_model(cpu, sizeof cpu);

    unsigned char *src = map(n * 8), *dst = map(n * 8);
    uint8_t *validity = map(vbytes);
    struct hw_median m;
    if (hw_median_init(&m, HW_F32) != 0) {
        fprintf(stderr, "bench: out of memory for the median tables (%zu bytes)\n",
                (size_t)2 * 65536 * sizeof(uint64_t)); /* median.h: one 1 MiB allocation */
        return 3;
    }

    const size_t cbytes = n * 4; /* 64 MiB: twice a 32 MiB L3 */
    struct job mj = {.data = src, .dst = dst, .bytes = cbytes};
    double tm = best_of(run_memcpy, &mj);
    double mcopy = cbytes / tm / 1e9, mtraffic = 2 * mcopy;
    printf("CPU: %s\n", cpu);
    printf("rows: %zu (%zu MiB f32 column), best of %d runs, pages faulted before timing\n",
           n, n * 4 >> 20, RUNS);
    printf("memcpy: %.1f GB/s copied (%.1f GB/s traffic), %zu MiB\n\n", mcopy, mtraffic,
           cbytes >> 20);

    printf("%-18s %10s %10s %8s\n", "kernel", "traffic", "memcpy", "ratio");
    for (size_t s = 0; s < sizeof srcs / sizeof *srcs; s++) {
        struct hw_dataset ds = dataset(srcs[s], n);
        hw_gen_fill(&ds, 0, 0, n, src, validity);
        for (size_t o = 0; o < sizeof outs / sizeof *outs; o++) {
            struct job j = {.src = srcs[s], .out = outs[o], .data = src, .validity = validity,
                            .dst = dst, .n = n};
            double t = best_of(run_convert, &j);
            double traffic = (double)n * (hw_dtype_size(srcs[s]) + hw_dtype_size(outs[o])) +
                             (double)vbytes;
            char name[32];
            snprintf(name, sizeof name, "convert %s->%s", hw_dtype_name(srcs[s]),
                     hw_dtype_name(outs[o]));
            printf("%-18s %8.1f GB/s %6.1f GB/s %6.2f\n", name, traffic / t / 1e9, mtraffic,
                   traffic / t / 1e9 / mtraffic);
        }
    }

    printf("\n%-18s %10s %10s %8s %12s\n", "kernel", "values", "memcpy", "ratio", "cells");
    for (size_t s = 0; s < sizeof srcs / sizeof *srcs; s++) {
        struct hw_dataset ds = dataset(srcs[s], n);
        struct job j = {.src = srcs[s], .ds = &ds, .dst = src, .validity = validity, .n = n};
        values_row("generate", srcs[s], n, best_of(run_gen, &j), mcopy);
    }
    for (size_t s = 0; s < sizeof srcs / sizeof *srcs; s++) {
        struct hw_dataset ds = dataset(srcs[s], n);
        hw_gen_fill(&ds, 0, 0, n, src, validity);
        struct job j = {.src = srcs[s], .data = src, .validity = validity, .n = n, .m = &m};
        values_row("median", srcs[s], n, best_of(run_median, &j), mcopy);
    }
    for (size_t o = 0; o < sizeof outs / sizeof *outs; o++) {
        struct job j = {.out = outs[o], .data = dst, .n = n};
        values_row("checksum", outs[o], n, best_of(run_checksum, &j), mcopy);
    }

    /* C order the way the strategies write it (tiles.c): every column of a row tile strided
     * into the output, TCOLS f32 columns of n / TCOLS rows each, so the same bytes as above. */
    enum { TCOLS = 114 };
    size_t trows = n / TCOLS;
    struct hw_dataset tds = dataset(HW_F32, trows);
    struct hw_colview views[TCOLS];
    double medians[TCOLS];
    for (uint32_t c = 0; c < TCOLS; c++) {
        float *col = (float *)src + (size_t)c * trows;
        uint8_t *val = validity + (size_t)c * hw_validity_bytes(trows);
        hw_gen_fill(&tds, 0, (uint64_t)c * trows, trows, col, val);
        views[c] = (struct hw_colview){HW_F32, col, val, 0};
        medians[c] = 0.5;
    }
    struct job tj = {.views = views, .ncols = TCOLS, .medians = medians, .n = trows, .dst = dst};
    double tbest = best_of(run_tiles, &tj);
    double ttraffic = (double)trows * TCOLS * 8 + (double)TCOLS * hw_validity_bytes(trows);
    printf("\n%-18s %8.1f GB/s %6.1f GB/s %6.2f  (%d f32 columns, C order, tiles.c)\n",
           "convert C tiles", ttraffic / tbest / 1e9, mtraffic, ttraffic / tbest / 1e9 / mtraffic,
           TCOLS);

    hw_median_release(&m);
    munmap(src, n * 8);
    munmap(dst, n * 8);
    munmap(validity, vbytes);
    return 0;
}
