/* A table's values as typed JSON: what the spec carries from the config's one parse to the
 * worker, so no size or count is parsed from text twice. Whole numbers and rates are JSON
 * numbers (bytes as bytes, a percent as its fraction), a size given as a ratio is
 * {"ratio": 2.5}, bools are bools, enums and strings are strings. */
#ifndef HW_OPTIONS_JSON_H
#define HW_OPTIONS_JSON_H
#include "options.h"
#include <cjson/cJSON.h>

/* Every row of table, read from base, as one object. A whole number from 10^15 up loses
 * digits as cJSON prints it, and hw_options_from_json refuses it. */
cJSON *hw_options_to_json(const struct hw_option *table, const void *base);
/* obj into base, checked as input (a spec can be hand-edited): every row of table exactly
 * once, no other key, each of its row's JSON type and inside its range. 0, or -1 with err
 * "param 'chunk_rows' of OWNER: expected a whole number from 1 to 1000000000000, got a
 * string"; base may then be partly written. */
int hw_options_from_json(const struct hw_option *table, const cJSON *obj, void *base,
                         const char *owner, char *err, size_t errlen);

#endif
