/* Reading the report's cJSON tree without a NULL check at every step: a missing or mistyped
 * field reads as NaN or "" and the caller decides what that means. */
#ifndef HW_JSON_H
#define HW_JSON_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* o[k] as a number, NaN when absent or not a number (o may be NULL). */
double hw_jnum(const cJSON *o, const char *k);
/* o[k] as a string, "" when absent or not a string (o may be NULL). */
const char *hw_jstr(const cJSON *o, const char *k);
/* o[k] as a whole number in [min, max], checked before any cast. 0, or -1 with err
 * "field 'rows' is -1, expected a whole number from 1 to 1000000000000". */
int hw_json_u64(const cJSON *o, const char *k, uint64_t min, uint64_t max, uint64_t *out,
                char *err, size_t len);

/* A JSON array of numbers as n doubles (NaN for anything else, and past its end); NULL out
 * of memory. A timeline's t[] and rss[], for the charts and for merge --sacct's bounds. */
double *hw_read_series(const cJSON *a, size_t n);

/* Adds o[k] = v exactly. cJSON prints a number with 15 significant digits whenever that reads
 * back within its epsilon, so 9007199254740991 (a valid seed) would be written as
 * 9.00719925474099e+15 and read back as ...990: from 10^15 on, the digits are written raw.
 * NULL when out of memory. */
cJSON *hw_json_add_whole(cJSON *o, const char *k, uint64_t v);
/* The same, but null when v is the value that stands for "not measured" (a figure an
 * interface does not give is null, never 0). */
cJSON *hw_json_add_measured(cJSON *o, const char *k, uint64_t v, uint64_t unknown);

#endif
