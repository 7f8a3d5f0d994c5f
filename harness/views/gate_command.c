/* `highwater gate` (gate_views.h): both reports loaded, the model's verdicts (report/gate.c),
 * then its views: the table on stdout, JUnit and Markdown when asked for. */
#include "gate_views.h"
#include "atomic.h"
#include "report.h"
#include <limits.h>
#include <stdio.h>

int hw_gate(const struct hw_gate_opts *o)
{
    int code = 2;
    char err[PATH_MAX * 2 + 512];
    cJSON *report = NULL, *base = NULL, *res = NULL;
    if ((o->junit[0] && hw_path_check("--junit", o->junit, err, sizeof err) != 0) ||
        (o->markdown[0] && hw_path_check("--markdown", o->markdown, err, sizeof err) != 0) ||
        hw_report_load(o->report, &report, err, sizeof err) != 0 ||
        hw_report_load(o->baseline, &base, err, sizeof err) != 0) {
        fprintf(stderr, "highwater gate: %s\n", err);
        goto out;
    }
    res = hw_gate_compare(report, o->report, base, o->baseline, o, &code, err, sizeof err);
    if (!res) {
        fprintf(stderr, "highwater gate: %s\n", err);
        goto out;
    }
    hw_gate_print_table(res, stdout);
    fflush(stdout);
    if ((o->junit[0] && hw_gate_write_junit(res, o->junit, err, sizeof err) != 0) ||
        (o->markdown[0] && hw_gate_write_markdown(res, o->markdown, err, sizeof err) != 0)) {
        fprintf(stderr, "highwater gate: %s\n", err);
        code = 2;
    }
out:
    cJSON_Delete(res);
    cJSON_Delete(report);
    cJSON_Delete(base);
    return code;
}
