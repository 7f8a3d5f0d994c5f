/* The plots: pages from a hand-made report, the committed baseline (no timelines), a big
 * synthetic report and a real quick.yaml report the test makes with the built binary. Each page: no script, no
 * external reference (the only "http" is the SVG namespace), valid for xmllint's HTML parser,
 * every SVG fragment well-formed XML, labels escaped, the peak written out, under 2 MB.
 * Broken and older reports draw without crashing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "plot.h"
#include "report.h"
#include "size.h"
#include "testutil.h"

#define SVG_NS "http://www.w3.org/2000/svg"
#define BASELINE "results/baselines/ci.json"                      /* committed, made with --no-timeline */

static char dir[] = "/tmp/hw-test-plot-XXXXXX";

static int setup(void **state)
{
    if (tu_scratch_setup(state) != 0)
        return -1;
    /* scripts/install-deps.sh installs xmllint (libxml2-utils): the checks below need it. */
    return tu_sh("command -v xmllint >/dev/null") == 0 ? 0 : -1;
}

/* Occurrences of needle, ignoring case. */
static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strcasestr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The page to a file; the file's name in path. */
static void write_html(const cJSON *report, const char *name, char *path, size_t len)
{
    char err[512] = "";
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    int rc = hw_plot_html(report, NULL, f, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "hw_plot_html: %s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(fclose(f), 0);
}

/* libxml2 2.9's HTML parser knows HTML 4 only: it calls every inline SVG element an invalid
 * tag (and exits 0 whatever it finds). Those messages are expected; any other is a fault. */
static void assert_html_parses(const char *path)
{
    static const char *const svg_tags[] = {"svg", "path", "rect", "text", "circle"};
    char errs[512];
    /* In the test's own directory: path may be a committed file (results/quick.html). */
    snprintf(errs, sizeof errs, "%s/%s.xmllint", dir, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
    assert_int_equal(tu_sh("xmllint --html --noout %s 2>%s", path, errs), 0);
    char *log = tu_slurp(errs, NULL);
    int bad = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        char *m = strstr(line, "parser error : ");
        if (!m)
            continue;
        m += strlen("parser error : ");
        bool expected = false;
        for (size_t i = 0; i < sizeof svg_tags / sizeof svg_tags[0]; i++) {
            char want[64];
            snprintf(want, sizeof want, "Tag %s invalid", svg_tags[i]);
            expected |= strcmp(m, want) == 0;
        }
        if (!expected) {
            fprintf(stderr, "%s: %s\n", path, line);
            bad++;
        }
    }
    free(log);
    assert_int_equal(bad, 0);
}

/* Every <svg>...</svg> of the page, alone in a file, is well-formed XML. Returns how many. */
static int assert_svgs_parse(const char *html, const char *tag)
{
    char files[6000] = "", path[512];
    size_t used = 0;
    int n = 0;
    for (const char *p = html; (p = strstr(p, "<svg")); n++) {
        const char *end = strstr(p, "</svg>");
        assert_non_null(end);
        end += strlen("</svg>");
        snprintf(path, sizeof path, "%s/%s-%d.svg", dir, tag, n);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fwrite(p, 1, (size_t)(end - p), f);
        fclose(f);
        int k = snprintf(files + used, sizeof files - used, " %s", path);
        assert_true(k > 0 && (size_t)k < sizeof files - used);
        used += (size_t)k;
        p = end;
    }
    if (n)
        assert_int_equal(tu_sh("xmllint --noout%s", files), 0);
    return n;
}

/* Characters of an escaped text ("&amp;" and UTF-8 sequences count one). */
static size_t chars_of(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; c++) {
        if (s[i] == '&') {
            const char *semi = memchr(s + i, ';', n - i);
            i = semi ? (size_t)(semi - s) + 1 : i + 1;
        } else {
            i++;
            while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
                i++;
        }
    }
    return c;
}

/* In each chart, no two phase labels in one row overlap, at the width the layout assumes
 * (0.62 em a character, 11 px). Returns how many labels it saw. */
