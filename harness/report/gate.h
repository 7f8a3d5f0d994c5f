/* `highwater gate`: a report against a baseline, as a CI step. Every (strategy label,
 * allocator, allocator_conf) present in both is compared on its median peak over repeats:
 * it fails past baseline x (1 + tolerance) + slack. It also fails on a run that is not ok,
 * an output that no longer matches the reference, a budget exceeded, and a baseline entry
 * missing from the report. The verdicts form one cJSON tree; the table, the JUnit XML and
 * the Markdown are views of it (views/gate_views.h, with the command itself). */
#ifndef HW_GATE_H
#define HW_GATE_H
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct hw_gate_opts {
    char report[PATH_MAX];
    char baseline[PATH_MAX];
    char junit[PATH_MAX];
    char markdown[PATH_MAX];
    double tolerance;        /* fraction; default in main.c's flag table, from measured noise */
    uint64_t slack;          /* bytes, likewise */
    bool allow_missing;
    bool allow_shape_change;
};

/* Compare two loaded reports into a result tree (highwater.gate/1: entries[] with verdict,
 * failed, message, old_/new_peak_bytes, limit_bytes, delta; counts{}; passed; host_change and
 * shape_change notes), the one source of the gate's views. NULL with err and *code 2 on bad
 * input; else *code 0 pass, 1 a regression or failed check. */
cJSON *hw_gate_compare(const cJSON *report, const char *report_path, const cJSON *base,
                       const char *base_path, const struct hw_gate_opts *o, int *code, char *err,
                       size_t errlen);

#endif
