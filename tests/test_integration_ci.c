/* Integration: the real binary on configs/ci.yaml (250k rows x 114, the seed-70m dtype mix,
 * output D = 108.7 MiB, source S = 1.018 D), asserting from the report the memory shapes the
 * strategies' lifetimes imply, the cross-checks of the measurement, and clean endings on bad
 * input and Ctrl-C. Every run uses its own $TMPDIR so leftovers can be seen. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "report.h"
#include "testutil.h"

static char bin[512], work[] = "/tmp/hw-test-integration-ci-XXXXXX";

struct state {
    cJSON *reset;      /* ci.yaml with per-phase resets (the default) */
    cJSON *noreset;    /* the same with --no-phase-reset */
};

/* The binary with args, its temp files in work/tmp (where leftovers are looked for), its
 * output in work/TAG.out and work/TAG.err. */
static int run_cmd(const char *args, const char *tag)
{
    return tu_sh("TMPDIR=%s/tmp %s %s >%s/%s.out 2>%s/%s.err", work, bin, args, work, tag, work, tag);
}

static int dir_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static int setup(void **state)
{
    tu_bin(bin, sizeof bin);
    char tmp[600];
    if (tu_scratch_setup(state) != 0)
        return -1;
    snprintf(tmp, sizeof tmp, "%s/tmp", work);   /* work is its name once made */
    if (mkdir(tmp, 0700) != 0)
        return -1;
    struct state *s = calloc(1, sizeof *s);
    char args[1024];
    /* -j 1 for the run whose sampler is held to 5% of the exact peak (cross_checks): with as
     * many workers as cores the parent's 1 ms sampling threads wait for a CPU and miss short
     * spikes (19.35 against 20.47 MB on the evicting memmap once, README lesson 29); the
     * kernel's peaks do not depend on it, so the other run takes -j 2. */
    snprintf(args, sizeof args, "run configs/ci.yaml -j 1 -o %s/reset.json", work);
    if (run_cmd(args, "reset") != 0)
        return fprintf(stderr, "ci run failed: %s\n", tu_text("%s/reset.err", work)), -1;
    snprintf(args, sizeof args, "run configs/ci.yaml -j 2 --no-phase-reset -o %s/noreset.json", work);
    if (run_cmd(args, "noreset") != 0)
        return fprintf(stderr, "ci run failed: %s\n", tu_text("%s/noreset.err", work)), -1;
    s->reset = tu_report("%s/reset.json", work);
    s->noreset = tu_report("%s/noreset.json", work);
    *state = s;
    return s->reset && s->noreset ? 0 : -1;
}

static int teardown(void **state)
{
    struct state *s = *state;
    if (s) {   /* NULL when the setup failed before it */
        cJSON_Delete(s->reset);
        cJSON_Delete(s->noreset);
        free(s);
    }
    return tu_scratch_teardown(state);
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(it) ? it->valuedouble : NAN;
}

/* A run by its label: the strategy name, plus params and output overrides as in the config. */
static const cJSON *find_run(const cJSON *report, const char *label, const char *allocator)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "runs"))
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "label")), label) == 0 &&
            strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "allocator")), allocator) == 0)
            return r;
    fail_msg("no run %s/%s in the report", label, allocator);
    return NULL;
}

static const cJSON *find_phase(const cJSON *run, const char *name)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(run, "phases"))
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")), name) == 0)
            return p;
    fail_msg("no phase %s", name);
    return NULL;
}

static void in_band(const cJSON *run, double lo, double hi)
{
    double r = num(run, "peak_ratio");
    if (!(r >= lo && r <= hi))
        fail_msg("%s/%s peak %.3fx outside [%.2f, %.2f]", cJSON_GetStringValue(cJSON_GetObjectItem(run, "label")),
                 cJSON_GetStringValue(cJSON_GetObjectItem(run, "allocator")), r, lo, hi);
}

/* glibc: whole-copy peaks at S + P (P = pandas blocks = 1.02 D here, nullable ints widened)
 * and fused-single-pass at S + D: both about 2.04-2.1 D; [1.8, 2.4] leaves room for the
 * binary, the bitmaps and the median tables, not for a missing or extra copy (+-1 D).
 * chunked-vstack holds S + chunks (D) + vstack (D) = 3.02 D: [2.6, 3.4]. */
static void glibc_shapes(void **state)
{
    struct state *s = *state;
    in_band(find_run(s->reset, "whole-copy", "glibc"), 1.8, 2.4);
    in_band(find_run(s->reset, "fused-single-pass", "glibc"), 1.8, 2.4);
    in_band(find_run(s->reset, "chunked-vstack", "glibc"), 2.6, 3.4);
}

/* memmap: the anonymous part is the source plus one chunk (S + 4.5 MB = 1.06 D) at every
 * phase end; the mapping's pages show up as RssFile, at least 0.9 D once the fill is done
 * (all D bytes written, none evicted), so the peak is ~2 D of which half is file. */
static void memmap_split(void **state)
{
    struct state *s = *state;
    const cJSON *run = find_run(s->reset, "memmap", "glibc"), *p;
    double d = num(run, "output_bytes");
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(run, "phases"))
        assert_true(num(p, "rss_anon_end_bytes") <= 1.3 * d);
    const cJSON *fill = find_phase(run, "fill");
    assert_true(num(fill, "rss_file_end_bytes") >= 0.9 * d);
    assert_true(num(fill, "rss_anon_end_bytes") + num(fill, "rss_file_end_bytes") <= num(fill, "peak_rss_bytes") + 4096.0 * 64);
    const cJSON *tl = cJSON_GetObjectItem(run, "timeline"), *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(tl, "anon"))
        assert_true(a->valuedouble <= 1.3 * d);
}