static int assert_phase_labels_apart(const char *html)
{
    int seen = 0;
    for (const char *svg = strstr(html, "<svg"); svg; svg = strstr(svg + 1, "<svg")) {
        const char *end = strstr(svg, "</svg>");
        double x[256], y[256], w[256];
        int n = 0;
        for (const char *p = svg; (p = strstr(p, "class=\"phl\">")) && p < end && n < 256; n++) {
            const char *open = p;
            while (open > svg && strncmp(open, "<text", 5) != 0)
                open--;
            assert_int_equal(sscanf(open, "<text x=\"%lf\" y=\"%lf\"", &x[n], &y[n]), 2);
            p += strlen("class=\"phl\">");
            const char *close = strstr(p, "</text>");
            w[n] = (double)chars_of(p, (size_t)(close - p)) * 11 * 0.62;
            p = close;
        }
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (fabs(y[i] - y[j]) < 11)
                    assert_true(x[i] + w[i] <= x[j] || x[j] + w[j] <= x[i]);
        seen += n;
    }
    return seen;
}

/* The properties every page has. Returns the page (free it). */
static char *check_page(const char *path, size_t max_bytes, int min_svgs)
{
    size_t len;
    char *html = tu_slurp(path, &len);
    assert_true(len < max_bytes);
    assert_int_equal(strncmp(html, "<!DOCTYPE html>", 15), 0);
    assert_null(strcasestr(html, "<script"));
    assert_null(strcasestr(html, "src="));
    assert_null(strcasestr(html, "url("));
    assert_int_equal(count(html, "http"), count(html, SVG_NS));
    assert_html_parses(path);
    const char *tag = strrchr(path, '/') + 1;
    assert_true(assert_svgs_parse(html, tag) >= min_svgs);
    assert_phase_labels_apart(html);
    return html;
}

