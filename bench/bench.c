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
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && c) {
            snprintf(buf, len, "%s", c + 2);
            buf[strcspn(buf, "\n")] = 0;
            break;
        }
    }
    fclose(f);
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

static double best_of(double (*fn)(void *), void *arg)
{
    double best = 1e30;
    for (int r = 0; r < RUNS; r++) {
        double t = fn(arg);
        if (t < best)
            best = t;
    }
    return best;
}

struct job {
    enum hw_dtype src, out;
    const void *data;
    const uint8_t *validity;
    void *dst;
    size_t n, bytes;
    const struct hw_dataset *ds;
    struct hw_median *m;
};

static double time_memcpy(void *arg)
{
    struct job *j = arg;
    double t0 = hw_now();
    memcpy(j->dst, j->data, j->bytes);
    double t = hw_now() - t0;
    sink += ((unsigned char *)j->dst)[j->bytes / 2];
    return t;
}

static double time_convert(void *arg)
{
    struct job *j = arg;
    double t0 = hw_now();
    hw_convert(j->src, j->data, j->validity, 0, j->n, 1.5, j->out, j->dst, 1);
    double t = hw_now() - t0;
    sink += ((unsigned char *)j->dst)[j->n / 2];
    return t;
}

static double time_gen(void *arg)
{
    struct job *j = arg;
    double t0 = hw_now();
    hw_gen_fill(j->ds, 0, 0, j->n, j->dst, (uint8_t *)j->validity);
    double t = hw_now() - t0;
    sink += ((unsigned char *)j->dst)[j->n / 2];
    return t;
}

static double time_median(void *arg)
{
    struct job *j = arg;
    double t0 = hw_now();
    hw_median_reset(j->m, j->src);
    while (hw_median_pass_needed(j->m)) {
        hw_median_feed(j->m, j->data, j->validity, 0, j->n);
        hw_median_end_pass(j->m);
    }
    double med = hw_median_value(j->m);
    double t = hw_now() - t0;
    sink += (uint64_t)med;
    return t;
}

static double time_checksum(void *arg)
{
    struct job *j = arg;
    double t0 = hw_now();
    sink += hw_checksum_range(j->out, HW_ORDER_C, j->n / 64, 64, 0, j->n, j->data);
    return hw_now() - t0;
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
        fprintf(stderr, "bench: out of memory for the median tables\n");
        return 3;
    }

    const size_t cbytes = n * 4; /* 64 MiB: twice a 32 MiB L3 */
    struct job mj = {.data = src, .dst = dst, .bytes = cbytes};
    double tm = best_of(time_memcpy, &mj);
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
            double t = best_of(time_convert, &j);
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
        double t = best_of(time_gen, &j);
        double gbs = (double)n * hw_dtype_size(srcs[s]) / t / 1e9;
        char name[32];
        snprintf(name, sizeof name, "generate %s", hw_dtype_name(srcs[s]));
        printf("%-18s %6.2f GB/s %6.1f GB/s %6.2f %7.0f M/s\n", name, gbs, mcopy, gbs / mcopy,
               n / t / 1e6);
    }
    for (size_t s = 0; s < sizeof srcs / sizeof *srcs; s++) {
        struct hw_dataset ds = dataset(srcs[s], n);
        hw_gen_fill(&ds, 0, 0, n, src, validity);
        struct job j = {.src = srcs[s], .data = src, .validity = validity, .n = n, .m = &m};
        double t = best_of(time_median, &j);
        double gbs = (double)n * hw_dtype_size(srcs[s]) / t / 1e9;
        char name[32];
        snprintf(name, sizeof name, "median %s", hw_dtype_name(srcs[s]));
        printf("%-18s %6.2f GB/s %6.1f GB/s %6.2f %7.0f M/s\n", name, gbs, mcopy, gbs / mcopy,
               n / t / 1e6);
    }
    for (size_t o = 0; o < sizeof outs / sizeof *outs; o++) {
        struct job j = {.out = outs[o], .data = dst, .n = n};
        double t = best_of(time_checksum, &j);
        double gbs = (double)n * hw_dtype_size(outs[o]) / t / 1e9;
        char name[32];
        snprintf(name, sizeof name, "checksum %s", hw_dtype_name(outs[o]));
        printf("%-18s %6.2f GB/s %6.1f GB/s %6.2f %7.0f M/s\n", name, gbs, mcopy, gbs / mcopy,
               n / t / 1e6);
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
    double tbest = 1e30;
    for (int r = 0; r < RUNS; r++) {
        double t0 = hw_now();
        hw_tiles_convert(views, TCOLS, medians, trows, HW_F32, HW_ORDER_C, trows, 0, dst);
        double t = hw_now() - t0;
        tbest = t < tbest ? t : tbest;
    }
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