/* jemalloc keeps freed extents below its 8 MiB oversize_threshold resident (dirty, decayed
 * over dirty_decay_ms = 10 s). whole-copy drops 114 source columns of ~1 MB each, then
 * allocates the output: glibc returns those columns at once (each was mmapped), jemalloc
 * keeps a part of them. The retained part is bounded by what was freed (S = 1.02 D), and
 * measured here about half of it stays. Asserted: after drop_source, jemalloc holds at
 * least 0.25 D resident beyond what is allocated, and the run's peak exceeds glibc's by
 * 0.25 D to S/D + 0.05 D -- never more than the whole dropped source. */
static void jemalloc_keeps_freed_columns(void **state)
{
    struct state *s = *state;
    const cJSON *je = find_run(s->reset, "whole-copy", "jemalloc");
    const cJSON *gl = find_run(s->reset, "whole-copy", "glibc");
    double d = num(je, "output_bytes");
    double sd = num(cJSON_GetObjectItem(s->reset, "dataset"), "source_bytes") / d;
    const cJSON *drop = find_phase(je, "drop_source");
    const cJSON *al = cJSON_GetObjectItem(drop, "allocator");
    double kept = num(al, "resident") - num(al, "allocated");
    assert_true(kept >= 0.25 * d);
    double extra = num(je, "peak_ratio") - num(gl, "peak_ratio");
    if (!(extra >= 0.25 && extra <= sd + 0.05))
        fail_msg("jemalloc whole-copy exceeds glibc by %.3f D, expected [0.25, %.2f]", extra, sd + 0.05);
    /* glibc gives the columns back: RSS after the drop is within 5% of what is allocated. */
    const cJSON *gdrop = find_phase(gl, "drop_source");
    assert_true(num(gdrop, "rss_end_bytes") <= 1.05 * num(cJSON_GetObjectItem(gdrop, "allocator"), "allocated") + (4 << 20));
}

static void outputs_match_reference(void **state)
{
    struct state *s = *state;
    const cJSON *r;
    const char *first = NULL;
    int n = 0;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(s->reset, "runs")) {
        const cJSON *out = cJSON_GetObjectItem(r, "output");
        const char *label = cJSON_GetStringValue(cJSON_GetObjectItem(r, "label"));
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(r, "status")), "ok");
        n++;
        if (strcmp(label, "chunked-vstack median=local") == 0)
            continue;
        if (!cJSON_IsTrue(cJSON_GetObjectItem(out, "matches_reference")))
            fail_msg("%s does not match the reference", label);
        assert_int_equal(num(out, "cells_differing"), 0);
        /* Same data, same conversion: every exact strategy wrote the same checksum. */
        const char *c = cJSON_GetStringValue(cJSON_GetObjectItem(out, "checksum"));
        if (!first)
            first = c;
        assert_string_equal(c, first);
    }
    assert_int_equal(n, 34);   /* ci.yaml: 17 strategies x 2 allocators */
}

/* Per-slice medians fill each slice's missing cells (~3% of the cells: nulls, inf, NaN)
 * with that slice's median instead of the column's: nearly every such cell differs, and no
 * other cell does. */
static void local_medians_detected(void **state)
{
    struct state *s = *state;
    const cJSON *r = find_run(s->reset, "chunked-vstack median=local", "glibc");
    const cJSON *out = cJSON_GetObjectItem(r, "output");
    double cells = num(cJSON_GetObjectItem(s->reset, "dataset"), "rows") * 114;
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(out, "matches_reference")));
    assert_true(num(out, "cells_differing") > 0.01 * cells);
    assert_true(num(out, "cells_differing") < 0.04 * cells);
    assert_true(num(out, "max_abs_diff") > 0);
    assert_non_null(strstr(tu_scratch_read("reset.out"), "WRONG: "));
    const cJSON *l = cJSON_GetArrayItem(cJSON_GetObjectItem(s->reset, "lessons"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(l, "kind")), "correctness");
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(l, "text")), "chunked-vstack median=local: WRONG OUTPUT"));
}

/* select-chain-rebind on the ci dataset (configs/ci.yaml's, S = 1.018 D, mostly f32), from
 * the lifetimes (frame.h): the cast beside the source adds the 12 non-f32 columns (0.105 D)
 * and drops the source's values of those; fill_null builds the 108 columns with nulls
 * (0.95 D + bitmaps) beside frame 2 (the source's f32 values, S - 0.1 D) and drops frame 2's;
 * to_numpy: frame 3 (D') + D. Peak ~S + 1.0 D = 2.05 D; [1.9, 2.5]: a chain whose frames were
 * copied whole, or that kept the source, peaks at 3 D or more. Its medians (sort: a copy per
 * column on the worker threads) keep the output exact. */
static void select_chain_rebind_frees_what_it_replaced(void **state)
{
    (void)state;
    char path[700], args[1600];
    snprintf(path, sizeof path, "%s/rebind.yaml", work);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("name: rebind\n"
          TU_CI_DATASET
          "run: {allocators: [glibc], repeat: 1}\n"
          "strategies:\n"
          "  - name: select-chain-rebind\n"
          "  - name: select-chain-rebind\n"
          "    params: {median: radix, threads: 1}\n", f);
    assert_int_equal(fclose(f), 0);
    snprintf(args, sizeof args, "run %s -o %s/rebind.json", path, work);
    assert_int_equal(run_cmd(args, "rebind"), 0);
    cJSON *r = tu_report("%s/rebind.json", work);
    assert_non_null(r);
    const cJSON *run;
    int n = 0;
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(r, "runs")) {
        in_band(run, 1.9, 2.5);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(run, "output"), "matches_reference")));
        n++;
    }
    assert_int_equal(n, 2);
    cJSON_Delete(r);
}