/* A small report by hand: one run with a timeline, one failed, labels that need escaping. */
static cJSON *small_report(void)
{
    const char *json =
        "{\"schema\":\"highwater.report/1\","
        "\"tool\":{\"name\":\"highwater\",\"version\":\"0.1.0\",\"git_commit\":\"abc123\"},"
        "\"host\":{\"kernel\":\"Linux 6.1\",\"cpu\":\"Test CPU\",\"thp\":\"madvise\",\"cpus\":2},"
        "\"config\":{\"name\":\"small<&>\"},"
        "\"dataset\":{\"rows\":1000000,\"cols\":114,\"source_bytes\":464250000,\"output_bytes\":456000000},"
        "\"lessons\":[{\"kind\":\"belief\",\"text\":\"chain<&>: believed 1.25x, measured 2.02x\"},"
        "{\"kind\":\"odd\\\"kind\",\"text\":\"quote \\\" and 'apostrophe'\"},"
        "{\"kind\":\"link\",\"text\":\"see HTTP://example.org/x.png and <img src=x.png>\"}],"
        "\"runs\":["
        "{\"label\":\"chain<&>\",\"strategy\":\"select-chain\",\"allocator\":\"mixed\",\"allocator_conf\":\"\","
        "\"repeat\":1,\"status\":\"ok\",\"reason\":\"\",\"peak_rss_bytes\":922746880,\"peak_ratio\":2.0235,"
        "\"output_bytes\":456000000,\"expect_ratio\":1.25,\"budget_ratio\":3.0,\"wall_seconds\":1.6,"
        "\"peak_phase\":\"to_numpy\",\"output\":{\"matches_reference\":false,\"cells_differing\":42},"
        "\"phases\":["
        "{\"name\":\"load_source\",\"start_seconds\":0.0,\"wall_seconds\":0.5,\"peak_rss_bytes\":470000000,"
        "\"rss_end_bytes\":470000000,\"allocator\":{\"allocated\":464000000,\"resident\":466000000},"
        "\"allocator_glibc\":{\"allocated\":100000,\"resident\":200000}},"
        "{\"name\":\"a_phase_with_a_long_name\",\"start_seconds\":0.5,\"wall_seconds\":0.001,\"peak_rss_bytes\":470000000},"
        "{\"name\":\"tiny\",\"start_seconds\":0.501,\"wall_seconds\":0.0,\"peak_rss_bytes\":470000000},"
        "{\"name\":\"to_numpy\",\"start_seconds\":0.502,\"wall_seconds\":1.0,\"peak_rss_bytes\":922746880,"
        "\"allocator\":{\"allocated\":900000000,\"resident\":910000000}},"
        "{\"name\":\"release\",\"start_seconds\":1.502,\"wall_seconds\":0.098,\"peak_rss_bytes\":922746880,"
        "\"allocator\":null}]},"
        "{\"label\":\"broken\",\"strategy\":\"fused-expr\",\"allocator\":\"jemalloc\",\"status\":\"failed\","
        "\"reason\":\"killed by SIGKILL <oom>\",\"peak_rss_bytes\":null,\"timeline\":null,\"phases\":[]}],"
        "\"summary\":["
        "{\"label\":\"chain<&>\",\"allocator\":\"mixed\",\"allocator_conf\":\"\",\"status\":\"ok\",\"ok\":1,\"runs\":1,"
        "\"peak_rss_bytes\":{\"median\":922746880},\"peak_ratio\":{\"median\":2.0235,\"min\":2.0,\"max\":2.1},"
        "\"wall_seconds\":{\"median\":1.6},\"expect_ratio\":1.25,\"expect_verdict\":\"wrong\",\"output_check\":\"mismatch\","
        "\"cells_differing\":42},"
        "{\"label\":\"broken\",\"allocator\":\"jemalloc\",\"allocator_conf\":\"\",\"status\":\"failed\",\"ok\":0,\"runs\":1,"
        "\"reason\":\"killed by SIGKILL <oom>\"}]}";
    cJSON *r = cJSON_Parse(json);
    assert_non_null(r);
    /* 1,600 samples at 1 ms: a ramp to the peak in to_numpy, then the release. */
    cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
    cJSON *tl = cJSON_AddObjectToObject(run, "timeline");
    cJSON_AddNumberToObject(tl, "interval_ms", 1);
    cJSON *t = cJSON_AddArrayToObject(tl, "t"), *rss = cJSON_AddArrayToObject(tl, "rss");
    cJSON *anon = cJSON_AddArrayToObject(tl, "anon"), *file = cJSON_AddArrayToObject(tl, "file");
    for (int i = 0; i < 1600; i++) {
        double s = i / 1000.0, a;
        if (s < 0.5)
            a = 460e6 * s / 0.5;
        else if (s < 0.502)
            a = 460e6;
        else if (s < 1.502)
            a = 460e6 + 450e6 * (s - 0.502);
        else
            a = 10e6;
        double fb = 4e6 + (i % 7) * 1e5;
        cJSON_AddItemToArray(t, cJSON_CreateNumber(s));
        cJSON_AddItemToArray(anon, cJSON_CreateNumber(a));
        cJSON_AddItemToArray(file, cJSON_CreateNumber(fb));
        cJSON_AddItemToArray(rss, cJSON_CreateNumber(a + fb));
    }
    return r;
}

