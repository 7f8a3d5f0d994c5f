/* Options declared once: one table row carries a key's name, type, where it is stored,
 * its range, its default and its help. The same rows drive config parsing, strategy
 * params, validation, defaults (which go through the same parser as user input) and help. */
#ifndef HW_OPTIONS_H
#define HW_OPTIONS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HW_STR_MAX 256

enum hw_opt_type {
    HW_OPT_COUNT,    /* uint64_t: 70M, 100k */
    HW_OPT_BYTES,    /* uint64_t: 1.5GiB */
    HW_OPT_SIZE,     /* struct hw_size: bytes or 2.0x */
    HW_OPT_RATE,     /* double in [min, max]: 0.01 */
    HW_OPT_PERCENT,  /* double: 90% -> 0.9 */
    HW_OPT_UINT,     /* uint64_t, plain integer */
    HW_OPT_U32,      /* uint32_t, plain integer: a config field stored as it is kept */
    HW_OPT_BOOL,     /* bool: true/false */
    HW_OPT_ENUM,     /* int: index into choices "a|b|c" */
    HW_OPT_STRING,   /* char[HW_STR_MAX] */
};

struct hw_option {
    const char *name;
    enum hw_opt_type type;
    size_t offset;          /* into the struct the table describes */
    const char *def;        /* default, as a user would write it; NULL: no default (zero) */
    double min, max;        /* range for numeric types (min == max == 0: unchecked) */
    const char *choices;    /* HW_OPT_ENUM: "global|local" */
    const char *help;
};

/* Parse value and store it at base+offset. 0, or -1 with err naming what was expected,
 * e.g. "expected a row count like 70M or 250k, got 'lots'". */
int hw_option_set(const struct hw_option *opt, void *base, const char *value, char *err,
                  size_t errlen);
/* Apply every default of a NULL-name-terminated table. 0, or -1 (a broken table). */
int hw_options_defaults(const struct hw_option *table, void *base, char *err, size_t errlen);
/* The bytes a row of type t stores at its offset. */
size_t hw_option_size(enum hw_opt_type t);
const struct hw_option *hw_option_find(const struct hw_option *table, const char *name);
/* Closest name in the table by edit distance, or NULL when nothing is close. */
const char *hw_option_suggest(const struct hw_option *table, const char *name);
/* "name1, name2, name3" into buf. */
const char *hw_option_names(const struct hw_option *table, char *buf, size_t len);
/* Value as a user would write it back (for reports and help), into buf. */
const char *hw_option_format(const struct hw_option *opt, const void *base, char *buf, size_t len);

#endif