/* Shapes of the whole catalogue with glibc, from the lifetimes (S = 1.018 D, frames carry
 * bitmaps: D' = 1.03 D):
 *   select-chain: frames share what a select keeps (frame.h): the cast makes only the 12
 *                 non-f32 columns (0.105 D), replace only bitmaps (D/32), fill_null the 108
 *                 columns with nulls (0.95 D + bitmaps), then the array: S + 2.11 D = 3.13 D
 *                 at to_numpy; [2.9, 3.4]: a frame copied whole (+1 D), as the old model
 *                 did, or fill_null's frame missing (-0.98 D) falls outside.
 *   fused-expr: S + D' + D = 3.05 D; [2.6, 3.4] (one frame fewer or more is +-1 D).
 *   column-release F: S + a column (1/114 D) = 1.03 D; <= 1.3.
 *   column-release C: the first column commits all of D while S is alive: 2.02 D; >= 1.8.
 *   streaming: D + a row group (16k x 464 B = 0.07 D) + tables = 1.07 D; <= 1.2.
 *   streaming to an evicting memmap: a row group and the process: <= 0.5 D. */
static void catalogue_shapes(void **state)
{
    struct state *s = *state;
    in_band(find_run(s->reset, "select-chain", "glibc"), 2.9, 3.4);
    in_band(find_run(s->reset, "fused-expr", "glibc"), 2.6, 3.4);
    in_band(find_run(s->reset, "column-release order=F", "glibc"), 0.9, 1.3);
    in_band(find_run(s->reset, "column-release order=C", "glibc"), 1.8, 2.4);
    in_band(find_run(s->reset, "streaming", "glibc"), 0.9, 1.2);
    in_band(find_run(s->reset, "streaming output=memmap evict=true", "glibc"), 0.0, 0.5);
}

/* memmap with evict: the file part of RSS stays bounded (<= 0.5 D at every phase end and in
 * every sample) while the source keeps the anonymous part at S; the file is complete and
 * correct (checksum read back from the file) and none of it is left in the page cache. */
static void memmap_evict_bounds_the_file_part(void **state)
{
    struct state *s = *state;
    const char *labels[] = {"memmap evict=true", "streaming output=memmap evict=true"};
    for (int i = 0; i < 2; i++) {
        const cJSON *run = find_run(s->reset, labels[i], "glibc"), *p, *f;
        double d = num(run, "output_bytes");
        cJSON_ArrayForEach(p, cJSON_GetObjectItem(run, "phases"))
            assert_true(num(p, "rss_file_end_bytes") <= 0.5 * d);
        cJSON_ArrayForEach(f, cJSON_GetObjectItem(cJSON_GetObjectItem(run, "timeline"), "file"))
            assert_true(f->valuedouble <= 0.5 * d);
        const cJSON *out = cJSON_GetObjectItem(run, "output");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(out, "kind")), "file");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(out, "matches_reference")));
        assert_true(num(out, "file_resident_bytes") <= 0.05 * d);
    }
    /* Without evict every page of the file stays resident: the contrast. */
    const cJSON *plain = cJSON_GetObjectItem(find_run(s->reset, "memmap", "glibc"), "output");
    assert_true(num(plain, "file_resident_bytes") >= 0.95 * num(plain, "bytes"));
}

/* The lessons block names the jemalloc effect with the run's own figures. */
static void lessons_name_the_allocator_effect(void **state)
{
    struct state *s = *state;
    const cJSON *je = find_run(s->reset, "whole-copy", "jemalloc"), *l;
    char want[128];
    snprintf(want, sizeof want, "whole-copy: %.2fx with jemalloc against ", num(je, "peak_ratio"));
    bool found = false, why = false;
    cJSON_ArrayForEach(l, cJSON_GetObjectItem(s->reset, "lessons")) {
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(l, "text"));
        found |= strncmp(text, want, strlen(want)) == 0;
        why |= strstr(text, "below its 8 MiB oversize_threshold") != NULL;
    }
    assert_true(found);
    assert_true(why);
    assert_non_null(strstr(tu_scratch_read("reset.out"), want));
}

/* The documented field list (DESIGN.md, report schema): every field present. */
static void require(const cJSON *o, const char *const *fields, const char *where)
{
    for (int i = 0; fields[i]; i++)
        if (!cJSON_HasObjectItem(o, fields[i]))
            fail_msg("%s lacks field '%s'", where, fields[i]);
}