static void small_report_page(void **state)
{
    (void)state;
    char path[512], b[64];
    cJSON *r = small_report();
    write_html(r, "small.html", path, sizeof path);
    char *html = check_page(path, 2000000, 2);   /* the summary and the one ok run */
    /* The peak written next to its dot: "880.0 MiB, 2.02x". */
    snprintf(b, sizeof b, "%s, 2.02x", hw_fmt_bytes(922746880, (char[32]){0}, 32));
    assert_string_equal(b, "880.0 MiB, 2.02x");
    assert_non_null(strstr(html, b));
    /* Escaped everywhere: heading, summary, lessons, the failed run's reason. */
    assert_null(strstr(html, "chain<&>"));
    assert_null(strstr(html, "<oom>"));
    assert_true(count(html, "chain&lt;&amp;&gt;") >= 3);
    assert_non_null(strstr(html, "killed by SIGKILL &lt;oom&gt;"));
    assert_non_null(strstr(html, "quote &quot; and &#39;apostrophe&#39;"));
    assert_non_null(strstr(html, "small&lt;&amp;&gt;"));
    /* A URL in a lesson is text, not a reference: its "http" is written "&#72;TTP". */
    assert_non_null(strstr(html, "see &#72;TTP://example.org/x.png and &lt;img &#115;rc=x.png&gt;"));
    /* Expect and budget lines with their labels; both allocators' markers in a mixed run. */
    assert_non_null(strstr(html, "expect 1.25x = "));
    assert_non_null(strstr(html, "budget 3.00x = "));
    assert_non_null(strstr(html, "class=\"mga\""));
    assert_non_null(strstr(html, "class=\"mr\""));
    /* The 1 ms and 0 ms phases share a number label on the chart ("2-3", en dash), and are
     * named in the list below it; the others have room for their names. */
    assert_non_null(strstr(html, "class=\"phl\">2\xe2\x80\x93" "3</text>"));
    assert_non_null(strstr(html, "class=\"phl\">1 load_source</text>"));
    assert_non_null(strstr(html, "class=\"phl\">4 to_numpy</text>"));
    assert_non_null(strstr(html, "2 a_phase_with_a_long_name"));
    assert_non_null(strstr(html, "3 tiny"));
    assert_non_null(strstr(html, "WRONG: 42 cells differ"));
    /* The failed run: its reason, no chart (2 SVGs: the summary and the ok run). */
    assert_int_equal(count(html, "<svg"), 2);
    /* No cgroup samples: no cgroup line and no legend entry for one. */
    assert_null(strstr(html, "memory cgroup (page cache"));
    free(html);
    cJSON_Delete(r);
}

/* With the group's charge in the timeline (timeline.cgroup), the run chart draws it as a line
 * of its own beside RSS, and the legend names it. */
static void cgroup_line_drawn(void **state)
{
    (void)state;
    char path[512];
    cJSON *r = small_report();
    cJSON *tl = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0), "timeline");
    cJSON *cg = cJSON_AddObjectToObject(tl, "cgroup");
    cJSON *t = cJSON_AddArrayToObject(cg, "t"), *b = cJSON_AddArrayToObject(cg, "bytes");
    for (int i = 0; i < 1600; i += 10) {
        cJSON_AddItemToArray(t, cJSON_CreateNumber(i / 1000.0));
        cJSON_AddItemToArray(b, cJSON_CreateNumber(1e6 * (i % 400)));
    }
    write_html(r, "cgroup.html", path, sizeof path);
    char *html = check_page(path, 2000000, 2);
    assert_int_equal(count(html, "class=\"cg\""), 2);   /* the line and its legend swatch */
    assert_non_null(strstr(html, "memory cgroup (page cache and kernel too)"));
    free(html);
    cJSON_Delete(r);
}

