/* The assumptions report's headline: what the measurements say against what the team
 * believed. A view of the report like the table: built from its runs and summary, ranked
 * (wrong outputs first, then the beliefs most wrong by factor, the held ones, then what the
 * allocators did), stored in the report as lessons[] and printed after the table. */
#ifndef HW_LESSONS_H
#define HW_LESSONS_H
#include <cjson/cJSON.h>
#include <stdio.h>

/* [{kind: correctness|belief|held|allocator|fidelity, label, weight, text}] */
cJSON *hw_lessons_build(const cJSON *report);
void hw_lessons_print(const cJSON *lessons, FILE *f);

#endif
