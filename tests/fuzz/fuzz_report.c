/* libFuzzer target: everything that reads a report or a plan someone hands us. The input is
 * written to a memfd (hw_report_load takes a path; /proc/self/fd/N names it, and nothing is
 * left behind even on a crash; with a buffer entry point in report.c, call that instead in
 * load()), loaded as a report, and, when it loads, put through what gate, compare, plot and
 * plan --from do with it: the gate against itself and against a small real report
 * (tests/fuzz/corpus/report/ci-small.json, both ways, so the fuzzed one is the baseline
 * too), compare, the HTML page and summary SVG, and a plan from it with the real one. It is
 * also loaded as a plan, drawn and asked for a prediction, as plot and run --plan read
 * plans. (The stdout tables are only printed from reports and plans this process built, so
 * loaded ones are not fed to them.) Asserted: no crash, leak, hang or undefined behaviour;
 * a load returns 0 or 2 with a one-line error naming the file; the gate says 0 or 1 with a
 * result, or 2 with a reason. */
#include "compare.h"
#include "gate_views.h"
#include "plan.h"
#include "plot.h"
#include "report.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define COMPANION "tests/fuzz/corpus/report/ci-small.json"

static int fd = -1;
static char path[64];
static FILE *devnull;
static cJSON *companion;

static void init(void)
{
    char err[512];
    if ((fd = memfd_create("hw-fuzz-report", MFD_CLOEXEC)) < 0 || !(devnull = fopen("/dev/null", "w")))
        abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    /* Run from the repository root (make fuzz does); without it the pairs are skipped. */
    if (hw_report_load(COMPANION, &companion, err, sizeof err) != 0)
        fprintf(stderr, "fuzz_report: no companion report: %s\n", err);
}

static int load(const uint8_t *data, size_t size, const char *schema, cJSON **out, char *err,
                size_t len)
{
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    if (strcmp(schema, HW_REPORT_SCHEMA) == 0)
        return hw_report_load(path, out, err, len);   /* with whatever checks a report gets */
    return hw_json_load(path, schema, out, err, len);
}

static void check_load(int rc, const char *err)
{
    if (rc != 0 && (rc != 2 || strncmp(err, path, strlen(path)) != 0 || strchr(err, '\n'))) {
        fprintf(stderr, "fuzz_report: load gave %d: '%s'\n", rc, err);
        abort();
    }
}

static void gate(const cJSON *report, const cJSON *base, bool allow)
{
    struct hw_gate_opts o = {.tolerance = 0.05, .slack = 1 << 20, .allow_missing = allow,
                             .allow_shape_change = allow};
    char err[1024] = "";
    int code = -1;
    cJSON *res = hw_gate_compare(report, "r.json", base, "b.json", &o, &code, err, sizeof err);
    if (res ? code != 0 && code != 1 : code != 2 || !err[0]) {
        fprintf(stderr, "fuzz_report: gate gave %s with code %d: '%s'\n", res ? "a result" : "none",
                code, err);
        abort();
    }
    if (res)
        hw_gate_print_table(res, devnull);
    cJSON_Delete(res);
}

static void plan(cJSON *a, cJSON *b)
{
    cJSON *reports[2] = {a, b};
    const char *names[2] = {"a.json", "b.json"};
    struct hw_plan_opts o = {.rows = 70000000, .headroom = 0.1};
    char err[1024] = "";
    cJSON *p = hw_plan_build(reports, names, 2, &o, err, sizeof err);
    if (!p) {
        if (!err[0])
            abort();
        return;
    }
    hw_plan_print(p, devnull);
    hw_plot_plan_html(p, devnull, err, sizeof err);
    cJSON_Delete(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024] = "";
    cJSON *r = NULL, *p = NULL;
    int rc;

    if (fd < 0)
        init();
    rc = load(data, size, HW_REPORT_SCHEMA, &r, err, sizeof err);
    check_load(rc, err);
    if (rc == 0) {
        gate(r, r, false);
        gate(r, r, true);
        hw_compare_print(r, "r.json", r, "r.json", devnull);
        hw_plot_html(r, NULL, devnull, err, sizeof err);
        hw_plot_summary_svg(r, devnull, err, sizeof err);
        plan(r, r);
        if (companion) {
            gate(r, companion, true);
            gate(companion, r, true);
            hw_compare_print(r, "r.json", companion, "c.json", devnull);
            plan(companion, r);
        }
        cJSON_Delete(r);
    }
    rc = load(data, size, HW_PLAN_SCHEMA, &p, err, sizeof err);
    check_load(rc, err);
    if (rc == 0) {
        hw_plot_plan_html(p, devnull, err, sizeof err);
        (void)hw_plan_predict(p, "whole-copy", "glibc", "", 1e6);
        cJSON_Delete(p);
    }
    return 0;
}