static void summary_svg_standalone(void **state)
{
    (void)state;
    char path[512], err[256];
    cJSON *r = small_report();
    snprintf(path, sizeof path, "%s/summary.svg", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(hw_plot_summary_svg(r, f, err, sizeof err), 0);
    fclose(f);
    char *svg = tu_slurp(path, NULL);
    assert_int_equal(strncmp(svg, "<?xml", 5), 0);
    assert_non_null(strstr(svg, "<svg xmlns=\"" SVG_NS "\""));
    assert_non_null(strstr(svg, "<style>"));
    assert_non_null(strstr(svg, "peak, x output"));
    assert_non_null(strstr(svg, "wall, s"));
    assert_non_null(strstr(svg, "chain&lt;&amp;&gt;"));
    assert_int_equal(count(svg, "http"), 1);
    assert_int_equal(tu_sh("xmllint --noout %s", path), 0);
    free(svg);
    cJSON_Delete(r);
}

/* The height follows the rows: 12 labels x 3 allocators need more room than 2 x 1. */
static void summary_grows_with_rows(void **state)
{
    (void)state;
    char path[512], err[256];
    cJSON *r = cJSON_Parse("{\"summary\":[]}");
    cJSON *sum = cJSON_GetObjectItem(r, "summary");
    static const char *const alloc[] = {"glibc", "jemalloc", "mixed"};
    for (int l = 0; l < 12; l++)
        for (int a = 0; a < 3; a++) {
            cJSON *s = cJSON_CreateObject();
            char label[64];
            snprintf(label, sizeof label, "strategy number %d with params", l);
            cJSON_AddStringToObject(s, "label", label);
            cJSON_AddStringToObject(s, "allocator", alloc[a]);
            cJSON_AddStringToObject(s, "status", "ok");
            cJSON *p = cJSON_AddObjectToObject(s, "peak_ratio");
            cJSON_AddNumberToObject(p, "median", 1 + l * 0.25 + a * 0.01);
            cJSON_AddNumberToObject(cJSON_AddObjectToObject(s, "wall_seconds"), "median", 1.5);
            cJSON_AddNumberToObject(s, "expect_ratio", 1.25);
            cJSON_AddItemToArray(sum, s);
        }
    snprintf(path, sizeof path, "%s/big-summary.svg", dir);
    FILE *f = fopen(path, "w");
    assert_int_equal(hw_plot_summary_svg(r, f, err, sizeof err), 0);
    fclose(f);
    char *svg = tu_slurp(path, NULL);
    double h = 0;
    assert_int_equal(sscanf(strstr(svg, "height=\""), "height=\"%lf\"", &h), 1);
    assert_true(h >= 36 * 15 + 11 * 11);   /* a row per bar, a gap per label */
    assert_int_equal(count(svg, "class=\"exm\""), 12 + 1);   /* a tick per label, and the legend's */
    assert_int_equal(tu_sh("xmllint --noout %s", path), 0);
    free(svg);
    cJSON_Delete(r);
}

/* 36 runs of 10,000 samples each: the page stays under 2 MB (timelines reduced to pixels). */
static void big_report_stays_small(void **state)
{
    (void)state;
    char path[512];
    cJSON *r = small_report();
    cJSON *runs = cJSON_GetObjectItem(r, "runs");
    cJSON_DeleteItemFromArray(runs, 1);
    cJSON *proto = cJSON_DetachItemFromArray(runs, 0);
    cJSON *tl = cJSON_GetObjectItem(proto, "timeline");
    cJSON_DeleteItemFromObject(tl, "t");
    cJSON_DeleteItemFromObject(tl, "rss");
    cJSON_DeleteItemFromObject(tl, "anon");
    cJSON_DeleteItemFromObject(tl, "file");
    double *t = malloc(10000 * sizeof *t), *v = malloc(10000 * sizeof *v), *a = malloc(10000 * sizeof *a);
    unsigned x = 12345;
    for (int i = 0; i < 10000; i++) {
        x = x * 1103515245u + 12345u;            /* noisy: the worst case for reduction */
        t[i] = i * 1.6 / 10000;
        a[i] = 900e6 * sin(t[i] * 2) * sin(t[i] * 2) + (x >> 8) % 20000000;
        v[i] = a[i] + 4e6 + (x >> 4) % 3000000;
    }
    cJSON_AddItemToObject(tl, "t", cJSON_CreateDoubleArray(t, 10000));
    cJSON_AddItemToObject(tl, "rss", cJSON_CreateDoubleArray(v, 10000));
    cJSON_AddItemToObject(tl, "anon", cJSON_CreateDoubleArray(a, 10000));
    for (int i = 0; i < 10000; i++)
        v[i] -= a[i];
    cJSON_AddItemToObject(tl, "file", cJSON_CreateDoubleArray(v, 10000));
    for (int i = 0; i < 36; i++)
        cJSON_AddItemToArray(runs, cJSON_Duplicate(proto, 1));
    cJSON_Delete(proto);
    free(t);
    free(v);
    free(a);
    write_html(r, "big.html", path, sizeof path);
    char *html = check_page(path, 2000000, 37);
    fprintf(stderr, "36 runs x 10,000 noisy samples: %zu bytes\n", strlen(html));
    free(html);
    cJSON_Delete(r);
}

/* A real quick.yaml report: 51 runs (17 strategies x 3 allocators) with 1 ms timelines, made
 * here by the built binary at 50k rows (a few seconds), so it runs on every fresh clone. A
 * sanitizer build's workers cannot preload jemalloc (ASan replaces malloc too): there, glibc
 * and mixed, 34 runs. */
static void quick_report_page(void **state)
{
    (void)state;
    char path[512], err[512], want[96], b[32], report[300], hw[512];
    tu_bin(hw, sizeof hw);
    bool san = tu_sh("%s --version | grep -q -- -fsanitize", hw) == 0;
    int runs = san ? 34 : 51;
    snprintf(report, sizeof report, "%s/quick.json", dir);
    int rc = tu_sh("%s run configs/quick.yaml --rows 50k %s -o %s > %s/quick.log 2>&1", hw,
                   san ? "--allocators glibc,mixed" : "", report, dir);
    if (rc != 0)   /* the log goes with the scratch directory: show it */
        fail_msg("%s run configs/quick.yaml --rows 50k: exit %d\n%s", hw, rc, tu_text("%s/quick.log", dir));
    cJSON *r = NULL;
    assert_int_equal(hw_report_load(report, &r, err, sizeof err), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "runs")), runs);
    write_html(r, "quick.html", path, sizeof path);
    char *html = check_page(path, 2000000, runs + 1);
    fprintf(stderr, "%s: %zu bytes\n", report, strlen(html));
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
    snprintf(want, sizeof want, "%s, %.2fx",
             hw_fmt_bytes(cJSON_GetObjectItem(run, "peak_rss_bytes")->valuedouble, b, sizeof b),
             cJSON_GetObjectItem(run, "peak_ratio")->valuedouble);
    assert_non_null(strstr(html, want));
    assert_int_equal(count(html, "class=\"run\" id=\"run-"), runs);
    assert_true(assert_phase_labels_apart(html) > runs);
    free(html);
    cJSON_Delete(r);
}

