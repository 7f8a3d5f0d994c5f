/* Reading the report's cJSON tree without a NULL check at every step: a missing or mistyped
 * field reads as NaN or "" and the caller decides what that means. */
#ifndef HW_JSON_H
#define HW_JSON_H
#include <cjson/cJSON.h>

/* o[k] as a number, NaN when absent or not a number (o may be NULL). */
double hw_jnum(const cJSON *o, const char *k);
/* o[k] as a string, "" when absent or not a string (o may be NULL). */
const char *hw_jstr(const cJSON *o, const char *k);

#endif
