#include "lessons.h"
#include "schema_fields.h"
#include "allocator.h"
#include "json.h"
#include "size.h"
#include "summary.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An allocator keeping less than this (x output) resident beyond what is allocated is noise. */
#define KEPT_WORTH_TELLING 0.10
#define KEPT_AT_LEAST_BYTES (8.0 * 1024 * 1024)

static struct hw_summary_view view(const cJSON *s)
{
    struct hw_summary_view v;
    hw_summary_decode(s, &v);
    return v;
}

static double median_ratio(const cJSON *s) { return view(s).ratio_median; }

static void add(cJSON *lessons, const char *kind, const char *label, double weight, const char *text)
{
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, HW_F_KIND, kind);
    cJSON_AddStringToObject(l, HW_F_LABEL, label);
    cJSON_AddNumberToObject(l, HW_F_WEIGHT, weight);
    cJSON_AddStringToObject(l, HW_F_TEXT, text);
    cJSON_AddItemToArray(lessons, l);
}

static bool seen_label(const cJSON *summary, const cJSON *upto, const char *label)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, summary) {
        if (s == upto)
            return false;
        if (strcmp(view(s).label, label) == 0)
            return true;
    }
    return false;
}

/* One belief per strategy label, over its allocators: measured ratios side by side. */
static void beliefs(cJSON *lessons, const cJSON *summary)
{
    const cJSON *s, *t;
    char held[1024] = "";
    size_t hused = 0;
    cJSON_ArrayForEach(s, summary) {
        const char *label = view(s).label;
        double expect = view(s).expect_ratio;
        if (isnan(expect) || seen_label(summary, s, label))
            continue;
        char measured[512] = "", phase[128] = "";
        size_t used = 0;
        double worst = 1.0;
        bool wrong = false;
        cJSON_ArrayForEach(t, summary) {
            struct hw_summary_view v = view(t);
            if (strcmp(v.label, label) != 0 || isnan(v.ratio_median))
                continue;
            double f = v.ratio_median / expect;
            if (fabs(log(f)) > fabs(log(worst))) {
                worst = f;
                snprintf(phase, sizeof phase, "%s", v.peak_phase);
            }
            wrong |= strcmp(v.expect_verdict, "wrong") == 0;
            used += (size_t)snprintf(measured + used, used < sizeof measured ? sizeof measured - used : 0,
                                     "%s%.2fx (%s)", used ? ", " : "", v.ratio_median, v.allocator);
        }
        if (!measured[0])
            continue;
        if (!wrong) {
            hused += (size_t)snprintf(held + hused, hused < sizeof held ? sizeof held - hused : 0,
                                      "%s%s %.2fx", hused ? ", " : "", label, expect);
            continue;
        }
        char text[1024];
        snprintf(text, sizeof text, "%s: believed %.2fx, measured %s: %.2fx the belief%s%s", label,
                 expect, measured, worst, phase[0] ? "; the peak is in phase " : "", phase);
        add(lessons, "belief", label, fabs(log(worst)), text);
    }
    if (held[0]) {
        char text[1200];
        snprintf(text, sizeof text, "held within the tolerance: %s", held);
        add(lessons, "held", "", 0, text);
    }
}

static void correctness(cJSON *lessons, const cJSON *summary, const cJSON *report)
{
    const cJSON *s, *ds = cJSON_GetObjectItemCaseSensitive(report, HW_F_DATASET);
    double cells = hw_jnum(ds, "rows") * hw_jnum(ds, "cols");
    cJSON_ArrayForEach(s, summary) {
        struct hw_summary_view v = view(s);
        if (strcmp(v.output_check, "mismatch") != 0 || seen_label(summary, s, v.label))
            continue;
        char text[1024];
        double diff = v.cells_differing;
        snprintf(text, sizeof text, "%s: WRONG OUTPUT, %.0f of %.0f cells (%.2f%%) differ from the "
                 "reference, max |diff| %.4g", v.label, diff, cells, 100.0 * diff / cells, v.max_abs_diff);
        add(lessons, "correctness", v.label, 100.0 + diff / cells, text);
    }
}

/* The plain allocator (no conf) of that label: the comparison point. */
static const cJSON *find_summary(const cJSON *summary, const char *label, const char *allocator)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, summary) {
        struct hw_summary_view v = view(s);
        if (strcmp(v.label, label) == 0 && strcmp(v.allocator, allocator) == 0 && !v.allocator_conf[0])
            return s;
    }
    return NULL;
}

/* An allocator that keeps freed memory (the registry's keeps_freed: jemalloc, alone or as
 * mixed's Polars side) holding it where it matters: a run whose peak exceeds the glibc run of
 * the same strategy by a tenth of the output or more, with what it held (resident - allocated)
 * by the end of the peak phase. One line per run, then the reason once (the first such
 * allocator's), with the scale at which it stops holding. */