static void report_has_every_documented_field(void **state)
{
    struct state *s = *state;
    static const char *const root[] = {"schema", "tool", "host", "config", "dataset", "runs", "summary", NULL};
    static const char *const tool[] = {"version", "git_commit", NULL};
    static const char *const host[] = {"kernel", "cpu", "mem_total_bytes", "thp", "page_size_bytes", "allocator_versions", NULL};
    static const char *const config[] = {"sha256", "name", "strategies", "allocators", NULL};
    static const char *const dataset[] = {"rows", "cols", "source_bytes", "output_bytes", "seed", "dtypes", NULL};
    static const char *const run[] = {"strategy", "params", "allocator", "allocator_conf", "repeat", "status",
        "reason", "wall_seconds", "cpu_seconds", "peak_rss_bytes", "peak_ratio", "expect_ratio", "budget_ratio",
        "peak_method", "rusage", "output", "phases", "timeline", NULL};
    static const char *const output[] = {"checksum", "matches_reference", "cells_differing", "max_abs_diff", NULL};
    static const char *const phase[] = {"name", "start_seconds", "wall_seconds", "peak_rss_bytes", "rss_start_bytes",
        "rss_end_bytes", "rss_anon_end_bytes", "rss_file_end_bytes", "faults_minor", "allocator", NULL};
    static const char *const alloc[] = {"allocated", "active", "resident", "mapped", "retained", "metadata", "peak_allocated", NULL};
    static const char *const timeline[] = {"interval_ms", "t", "rss", "anon", "file", NULL};
    static const char *const summary[] = {"strategy", "allocator", "peak_rss_bytes", "wall_seconds", NULL};
    const cJSON *r = s->reset, *run_i, *p;
    require(r, root, "report");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(r, "schema")), "highwater.report/1");
    require(cJSON_GetObjectItem(r, "tool"), tool, "tool");
    require(cJSON_GetObjectItem(r, "host"), host, "host");
    /* calibrate ran in its own process: warm copies beat first touch by far on any machine. */
    const cJSON *cal = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "host"), "calibration");
    assert_true(num(cal, "memcpy_warm_bytes_per_s") > 1.5 * num(cal, "fault_4k_bytes_per_s"));
    assert_true(num(cal, "fault_4k_bytes_per_s") > 0);
    require(cJSON_GetObjectItem(r, "config"), config, "config");
    assert_int_equal(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "config"), "sha256"))), 64);
    require(cJSON_GetObjectItem(r, "dataset"), dataset, "dataset");
    cJSON_ArrayForEach(run_i, cJSON_GetObjectItem(r, "runs")) {
        require(run_i, run, "run");
        const cJSON *tp = cJSON_GetObjectItem(run_i, "throughput");
        assert_true(num(tp, "fraction_of_memcpy_warm") > 0 && num(tp, "fraction_of_memcpy_warm") < 1);
        require(cJSON_GetObjectItem(run_i, "output"), output, "run.output");
        require(cJSON_GetObjectItem(run_i, "timeline"), timeline, "run.timeline");
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(run_i, "phases")) >= 3);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(run_i, "peak_method")), "clear_refs");
        assert_true(num(cJSON_GetObjectItem(run_i, "rusage"), "maxrss_bytes") > 0);
        double peak = 0;
        cJSON_ArrayForEach(p, cJSON_GetObjectItem(run_i, "phases")) {
            require(p, phase, "phase");
            require(cJSON_GetObjectItem(p, "allocator"), alloc, "phase.allocator");
            assert_true(num(p, "peak_rss_bytes") >= num(p, "rss_end_bytes"));
            peak = fmax(peak, num(p, "peak_rss_bytes"));
        }
        /* The run's peak is the largest phase peak, exactly. */
        assert_true(peak == num(run_i, "peak_rss_bytes"));
    }
    const cJSON *sm;
    cJSON_ArrayForEach(sm, cJSON_GetObjectItem(r, "summary"))
        require(sm, summary, "summary");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "summary")), 34);   /* 17 strategies x 2 */
}

/* The largest rise of RSS from one timeline point to the next (0 without a timeline). */
static double largest_rise(const cJSON *timeline)
{
    const cJSON *rss = cJSON_GetObjectItem(timeline, "rss");
    double prev = NAN, rise = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, rss) {
        if (!isnan(prev) && v->valuedouble - prev > rise)
            rise = v->valuedouble - prev;
        prev = v->valuedouble;
    }
    return rise;
}

/* Without resets VmHWM is the whole run's high-water mark, the same counter ru_maxrss comes
 * from: equal within 1% or 1 MiB. And the largest phase peak measured with resets (another
 * run of the same thing) agrees within 2% or 2 MiB. */
static void cross_checks(void **state)
{
    struct state *s = *state;
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(s->noreset, "runs")) {
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(r, "label"));
        const char *al = cJSON_GetStringValue(cJSON_GetObjectItem(r, "allocator"));
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(r, "peak_method")), "vmhwm");
        double peak = num(r, "peak_rss_bytes");
        double maxrss = num(cJSON_GetObjectItem(r, "rusage"), "maxrss_bytes");
        if (fabs(peak - maxrss) > fmax(0.01 * peak, 1 << 20))
            fail_msg("%s/%s: peak %.0f vs ru_maxrss %.0f", st, al, peak, maxrss);
        double with_resets = num(find_run(s->reset, st, al), "peak_rss_bytes");
        if (fabs(peak - with_resets) > fmax(0.02 * peak, 2 << 20))
            fail_msg("%s/%s: no-reset peak %.0f vs reset peak %.0f", st, al, peak, with_resets);
    }
    /* On runs longer than 200 ms the 1 ms sampler sees the peak within 5%, or within the
     * largest rise its own timeline shows between two samples, whichever is more: the top of
     * a sawtooth (the evicting memmap's write window: 3 -> 13 MB and back every few ms) can
     * fall between samples by up to one swing, and a flat peak is held to 5%. README,
     * lesson 30. */
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(s->reset, "runs")) {
        double peak = num(r, "peak_rss_bytes"), seen = num(r, "sampler_peak_bytes");
        double slack = fmax(0.05 * peak, largest_rise(cJSON_GetObjectItem(r, "timeline")));
        if (num(r, "wall_seconds") > 0.2 && seen < peak - slack)
            fail_msg("%s/%s: sampler %.0f below the exact peak %.0f by more than %.0f",
                     cJSON_GetStringValue(cJSON_GetObjectItem(r, "label")),
                     cJSON_GetStringValue(cJSON_GetObjectItem(r, "allocator")), seen, peak, slack);
    }
    /* The sampler never sees more than the kernel's high-water mark, up to the counters'
     * resolution: since 6.2 the RSS counters are per-CPU (percpu_counter, batch 32 pages),
     * the high-water mark is taken from the approximate sum while /proc/PID/status may sum
     * exactly, so they can differ by up to CPUs x 3 counters (anon, file, shmem) x 32 pages.
     * Measured here: up to 36 KiB. */
    double slack = (double)sysconf(_SC_NPROCESSORS_CONF) * 3 * 32 * (double)sysconf(_SC_PAGESIZE);
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(s->reset, "runs"))
        if (num(r, "sampler_peak_bytes") > num(r, "peak_rss_bytes") + slack)
            fail_msg("%s/%s: sampler %.0f above the exact peak %.0f by more than %.0f",
                     cJSON_GetStringValue(cJSON_GetObjectItem(r, "strategy")),
                     cJSON_GetStringValue(cJSON_GetObjectItem(r, "allocator")),
                     num(r, "sampler_peak_bytes"), num(r, "peak_rss_bytes"), slack);
}