/* The page of configs/quick.yaml the README points to (committed, so this always runs): a
 * valid, self-contained page under 2 MB with one chart per run (36) and the summary. The
 * assert_svgs_parse step writes into dir, so the path's last component names the files. */
static void committed_quick_page(void **state)
{
    (void)state;
    char *html = check_page("results/quick.html", 2000000, 37);
    assert_int_equal(count(html, "class=\"run\" id=\"run-"), 36);
    assert_non_null(strstr(html, "select-chain"));
    free(html);
}

/* A plan's page (the committed ci plan): valid, self-contained, one chart per strategy label
 * with a dot per fit scale and allocator. */
static void plan_page(void **state)
{
    (void)state;
    char path[512], err[512];
    cJSON *plan = NULL;
    assert_int_equal(hw_json_load("results/ci-plan-16M.json", "highwater.plan/1", &plan, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/plan.html", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(hw_plot_plan_html(plan, f, err, sizeof err), 0);
    assert_int_equal(fclose(f), 0);
    char *html = check_page(path, 2000000, 12);
    assert_int_equal(count(html, "<circle"), 24 * 4);   /* 24 entries x 4 fit scales */
    assert_non_null(strstr(html, "(unreliable)"));
    free(html);
    cJSON_Delete(plan);
}

/* Found by tests/fuzz/fuzz_report.c: a plan without target_rows cast NaN to an integer for
 * the title, and one whose target or prediction is near 1e308 never finished (the tick loops
 * multiplied a double up to a bound that had overflowed to inf). The alarm turns that hang
 * into a failure. */
static void plan_page_bad_numbers(void **state)
{
    (void)state;
    static const char *const plans[] = {
        "{\"entries\":[]}",
        "{\"target_rows\":1e308,\"entries\":[{\"label\":\"x\",\"allocator\":\"glibc\","
        "\"scales\":[{\"rows\":1000,\"peak_rss_bytes\":1e6}],\"peak\":{\"a\":1,\"b\":2,"
        "\"predicted\":1e308}}]}",
        /* the prediction plus its interval is inf: the axis cast it to int */
        "{\"target_rows\":1e6,\"entries\":[{\"label\":\"x\",\"allocator\":\"glibc\","
        "\"scales\":[{\"rows\":1000,\"peak_rss_bytes\":1e6}],\"peak\":{\"a\":1,\"b\":2,"
        "\"predicted\":1e308,\"interval_95\":1e308}}]}",
        /* scales without a peak: no y axis, no chart, no cast of inf */
        "{\"target_rows\":1e6,\"entries\":[{\"label\":\"x\",\"allocator\":\"glibc\","
        "\"scales\":[{\"rows\":1000}],\"peak\":{\"a\":1,\"b\":2,\"predicted\":5e6}}]}",
    };
    static const char *const titles[] = {"<h1>highwater plan: ? rows</h1>",
                                         "<h1>highwater plan: ? rows</h1>",
                                         "<h1>highwater plan: 1M rows</h1>",
                                         "<h1>highwater plan: 1M rows</h1>"};
    for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        char *page = NULL, err[256];
        size_t len = 0;
        cJSON *plan = cJSON_Parse(plans[i]);
        FILE *f = open_memstream(&page, &len);
        assert_non_null(plan);
        assert_non_null(f);
        alarm(10);
        assert_int_equal(hw_plot_plan_html(plan, f, err, sizeof err), 0);
        alarm(0);
        assert_int_equal(fclose(f), 0);
        assert_non_null(strstr(page, titles[i]));
        assert_non_null(strstr(page, "</html>"));
        free(page);
        cJSON_Delete(plan);
    }
}

/* 40 phases, many of them too short for a name or even a number: labels never overlap,
 * every phase is in the list under the chart. */
static void crowded_phases(void **state)
{
    (void)state;
    char path[512], want[64];
    cJSON *r = cJSON_Parse("{\"dataset\":{\"output_bytes\":1048576},\"runs\":[{\"label\":\"crowd\","
                           "\"status\":\"ok\",\"allocator\":\"glibc\",\"peak_rss_bytes\":5e6,\"phases\":[]}]}");
    cJSON *phases = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0), "phases");
    double t = 0;
    for (int i = 0; i < 40; i++) {
        static const double walls[] = {0.5, 0.0, 0.001, 0.0004, 0.02, 0.0, 0.1, 0.003};
        cJSON *p = cJSON_CreateObject();
        char name[32];
        snprintf(name, sizeof name, "phase_%c%d", 'a' + i % 26, i);
        cJSON_AddStringToObject(p, "name", name);
        cJSON_AddNumberToObject(p, "start_seconds", t);
        cJSON_AddNumberToObject(p, "wall_seconds", walls[i % 8]);
        cJSON_AddNumberToObject(p, "peak_rss_bytes", 1e6 + i * 1e5);
        cJSON_AddItemToArray(phases, p);
        t += walls[i % 8];
    }
    write_html(r, "crowd.html", path, sizeof path);
    char *html = check_page(path, 2000000, 2);
    int labels = assert_phase_labels_apart(html);
    assert_true(labels >= 5 && labels < 40);
    for (int i = 0; i < 40; i++) {
        snprintf(want, sizeof want, "%d phase_%c%d ", i + 1, 'a' + i % 26, i);
        assert_non_null(strstr(html, want));
    }
    free(html);
    cJSON_Delete(r);
}