static void allocator_effects(cJSON *lessons, const cJSON *report, const cJSON *summary)
{
    const cJSON *r, *p, *ds = cJSON_GetObjectItemCaseSensitive(report, HW_F_DATASET);
    double column = hw_jnum(ds, "rows") * 4.0;   /* an f32 source column, the mix's common case */
    const struct hw_allocator_ops *why = NULL;
    char b1[32], b2[32];
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, HW_F_RUNS)) {
        const char *alloc = hw_jstr(r, HW_F_ALLOCATOR);
        const struct hw_allocator_ops *ops = hw_allocator_find(alloc);
        if (hw_jnum(r, HW_F_REPEAT) != 1 || strcmp(hw_jstr(r, HW_F_STATUS), "ok") != 0 || !ops ||
            !ops->keeps_freed)
            continue;
        const cJSON *gl = find_summary(summary, hw_jstr(r, HW_F_LABEL), "glibc");
        double extra = gl ? hw_jnum(r, HW_F_PEAK_RATIO) - median_ratio(gl) : NAN;
        double d = hw_jnum(r, HW_F_OUTPUT_BYTES), kept = 0;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r, HW_F_PHASES)) {
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(p, HW_F_ALLOCATOR);
            kept = fmax(kept, hw_jnum(a, "resident") - hw_jnum(a, "allocated"));
            if (strcmp(hw_jstr(p, HW_F_NAME), hw_jstr(r, HW_F_PEAK_PHASE)) == 0)
                break;
        }
        /* Both relative and absolute: at a few thousand rows the process itself is many
         * times the output, and a few MiB of allocator metadata would read as a lesson. */
        if ((isnan(extra) ? kept < KEPT_WORTH_TELLING * d : extra < KEPT_WORTH_TELLING) ||
            kept < KEPT_AT_LEAST_BYTES)
            continue;
        char versus[128] = "";
        if (!isnan(extra))
            snprintf(versus, sizeof versus, " against %.2fx with glibc (%+.2fx)", median_ratio(gl), extra);
        char text[1024], who[300];
        const char *conf = hw_jstr(r, HW_F_ALLOCATOR_CONF);
        snprintf(who, sizeof who, "%s%s%s", alloc, conf[0] ? "+" : "", conf);
        snprintf(text, sizeof text, "%s: %.2fx with %s%s; %s held %.2fx output (%s) of freed "
                 "memory resident by the end of phase %s", hw_jstr(r, HW_F_LABEL), hw_jnum(r, HW_F_PEAK_RATIO),
                 who, versus, ops->stats_name, kept / d, hw_fmt_bytes(kept, b1, sizeof b1), hw_jstr(r, HW_F_PEAK_PHASE));
        add(lessons, "allocator", hw_jstr(r, HW_F_LABEL), isnan(extra) ? kept / d : extra, text);
        if (!why)
            why = ops;
    }
    if (!why)
        return;
    char text[1024];
    snprintf(text, sizeof text,
             "why: %s. The source "
             "columns here are %s, %s it; at %.1fM rows an f32 column crosses it, so runs on either "
             "side of that scale are in different regimes: do not plan one from the other",
             why->keeps_freed, hw_fmt_bytes(column, b2, sizeof b2), column < why->free_threshold ? "below" : "above",
             why->free_threshold / 4.0 / 1e6);
    add(lessons, "allocator", "", -1, text);
}

/* How far each model is from the real library it stands for (run --fidelity): a figure of a
 * model is only as good as the model, and the report says how good, once per run key. */
static void fidelity(cJSON *lessons, const cJSON *report)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, HW_F_RUNS)) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(r, "fidelity");
        if (!f || hw_jnum(r, HW_F_REPEAT) > 1)
            continue;
        char text[1024], rows[32];
        double worst = hw_jnum(f, "max_phase_diff_d"), tol = hw_jnum(f, "tolerance_d");
        hw_fmt_count(hw_jnum(f, "rows"), rows, sizeof rows);
        if (cJSON_IsTrue(cJSON_GetObjectItem(f, "within")))
            snprintf(text, sizeof text, "%s (%s): this model is within +-%.2f D of real %s %s at %s rows "
                     "(largest phase difference %+.2f D)", hw_jstr(r, HW_F_LABEL), hw_jstr(r, HW_F_ALLOCATOR), tol,
                     hw_jstr(f, "library"), hw_jstr(f, "library_version"), rows, worst);
        else
            snprintf(text, sizeof text, "%s (%s): this model is NOT within +-%.2f D of real %s %s at %s rows: "
                     "a phase differs by %+.2f D%s%s", hw_jstr(r, HW_F_LABEL), hw_jstr(r, HW_F_ALLOCATOR), tol,
                     hw_jstr(f, "library"), hw_jstr(f, "library_version"), rows, worst,
                     hw_jstr(f, "gap")[0] ? "; known gap: " : "", hw_jstr(f, "gap"));
        add(lessons, "fidelity", hw_jstr(r, HW_F_LABEL), fabs(worst), text);
    }
}