static void stdout_table_and_no_leftovers(void **state)
{
    (void)state;
    const char *out = tu_scratch_read("reset.out");
    assert_non_null(strstr(out, "ci: 250k rows x 114 cols"));
    assert_non_null(strstr(out, "chunked-vstack"));
    assert_non_null(strstr(out, "wrong x"));
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s/tmp", work);
    assert_int_equal(dir_entries(tmp), 0);   /* run dirs and memmap files removed */
}

static void bad_report_paths(void **state)
{
    (void)state;
    char args[1024];
    assert_int_equal(run_cmd("run configs/ci.yaml --rows 1000 -o /nonexistent-dir/r.json", "o1"), 2);
    assert_string_equal(tu_scratch_read("o1.err"), "highwater: -o /nonexistent-dir/r.json: directory "
                        "/nonexistent-dir does not exist; create it or choose another path\n");
    snprintf(args, sizeof args, "run configs/ci.yaml --rows 1000 -o %s", work);
    assert_int_equal(run_cmd(args, "o2"), 2);
    assert_non_null(strstr(tu_scratch_read("o2.err"), "is a directory; give a file name"));
    assert_int_equal(run_cmd("run configs/ci.yaml --rows 1000 -o /proc/r.json", "o3"), 2);
    assert_string_equal(tu_scratch_read("o3.err"), "highwater: -o /proc/r.json: cannot write there: "
                        "No such file or directory; choose another path\n");
    assert_int_equal(run_cmd("run configs/does-not-exist.yaml", "o4"), 2);
    assert_non_null(strstr(tu_scratch_read("o4.err"), "configs/does-not-exist.yaml"));
    /* A bad config through the binary: exit 2, one line naming file:line:column. */
    char cfg[700];
    snprintf(cfg, sizeof cfg, "%s/bad.yaml", work);
    FILE *f = fopen(cfg, "w");
    fputs("dataset:\n  rows: 1M\n  columns: [{dtype: f32, count: 4}]\nstrategies:\n  - whole_copy\n", f);
    fclose(f);
    snprintf(args, sizeof args, "run %s", cfg);
    assert_int_equal(run_cmd(args, "o6"), 2);
    char want[1200];
    snprintf(want, sizeof want, "highwater: %s:5:5: unknown strategy 'whole_copy'; did you mean 'whole-copy'?", cfg);
    assert_memory_equal(tu_scratch_read("o6.err"), want, strlen(want));
    assert_int_equal(run_cmd("run configs/ci.yaml --strategies nope", "o5"), 2);
    assert_non_null(strstr(tu_scratch_read("o5.err"), "'nope' is not in configs/ci.yaml; choose from: whole-copy"));
}

/* rows so large that nothing fits: every run skipped with the pre-flight reason (memory, or
 * disk for the evicting streaming run, whose memory need does not grow with rows), exit 0. */
static void preflight_skips_everything(void **state)
{
    (void)state;
    char args[1024];
    snprintf(args, sizeof args, "run configs/ci.yaml --rows 10G -o %s/huge.json", work);
    assert_int_equal(run_cmd(args, "huge"), 0);
    cJSON *r = tu_report("%s/huge.json", work), *run;
    assert_non_null(r);
    int n = 0;
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(r, "runs")) {
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(run, "status")), "skipped");
        assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(run, "reason")), "pre-flight: "));
        n++;
    }
    assert_int_equal(n, 34);   /* ci.yaml: 17 strategies x 2 allocators */
    cJSON_Delete(r);
    /* The full-scale config on this machine, dry: only the evicting streaming runs fit. */
    assert_int_equal(run_cmd("run configs/seed-70m.yaml --dry-run", "dry"), 0);
    const char *out = tu_scratch_read("dry.out");
    assert_non_null(strstr(out, "seed-70m: 51 runs, limit "));   /* 17 strategies x 3 */
    int runs = 0;
    for (const char *q = out; (q = strstr(q, "  runs\n")); q++)
        runs++;
    assert_int_equal(runs, 3);
    assert_non_null(strstr(out, "streaming output=memmap evict=true glibc     predicted"));
}

