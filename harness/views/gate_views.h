/* `highwater gate` and the views of its verdict tree (report/gate.h's hw_gate_compare): the
 * table on stdout, JUnit XML for CI test reports, Markdown for a pull-request comment. Each
 * only shows what the tree holds; the verdicts are the model's. */
#ifndef HW_GATE_VIEWS_H
#define HW_GATE_VIEWS_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>
#include "gate.h"

/* Load both reports, compare, print the table, write --junit and --markdown (atomically).
 * The exit code: 0 pass, 1 a regression or failed check, 2 bad input. */
int hw_gate(const struct hw_gate_opts *o);

void hw_gate_print_table(const cJSON *result, FILE *f);
/* Through hw_atomic_write: 0, or -1 with err naming the file. */
int hw_gate_write_junit(const cJSON *result, const char *path, char *err, size_t errlen);
int hw_gate_write_markdown(const cJSON *result, const char *path, char *err, size_t errlen);

/* An entry's bytes field as "1.5 MiB", its delta as "+2.0%"; "-" when absent (the table's
 * and the Markdown's cells). */
const char *hw_gate_fmt_bytes(const cJSON *e, const char *k, char *buf, size_t len);
const char *hw_gate_fmt_delta(const cJSON *e, char *buf, size_t len);

#endif