/* Where the container's view differs from RSS by its mechanism: a group that peaks above
 * RSS holds page cache RSS does not count (a memmap's dirty pages, an IPC file read), and a
 * limit far below the RSS peak survives because the kernel writes file pages back and drops
 * them at the limit. Differences under this are the two views' bookkeeping (shared library
 * pages, page tables). */
#define CONTAINER_WORTH_TELLING 0.05

static void container(cJSON *lessons, const cJSON *report, const cJSON *summary)
{
    const cJSON *s;
    double out = hw_jnum(cJSON_GetObjectItemCaseSensitive(report, HW_F_DATASET), HW_F_OUTPUT_BYTES);
    cJSON_ArrayForEach(s, summary) {
        struct hw_summary_view v = view(s);
        char text[1024];
        double rss = v.peak_median / out, cg = v.container_peak_median / out, lim = v.smallest_limit / out;
        if (!(out > 0) || isnan(rss))
            continue;
        if (!isnan(lim) && lim < rss - CONTAINER_WORTH_TELLING) {
            snprintf(text, sizeof text, "%s (%s): RSS peaks at %.2fx, yet it completes under a container limit of "
                     "%.2fx (%.1fx slower there): at the limit the kernel writes its file pages back and drops "
                     "them; size the pod from this, not from RSS", v.label, v.allocator, rss, lim,
                     v.wall_ratio_at_limit);
            add(lessons, "container", v.label, rss - lim, text);
        } else if (!isnan(cg) && cg > rss + CONTAINER_WORTH_TELLING) {
            snprintf(text, sizeof text, "%s (%s): its memory cgroup peaks at %.2fx, above its RSS peak %.2fx: page "
                     "cache RSS does not count (written file pages until written back, files read) is charged to "
                     "the container; a limit at the RSS peak makes the kernel reclaim (--find-limit says how low "
                     "it can go)", v.label, v.allocator, cg, rss);
            add(lessons, "container", v.label, cg - rss, text);
        }
    }
}

static int by_weight(const void *a, const void *b)
{
    double x = hw_jnum(*(const cJSON *const *)a, HW_F_WEIGHT), y = hw_jnum(*(const cJSON *const *)b, HW_F_WEIGHT);
    return (x < y) - (x > y);
}

cJSON *hw_lessons_build(const cJSON *report)
{
    const cJSON *summary = cJSON_GetObjectItemCaseSensitive(report, HW_F_SUMMARY);
    cJSON *all = cJSON_CreateArray(), *out = cJSON_CreateArray();
    correctness(all, summary, report);
    beliefs(all, summary);
    allocator_effects(all, report, summary);
    fidelity(all, report);
    container(all, report, summary);
    /* Correctness failures first, then the beliefs most wrong by factor, held ones last,
     * then what the container's view adds, then what allocators did. */
    int n = cJSON_GetArraySize(all);
    const cJSON **v = calloc((size_t)n + 1, sizeof *v);
    for (int i = 0; v && i < n; i++)
        v[i] = cJSON_GetArrayItem(all, i);
    if (v) {
        static const char *const order[] = {"correctness", "belief", "held", "container", "allocator", "fidelity"};
        for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
            const cJSON **part = calloc((size_t)n + 1, sizeof *part);
            int m = 0;
            for (int i = 0; part && i < n; i++)
                if (strcmp(hw_jstr(v[i], HW_F_KIND), order[k]) == 0)
                    part[m++] = v[i];
            if (part)
                qsort(part, (size_t)m, sizeof *part, by_weight);
            for (int i = 0; part && i < m; i++)
                cJSON_AddItemToArray(out, cJSON_Duplicate(part[i], 1));
            free(part);
        }
    }
    free(v);
    cJSON_Delete(all);
    return out;
}

void hw_lessons_print(const cJSON *lessons, FILE *f)
{
    const cJSON *l;
    int i = 0;
    if (cJSON_GetArraySize(lessons) == 0)
        return;
    fprintf(f, "\nlessons:\n");
    cJSON_ArrayForEach(l, lessons)
        fprintf(f, "%2d. %s\n", ++i, hw_jstr(l, HW_F_TEXT));
}