/* The limit guard at run time: with limit 250 MiB, whole-copy is predicted at 2 S = 221 MiB
 * and starts; glibc peaks at 227 MiB and finishes, jemalloc keeps freed columns resident,
 * passes 250 MiB in to_numpy and is killed there (over_budget), the experiment goes on, and
 * the exit code says a budget failed. */
static void limit_kills_the_worker(void **state)
{
    (void)state;
    char cfg[700], args[1500];
    snprintf(cfg, sizeof cfg, "%s/limit.yaml", work);
    FILE *in = fopen("configs/ci.yaml", "r"), *out = fopen(cfg, "w");
    char line[512];
    while (fgets(line, sizeof line, in)) {
        fputs(line, out);
        if (strncmp(line, "  repeat:", 9) == 0)
            fputs("  limit: 250MiB\n", out);
    }
    fclose(in);
    fclose(out);
    snprintf(args, sizeof args, "run %s --strategies whole-copy -o %s/limit.json", cfg, work);
    assert_int_equal(run_cmd(args, "limit"), 1);   /* a budget failed, the report is whole */
    cJSON *r = tu_report("%s/limit.json", work);
    assert_non_null(r);
    const cJSON *gl = find_run(r, "whole-copy", "glibc"), *je = find_run(r, "whole-copy", "jemalloc");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(gl, "status")), "ok");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(je, "status")), "over_budget");
    const char *reason = cJSON_GetStringValue(cJSON_GetObjectItem(je, "reason"));
    assert_non_null(strstr(reason, "passed the limit 250.0 MiB during phase to_numpy; the worker was killed"));
    cJSON_Delete(r);
}

/* mixed: the Polars side (source columns) goes to the dlopen'ed jemalloc, the numpy side
 * (pandas blocks, the output) to glibc. load_source allocates only Polars buffers: jemalloc's
 * allocated grows by the source, glibc's stays at its bookkeeping. to_pandas allocates only
 * numpy blocks: glibc's grows by them, jemalloc's does not move. */
static void mixed_splits_the_sides(void **state)
{
    (void)state;
    char args[1024];
    snprintf(args, sizeof args, "run configs/ci.yaml --allocators mixed --strategies whole-copy -o %s/mixed.json", work);
    assert_int_equal(run_cmd(args, "mixed"), 0);
    cJSON *r = tu_report("%s/mixed.json", work);
    assert_non_null(r);
    const cJSON *run = find_run(r, "whole-copy", "mixed");
    double src = num(cJSON_GetObjectItem(r, "dataset"), "source_bytes"), d = num(run, "output_bytes");
    const cJSON *load_p = find_phase(run, "load_source"), *pandas = find_phase(run, "to_pandas");
    const cJSON *je0 = cJSON_GetObjectItem(load_p, "allocator"), *gl0 = cJSON_GetObjectItem(load_p, "allocator_glibc");
    const cJSON *je1 = cJSON_GetObjectItem(pandas, "allocator"), *gl1 = cJSON_GetObjectItem(pandas, "allocator_glibc");
    assert_non_null(gl0);
    assert_true(num(je0, "allocated") >= 0.95 * src);
    assert_true(num(gl0, "allocated") <= 0.02 * src);
    assert_true(num(gl1, "allocated") - num(gl0, "allocated") >= 0.95 * d);
    assert_true(fabs(num(je1, "allocated") - num(je0, "allocated")) <= 0.01 * d);
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(run, "allocator_version")), "jemalloc 5."));
    cJSON_Delete(r);
}

/* Every strategy with f16 F-order and f64 C-order outputs: bit-identical to the reference
 * of that dtype (the reference is per dtype; its checksums differ between dtypes). */
static void every_output_dtype_and_order(void **state)
{
    (void)state;
    static const char *const names[] = {"whole-copy", "select-chain", "fused-expr", "fused-single-pass",
        "chunked-vstack", "memmap", "column-release", "streaming"};
    char cfg[700], args[1500];
    snprintf(cfg, sizeof cfg, "%s/outputs.yaml", work);
    FILE *f = fopen(cfg, "w");
    fputs("dataset:\n  rows: 20k\n  all_null_columns: 1\n  columns:\n"
          "    - {dtype: f32, count: 10, null_rate: 0.02, inf_rate: 0.005, nan_rate: 0.005}\n"
          "    - {dtype: f64, count: 2, null_rate: 0.01, inf_rate: 0.001}\n"
          "    - {dtype: i64, count: 1, null_rate: 0.05}\n    - {dtype: i32, count: 2}\n"
          "    - {dtype: i16, count: 3, null_rate: 0.01}\n    - {dtype: i8, count: 4}\n"
          "run: {allocators: [glibc]}\nstrategies:\n", f);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        fprintf(f, "  - {name: %s, output: {dtype: f16, order: F}}\n  - {name: %s, output: {dtype: f64, order: C}}\n",
                names[i], names[i]);
    fclose(f);
    snprintf(args, sizeof args, "run %s -o %s/outputs.json", cfg, work);
    assert_int_equal(run_cmd(args, "outputs"), 0);
    cJSON *r = tu_report("%s/outputs.json", work), *run;
    assert_non_null(r);
    int n = 0;
    double chain_diff = 0;
    const char *f16 = NULL, *f64 = NULL;
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(r, "runs")) {
        const cJSON *out = cJSON_GetObjectItem(run, "output");
        const char *label = cJSON_GetStringValue(cJSON_GetObjectItem(run, "label"));
        /* select-chain and fused-expr replace inf after the cast: with f16, the values beyond
         * its range (f64, i64, i32 columns here) cast to inf and then become the median, where
         * the reference keeps the cast's inf. Both chains deviate, and identically. */
        if (strstr(label, "f16") && (strstr(label, "select-chain") || strstr(label, "fused-expr"))) {
            assert_true(cJSON_IsFalse(cJSON_GetObjectItem(out, "matches_reference")));
            double diff = num(out, "cells_differing");
            assert_true(diff > 0);
            if (chain_diff == 0)
                chain_diff = diff;
            assert_true(diff == chain_diff);
            n++;
            continue;
        }
        if (!cJSON_IsTrue(cJSON_GetObjectItem(out, "matches_reference")))
            fail_msg("%s: output does not match the reference", label);
        const char *sum = cJSON_GetStringValue(cJSON_GetObjectItem(out, "checksum"));
        const char **want = strstr(label, "f16") ? &f16 : &f64;
        if (!*want)
            *want = sum;
        assert_string_equal(sum, *want);
        n++;
    }
    assert_int_equal(n, 16);
    assert_string_not_equal(f16, f64);
    cJSON_Delete(r);
}

