/* `highwater compare A.json B.json`: two reports side by side, for "before vs after a config
 * change": per (strategy label, allocator, conf), median peaks, walls and expect verdicts,
 * with deltas. Informational: shapes may differ (it says so); exit 0, or 2 on bad input. */
#ifndef HW_COMPARE_H
#define HW_COMPARE_H
#include <cjson/cJSON.h>
#include <stdio.h>

int hw_compare(const char *a_path, const char *b_path);
/* The table from two loaded reports. */
void hw_compare_print(const cJSON *a, const char *a_path, const cJSON *b, const char *b_path, FILE *f);

#endif