/* The committed CI baseline has no timelines: phase peaks as steps, and the page says so. */
static void no_timeline_page(void **state)
{
    (void)state;
    char path[512], err[512];
    cJSON *r = NULL;
    assert_int_equal(hw_report_load(BASELINE, &r, err, sizeof err), 0);
    write_html(r, "baseline.html", path, sizeof path);
    char *html = check_page(path, 2000000, 2);
    assert_non_null(strstr(html, "no timeline"));
    assert_non_null(strstr(html, "class=\"step\""));
    assert_null(strstr(html, "class=\"anon\"/>"));
    free(html);
    cJSON_Delete(r);
}

/* Older, partial and broken reports draw without crashing, and still make valid pages. */
static void broken_reports(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "{}",
        "{\"runs\":null,\"summary\":null,\"lessons\":null,\"dataset\":null,\"host\":null,\"tool\":null}",
        "{\"runs\":[null,1,\"x\",{}],\"summary\":[null,{},{\"peak_ratio\":\"x\"}],\"lessons\":[1,{\"text\":null},{}]}",
        "{\"runs\":[{\"status\":\"ok\",\"peak_rss_bytes\":1e300,\"phases\":[null,{\"name\":7,\"wall_seconds\":-1},"
        "{\"start_seconds\":1e308,\"wall_seconds\":1e308,\"peak_rss_bytes\":-5}],"
        "\"timeline\":{\"t\":[0,1,\"x\",null,2],\"rss\":[1,null],\"anon\":\"no\",\"file\":[]}}]}",
        "{\"runs\":[{\"status\":\"ok\",\"label\":\"bad\\u0001\\u0000x\",\"timeline\":{\"t\":[],\"rss\":[]},"
        "\"phases\":[{\"name\":\"only\",\"wall_seconds\":0.2,\"peak_rss_bytes\":1000}]}],"
        "\"summary\":[{\"label\":\"a\",\"peak_ratio\":{\"median\":1e308},\"status\":\"ok\",\"expect_ratio\":-3}]}",
        "{\"runs\":[{\"status\":\"ok\",\"timeline\":{\"t\":[0,0.001,0.002],\"rss\":[0,0,0]},\"phases\":[]}]}",
    };
    char path[512], name[32], err[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *r = cJSON_Parse(cases[i]);
        assert_non_null(r);
        snprintf(name, sizeof name, "broken-%zu.html", i);
        write_html(r, name, path, sizeof path);
        free(check_page(path, 2000000, 1));
        FILE *f = fopen("/dev/null", "w");
        assert_int_equal(hw_plot_summary_svg(r, f, err, sizeof err), 0);
        fclose(f);
        cJSON_Delete(r);
    }
    /* Invalid UTF-8 in a label becomes '?', so the SVG stays XML. */
    cJSON *r = cJSON_Parse("{\"summary\":[{\"label\":\"x\",\"status\":\"ok\",\"peak_ratio\":1}]}");
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "summary"), 0), "label",
                              cJSON_CreateString("bad\xff\xc3-end"));
    write_html(r, "utf8.html", path, sizeof path);
    char *html = check_page(path, 2000000, 1);
    assert_non_null(strstr(html, "bad?\?-end"));
    free(html);
    cJSON_Delete(r);
    /* Not a report, or nowhere to write: -1 with a reason. */
    cJSON *a = cJSON_CreateArray();
    FILE *f = fopen("/dev/null", "w");
    err[0] = 0;
    assert_int_equal(hw_plot_html(a, "t", f, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a report"));
    assert_int_equal(hw_plot_html(NULL, "t", f, err, sizeof err), -1);
    assert_int_equal(hw_plot_summary_svg(a, f, err, sizeof err), -1);
    assert_int_equal(hw_plot_summary_svg(a, NULL, err, sizeof err), -1);
    fclose(f);
    cJSON_Delete(a);
}

/* A write error is reported, not swallowed. */
static void write_error(void **state)
{
    (void)state;
    char err[256] = "";
    cJSON *r = small_report();
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    assert_int_equal(hw_plot_html(r, NULL, f, err, sizeof err), -1);
    assert_non_null(strstr(err, "write"));
    fclose(f);
    cJSON_Delete(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_report_page),
        cmocka_unit_test(summary_svg_standalone),
        cmocka_unit_test(summary_grows_with_rows),
        cmocka_unit_test(big_report_stays_small),
        cmocka_unit_test(quick_report_page),
        cmocka_unit_test(committed_quick_page),
        cmocka_unit_test(plan_page),
        cmocka_unit_test(plan_page_bad_numbers),
        cmocka_unit_test(no_timeline_page),
        cmocka_unit_test(cgroup_line_drawn),
        cmocka_unit_test(crowded_phases),
        cmocka_unit_test(broken_reports),
        cmocka_unit_test(write_error),
    };
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, setup, tu_scratch_teardown);
}