/* On a kernel that refuses clear_refs (simulated by the worker's test hook) the phase peaks
 * come from the 1 ms sampler and say so; VmHWM, never reset, still gives the run's exact peak,
 * which agrees with the normal run's within 2% or 2 MiB, and no phase claims more than it. */
static void sampler_fallback_without_clear_refs(void **state)
{
    struct state *s = *state;
    char args[1024];
    snprintf(args, sizeof args, "run configs/ci.yaml --allocators glibc --strategies fused-single-pass -o %s/refused.json", work);
    setenv("HW_TEST_REFUSE_CLEAR_REFS", "1", 1);
    int rc = run_cmd(args, "refused");
    unsetenv("HW_TEST_REFUSE_CLEAR_REFS");
    assert_int_equal(rc, 0);
    cJSON *r = tu_report("%s/refused.json", work);
    assert_non_null(r);
    const cJSON *run = find_run(r, "fused-single-pass", "glibc"), *p;
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(run, "peak_method")), "sampler");
    double peak = num(run, "peak_rss_bytes");
    double exact = num(find_run(s->reset, "fused-single-pass", "glibc"), "peak_rss_bytes");
    assert_true(fabs(peak - exact) <= fmax(0.02 * exact, 2 << 20));
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(run, "phases")) {
        assert_true(num(p, "peak_rss_bytes") <= num(p, "vmhwm_bytes"));
        assert_true(num(p, "peak_rss_bytes") > 0);
    }
    cJSON_Delete(r);
}

/* One worker run by hand, the documented way (README, "Cross-checks"): `highwater spec` then
 * `/usr/bin/time -v highwater worker`. GNU time's "Maximum resident set size" is the worker's
 * ru_maxrss; without phase resets the worker's own VmHWM must agree within 1% or 1 MiB. */
static void time_v_agrees_with_the_worker(void **state)
{
    (void)state;
    char args[1024], path[700];
    snprintf(args, sizeof args, "spec configs/ci.yaml --strategies chunked-vstack --allocators glibc "
             "--no-phase-reset");
    assert_int_equal(run_cmd(args, "spec"), 0);
    snprintf(path, sizeof path, "%s/spec.out", work);
    assert_int_equal(tu_sh("/usr/bin/time -v %s worker %s >%s/events.out 2>%s/time.err", bin, path, work, work), 0);
    const char *t = strstr(tu_scratch_read("time.err"), "Maximum resident set size (kbytes): ");
    assert_non_null(t);
    double time_kb = atof(t + strlen("Maximum resident set size (kbytes): "));
    double hwm = 0;
    char *events = strdup(tu_scratch_read("events.out"));
    for (char *save = NULL, *line = strtok_r(events, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *ev = cJSON_Parse(line);
        if (ev && strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "ev")), "phase") == 0) {
            assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "peak_method")), "vmhwm");
            hwm = fmax(hwm, num(ev, "peak_rss_bytes"));
        }
        cJSON_Delete(ev);
    }
    free(events);
    double time_bytes = time_kb * 1024;
    if (fabs(hwm - time_bytes) > fmax(0.01 * hwm, 1 << 20))
        fail_msg("worker VmHWM %.0f vs /usr/bin/time %.0f", hwm, time_bytes);
    assert_true(hwm > 300.0 * (1 << 20));   /* the chunked peak, not an empty run */
}

static const cJSON *find_conf(const cJSON *report, const char *label, const char *allocator, const char *conf)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(report, "runs"))
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "label")), label) == 0 &&
            strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "allocator")), allocator) == 0 &&
            strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "allocator_conf")), conf) == 0)
            return r;
    fail_msg("no run %s/%s+%s", label, allocator, conf);
    return NULL;
}

/* configs/allocators.yaml, whole-copy: one allocator effect, deterministic. jemalloc's default
 * dirty decay keeps the dropped source columns (1 MB each, below the 8 MiB threshold)
 * resident: after drop_source its resident exceeds its allocated by >= 0.25 D. With
 * dirty_decay_ms:0 they are purged at the free: <= 0.05 D, and the run's peak comes within
 * 0.05 D of glibc's. With thp:always (THP "madvise" here) jemalloc asks for huge pages: a
 * fault maps 2 MiB instead of 4 KiB, so the source (load_source: the Polars side alone) takes
 * under a tenth of the faults. The whole run is not compared: numpy advises huge pages for
 * its own large arrays under any allocator (worker/run.h), at least the output's D. */
