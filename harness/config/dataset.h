/* The synthetic source table: a schema (dtype groups with null/inf/nan rates) and a
 * deterministic, random-access generator. The value of (column, row) is a function of
 * (seed, column, row) alone, so any row range of any column can be produced on its own:
 * streaming sources, and reference values for any output cell without a copy. */
#ifndef HW_DATASET_H
#define HW_DATASET_H
#include "dtype.h"
#include <stdbool.h>
#include <stdint.h>

#define HW_MAX_GROUPS 16
#define HW_MAX_COLS   4096
/* The largest row count and seed a config takes (a seed must survive a trip through JSON's
 * doubles: 2^53 - 1). */
#define HW_ROWS_MAX   1000000000000ull
#define HW_SEED_MAX   9007199254740991ull

struct hw_col_group {
    enum hw_dtype dtype;   /* f64 f32 i64 i32 i16 i8 (never f16) */
    uint32_t count;        /* columns in this group */
    double null_rate;      /* fraction of cells that are null (validity bit 0) */
    double inf_rate;       /* fraction that are +inf or -inf (float dtypes only) */
    double nan_rate;       /* fraction that are NaN (float dtypes only) */
};

struct hw_dataset {
    uint64_t rows;
    uint32_t cols;               /* sum of the groups' counts */
    uint64_t seed;
    uint32_t ngroups;
    struct hw_col_group groups[HW_MAX_GROUPS];
    uint32_t all_null_columns;   /* the last N columns are null in every row */
};

/* Column c's dtype and cell-class thresholds, resolved from the groups. */
struct hw_colspec {
    enum hw_dtype dtype;
    bool all_null;
    uint32_t null_below, inf_below, nan_below; /* cumulative thresholds on a 32-bit draw */
};

void hw_dataset_colspec(const struct hw_dataset *ds, uint32_t col, struct hw_colspec *out);
/* Bytes of the whole source: every column's values plus its validity bitmap (rows/8 rounded up). */
uint64_t hw_dataset_source_bytes(const struct hw_dataset *ds);
/* Bytes of one column's values (no bitmap). */
uint64_t hw_dataset_column_bytes(const struct hw_dataset *ds, uint32_t col);
uint64_t hw_dataset_output_bytes(const struct hw_dataset *ds, enum hw_dtype out);
size_t hw_validity_bytes(uint64_t rows);

/* Rows [row0, row0+n) of column col: values into data (n elements of the column's dtype),
 * validity bits into validity (bit i, LSB first, is row row0+i; 1 = valid) when not NULL.
 * Null cells hold 0 in data. Every byte of (n+7)/8 validity bytes is written. */
void hw_gen_fill(const struct hw_dataset *ds, uint32_t col, uint64_t row0, size_t n,
                 void *data, uint8_t *validity);

/* One cell: returns true if valid (value written to *value, hw_dtype_size bytes), false if null. */
bool hw_gen_cell(const struct hw_dataset *ds, uint32_t col, uint64_t row, void *value);

static inline bool hw_valid_bit(const uint8_t *validity, uint64_t bit)
{
    return validity == NULL || ((validity[bit >> 3] >> (bit & 7)) & 1u);
}

#endif
