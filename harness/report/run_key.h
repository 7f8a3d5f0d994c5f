/* A run's identity across repeats and reports: its label, allocator and allocator conf. The
 * summary groups repeats by it, gate and compare match baseline to report by it, plan finds a
 * fit by it, and every table prints it. Here once, so that no reader compares or prints a
 * part of it. */
#ifndef HW_RUN_KEY_H
#define HW_RUN_KEY_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Do two records (runs, summary rows, gate or plan entries) name the same run? */
bool hw_run_key_equal(const cJSON *a, const cJSON *b);
/* Does o name this label, allocator and conf? */
bool hw_run_key_is(const cJSON *o, const char *label, const char *allocator, const char *conf);
/* Give to the key of from (label, strategy, allocator, allocator_conf, in that order). */
void hw_run_key_copy(cJSON *to, const cJSON *from);
/* The allocator column of a table: "jemalloc", or "jemalloc+narenas:1" with a conf. */
const char *hw_run_key_allocator(const cJSON *o, char *buf, size_t len);

#endif