static void allocator_conf_changes_the_peak(void **state)
{
    (void)state;
    char args[1024];
    snprintf(args, sizeof args, "run configs/allocators.yaml --strategies whole-copy -o %s/alloc.json", work);
    assert_int_equal(run_cmd(args, "alloc"), 0);
    cJSON *r = tu_report("%s/alloc.json", work);
    assert_non_null(r);
    const cJSON *gl = find_conf(r, "whole-copy", "glibc", "");
    const cJSON *je = find_conf(r, "whole-copy", "jemalloc", "");
    const cJSON *je0 = find_conf(r, "whole-copy", "jemalloc", "dirty_decay_ms:0");
    double d = num(je, "output_bytes");
    const cJSON *a = cJSON_GetObjectItem(find_phase(je, "drop_source"), "allocator");
    const cJSON *a0 = cJSON_GetObjectItem(find_phase(je0, "drop_source"), "allocator");
    assert_true(num(a, "resident") - num(a, "allocated") >= 0.25 * d);
    assert_true(num(a0, "resident") - num(a0, "allocated") <= 0.05 * d);
    assert_true(fabs(num(je0, "peak_rss_bytes") - num(gl, "peak_rss_bytes")) <= 0.05 * d);
    assert_true(num(je, "peak_rss_bytes") - num(je0, "peak_rss_bytes") >= 0.25 * d);
    char thp[64] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f) {
        if (!fgets(thp, sizeof thp, f))
            thp[0] = '\0';
        fclose(f);
    }
    if (!strstr(thp, "[never]")) {
        const cJSON *jt = find_conf(r, "whole-copy", "jemalloc", "thp:always");
        assert_true(num(find_phase(jt, "load_source"), "faults_minor") <
                    0.1 * num(find_phase(je, "load_source"), "faults_minor"));
        const cJSON *blocks = cJSON_GetObjectItem(cJSON_GetObjectItem(je, "output"), "blocks");
        assert_true(num(blocks, "numpy_hugepage_advised_bytes") >= d);
    }
    cJSON_Delete(r);
}

static pid_t child_of(pid_t parent)
{
    if (parent <= 0)
        return 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t found = 0;
    while (d && (e = readdir(d)) && !found) {
        const char *stat = tu_read("/proc/%s/stat", e->d_name);
        const char *rp = stat ? strrchr(stat, ')') : NULL;
        int ppid = 0;
        if (rp && sscanf(rp + 2, "%*c %d", &ppid) == 1 && ppid == parent)
            found = atoi(e->d_name);
    }
    if (d)
        closedir(d);
    return found;
}

/* Ctrl-C in the middle of a memmap run: the worker dies with the parent's cleanup, the run
 * directory and the memmap file are removed, the report so far is written, exit 130. */
static void ctrl_c_cleans_up(void **state)
{
    (void)state;
    char report[700], tmp[600], out[700];
    snprintf(report, sizeof report, "%s/int.json", work);
    snprintf(tmp, sizeof tmp, "%s/tmp", work);
    snprintf(out, sizeof out, "%s/int.out", work);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("TMPDIR", tmp, 1);
        freopen(out, "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(bin, "highwater", "run", "configs/ci.yaml", "--strategies", "memmap", "--allocators",
              "glibc", "--rows", "2M", "-o", report, (char *)NULL);
        _exit(127);
    }
    /* Wait for the worker to map its memmap file (unlinked at once, so look at its maps). */
    pid_t worker = 0;
    bool mapped = false;
    for (int i = 0; i < 3000 && !mapped; i++) {
        usleep(10000);
        /* highwater -> its launcher -> the worker */
        if (!worker || kill(worker, 0) != 0)
            worker = child_of(child_of(pid));
        mapped = worker && tu_sh("grep -q 'memmap.f (deleted)' /proc/%d/maps 2>/dev/null", (int)worker) == 0;
    }
    assert_true(mapped);
    assert_int_equal(kill(pid, SIGINT), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 130);
    assert_int_equal(kill(worker, 0), -1);
    assert_int_equal(errno, ESRCH);
    assert_int_equal(dir_entries(tmp), 0);
    cJSON *r = tu_report("%s/int.json", work);
    assert_non_null(r);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(run, "status")), "failed");
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(run, "reason")), "interrupted by signal 2"));
    cJSON_Delete(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(glibc_shapes),
        cmocka_unit_test(memmap_split),
        cmocka_unit_test(jemalloc_keeps_freed_columns),
        cmocka_unit_test(outputs_match_reference),
        cmocka_unit_test(local_medians_detected),
        cmocka_unit_test(catalogue_shapes),
        cmocka_unit_test(memmap_evict_bounds_the_file_part),
        cmocka_unit_test(lessons_name_the_allocator_effect),
        cmocka_unit_test(report_has_every_documented_field),
        cmocka_unit_test(cross_checks),
        cmocka_unit_test(stdout_table_and_no_leftovers),
        cmocka_unit_test(bad_report_paths),
        cmocka_unit_test(preflight_skips_everything),
        cmocka_unit_test(limit_kills_the_worker),
        cmocka_unit_test(sampler_fallback_without_clear_refs),
        cmocka_unit_test(time_v_agrees_with_the_worker),
        cmocka_unit_test(allocator_conf_changes_the_peak),
        cmocka_unit_test(select_chain_rebind_frees_what_it_replaced),
        cmocka_unit_test(mixed_splits_the_sides),
        cmocka_unit_test(every_output_dtype_and_order),
        cmocka_unit_test(ctrl_c_cleans_up),
    };
    tu_scratch = work;
    return cmocka_run_group_tests(tests, setup, teardown);
}
